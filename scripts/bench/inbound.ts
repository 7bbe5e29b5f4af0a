import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { WechatyBuilder, type Message } from 'wechaty';
import type { mock } from 'wechaty-puppet-mock';
import { createPuppet } from '../../src/bot/puppet/createPuppet.ts';
import type { PuppetHandle } from '../../src/bot/puppetHandle.ts';
import { accountProfiles, loadConfigText, syncConfigToStore, type KocflowConfig } from '../../src/config/index.ts';
import { PlaybookReloader } from '../../src/playbook/watch.ts';
import { startRuntime, type Runtime } from '../../src/runtime/app.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';

/**
 * `npm run bench:inbound -- [--n 2000] [--customers 200] [--runs 3] [--accounts 50] [--pg postgresql://…/test]
 * [--only embedded|postgres]`: inbound messages per second through the whole product in one process, against the
 * raw event rate of the mock puppet measured in the same run, and memory per account. A benchmark, not a test: run
 * it by hand and keep the raw output (docs/bench/inbound.txt) with the machine it ran on.
 *
 *   (a) baseline: one Wechaty bot on the recording mock (no kocflow around it) receives N texts from `customers`
 *       mocker contacts; timed from the first send until the bot's N-th 'message' event. This is the ceiling: the
 *       mock and Wechaty alone, loading each message's payload.
 *   (b) the whole path: `startRuntime` (the product `kocflow start` runs) with one mock account configured in
 *       kocflow.yaml text, the sample playbooks (sop-playbooks/, loaded by the PlaybookReloader), on a new store
 *       for each run: the embedded one (PGlite in a temp data directory) and PostgreSQL (a database created for the
 *       run and dropped after it) when reachable. The same N texts from the same customers — most small talk, one
 *       in ten a price question that starts `price-question` — timed from the first send until the inbound handler
 *       has reported all N handled (RuntimeOptions.onInbound): Wechaty event → AccountBot → InboundHandler (staff
 *       command router, engine lock) → Engine.handleEvent (contact upsert, interaction row, opt-out check, trigger
 *       match, run start). The driver is off, so nothing is sent meanwhile: the sends the price questions cause
 *       are queued in the outbox, not dispatched. Checked after each run: N message interaction rows (+1 login).
 *   (c) memory: one runtime with `accounts` mock accounts (their own config, the sample playbooks) on a new store
 *       of each kind, each run in a new Node process (RSS means little in a process that did (a) and (b)), after a
 *       one-account warm-up; heapUsed and RSS after forced GCs, before the runtime, once every bot logged in, and
 *       after 20 customers of each account sent one text each (all handled); the differences per account.
 *
 * (a) and (b) run in turn `runs` times (a, then b on each store) after one warm-up round, and print the median;
 * (b) also reports the longest the event loop went without running a 10 ms timer during the burst. (c) runs
 * `runs` times per store and prints the median.
 */

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    customers: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    accounts: { type: 'string', default: '50' },
    pg: { type: 'string', default: process.env.KOCFLOW_BENCH_PG ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    only: { type: 'string' },
    /** Internal: measure (c) once in this process for the parent (see memoryInChild). */
    'memory-child': { type: 'string' },
  },
});
const N = Number(args.n);
const CUSTOMERS = Number(args.customers);
const RUNS = Number(args.runs);
const ACCOUNTS = Number(args.accounts);
// The recording mock keeps the newest 10,000 message payloads: a burst larger than that would lose messages
// before Wechaty reads them, and the benchmark would measure the mock dropping them.
if (!Number.isInteger(N) || N < 100 || N > 10_000 || !Number.isInteger(CUSTOMERS) || CUSTOMERS < 1 || !Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(ACCOUNTS) || ACCOUNTS < 1) {
  console.error(`--n must be a whole number from 100 to 10,000, --customers, --runs and --accounts at least 1 (got --n ${args.n} --customers ${args.customers} --runs ${args.runs} --accounts ${args.accounts})`);
  process.exit(2);
}
if (args.only !== undefined && args.only !== 'embedded' && args.only !== 'postgres') {
  console.error(`--only is embedded or postgres (got ${args.only})`);
  process.exit(2);
}

