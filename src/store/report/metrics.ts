/**
 * What `/metrics` reads from the store at each scrape (src/web/metrics.ts turns it into Prometheus text). Only
 * account ids, statuses and machine reasons: nothing about a person.
 */
import { Prisma, type PrismaClient } from '../generated/client.ts';
import { toNumber } from './scope.ts';

export interface OutboxMetrics {
  /** Every account in the store (so each gets its series, zeros included), with accounts.status. */
  accounts: { accountId: string; status: string }[];
  /** Outbox rows by account and status, now (only the pairs that have rows). */
  entries: { accountId: string; status: string; count: number }[];
  /** Decisions recorded in outbox_events, by account, decision (deferred | skipped) and reason, since the start. */
  decisions: { accountId: string; decision: 'deferred' | 'skipped'; reason: string; count: number }[];
  /** Pending rows due at `now` (waiting for the dispatcher), by account, with the oldest due instant. */
  due: { accountId: string; count: number; oldestDueAt: Date }[];
}

interface EntryRow { account_id: string; status: string; n: number }
interface DecisionRow { account_id: string; decision: 'deferred' | 'skipped'; reason: string | null; n: number }
interface DueRow { account_id: string; n: number; oldest: Date | string }

/**
 * Three grouped statements and the account list, in one batch transaction. The status counts read the
 * outbox(account_id, status, sent_at) index; the decision counts the outbox_events(decision, at) index and each
 * event's entry by primary key — both grow with the history, which is the price of counters that are right across
 * restarts and processes (docs/reports.md#metrics has the measured cost).
 */
export async function outboxMetrics(prisma: PrismaClient, now: Date): Promise<OutboxMetrics> {
  const [, accounts, entries, decisions, due] = await prisma.$transaction([
    prisma.$executeRaw`SET LOCAL jit = off`, // as for the reports (./scope.ts reportQuery)
    prisma.account.findMany({ select: { id: true, status: true }, orderBy: { id: 'asc' } }),
    prisma.$queryRaw<EntryRow[]>(Prisma.sql`
      SELECT account_id, status::text AS status, count(*)::int AS n FROM outbox GROUP BY account_id, status`),
    prisma.$queryRaw<DecisionRow[]>(Prisma.sql`
      SELECT o.account_id, e.decision, e.reason, count(*)::int AS n
        FROM outbox_events e JOIN outbox o ON o.id = e.outbox_id
       WHERE e.decision IN ('deferred', 'skipped')
       GROUP BY o.account_id, e.decision, e.reason`),
    prisma.$queryRaw<DueRow[]>(Prisma.sql`
      SELECT account_id, count(*)::int AS n, min(due_at) AS oldest
        FROM outbox WHERE status = 'pending' AND due_at <= ${now}::timestamptz GROUP BY account_id`),
  ]);
  return {
    accounts: accounts.map((a) => ({ accountId: a.id, status: a.status })),
    entries: entries.map((r) => ({ accountId: r.account_id, status: r.status, count: toNumber(r.n) })),
    decisions: decisions.map((r) => ({ accountId: r.account_id, decision: r.decision, reason: r.reason ?? 'unknown', count: toNumber(r.n) })),
    due: due.map((r) => ({ accountId: r.account_id, count: toNumber(r.n), oldestDueAt: r.oldest instanceof Date ? r.oldest : new Date(r.oldest) })),
  };
}
