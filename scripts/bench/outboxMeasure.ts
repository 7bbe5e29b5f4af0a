/**
 * The outbox measurements, shared by `npm run bench:outbox` (scripts/bench/outbox.ts, every part on both stores) and
 * `npm run bench:simulate` (which prints the end-to-end dispatch rate next to the simulation's time):
 *   (a) baseline: N outbox-shaped rows inserted in one statement straight through the driver (no Prisma, no engine),
 *       the floor every other figure is compared with;
 *   (b) enqueue: the same N entries through EngineStore.enqueue (one call);
 *   (c) dispatch: N entries due now for 20 accounts (one per contact, 250 contacts per account at N = 5,000), pacing
 *       raised so nothing defers, sent by the real dispatcher (dispatchDue, called until nothing is due) through
 *       the FakeChannel: rows/s from due to `sent`, with their events and interaction rows;
 *   (d) the same N entries under the default pacing (a 20–50 s gap between two sends of an account), which is what a
 *       real backlog meets: dispatchDue called until nothing is due at that instant, most entries deferred behind
 *       each account's one send. Rows decided (sent, deferred or skipped) per second.
 * Each part is the median of `runs` runs on emptied outbox tables.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dispatchDue, type DispatchStats } from '../../src/engine/dispatcher.ts';
import { DEFAULT_PACING, type PacingSettings } from '../../src/engine/pacing/settings.ts';
import type { AccountProfile, EngineDeps, EngineStore, NewOutboxEntry, RewardsPort } from '../../src/engine/ports.ts';
import type { PlaybookSet } from '../../src/playbook/model.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { FakeChannel, FakeClock } from '../../src/simulate/fakeChannel.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';

export type OutboxPart = 'enqueue' | 'dispatch' | 'paced';

export interface OutboxOptions {
  n: number;
  runs: number;
  /** Parts besides the baseline. @default all three */
  parts?: OutboxPart[];
  /** Run the engine store's SQL on the driver (as simulate and the engine tests do) rather than through Prisma. */
  driver?: boolean;
}

export interface OutboxBench {
  name: string;
  store: Store;
  /** The driver underneath Prisma, for the baseline. */
  exec(sql: string, params: unknown[]): Promise<unknown>;
  dispose(): Promise<void>;
}

/** Milliseconds of each run of each part, and what the dispatch parts left behind (checked, then described). */
export interface OutboxResult {
  n: number;
  accounts: number;
  contactsPerAccount: number;
  baseline: number[];
  enqueue: number[];
  dispatch: number[];
  paced: number[];
  dispatchCheck: string;
  pacedCheck: string;
}

export const ACCOUNTS = 20;
export const NOW = new Date('2026-12-01T04:00:00.000Z'); // 12:00 in Shanghai: no quiet hours either way
/** Nothing defers: limits far above N, no gap, no jitter, no ramp-up, no quiet hours. */
export const OPEN_PACING: PacingSettings = {
  ...DEFAULT_PACING,
  maxPerMinute: 1_000_000, maxPerHour: 1_000_000, maxPerDay: 1_000_000, perContactPerDay: 50, perContactPerMonth: 500,
  quietHours: null, minGapSeconds: 0, jitterSeconds: 0, rampUpDays: 0,
};
const EMPTY_SET: PlaybookSet = {
  root: '/bench', flows: new Map(), campaigns: new Map(), tasks: new Map(), tiers: undefined, libraries: new Map(), templates: new Map(), assets: new Map(),
};
const NO_REWARDS: RewardsPort = {
  issueCoupon: () => Promise.reject(new Error('not in this benchmark')),
  awardPoints: () => Promise.reject(new Error('not in this benchmark')),
  offerTask: () => Promise.reject(new Error('not in this benchmark')),
};

export const accountId = (a: number) => `bench-acct-${String(a).padStart(2, '0')}`;
const contactId = (a: number, c: number) => `bench-c-${a}-${c}`;
export const fmt = (n: number) => n.toLocaleString('en-US');

/** N entries, account by account (as a fan-out enqueues them), one per contact. */
export function entries(n: number, tag: string): NewOutboxEntry[] {
  const perAccount = Math.ceil(n / ACCOUNTS);
  return Array.from({ length: n }, (_, i) => {
    const a = Math.floor(i / perAccount);
    const c = i % perAccount;
    const account = accountId(a);
    return {
      idempotencyKey: `${tag}:${i}`, accountId: account, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: true,
      contactId: contactId(a, c), roomId: null, dueAt: NOW,
      action: { kind: 'say', accountId: account, contactExternalId: `wm-${a}-${c}`, content: { text: `第${i}条：本周新品到店，欢迎来看看～` } },
    };
  });
}

/** The baseline statement: the outbox's columns from one jsonb parameter, as enqueue writes them. */
const BASELINE_SQL = `
  INSERT INTO outbox (idempotency_key, account_id, contact_id, kind, mode, proactive, recipient_external_id, payload, status, due_at, created_at, updated_at)
  SELECT r.idempotency_key, r.account_id, r.contact_id, 'say', 'auto', true, r.recipient_external_id, r.payload, 'pending', r.due_at, now(), now()
    FROM jsonb_to_recordset($1::jsonb) AS r(idempotency_key text, account_id text, contact_id text, recipient_external_id text, payload jsonb, due_at timestamptz)`;

