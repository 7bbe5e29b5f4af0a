/**
 * The chaos harness: runs scripts/chaos/worker.ts as a child process on a store, SIGKILLs it at random moments
 * (`kills` times, after a random 0..maxLifeMs of life, so kills land in start-up, migration, seeding, ticks and
 * sends), restarts it each time, lets the last one finish, then checks what the product promises:
 * - every send the storm scheduled (contacts × steps outbox rows) was delivered exactly once, or is in doubt;
 * - no delivery twice (by idempotency key, and by customer and step), none without its outbox row;
 * - no more in-doubt rows than kills (one account, one send in flight at a time);
 * - no lost runs: every customer's run is done.
 * Used by scripts/chaos/run.ts (the full run, ≥ 50 kills) and tests/chaos/chaos.test.ts (the short one in CI).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/openStore.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { CHAOS_FLOW } from './flow.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChaosOptions {
  /** PostgreSQL database URL (a fresh database), or undefined for the embedded store in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** Where deliveries are recorded (a new file). */
  deliveries: string;
  contacts: number;
  steps: number;
  kills: number;
  /** A child lives a random 0..maxLifeMs before it is killed. */
  maxLifeMs: number;
  seed: number;
  /** Gives up on the final (unkilled) run after this long. */
  finalTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  store: 'embedded' | 'postgres';
  contacts: number;
  steps: number;
  scheduled: number;
  kills: number;
  /** Kills that landed after the child had started its engine (the rest hit start-up). */
  killsAfterStart: number;
  restarts: number;
  outbox: Record<string, number>;
  delivered: number;
  duplicatesByKey: number;
  duplicatesByStep: number;
  sentNotDelivered: number;
  deliveredWithoutRow: number;
  inDoubt: number;
  inDoubtDelivered: number;
  runs: Record<string, number>;
  lostRuns: number;
  durationMs: number;
  ok: boolean;
  problems: string[];
}

interface Child {
  exit: Promise<number | null>;
  started: Promise<boolean>;
  kill(): void;
  output(): string;
}

