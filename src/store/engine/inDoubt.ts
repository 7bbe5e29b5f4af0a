import type { PrismaClient } from '../generated/client.ts';

/**
 * Ops resolve an in-doubt outbox entry (the channel threw mid-send, or the process died while sending): they
 * checked the phone and say whether the message went out. The entry moves in_doubt → sent | failed in one
 * conditional update (a second resolve, or one for an entry that is no longer in doubt, changes nothing), with an
 * outbox_events row (decision "resolved", reason = the outcome) and an audit row, in one transaction. Nothing is
 * resent: a "failed" entry stays failed, and the playbook's next steps do not wait for it.
 */
export type InDoubtOutcome = 'sent' | 'failed';

export type ResolveResult =
  | { ok: true; id: bigint; outcome: InDoubtOutcome }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_in_doubt'; status: string };

export async function resolveInDoubt(prisma: PrismaClient, input: { id: bigint; outcome: InDoubtOutcome; actor: string; note?: string; at: Date }): Promise<ResolveResult> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.outboxEntry.updateMany({
      where: { id: input.id, status: 'in_doubt' },
      data: input.outcome === 'sent'
        ? { status: 'sent', sentAt: input.at, updatedAt: input.at }
        : { status: 'failed', lastError: 'resolved by ops: not delivered', updatedAt: input.at },
    });
    if (count === 0) {
      const row = await tx.outboxEntry.findUnique({ where: { id: input.id }, select: { status: true } });
      return row ? { ok: false, reason: 'not_in_doubt', status: row.status } as const : { ok: false, reason: 'not_found' } as const;
    }
    const details = { actor: input.actor, ...(input.note ? { note: input.note } : {}) };
    await tx.outboxEvent.create({ data: { outboxId: input.id, at: input.at, decision: 'resolved', reason: input.outcome, details } });
    await tx.auditLog.create({ data: { actor: input.actor, action: 'outbox.resolve', subject: `outbox:${input.id}`, details: { outcome: input.outcome, ...(input.note ? { note: input.note } : {}) }, at: input.at } });
    return { ok: true, id: input.id, outcome: input.outcome } as const;
  });
}