function baselineRows(n: number, tag: string): string {
  return JSON.stringify(entries(n, tag).map((e) => ({
    idempotency_key: e.idempotencyKey, account_id: e.accountId, contact_id: e.contactId,
    recipient_external_id: e.action.kind === 'say' ? e.action.contactExternalId : null, payload: e.action, due_at: e.dueAt.toISOString(),
  })));
}

async function seed(store: Store, contactsPerAccount: number): Promise<void> {
  const { prisma } = store;
  const accounts = Array.from({ length: ACCOUNTS }, (_, a) => accountId(a));
  await prisma.$executeRawUnsafe(
    `INSERT INTO accounts (id, display_name, role, time_zone, updated_at) SELECT id, id, 'guide', 'Asia/Shanghai', now() FROM unnest($1::text[]) AS id`,
    accounts,
  );
  const contacts = accounts.flatMap((account, a) => Array.from({ length: contactsPerAccount }, (_, c) => ({ id: contactId(a, c), account_id: account, external_id: `wm-${a}-${c}`, name: `客户${c}` })));
  await prisma.$executeRawUnsafe(
    `INSERT INTO contacts (id, account_id, external_id, name, updated_at)
     SELECT r.id, r.account_id, r.external_id, r.name, now() FROM jsonb_to_recordset($1::jsonb) AS r(id text, account_id text, external_id text, name text)`,
    JSON.stringify(contacts),
  );
}