const NOW = new Date('2026-12-01T04:00:00.000Z'); // 12:00 in Shanghai
const PLAYBOOKS = resolve(import.meta.dirname, '../../sop-playbooks');
const DEADLINE_MS = 300_000;
const MEMORY_CUSTOMERS = 20;
const logger = silentLogger();

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

// ─────────────────────────────────────────────────────────────────────────────── the traffic

const SMALL_TALK = ['好的', '谢谢', '收到', '周末有空过去看看', '👍', '在吗', '明天下午到店可以吗', '了解了'];
const QUESTIONS = ['这款多少钱？', '现在什么价格', '最近有优惠吗'];

/** The same N texts in every run: customer index and text, one in ten a price question (seeded). */
const PLAN: { customer: number; text: string }[] = (() => {
  const random = seededRandom(42);
  return Array.from({ length: N }, (_, i) => {
    const question = random() < 0.1;
    const pool = question ? QUESTIONS : SMALL_TALK;
    return { customer: i % CUSTOMERS, text: pool[Math.floor(random() * pool.length)]! };
  });
})();
const QUESTION_COUNT = PLAN.filter((m) => QUESTIONS.includes(m.text)).length;
const NAMES = '王李张刘陈杨黄赵周吴徐孙马朱胡林';

function createCustomers(mocker: mock.Mocker, count: number, prefix: string): mock.ContactMock[] {
  return Array.from({ length: count }, (_, i) => mocker.createContact({ id: `${prefix}-${i}`, name: `${NAMES[i % NAMES.length]}客户${i}` }));
}

/**
 * Sends the plan; resolves with the milliseconds until `arrived` has counted N, and the longest the event loop went
 * without running a 10 ms timer meanwhile (a process that serves other accounts, timers and signals needs it short).
 */
async function burst(mocker: mock.Mocker, selfId: string, customers: mock.ContactMock[], arrived: Promise<void>): Promise<{ ms: number; stallMs: number }> {
  const self = mocker.ContactMock.load(selfId);
  const started = performance.now();
  let last = started;
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    for (const { customer, text } of PLAN) customers[customer]!.say(text).to(self);
    await deadline(arrived, `${N} messages`);
  } finally {
    clearInterval(timer);
  }
  const ended = performance.now();
  return { ms: ended - started, stallMs: Math.max(stallMs, ended - last) };
}

function counter(target: number): { tick(): void; done: Promise<void>; count(): number } {
  let count = 0;
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  return {
    tick() {
      if (++count === target) resolveDone();
    },
    done,
    count: () => count,
  };
}

