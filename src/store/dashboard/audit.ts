import type { Prisma, PrismaClient } from '../generated/client.ts';

/** One audit_log row for something done through the dashboard (actor `dashboard:<username>`) or to it (logins). */
export async function audit(prisma: PrismaClient, input: { actor: string; action: string; subject?: string; details?: Prisma.InputJsonValue; at: Date }): Promise<void> {
  await prisma.auditLog.create({ data: { actor: input.actor, action: input.action, subject: input.subject ?? null, details: input.details ?? {}, at: input.at } });
}