async function clearOutbox(store: Store): Promise<void> {
  await store.prisma.$executeRawUnsafe('TRUNCATE outbox_events, interactions, outbox');
  await store.prisma.$executeRawUnsafe('UPDATE accounts SET backoff_until = NULL, backoff_reason = NULL, backoff_minutes = NULL');
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs the parts asked for on a store that has the migrated schema and nothing of this benchmark's yet. */
export async function measureOutbox(bench: OutboxBench, options: OutboxOptions): Promise<OutboxResult> {
  const { n, runs } = options;
  const parts = new Set(options.parts ?? ['enqueue', 'dispatch', 'paced']);
  const { store } = bench;
  const contactsPerAccount = Math.ceil(n / ACCOUNTS);
  await seed(store, contactsPerAccount);
  const engineStore = createEngineStore(store.prisma, options.driver ? { driver: store } : {});
  const profiles = (pacing: PacingSettings): AccountProfile[] => Array.from({ length: ACCOUNTS }, (_, a) => ({
    id: accountId(a), name: accountId(a), role: 'guide', storeId: null, storeName: '基准门店', timeZone: 'Asia/Shanghai',
    pacing, ownerStaffExternalId: 'bench-guide', activeSince: new Date('2026-01-01T00:00:00Z'),
  }));
  const result: OutboxResult = { n, accounts: ACCOUNTS, contactsPerAccount, baseline: [], enqueue: [], dispatch: [], paced: [], dispatchCheck: '', pacedCheck: '' };
  for (let run = 0; run < runs; run++) {
    await clearOutbox(store);
    const rows = baselineRows(n, `base-${run}`);
    result.baseline.push(await timed(() => bench.exec(BASELINE_SQL, [rows])));

    if (parts.has('enqueue')) {
      await clearOutbox(store);
      const batch = entries(n, `enq-${run}`);
      let inserted = 0;
      result.enqueue.push(await timed(async () => { inserted = await engineStore.enqueue(batch, NOW); }));
      if (inserted !== n) throw new Error(`enqueue inserted ${inserted} of ${n}`);
    }

    if (parts.has('dispatch')) {
      await clearOutbox(store);
      await engineStore.enqueue(entries(n, `send-${run}`), NOW);
      const open = await dispatchAll(engineStore, profiles(OPEN_PACING));
      result.dispatch.push(open.ms);
      const [sent, events, interactions] = await Promise.all([
        store.prisma.outboxEntry.count({ where: { status: 'sent' } }),
        store.prisma.outboxEvent.count({ where: { decision: 'sent' } }),
        store.prisma.interaction.count({ where: { direction: 'out' } }),
      ]);
      if (sent !== n || events !== n || interactions !== n || open.delivered !== n || open.totals.sent !== n) {
        throw new Error(`dispatch did not send everything: ${JSON.stringify({ sent, events, interactions, delivered: open.delivered, totals: open.totals })}`);
      }
      result.dispatchCheck = `${fmt(sent)} rows sent, ${fmt(events)} sent events, ${fmt(interactions)} interaction rows, ${fmt(open.delivered)} deliveries; ` +
        `${open.calls} dispatchDue calls; deferred ${open.totals.deferred}, skipped ${open.totals.skipped}, failed ${open.totals.failed}`;
    }

    if (parts.has('paced')) {
      await clearOutbox(store);
      await engineStore.enqueue(entries(n, `paced-${run}`), NOW);
      const paced = await dispatchAll(engineStore, profiles({ ...DEFAULT_PACING, rampUpDays: 0 }));
      result.paced.push(paced.ms);
      const decidedRows = paced.totals.sent + paced.totals.deferred + paced.totals.skipped;
      const stillDue = await store.prisma.outboxEntry.count({ where: { status: 'pending', dueAt: { lte: NOW } } });
      if (decidedRows !== n || stillDue !== 0) throw new Error(`paced dispatch decided ${decidedRows} of ${n} (${stillDue} still due)`);
      result.pacedCheck = `${fmt(paced.totals.sent)} sent, ${fmt(paced.totals.deferred)} deferred, ${paced.totals.skipped} skipped in ${paced.calls} dispatchDue calls`;
    }
  }
  await clearOutbox(store);
  return result;
}

/** Rows per second at the median, and the ratio to the same run's baseline (1 = as fast as the one-statement insert). */
export function rateOf(result: OutboxResult, part: 'baseline' | OutboxPart): { rowsPerSecond: number; ms: number; ratio: number } {
  const ms = median(part === 'paced' ? result.paced : part === 'baseline' ? result.baseline : result[part]);
  return { rowsPerSecond: Math.round((result.n * 1000) / ms), ms, ratio: median(result.baseline) / ms };
}

/** The lines `bench:outbox` prints for one store (the parts that were measured). */
export function formatOutbox(result: OutboxResult): string[] {
  const runsOf = (runs: number[]) => runs.map((r) => `${r.toFixed(0)} ms`).join(', ');
  const line = (label: string, part: OutboxPart) => {
    const { rowsPerSecond, ms, ratio } = rateOf(result, part);
    return `${label} median ${fmt(rowsPerSecond)} rows/s (${ms.toFixed(0)} ms; runs ${runsOf(part === 'paced' ? result.paced : result[part])}); ratio to baseline ${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}× slower)`;
  };
  const base = rateOf(result, 'baseline');
  const lines = [`  (a) baseline, one INSERT … SELECT of ${fmt(result.n)} rows through the driver: median ${fmt(base.rowsPerSecond)} rows/s (${base.ms.toFixed(0)} ms; runs ${runsOf(result.baseline)})`];
  if (result.enqueue.length > 0) lines.push(`  ${line('(b) EngineStore.enqueue, one call:', 'enqueue')}`);
  if (result.dispatch.length > 0) lines.push(`  ${line('(c) dispatch, due → sent:', 'dispatch')}`, `      check: ${result.dispatchCheck}`);
  if (result.paced.length > 0) lines.push(`  ${line('(d) default pacing, due → decided:', 'paced')}`, `      check: ${result.pacedCheck}`);
  return lines;
}

/** dispatchDue at NOW until a call finds nothing to do, timed. */
export async function dispatchAll(store: EngineStore, profiles: AccountProfile[]) {
  const clock = new FakeClock(NOW);
  const channel = new FakeChannel(clock);
  const deps: EngineDeps = {
    clock, channel, store, rewards: NO_REWARDS, random: seededRandom(1), logger: silentLogger(),
    accounts: { list: () => profiles, get: (id) => profiles.find((p) => p.id === id) },
  };
  const totals: DispatchStats = { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 };
  let calls = 0;
  const ms = await timed(async () => {
    for (;;) {
      const stats = await dispatchDue(deps, EMPTY_SET, NOW);
      calls++;
      for (const key of Object.keys(totals) as (keyof DispatchStats)[]) totals[key] += stats[key];
      if (stats.sent + stats.deferred + stats.skipped + stats.failed + stats.retried === 0) break;
    }
  });
  return { ms, totals, calls, delivered: channel.delivered.length };
}

/** The embedded store in a new temporary data directory (removed by dispose). */
export async function openEmbeddedBench(): Promise<OutboxBench> {
  const dir = mkdtempSync(join(tmpdir(), 'kocflow-bench-outbox-'));
  const started = performance.now();
  const store = await openStore({ dataDir: dir });
  if (store.kind !== 'embedded') throw new Error('expected the embedded store');
  const opened = performance.now() - started;
  return {
    name: `embedded (PGlite, new data directory, opened and migrated in ${(opened / 1000).toFixed(1)} s)`, store,
    exec: (sql, params) => store.pglite.query(sql, params),
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new database on the PostgreSQL at `adminUrl` (dropped by dispose), or why it could not be reached. */
export async function openPostgresBench(adminUrl: string): Promise<OutboxBench | string> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    return `PostgreSQL at ${adminUrl} is unreachable (${(error as Error).message}): skipped`;
  }
  const name = `kocflow_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dropDatabase = async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  };
  try {
    const store = await openStore({ databaseUrl: url.href, migrate: true });
    if (store.kind !== 'postgres') throw new Error('expected the postgres store');
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    return {
      name: `postgres (PostgreSQL ${version} on loopback, database ${name}, dropped after the run)`, store,
      exec: (sql, params) => store.pool.query(sql, params),
      async dispose() {
        await store.close();
        await dropDatabase();
      },
    };
  } catch (error) {
    await dropDatabase();
    throw error;
  }
}
