import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { fuzzLint, MUTATION_KINDS, readSamples } from '../../scripts/fuzz/lintFuzz.ts';

/**
 * Lint under random mutations of the sample playbooks (seeded): never a throw, always an error diagnostic with a
 * code and a position when the set is broken, no prototype pollution. A few hundred here; `npx tsx
 * scripts/fuzz/lint.ts` runs 10,000+ (docs/reliability/lint-fuzz.txt).
 */
it('survives 200 seeded mutations of the sample playbooks with diagnostics, never an exception', () => {
  const samples = readSamples(fileURLToPath(new URL('../../sop-playbooks', import.meta.url)));
  const outcome = fuzzLint(samples, { count: 200, seed: 20261125 });
  expect(outcome.failures).toEqual([]);
  expect(outcome.mutations).toBe(200);
  expect(outcome.withErrors).toBeGreaterThan(100);
  // Every kind of mutation was tried.
  expect(Object.keys(outcome.byKind).sort()).toEqual([...MUTATION_KINDS].sort());
  expect(outcome.codes.get('KOC_YAML_ALIAS_LIMIT')).toBeGreaterThan(0);
}, 60_000);

it('lists at most 20 YAML syntax errors of a broken file and counts the rest in one more line', async () => {
  const { loadFiles } = await import('../support/playbooks.ts');
  const junk = Array.from({ length: 400 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  const result = loadFiles({ 'junk.yaml': `${junk}\n: : : [ { ] }\n- - -\n  bad: [\n`.repeat(20) });
  const syntax = result.diagnostics.filter((d) => d.code === 'KOC_YAML_SYNTAX');
  expect(syntax.length).toBeLessThanOrEqual(21);
  expect(syntax.at(-1)?.message).toMatch(/^and \d+ more YAML errors in this file, not listed: fix the ones above first/);
});