async function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${DEADLINE_MS / 1000} s waiting for ${what}`)), DEADLINE_MS);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

// ─────────────────────────────────────────────────────────────────────────────── (a) baseline

async function rawMockRate(run: number): Promise<number> {
  const clock = new FakeClock(NOW);
  const created = await createPuppet('bench-raw', { kind: 'mock', self: { id: 'self-bench-raw', name: '基准' } }, { dataDir: '/nonexistent', logger, clock });
  const bot = WechatyBuilder.build({ puppet: created.puppet as never });
  bot.on('error', () => {});
  const login = new Promise<void>((resolveLogin) => bot.once('login', () => resolveLogin()));
  await bot.start();
  await deadline(login, 'the raw bot to log in');
  const customers = createCustomers(created.mocker!, CUSTOMERS, `raw${run}`);
  const arrived = counter(N);
  bot.on('message', (message: Message) => {
    if (!message.self()) arrived.tick();
  });
  const { ms } = await burst(created.mocker!, 'self-bench-raw', customers, arrived.done);
  await bot.stop();
  await created.dispose();
  return ms;
}

// ─────────────────────────────────────────────────────────────────────────────── the product

/** kocflow.yaml for `count` mock accounts, each owned by its own guide. */
function benchConfig(count: number): KocflowConfig {
  const pad = (i: number) => String(i + 1).padStart(2, '0');
  const text = [
    'stores:',
    '  - { id: sh-001, name: 上海南京西路店 }',
    'staff:',
    ...Array.from({ length: count }, (_, i) => `  - { id: Guide${pad(i)}, name: 导购${pad(i)}, role: guide, store: sh-001 }`),
    'accounts:',
    ...Array.from({ length: count }, (_, i) => `  - { id: bench-guide-${pad(i)}, name: 导购小${pad(i)}, role: guide, store: sh-001, puppet: mock, owner: Guide${pad(i)}, activeSince: 2026-01-05 }`),
  ].join('\n');
  const load = loadConfigText('bench-kocflow.yaml', text);
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  if (!load.config || errors.length > 0) throw new Error(`the bench configuration has errors: ${JSON.stringify(errors)}`);
  return load.config;
}

interface Product {
  runtime: Runtime;
  config: KocflowConfig;
  /** The mock world of an account: its mocker and the bot's own contact id. */
  world(accountId: string): { mocker: mock.Mocker; selfId: string };
  loginMs: number;
}

/** What `kocflow start` builds for a config of mock accounts, on a fake clock, without the driver loop. */
async function startProduct(store: Store, config: KocflowConfig, reloader: PlaybookReloader, onInbound: () => void): Promise<Product> {
  const clock = new FakeClock(NOW);
  const synced = await syncConfigToStore(store.prisma, config, clock.now());
  const profiles = accountProfiles(config, { now: clock.now(), firstSeen: synced.firstSeen });
  const names = new Map(config.staff.map((s) => [s.id, s.name]));
  const loggedIn = new Set<string>();
  const allIn = counter(config.accounts.length);
  const started = performance.now();
  const runtime = await startRuntime({
    prisma: store.prisma,
    reloader,
    accounts: config.accounts.map((account) => ({
      profile: profiles.find((p) => p.id === account.id)!,
      commanders: account.commanders,
      makePuppet: async (): Promise<PuppetHandle> => {
        const created = await createPuppet(account.id, { kind: 'mock', self: { id: `self-${account.id}`, name: account.name } }, { dataDir: '/nonexistent', logger, clock });
        for (const id of [account.owner, ...account.commanders]) {
          if (id !== undefined && !created.mocker!.cacheContactPayload.has(id)) created.mocker!.createContact({ id, name: names.get(id) ?? id });
        }
        return created;
      },
    })),
    staff: config.staff.map((s) => ({ id: s.id, name: s.name })),
    playbooksRoot: PLAYBOOKS,
    clock,
    logger,
    random: seededRandom(7),
    startDriver: false,
    optOutWords: config.optOutWords,
    onBotStatus: (accountId, status) => {
      if (status.state === 'logged_in' && !loggedIn.has(accountId)) {
        loggedIn.add(accountId);
        allIn.tick();
      }
    },
    onInbound: () => onInbound(),
  });
  await deadline(allIn.done, `${config.accounts.length} bots to log in`);
  const loginMs = performance.now() - started;
  return {
    runtime, config, loginMs,
    world(accountId) {
      const bot = runtime.fleet.get(accountId)!;
      return { mocker: bot.puppet()!.mocker!, selfId: bot.status().self!.externalId };
    },
  };
}

interface PathResult {
  ms: number;
  stallMs: number;
  check: string;
}

async function wholePath(store: Store, reloader: PlaybookReloader, run: number): Promise<PathResult> {
  const config = benchConfig(1);
  const handled = counter(N);
  const product = await startProduct(store, config, reloader, () => handled.tick());
  const accountId = config.accounts[0]!.id;
  try {
    const { mocker, selfId } = product.world(accountId);
    const customers = createCustomers(mocker, CUSTOMERS, `path${run}`);
    const { ms, stallMs } = await burst(mocker, selfId, customers, handled.done);
    const { prisma } = store;
    const [messages, logins, all, contacts, runs, queued] = await Promise.all([
      prisma.interaction.count({ where: { accountId, direction: 'in', kind: 'message' } }),
      prisma.interaction.count({ where: { accountId, kind: 'login' } }),
      prisma.interaction.count(),
      prisma.contact.count({ where: { accountId } }),
      prisma.flowRun.count({ where: { flowId: 'price-question' } }),
      prisma.outboxEntry.count({ where: { accountId } }),
    ]);
    if (messages !== N || logins !== 1 || all !== N + 1 || handled.count() !== N) {
      throw new Error(`the whole path did not record every message: ${JSON.stringify({ handled: handled.count(), messages, logins, all })}`);
    }
    return {
      ms,
      stallMs,
      check: `${fmt(handled.count())} handled, ${fmt(messages)} message interaction rows + ${logins} login = ${fmt(all)} rows; ` +
        `${fmt(contacts)} contacts; ${fmt(QUESTION_COUNT)} price questions started ${fmt(runs)} price-question runs, ${fmt(queued)} outbox rows queued (driver off)`,
    };
  } finally {
    await product.runtime.stop();
  }
}

// ─────────────────────────────────────────────────────────────────────────────── (c) memory

interface MemoryResult {
  loginMs: number;
  /** The process before the runtime started (store open, modules loaded, one warm-up runtime stopped). */
  baseHeap: number;
  baseRss: number;
  idleHeap: number;
  idleRss: number;
  busyHeap: number;
  busyRss: number;
  afterStopHeap: number;
}

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolveTick) => setImmediate(resolveTick));
  }
  return process.memoryUsage();
}

/** Starts an account set, has MEMORY_CUSTOMERS customers of each account send one text, waits until all were handled. */
async function traffic(product: Product, handled: Promise<void>, tag: string): Promise<void> {
  for (const account of product.config.accounts) {
    const { mocker, selfId } = product.world(account.id);
    const self = mocker.ContactMock.load(selfId);
    for (const [i, customer] of createCustomers(mocker, MEMORY_CUSTOMERS, `${tag}-${account.id}`).entries()) {
      customer.say(i % 10 === 3 ? QUESTIONS[0]! : SMALL_TALK[i % SMALL_TALK.length]!).to(self);
    }
  }
  await deadline(handled, `${product.config.accounts.length * MEMORY_CUSTOMERS} messages on ${product.config.accounts.length} accounts`);
}

/** (c), in a process of its own (see memoryInChild): RSS only means something in a process that did nothing else. */
async function memory(store: Store, reloader: PlaybookReloader): Promise<MemoryResult> {
  // Warm-up: one account through the same motions, so lazily loaded code and JIT are not charged to the 50.
  {
    const handled = counter(MEMORY_CUSTOMERS);
    const warm = await startProduct(store, benchConfig(1), reloader, () => handled.tick());
    try {
      await traffic(warm, handled.done, 'warm');
    } finally {
      await warm.runtime.stop();
    }
  }
  const config = benchConfig(ACCOUNTS);
  const before = await settledMemory();
  const handled = counter(ACCOUNTS * MEMORY_CUSTOMERS);
  const product = await startProduct(store, config, reloader, () => handled.tick());
  let stopped = false;
  try {
    const idle = await settledMemory();
    await traffic(product, handled.done, 'mem');
    const busy = await settledMemory();
    await product.runtime.stop();
    stopped = true;
    const after = await settledMemory();
    const per = (a: number, b: number) => (a - b) / ACCOUNTS;
    return {
      loginMs: product.loginMs,
      baseHeap: before.heapUsed, baseRss: before.rss,
      idleHeap: per(idle.heapUsed, before.heapUsed), idleRss: per(idle.rss, before.rss),
      busyHeap: per(busy.heapUsed, before.heapUsed), busyRss: per(busy.rss, before.rss),
      afterStopHeap: after.heapUsed - before.heapUsed,
    };
  } finally {
    if (!stopped) await product.runtime.stop();
  }
}

/** Runs `memory` in a new Node process (this script with --memory-child) and reads its one RESULT line. */
function memoryInChild(kind: 'embedded' | 'postgres'): Promise<MemoryResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [
      ...process.execArgv, fileURLToPath(import.meta.url),
      '--memory-child', kind, '--accounts', String(ACCOUNTS), '--pg', args.pg,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const timer = setTimeout(() => child.kill(), DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`the memory child (${kind}) ended with ${signal ?? `code ${code}`}${line ? '' : ' and no result'} (a child that does not end by itself left a handle open):\n${out}`));
      resolveResult(JSON.parse(line.slice('RESULT '.length)) as MemoryResult);
    });
  });
}

// ─────────────────────────────────────────────────────────────────────────────── stores

interface StoreKind {
  name: string;
  /** A new, migrated store, and how to get rid of it. */
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

function embedded(): StoreKind {
  return {
    name: 'embedded (PGlite, a new data directory per run)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'kocflow-bench-inbound-'));
      const store = await openStore({ dataDir: dir, logger });
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

async function postgres(adminUrl: string): Promise<StoreKind | string> {
  const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  let version: string;
  try {
    await probe.connect();
    version = (await probe.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  } catch (error) {
    return `PostgreSQL at ${redact(adminUrl)} is unreachable (${(error as Error).message}): skipped`;
  } finally {
    await probe.end().catch(() => {});
  }
  return {
    name: `postgres (PostgreSQL ${version} at ${redact(adminUrl)}, a database created per run and dropped after it)`,
    async open() {
      const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
      await admin.connect();
      const name = `kocflow_bench_inbound_${process.pid}_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const drop = async () => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      };
      try {
        const store = await openStore({ databaseUrl: url.href, migrate: true, logger });
        return {
          store,
          async dispose() {
            await store.close();
            await drop();
          },
        };
      } catch (error) {
        await drop();
        throw error;
      }
    },
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(unparseable URL)';
  }
}

