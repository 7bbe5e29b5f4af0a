/**
 * `npx tsx scripts/fuzz/lint.ts [--count 10000] [--seed 1]`: random mutations of the sample playbooks through lint
 * (scripts/fuzz/lintFuzz.ts says what is checked). Prints the counts; exits 1 when an invariant broke, with the
 * seed, index and mutated text of each failure so it can be replayed. Raw output: docs/reliability/lint-fuzz.txt.
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzzLint, readSamples } from './lintFuzz.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } } });
const count = Number(values.count);
const seed = Number(values.seed);
const samples = readSamples(join(ROOT, 'sop-playbooks'));
console.log(`lint fuzz: ${count} mutations of ${samples.files.size} sample playbooks, seed ${seed}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, node ${process.version}`);
const outcome = fuzzLint(samples, { count, seed });
console.log(`mutations: ${outcome.mutations}   lint found errors: ${outcome.withErrors}   still valid: ${outcome.stillValid}   invariant failures: ${outcome.failures.length}   time: ${(outcome.ms / 1000).toFixed(1)} s (${(outcome.ms / Math.max(1, outcome.mutations)).toFixed(2)} ms each)`);
console.log('\nby mutation kind (runs / with errors):');
for (const [kind, stat] of Object.entries(outcome.byKind).sort()) console.log(`  ${kind.padEnd(24)} ${String(stat.runs).padStart(6)} ${String(stat.withErrors).padStart(6)}`);
console.log(`\ndiagnostic codes seen (${outcome.codes.size}):`);
for (const [code, n] of [...outcome.codes].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(40)} ${n}`);
for (const f of outcome.failures.slice(0, 20)) console.log(`\nFAILURE seed ${f.seed} #${f.index} ${f.kind} on ${f.file}: ${f.problem}\n${f.text.slice(0, 500)}`);
process.exitCode = outcome.failures.length === 0 ? 0 : 1;
