import { execSync } from 'node:child_process';
import { cpus, loadavg, platform, arch, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { loadPlaybookFolder } from '../../src/playbook/load.ts';
import { summarize } from '../../src/simulate/report.ts';
import { runSimulation } from '../../src/simulate/runSimulation.ts';
import type { SimulationStoreKind } from '../../src/store/simulationSeed.ts';
import { formatOutbox, measureOutbox, openEmbeddedBench, rateOf } from './outboxMeasure.ts';

/**
 * `npm run bench:simulate -- [--days 30] [--accounts 20] [--contacts 500,10000] [--seed 7] [--store memory|disk|both]
 * [--dispatch-n 5000] [--dispatch-runs 3]`: how long `kocflow simulate` takes for a month of the sample playbooks. A
 * benchmark, not a test: run it by hand and keep its raw output in docs/bench/simulate.txt with the machine it ran
 * on. Goal (issue #5): 30 days × 20 accounts × 500 contacts in under 30 s wall.
 *
 * `--contacts` is what the CLI's flag is: customers in all, spread over the accounts. The issue's "20 accounts × 500
 * contacts" reads more naturally as 500 per account, 10,000 in all, so both sizes are run by default: 500 (the CLI's
 * `--contacts 500`, 25 per account) and 10,000 (500 per account).
 *
 * For each size it runs the simulation in process exactly as the command does (runSimulation, then the summary) and
 * prints the wall time and its phases, the process's CPU time (user + system: less disturbed than wall time when
 * other work shares the machine), what was simulated, and where the store time went: every statement PGlite
 * executed, counted and timed by wrapping PGlite's query/exec (Prisma's and the adapter's time is the rest). Then
 * the outbox's end-to-end dispatch rate, due → sent, against a one-statement raw insert measured in the same
 * process (scripts/bench/outboxMeasure.ts, part (c) of `bench:outbox`, on the driver path simulate uses).
 * For a CPU profile: `npx node --cpu-prof --cpu-prof-dir=prof --import tsx scripts/bench/simulate.ts --contacts 500`.
 */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GOAL_SECONDS = 30;

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    accounts: { type: 'string', default: '20' },
    contacts: { type: 'string', default: '500,10000' },
    seed: { type: 'string', default: '7' },
    from: { type: 'string', default: '2026-12-01' },
    store: { type: 'string', default: 'memory' },
    top: { type: 'string', default: '12' },
    'dispatch-n': { type: 'string', default: '5000' },
    'dispatch-runs': { type: 'string', default: '3' },
  },
});
const sizes = args.contacts.split(',').map((c) => Number(c.trim()));
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--contacts takes whole numbers separated by commas, not "${args.contacts}"`);
  process.exit(2);
}
const stores: SimulationStoreKind[] = args.store === 'both' ? ['memory', 'disk'] : [args.store as SimulationStoreKind];
if (!stores.every((s) => s === 'memory' || s === 'disk')) {
  console.error(`--store must be memory, disk or both, not "${args.store}"`);
  process.exit(2);
}

// Every statement PGlite runs: its text (parameters are $n placeholders), when it started and how long it took.
const executed: { sql: string; at: number; ms: number }[] = [];
for (const method of ['query', 'exec'] as const) {
  const proto = PGlite.prototype as unknown as Record<string, (sql: string, ...rest: unknown[]) => Promise<unknown>>;
  const original = proto[method]!;
  proto[method] = async function (this: unknown, sql: string, ...rest: unknown[]) {
    const at = performance.now();
    try {
      return await original.call(this, sql, ...rest);
    } finally {
      executed.push({ sql, at, ms: performance.now() - at });
    }
  };
}

const commit = (() => {
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execSync('git status --porcelain -- src', { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes in src/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
})();
const cpu = cpus();
const format = (n: number) => n.toLocaleString('en-US');
console.log('kocflow simulate benchmark (scripts/bench/simulate.ts)');
console.log(`date:     ${new Date().toISOString()}`);
console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
console.log(`load:     ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run; above 0 means other work shared the CPU)`);
console.log(`node:     ${process.version}`);
console.log(`code:     ${commit}`);
console.log(`run:      --days ${args.days} --accounts ${args.accounts} --seed ${args.seed} --from ${args.from}, sample playbooks (sop-playbooks); ` +
  `--contacts ${sizes.map((n) => `${format(n)} (${format(n / Number(args.accounts))} per account)`).join(', ')}: customers in all, as the CLI flag`);
console.log(`goal:     under ${GOAL_SECONDS} s wall for 30 days × 20 accounts × 500 contacts`);

const playbooks = loadPlaybookFolder(resolve(REPO_ROOT, 'sop-playbooks'));
if (!playbooks.ok) throw new Error('the sample playbooks have errors: run kocflow lint sop-playbooks');
const results: string[] = [];
for (const contacts of sizes) for (const store of stores) {
  executed.length = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const run = await runSimulation({
    days: Number(args.days), accounts: Number(args.accounts), contacts, seed: Number(args.seed),
    from: new Date(`${args.from}T00:00:00+08:00`), playbooks: playbooks.set, store,
  });
  const summary = summarize(run);
  const wall = (performance.now() - started) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  // The statements of the work itself: from the end of opening the store (PGlite's start-up and the migrations
  // are the open phase) to the end of the run.
  const workFrom = started + run.phases.openStore;
  const statements = new Map<string, { count: number; ms: number }>();
  for (const e of executed.filter((x) => x.at >= workFrom)) {
    const key = e.sql.replace(/\s+/g, ' ').trim().slice(0, 110);
    const s = statements.get(key) ?? { count: 0, ms: 0 };
    s.count++;
    s.ms += e.ms;
    statements.set(key, s);
  }
  const queries = [...statements.values()].reduce((n, s) => n + s.count, 0);
  const dbMs = [...statements.values()].reduce((n, s) => n + s.ms, 0);
  const workMs = run.phases.seed + run.phases.run + run.phases.report;
  const v = summary.violations;
  console.log('');
  console.log(`[--contacts ${format(contacts)} (${format(contacts / Number(args.accounts))} per account), store: ${store}]`);
  console.log(`wall:       ${wall.toFixed(1)} s (open store ${(run.phases.openStore / 1000).toFixed(1)} s, seed + engine start ${(run.phases.seed / 1000).toFixed(1)} s, ` +
    `run ${(run.phases.run / 1000).toFixed(1)} s, ledger ${(run.phases.report / 1000).toFixed(1)} s, summary ${(wall - run.wallSeconds).toFixed(1)} s)`);
  console.log(`cpu:        ${cpuSeconds.toFixed(1)} s user + system (${((cpuSeconds / wall) * 100).toFixed(0)}% of wall; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`simulated:  ${summary.period.days} days, ${format(summary.population.contacts)} customers on ${format(Object.keys(summary.byAccount).length)} accounts, ` +
    `${format(summary.events)} customer events, ${format(summary.ticks)} engine ticks`);
  console.log(`sends:      ${format(summary.sends)} (${(summary.sends / wall).toFixed(0)} sends/s wall); deferred ${format(summary.deferred.total)} decisions ` +
    `on ${format(summary.deferred.entries)} entries (${Object.entries(summary.deferred.byReason).map(([k, n]) => `${k} ${n}`).join(', ')}); skipped ${summary.skipped.total}`);
  console.log(`violations: quiet hours ${v.quietHours}, caps ${v.caps}, duplicates ${v.duplicates}`);
  console.log(`store:      after opening: ${format(queries)} statements, ${(dbMs / 1000).toFixed(1)} s inside PGlite (${(dbMs / queries).toFixed(2)} ms each); ` +
    `the other ${((workMs - dbMs) / 1000).toFixed(1)} s of seed + run + ledger outside it (Prisma client and adapter, engine, simulation)`);
  console.log(`top statements by time (count × mean = total):`);
  for (const [sql, s] of [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(args.top))) {
    console.log(`  ${format(s.count).padStart(6)} × ${(s.ms / s.count).toFixed(2)} ms = ${(s.ms / 1000).toFixed(1).padStart(4)} s  ${sql}`);
  }
  results.push(`--contacts ${format(contacts)} ${store}: ${wall.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s cpu, ${wall <= GOAL_SECONDS ? 'under' : 'over'} ${GOAL_SECONDS} s`);
}

// The outbox's end-to-end rate against a raw insert, in this process and on this machine's load.
const dispatchN = Number(args['dispatch-n']);
const dispatchRuns = Number(args['dispatch-runs']);
const bench = await openEmbeddedBench();
let dispatchLine: string;
try {
  const measured = await measureOutbox(bench, { n: dispatchN, runs: dispatchRuns, parts: ['dispatch'], driver: true });
  const base = rateOf(measured, 'baseline');
  const sent = rateOf(measured, 'dispatch');
  console.log('');
  console.log(`[outbox dispatch, ${bench.name}: ${format(dispatchN)} entries due at once for 20 accounts, nothing deferred, median of ${dispatchRuns} runs]`);
  for (const line of formatOutbox(measured)) console.log(line);
  dispatchLine = `dispatch due → sent ${format(sent.rowsPerSecond)} rows/s = ${sent.ratio.toFixed(3)} of the raw insert baseline (${format(base.rowsPerSecond)} rows/s)`;
} finally {
  await bench.dispose();
}
console.log('');
for (const line of results) console.log(`result:   ${line}`);
console.log(`result:   ${dispatchLine}`);