async function withStore<T>(kind: StoreKind, fn: (store: Store) => Promise<T>): Promise<T> {
  const { store, dispose } = await kind.open();
  try {
    return await fn(store);
  } finally {
    await dispose();
  }
}

// ─────────────────────────────────────────────────────────────────────────────── report

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (ms: number) => (N * 1000) / ms;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;
const kb = (bytes: number) => `${(bytes / 2 ** 10).toFixed(0)} KB`;

if (args['memory-child']) {
  const which = args['memory-child'];
  const kind = which === 'embedded' ? embedded() : await postgres(args.pg);
  if (typeof kind === 'string') throw new Error(kind);
  const result = await withStore(kind, (store) => memory(store, new PlaybookReloader(PLAYBOOKS, logger)));
  // The process must then end by itself: a handle left open by the runtime would keep it alive (the parent kills it).
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  await main();
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log('kocflow inbound benchmark (scripts/bench/inbound.ts)');
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
  console.log(`load:     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run)`);
  console.log(`node:     ${process.version}${(globalThis as { gc?: unknown }).gc ? ' (--expose-gc)' : ' (gc exposed through v8.setFlagsFromString)'}`);
  console.log(`work:     N = ${fmt(N)} texts from ${fmt(CUSTOMERS)} customers, ${fmt(QUESTION_COUNT)} of them price questions (${((QUESTION_COUNT / N) * 100).toFixed(1)}%); median of ${RUNS} runs`);
  console.log(`          playbooks: ${PLAYBOOKS}; memory: ${ACCOUNTS} accounts, ${MEMORY_CUSTOMERS} customers each sending one text`);
  console.log('');

  const reloader = new PlaybookReloader(PLAYBOOKS, logger);
  const kinds: StoreKind[] = [];
  const embeddedKind = embedded();
  if (args.only !== 'postgres') kinds.push(embeddedKind);
  if (args.only !== 'embedded') {
    const kind = await postgres(args.pg);
    if (typeof kind === 'string') console.log(`[postgres] ${kind}\n`);
    else kinds.push(kind);
  }

  // Warm-up (not counted): module loading and JIT for both paths.
  await rawMockRate(-1);
  if (kinds[0]) await withStore(kinds[0], (store) => wholePath(store, reloader, -1));

  const raw: number[] = [];
  const paths = new Map<StoreKind, PathResult[]>(kinds.map((k) => [k, []]));
  for (let run = 0; run < RUNS; run++) {
    raw.push(await rawMockRate(run));
    for (const kind of kinds) paths.get(kind)!.push(await withStore(kind, (store) => wholePath(store, reloader, run)));
  }

  const rawMs = median(raw);
  const runsText = (xs: number[]) => xs.map((x) => `${x.toFixed(0)}`).join(', ');
  const rows: string[][] = [['measurement', 'runs (ms)', 'median ms', 'msgs/s', 'ratio to (a)', 'longest event-loop stall']];
  rows.push(['(a) raw mock events: Wechaty on the recording mock', runsText(raw), rawMs.toFixed(0), fmt(rate(rawMs)), '1', '']);
  for (const kind of kinds) {
    const ms = paths.get(kind)!.map((r) => r.ms);
    const m = median(ms);
    const stalls = paths.get(kind)!.map((r) => r.stallMs);
    rows.push([`(b) whole path, ${kind.name.split(' ')[0]}`, runsText(ms), m.toFixed(0), fmt(rate(m)), `${(rawMs / m).toFixed(3)} (${(m / rawMs).toFixed(1)}× slower)`, `${median(stalls).toFixed(0)} ms (runs ${runsText(stalls)})`]);
  }
  console.log('inbound: event → trigger match → interaction row, one account, one process');
  printTable(rows);
  for (const kind of kinds) {
    console.log(`  (b) ${kind.name}`);
    console.log(`      check (last run): ${paths.get(kind)!.at(-1)!.check}`);
  }
  console.log('');

  const memoryRows: string[][] = [['store', 'login ms', 'heapUsed/account idle', 'RSS/account idle', `heapUsed/account after ${MEMORY_CUSTOMERS} texts each`, `RSS/account after ${MEMORY_CUSTOMERS} texts each`, 'heap left after stop']];
  for (const kind of kinds) {
    const which = kind === embeddedKind ? 'embedded' : 'postgres';
    const results: MemoryResult[] = [];
    for (let run = 0; run < RUNS; run++) results.push(await memoryInChild(which));
    const m = (key: keyof MemoryResult) => median(results.map((r) => r[key]));
    memoryRows.push([which, fmt(m('loginMs')), kb(m('idleHeap')), kb(m('idleRss')), kb(m('busyHeap')), kb(m('busyRss')), mb(m('afterStopHeap'))]);
    console.log(`  (c) ${kind.name}: before the runtime (median) heapUsed ${mb(m('baseHeap'))}, RSS ${mb(m('baseRss'))}; runs: idle heapUsed/account ${results.map((r) => kb(r.idleHeap)).join(', ')}; idle RSS/account ${results.map((r) => kb(r.idleRss)).join(', ')}; busy RSS/account ${results.map((r) => kb(r.busyRss)).join(', ')}`);
  }
  console.log(`memory: ${ACCOUNTS} mock accounts in one runtime, each measurement in a new process after a one-account warm-up (differences to before the runtime started, after forced GC; median of ${RUNS})`);
  printTable(memoryRows);
}

function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  for (const [i, row] of table.entries()) {
    console.log(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);
    if (i === 0) console.log(`  ${widths.map((w) => '─'.repeat(w)).join('  ')}`);
  }
}
