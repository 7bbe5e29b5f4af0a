/**
 * `npm run bench:dispatch-processes -- [--n 20000] [--runs 3] [--pg postgresql://…/test] [--processes 1,2,4]`:
 * outbox dispatch throughput with several processes on one PostgreSQL database, as kocflow runs scaled out
 * (docs/scaling.md), and on the embedded store (one process, as it always is) for comparison.
 *
 * What is measured: N entries due at once for 20 accounts (one per contact), pacing opened so nothing defers, sent
 * by the real dispatcher (dispatchDue until nothing is due) through the FakeChannel, with their events and
 * interaction rows. On PostgreSQL each of P child processes holds the leases of 20/P accounts and runs the engine
 * store with its scope (the dispatch reads filtered by its accounts, every claim checked against its lease in the
 * database): exactly what a `kocflow start` process does for its sends. The parent times from "go" (every child
 * connected and warmed up) to the last child's "done", and prints each P's rate and its ratio to P = 1 measured in
 * the same run. A benchmark, not a test: keep the raw output with the machine (docs/bench/dispatch-processes.txt).
 */
import { spawn } from 'node:child_process';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AccountProfile } from '../../src/engine/ports.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { openStore } from '../../src/store/openStore.ts';
import {
  ACCOUNTS, accountId, dispatchAll, entries, fmt, median, measureOutbox, NOW, OPEN_PACING, openEmbeddedBench, openPostgresBench, rateOf,
} from './outboxMeasure.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    pg: { type: 'string', default: process.env.KOCFLOW_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    processes: { type: 'string', default: '1,2,4' },
    child: { type: 'string' },
    url: { type: 'string' },
    accounts: { type: 'string' },
  },
});

if (args.child) await child(args.child, args.url!, args.accounts!.split(','));
else await parent();

/** One dispatching process: holds its accounts' leases, waits for "go", dispatches until nothing is due. */
async function child(id: string, url: string, owned: string[]): Promise<void> {
  const store = await openStore({ databaseUrl: url });
  if (store.kind !== 'postgres') throw new Error('expected PostgreSQL');
  await store.pool.query(
    `INSERT INTO account_leases (account_id, owner_id, expires_at, renewed_at) SELECT a, $1, now() + interval '1 hour', now() FROM unnest($2::text[]) a
     ON CONFLICT (account_id) DO UPDATE SET owner_id = excluded.owner_id, expires_at = excluded.expires_at`,
    [id, owned],
  );
  const engineStore = createEngineStore(store.prisma, { driver: store, claimedBy: id, scope: { ownerId: id, ownedAccounts: () => owned, scheduled: false } });
  const profiles: AccountProfile[] = owned.map((account) => ({
    id: account, name: account, role: 'guide', storeId: null, storeName: '基准门店', timeZone: 'Asia/Shanghai',
    pacing: OPEN_PACING, ownerStaffExternalId: 'bench-guide', activeSince: new Date('2026-01-01T00:00:00Z'),
  }));
  await engineStore.nextDueAt(NOW, 1000); // warm the pool
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  for await (const line of lines) {
    if (line !== 'go') continue;
    const started = performance.now();
    const { totals, delivered } = await dispatchAll(engineStore, profiles);
    process.stdout.write(`done ${JSON.stringify({ ms: performance.now() - started, ...totals, delivered })}\n`);
    break;
  }
  lines.close();
  await store.close();
}

