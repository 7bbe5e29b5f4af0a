import type { PrismaClient } from '../generated/client.ts';

/** The outbox as ops see it: counts by state, and the rows waiting (pending, deferred) or in doubt. */
export interface OutboxRowView {
  id: bigint;
  accountId: string;
  flowId: string | null;
  kind: string;
  status: string;
  dueAt: Date;
  attempts: number;
  deferredReason: string | null;
  lastError: string | null;
  recipient: string | null;
  /** The message text, when the action has one (rendered escaped: it may carry a customer's name). */
  text: string | null;
  updatedAt: Date;
}

export interface OutboxOverview {
  counts: Record<string, number>;
  pending: OutboxRowView[];
  deferred: OutboxRowView[];
  inDoubt: OutboxRowView[];
}

const SELECT = {
  id: true, accountId: true, flowId: true, kind: true, status: true, dueAt: true, attempts: true, deferredReason: true, lastError: true,
  recipientExternalId: true, payload: true, updatedAt: true,
} as const;

type Row = { id: bigint; accountId: string; flowId: string | null; kind: string; status: string; dueAt: Date; attempts: number; deferredReason: string | null; lastError: string | null; recipientExternalId: string | null; payload: unknown; updatedAt: Date };

function view(row: Row): OutboxRowView {
  const payload = row.payload as { text?: unknown } | null;
  return {
    id: row.id, accountId: row.accountId, flowId: row.flowId, kind: row.kind, status: row.status, dueAt: row.dueAt, attempts: row.attempts,
    deferredReason: row.deferredReason, lastError: row.lastError, recipient: row.recipientExternalId,
    text: typeof payload?.text === 'string' ? payload.text : null, updatedAt: row.updatedAt,
  };
}

export async function outboxOverview(prisma: PrismaClient, limit = 100): Promise<OutboxOverview> {
  const grouped = await prisma.$queryRaw<{ status: string; deferred: boolean; n: number }[]>`
    SELECT status::text AS status, (status = 'pending' AND deferred_reason IS NOT NULL) AS deferred, count(*)::int AS n
      FROM outbox GROUP BY 1, 2`;
  const counts: Record<string, number> = { pending: 0, deferred: 0, sending: 0, sent: 0, failed: 0, in_doubt: 0, skipped: 0 };
  for (const g of grouped) {
    if (g.deferred) counts.deferred = (counts.deferred ?? 0) + g.n;
    else counts[g.status] = (counts[g.status] ?? 0) + g.n;
  }
  const select = SELECT;
  const [pending, deferred, inDoubt] = await Promise.all([
    prisma.outboxEntry.findMany({ where: { status: 'pending', deferredReason: null }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], take: limit, select }),
    prisma.outboxEntry.findMany({ where: { status: 'pending', deferredReason: { not: null } }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], take: limit, select }),
    prisma.outboxEntry.findMany({ where: { status: 'in_doubt' }, orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }], take: limit, select }),
  ]);
  return { counts, pending: pending.map(view), deferred: deferred.map(view), inDoubt: inDoubt.map(view) };
}
