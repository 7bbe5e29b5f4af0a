/** The interaction log: one row per inbound or outbound event. */
import type { InteractionRow } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { accountExists, accountUnknown, contactUnknown, explainForeignKey, json, type EngineStoreContext } from './context.ts';

export function interactionsPart({ prisma }: EngineStoreContext) {
  return {
    /** Appends one row. KOC_ACCOUNT_UNKNOWN / KOC_CONTACT_UNKNOWN / KOC_ROOM_UNKNOWN when a referenced row is missing. */
    async logInteraction(row: InteractionRow): Promise<void> {
      await explainForeignKey(
        prisma.interaction.create({
          data: {
            occurredAt: row.at,
            direction: row.direction,
            kind: row.kind,
            accountId: row.accountId,
            contactId: row.contactId ?? null,
            roomId: row.roomId ?? null,
            flowId: row.flowId ?? null,
            runId: row.runId ?? null,
            outboxId: row.outboxId ?? null,
            body: json(row.body),
          },
          select: { id: true },
        }),
        async (cause) => {
          if (!(await accountExists(prisma, row.accountId))) return accountUnknown(row.accountId, cause);
          if (row.contactId && (await prisma.contact.count({ where: { id: row.contactId } })) === 0) return contactUnknown(row.contactId, cause);
          return new KocError('KOC_ROOM_UNKNOWN', `room ${row.roomId} is not in the store`, { details: { roomId: row.roomId }, cause });
        },
      );
    },
  };
}