function startChild(options: ChaosOptions): Child {
  const env: NodeJS.ProcessEnv = {
    ...process.env, KOCFLOW_LOG_LEVEL: 'warn', CHAOS_DELIVERIES: options.deliveries, CHAOS_CONTACTS: String(options.contacts), CHAOS_STEPS: String(options.steps),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATABASE_URL: '', CHAOS_DATA_DIR: options.dataDir! }),
  };
  // One process (tsx as a loader, not its CLI, which runs the script in a grandchild a SIGKILL would not reach).
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'chaos', 'worker.ts')], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let markStarted: (v: boolean) => void = () => {};
  const started = new Promise<boolean>((r) => { markStarted = r; });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('started ')) markStarted(true);
  });
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => { markStarted(false); r(code); }));
  return { exit, started, kill: () => child.kill('SIGKILL'), output: () => out.slice(-4_000) };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const started = Date.now();
  let killsAfterStart = 0;
  let restarts = 0;
  const problems: string[] = [];
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  for (let k = 0; k < options.kills; k++) {
    const child = startChild(options);
    restarts += 1;
    // Most kills land while the engine works (a random moment after it started); one in six anywhere in start-up
    // (opening and migrating the store, taking the data-directory lock, seeding).
    const inStartUp = random() < 1 / 6;
    const life = Math.floor(random() * (inStartUp ? 3_000 : options.maxLifeMs));
    const ready = inStartUp ? true : await child.started;
    const exited = ready ? await Promise.race([child.exit.then(() => true), sleep(life).then(() => false)]) : true;
    if (exited) {
      const code = await child.exit;
      if (code !== 0) problems.push(`child exited ${code} before its kill: ${child.output()}`);
      log(`kill ${k + 1}: the child finished before it was killed`);
      continue;
    }
    const afterStart = await Promise.race([child.started, Promise.resolve(false)]);
    if (afterStart) killsAfterStart += 1;
    child.kill();
    await child.exit;
    log(`kill ${k + 1}/${options.kills} ${afterStart ? `${life} ms after the engine started` : `during start-up (${life} ms)`}`);
  }
  // The last one runs to the end.
  const last = startChild(options);
  restarts += 1;
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([last.exit, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), options.finalTimeoutMs ?? 600_000); })]);
  clearTimeout(timer);
  if (code === 'timeout') {
    last.kill();
    problems.push(`the final run did not finish in time: ${last.output()}`);
  } else if (code !== 0) {
    problems.push(`the final run exited ${code}: ${last.output()}`);
  }
  const durationMs = Date.now() - started;

  // What was delivered: one JSON line per send (a torn last line counts as a delivery of an unknown key).
  const lines = existsSync(options.deliveries) ? readFileSync(options.deliveries, 'utf8').split('\n').filter((l) => l.length > 0) : [];
  const byKey = new Map<string, number>();
  const byStep = new Map<string, number>();
  let torn = 0;
  for (const line of lines) {
    try {
      const d = JSON.parse(line) as { key: string; to: string; step: string };
      byKey.set(d.key, (byKey.get(d.key) ?? 0) + 1);
      byStep.set(`${d.to}/${d.step}`, (byStep.get(`${d.to}/${d.step}`) ?? 0) + 1);
    } catch {
      torn += 1;
    }
  }
  if (torn > 0) problems.push(`${torn} torn delivery lines`);

  const store = await openStore(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir: options.dataDir! });
  try {
    const rows = await store.prisma.outboxEntry.findMany({ select: { idempotencyKey: true, status: true } });
    const outbox: Record<string, number> = {};
    for (const row of rows) outbox[row.status] = (outbox[row.status] ?? 0) + 1;
    const runRows = await store.prisma.flowRun.groupBy({ by: ['status'], where: { flowId: CHAOS_FLOW }, _count: { _all: true } });
    const runs: Record<string, number> = Object.fromEntries(runRows.map((r) => [r.status, r._count._all]));
    const keys = new Set(rows.map((r) => r.idempotencyKey));
    let sentNotDelivered = 0;
    let inDoubtDelivered = 0;
    for (const row of rows) {
      const n = byKey.get(row.idempotencyKey) ?? 0;
      if (row.status === 'sent' && n !== 1) sentNotDelivered += 1;
      if (row.status === 'in_doubt' && n > 0) inDoubtDelivered += 1;
    }
    const duplicatesByKey = [...byKey.values()].filter((n) => n > 1).length;
    const duplicatesByStep = [...byStep.values()].filter((n) => n > 1).length;
    const deliveredWithoutRow = [...byKey.keys()].filter((k) => !keys.has(k)).length;
    const scheduled = options.contacts * options.steps;
    const inDoubt = outbox.in_doubt ?? 0;
    const lostRuns = options.contacts - (runs.done ?? 0);
    if (rows.length !== scheduled) problems.push(`${rows.length} outbox rows, ${scheduled} scheduled`);
    for (const status of Object.keys(outbox)) if (status !== 'sent' && status !== 'in_doubt') problems.push(`${outbox[status]} outbox rows ${status}`);
    if (duplicatesByKey > 0 || duplicatesByStep > 0) problems.push(`duplicates: ${duplicatesByKey} by key, ${duplicatesByStep} by customer and step`);
    if (sentNotDelivered > 0) problems.push(`${sentNotDelivered} rows sent but not delivered exactly once`);
    if (deliveredWithoutRow > 0) problems.push(`${deliveredWithoutRow} deliveries without an outbox row`);
    if (inDoubt > killsAfterStart) problems.push(`${inDoubt} in doubt after ${killsAfterStart} kills of a started engine`);
    if (lostRuns !== 0) problems.push(`${lostRuns} runs not done: ${JSON.stringify(runs)}`);
    return {
      store: options.databaseUrl ? 'postgres' : 'embedded', contacts: options.contacts, steps: options.steps, scheduled, kills: options.kills, killsAfterStart, restarts,
      outbox, delivered: lines.length, duplicatesByKey, duplicatesByStep, sentNotDelivered, deliveredWithoutRow, inDoubt, inDoubtDelivered, runs, lostRuns,
      durationMs, ok: problems.length === 0, problems,
    };
  } finally {
    await store.close();
  }
}
