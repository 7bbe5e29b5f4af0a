import type { PrismaClient } from '../generated/client.ts';

/** The interaction log for ops: the latest rows, or a contact's, found by name, alias or WeChat id. */
export interface InteractionView {
  id: bigint;
  at: Date;
  direction: 'in' | 'out';
  kind: string;
  accountId: string;
  flowId: string | null;
  contactName: string | null;
  contactExternalId: string | null;
  roomTopic: string | null;
  body: unknown;
}

export async function searchInteractions(prisma: PrismaClient, input: { contact?: string; limit?: number }): Promise<InteractionView[]> {
  const term = input.contact?.trim();
  const rows = await prisma.interaction.findMany({
    where: term
      ? { contact: { OR: [{ name: { contains: term, mode: 'insensitive' } }, { alias: { contains: term, mode: 'insensitive' } }, { externalId: { equals: term } }] } }
      : {},
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take: input.limit ?? 200,
    include: { contact: { select: { name: true, alias: true, externalId: true } }, room: { select: { topic: true } } },
  });
  return rows.map((r) => ({
    id: r.id, at: r.occurredAt, direction: r.direction, kind: r.kind, accountId: r.accountId, flowId: r.flowId,
    contactName: r.contact ? (r.contact.alias ?? r.contact.name) : null, contactExternalId: r.contact?.externalId ?? null,
    roomTopic: r.room?.topic ?? null, body: r.body,
  }));
}
