import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fmt, formatOutbox, measureOutbox, openEmbeddedBench, openPostgresBench } from './outboxMeasure.ts';

/**
 * `npm run bench:outbox -- [--n 5000] [--runs 3] [--pg postgresql://…/test] [--only embedded|postgres] [--sql prisma|driver|both]`:
 * how fast the outbox takes entries in and sends them out, on the embedded store (PGlite in a temp data directory)
 * and on PostgreSQL (a database created for the run and dropped after it). A benchmark, not a test: run it by
 * hand and keep the raw output (docs/bench/outbox.txt) with the machine it ran on. What each part measures:
 * ./outboxMeasure.ts. `--sql`: the engine store's SQL through Prisma, on the driver underneath it (what simulate
 * and the engine tests use), or both, each on a store of its own.
 */

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '3' },
    pg: { type: 'string', default: process.env.KOCFLOW_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    only: { type: 'string' },
    sql: { type: 'string', default: 'both' },
  },
});
const N = Number(args.n);
const RUNS = Number(args.runs);
if (!Number.isInteger(N) || N < 100 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`--n must be a whole number of at least 100 and --runs at least 1 (got --n ${args.n} --runs ${args.runs})`);
  process.exit(2);
}
if (!['prisma', 'driver', 'both'].includes(args.sql)) {
  console.error(`--sql must be prisma, driver or both, not "${args.sql}"`);
  process.exit(2);
}
const vias = args.sql === 'both' ? (['prisma', 'driver'] as const) : ([args.sql as 'prisma' | 'driver'] as const);

const cpu = cpus();
console.log('kocflow outbox benchmark (scripts/bench/outbox.ts)');
console.log(`date:     ${new Date().toISOString()}`);
console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
console.log(`load:     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run)`);
console.log(`node:     ${process.version}`);
console.log(`work:     N = ${fmt(N)} entries, 20 accounts × ${Math.ceil(N / 20)} contacts, one entry per contact; median of ${RUNS} runs`);
console.log('');

for (const kind of ['embedded', 'postgres'] as const) {
  if (args.only && args.only !== kind) continue;
  for (const via of vias) {
    const bench = kind === 'embedded' ? await openEmbeddedBench() : await openPostgresBench(args.pg);
    if (typeof bench === 'string') {
      console.log(`[postgres] ${bench}`);
      break;
    }
    try {
      const result = await measureOutbox(bench, { n: N, runs: RUNS, driver: via === 'driver' });
      console.log(`[${bench.name}, engine store SQL via ${via}] ${bench.store.location}`);
      for (const line of formatOutbox(result)) console.log(line);
    } finally {
      await bench.dispose();
    }
    console.log('');
  }
}