async function parent(): Promise<void> {
  const N = Number(args.n);
  const RUNS = Number(args.runs);
  const counts = args.processes.split(',').map(Number);
  if (!Number.isInteger(N) || N < 100 || !Number.isInteger(RUNS) || RUNS < 1 || counts.some((p) => !Number.isInteger(p) || p < 1 || ACCOUNTS % p !== 0)) {
    console.error(`--n ≥ 100, --runs ≥ 1, --processes a list of divisors of ${ACCOUNTS} (got --n ${args.n} --runs ${args.runs} --processes ${args.processes})`);
    process.exit(2);
  }
  const cpu = cpus();
  console.log('kocflow dispatch with several processes (scripts/bench/dispatch-processes.ts)');
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores (nproc), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
  console.log(`load:     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run)`);
  console.log(`node:     ${process.version}`);
  console.log(`work:     N = ${fmt(N)} entries due at once, ${ACCOUNTS} accounts × ${Math.ceil(N / ACCOUNTS)} contacts, pacing open (nothing defers); median of ${RUNS} runs`);
  console.log('');

  // The embedded store: one process (it cannot be more), the same dispatch in process.
  const embedded = await openEmbeddedBench();
  try {
    const result = await measureOutbox(embedded, { n: N, runs: RUNS, parts: ['dispatch'], driver: true });
    const rate = rateOf(result, 'dispatch');
    console.log(`[embedded, 1 process] ${embedded.name}`);
    console.log(`  dispatch due → sent: median ${fmt(rate.rowsPerSecond)} rows/s (${rate.ms.toFixed(0)} ms; runs ${result.dispatch.map((r) => `${r.toFixed(0)} ms`).join(', ')})`);
    console.log(`  check: ${result.dispatchCheck}`);
  } finally {
    await embedded.dispose();
  }
  console.log('');

  const bench = await openPostgresBench(args.pg);
  if (typeof bench === 'string') {
    console.log(`[postgres] ${bench}`);
    return;
  }
  const { store } = bench;
  if (store.kind !== 'postgres') throw new Error('expected PostgreSQL');
  try {
    console.log(`[postgres] ${bench.name}`);
    // Accounts and contacts once (measureOutbox's seeding, with no parts: it only seeds and clears).
    await measureOutbox(bench, { n: N, runs: 1, parts: [] });
    const engineStore = createEngineStore(store.prisma, { driver: store });
    // The children connect to the benchmark's database: its printable URL (fine for the trust auth of these machines).
    const target = store.location;
    const rates = new Map<number, number[]>();
    for (let run = 0; run < RUNS; run++) {
      for (const p of counts) {
        await store.pool.query('TRUNCATE outbox_events, interactions, outbox, account_leases');
        await engineStore.enqueue(entries(N, `p${p}-r${run}`), NOW);
        const ms = await runProcesses(p, target);
        const sent = Number((await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status = 'sent'`)).rows[0]!.n);
        const events = Number((await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox_events WHERE decision = 'sent'`)).rows[0]!.n);
        const out = Number((await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM interactions WHERE direction = 'out'`)).rows[0]!.n);
        if (sent !== N || events !== N || out !== N) throw new Error(`with ${p} processes: ${sent} sent, ${events} events, ${out} interaction rows of ${N}`);
        (rates.get(p) ?? rates.set(p, []).get(p)!).push(ms);
        console.log(`  run ${run + 1}, ${p} process${p === 1 ? '' : 'es'}: ${fmt(Math.round((N * 1000) / ms))} rows/s (${ms.toFixed(0)} ms; ${fmt(sent)} sent, ${fmt(events)} events, ${fmt(out)} interaction rows; none twice: the unique keys and the claims say so)`);
      }
    }
    const one = median(rates.get(counts[0]!)!);
    console.log('');
    console.log('  processes   median rows/s   ratio to 1 process (same run)');
    for (const p of counts) {
      const ms = median(rates.get(p)!);
      console.log(`  ${String(p).padEnd(11)} ${fmt(Math.round((N * 1000) / ms)).padEnd(15)} ${(one / ms).toFixed(2)}`);
    }
  } finally {
    await bench.dispose();
  }
}

/** Spawns p children holding ACCOUNTS/p accounts each; returns the ms from "go" to the last "done". */
async function runProcesses(p: number, url: string): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const loader = pathToFileURL(join(self, '../../../node_modules/tsx/dist/loader.mjs')).href;
  const per = ACCOUNTS / p;
  const children = Array.from({ length: p }, (_, i) => {
    const owned = Array.from({ length: per }, (_, k) => accountId(i * per + k));
    const proc = spawn(process.execPath, ['--import', loader, self, '--child', `bench-proc-${i}`, '--url', url, '--accounts', owned.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout! });
    const ready = new Promise<void>((resolve) => lines.on('line', (l) => l === 'ready' && resolve()));
    const done = new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l.startsWith('done ') && resolve());
      proc.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`child ${i} exited with ${code}`))));
    });
    return { proc, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const started = performance.now();
  for (const c of children) c.proc.stdin!.write('go\n');
  await Promise.all(children.map((c) => c.done));
  const ms = performance.now() - started;
  for (const c of children) c.proc.stdin!.end();
  await Promise.all(children.map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.once('exit', r)))));
  return ms;
}
