/**
 * `GET /metrics`: Prometheus text format (prom-client), computed at scrape time from the store — so the numbers are
 * the same whichever process is scraped and survive restarts — plus each bot's state from this process's fleet. One
 * read of the store serves the scrapes of the next 10 s (`cacheMs`): on the embedded store that read shares the one
 * connection with the engine.
 *
 * Labels carry account ids (from kocflow.yaml), outbox statuses, bot states and machine reasons (`quiet_hours`):
 * never a name, a phone number, a contact or a message. Catalogue: docs/reports.md#metrics.
 */
import { Mutex } from 'async-mutex';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { BotState } from '../bot/accountBot.ts';
import type { Clock } from '../domain/types.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { outboxMetrics, type OutboxMetrics } from '../store/report/metrics.ts';

/** Every state a bot can be in: each account gets one series per state (1 for the current one, 0 otherwise). */
export const BOT_STATES = ['starting', 'waiting_for_scan', 'logged_in', 'reconnecting', 'failed', 'stopped'] as const satisfies readonly BotState[];
// A state added to BotState but not here fails to compile.
const allStates: Exclude<BotState, (typeof BOT_STATES)[number]> extends never ? true : never = true;
void allStates;

/** Every outbox status, so each account has all its series (zeros too): a status that appears should not look new. */
export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'in_doubt', 'skipped'] as const;

export interface BotSnapshot {
  accountId: string;
  state: BotState;
}

export interface MetricsOptions {
  prisma: PrismaClient;
  clock: Clock;
  /** This process's bots (kocflow start: the fleet); none when the process runs no bots. */
  bots?: () => Iterable<BotSnapshot>;
  /** Also Node's process metrics (CPU, memory, event loop lag, GC). @default true */
  processMetrics?: boolean;
  /**
   * How long one read of the store serves scrapes (by `clock`): several Prometheus servers, or a dashboard polling,
   * cost the store one snapshot per interval. The bots' states are always current. @default 10_000
   */
  cacheMs?: number;
}

export interface Metrics {
  contentType: string;
  /** The whole exposition, computed now. Concurrent scrapes wait for each other (the gauges are shared). */
  scrape(): Promise<string>;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const entries = new Gauge({ name: 'kocflow_outbox_entries', help: 'Outbox entries by account and status, now.', labelNames: ['account', 'status'] as const, registers });
  const sent = new Counter({ name: 'kocflow_outbox_sent_total', help: 'Entries sent since the store began (status sent).', labelNames: ['account'] as const, registers });
  const deferrals = new Counter({
    name: 'kocflow_outbox_deferrals_total', help: 'Deferral decisions recorded by pacing and dispatch, by reason.', labelNames: ['account', 'reason'] as const, registers,
  });
  const skips = new Counter({ name: 'kocflow_outbox_skips_total', help: 'Skip decisions recorded by pacing and dispatch, by reason.', labelNames: ['account', 'reason'] as const, registers });
  const inDoubt = new Gauge({ name: 'kocflow_outbox_in_doubt', help: 'Entries in doubt now: never resent automatically, ops decide.', labelNames: ['account'] as const, registers });
  const pending = new Gauge({ name: 'kocflow_outbox_pending', help: 'Pending entries now, due or not (deferred ones included).', labelNames: ['account'] as const, registers });
  const due = new Gauge({ name: 'kocflow_outbox_due', help: 'Pending entries already due now: waiting for the dispatcher.', labelNames: ['account'] as const, registers });
  const oldestDue = new Gauge({
    name: 'kocflow_outbox_oldest_due_seconds', help: 'How long the oldest due pending entry has been due (0: none). Growing: sends are stuck.', labelNames: ['account'] as const, registers,
  });
  const paused = new Gauge({ name: 'kocflow_account_paused', help: '1 when staff paused the account\'s proactive sends (/pause).', labelNames: ['account'] as const, registers });
  const bot = new Gauge({ name: 'kocflow_bot_status', help: 'The account\'s bot in this process: 1 for its current state, 0 for the others.', labelNames: ['account', 'state'] as const, registers });
  const mutex = new Mutex();
  const cacheMs = options.cacheMs ?? 10_000;
  let cached: { at: number; snapshot: OutboxMetrics } | undefined;

  async function scrape(): Promise<string> {
    const now = options.clock.now();
    if (!cached || now.getTime() - cached.at >= cacheMs || now.getTime() < cached.at) {
      cached = { at: now.getTime(), snapshot: await outboxMetrics(options.prisma, now) };
    }
    const { snapshot } = cached;
    for (const metric of [entries, sent, deferrals, skips, inDoubt, pending, due, oldestDue, paused, bot]) metric.reset();
    const counts = new Map(snapshot.entries.map((e) => [`${e.accountId}\u0000${e.status}`, e.count]));
    const dueBy = new Map(snapshot.due.map((d) => [d.accountId, d]));
    for (const { accountId: account, status } of snapshot.accounts) {
      for (const s of OUTBOX_STATUSES) entries.set({ account, status: s }, counts.get(`${account}\u0000${s}`) ?? 0);
      sent.inc({ account }, counts.get(`${account}\u0000sent`) ?? 0);
      inDoubt.set({ account }, counts.get(`${account}\u0000in_doubt`) ?? 0);
      pending.set({ account }, counts.get(`${account}\u0000pending`) ?? 0);
      const d = dueBy.get(account);
      due.set({ account }, d?.count ?? 0);
      oldestDue.set({ account }, d ? Math.max(0, (now.getTime() - d.oldestDueAt.getTime()) / 1000) : 0);
      paused.set({ account }, status === 'paused' ? 1 : 0);
    }
    for (const decision of snapshot.decisions) {
      (decision.decision === 'deferred' ? deferrals : skips).inc({ account: decision.accountId, reason: decision.reason }, decision.count);
    }
    for (const { accountId: account, state } of options.bots?.() ?? []) {
      for (const s of BOT_STATES) bot.set({ account, state: s }, s === state ? 1 : 0);
    }
    return registry.metrics();
  }

  return {
    contentType: registry.contentType,
    scrape: () => mutex.runExclusive(scrape),
  };
}
