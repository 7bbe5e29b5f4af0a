/**
 * What staff do to the outbox from chat: confirm an assist task card (`/done N`), and resume a paused account
 * (its held sends become due). Which cards are due a reminder is read with the rest of a tick's work (./due.ts).
 */
import { ASSIST_CARD_KINDS } from '../../domain/channel.ts';
import type { AssistConfirmation } from '../../engine/ports.ts';
import type { EngineStoreContext } from './context.ts';


export function staffActionsPart({ prisma }: EngineStoreContext) {
  return {
    /**
     * Marks task card `outboxId` done, if it belongs to one of `accountIds` and went out as a card. Confirming twice
     * is harmless (the first confirmation stands and is reported back).
     */
    async confirmAssist(outboxId: bigint, accountIds: string[], staffExternalId: string, at: Date): Promise<AssistConfirmation> {
      const row = await prisma.outboxEntry.findUnique({
        where: { id: outboxId },
        select: { accountId: true, mode: true, status: true, kind: true, assistDoneAt: true, assistDoneBy: true },
      });
      if (!row || !accountIds.includes(row.accountId)) return { result: 'not_found' };
      if (row.mode !== 'assist' || !(ASSIST_CARD_KINDS as readonly string[]).includes(row.kind)) return { result: 'not_a_card' };
      if (row.status !== 'sent') return { result: 'not_sent_yet', status: row.status };
      if (row.assistDoneAt) return { result: 'already_done', doneAt: row.assistDoneAt, doneBy: row.assistDoneBy };
      const updated = await prisma.outboxEntry.updateMany({
        where: { id: outboxId, assistDoneAt: null },
        data: { assistDoneAt: at, assistDoneBy: staffExternalId, updatedAt: at },
      });
      if (updated.count === 0) {
        const now = await prisma.outboxEntry.findUnique({ where: { id: outboxId }, select: { assistDoneAt: true, assistDoneBy: true } });
        return { result: 'already_done', doneAt: now?.assistDoneAt ?? at, doneBy: now?.assistDoneBy ?? null };
      }
      await prisma.outboxEvent.create({ data: { outboxId, at, decision: 'assist_done', reason: 'confirmed in chat', details: { by: staffExternalId } } });
      return { result: 'confirmed', accountId: row.accountId };
    },

    async markAssistReminded(ids: bigint[], at: Date): Promise<void> {
      if (ids.length === 0) return;
      await prisma.outboxEntry.updateMany({ where: { id: { in: ids }, assistRemindedAt: null }, data: { assistRemindedAt: at, updatedAt: at } });
    },

    /** Pending entries of the account deferred for `reason` become due at `at` (e.g. account_paused on /resume). */
    async releaseDeferred(accountId: string, reason: string, at: Date): Promise<number> {
      const moved = await prisma.outboxEntry.updateMany({
        where: { accountId, status: 'pending', deferredReason: reason, dueAt: { gt: at } },
        data: { dueAt: at, updatedAt: at },
      });
      return moved.count;
    },
  };
}
