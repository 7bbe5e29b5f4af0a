/** The interaction log: one row per inbound or outbound event. */
import type { InteractionRow } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { accountExists, accountUnknown, contactUnknown, explainForeignKey, json, type EngineStoreContext } from './context.ts';

export function interactionsPart({ prisma }: EngineStoreContext) {
  return {
    /**
     * Appends one row; false when the row carries an event id this account has logged already (a redelivered event:
     * ON CONFLICT DO NOTHING, so two deliveries racing each other still make one row). KOC_ACCOUNT_UNKNOWN /
     * KOC_CONTACT_UNKNOWN / KOC_ROOM_UNKNOWN when a referenced row is missing.
     */
    async logInteraction(row: InteractionRow): Promise<boolean> {
      const { count } = await explainForeignKey(
        prisma.interaction.createMany({
          skipDuplicates: true,
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
            eventId: row.eventId ?? null,
          },
        }),
        async (cause) => {
          if (!(await accountExists(prisma, row.accountId))) return accountUnknown(row.accountId, cause);
          if (row.contactId && (await prisma.contact.count({ where: { id: row.contactId } })) === 0) return contactUnknown(row.contactId, cause);
          return new KocError('KOC_ROOM_UNKNOWN', `room ${row.roomId} is not in the store`, { details: { roomId: row.roomId }, cause });
        },
      );
      return count === 1;
    },
  };
}
