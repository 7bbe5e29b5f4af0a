import type { PrismaClient } from '../generated/client.ts';
import type { DashboardRole } from './users.ts';

/**
 * Dashboard sessions (table sessions). The id is a hash of the cookie's token, made by the web layer: the table
 * never holds a live cookie. A session ends at `expiresAt`, or when unused for longer than the idle timeout.
 */
export interface SessionView {
  id: string;
  csrfToken: string;
  expiresAt: Date;
  lastSeenAt: Date;
  user: { id: string; username: string; role: DashboardRole };
}

export async function createSession(prisma: PrismaClient, input: { id: string; userId: string; csrfToken: string; at: Date; expiresAt: Date }): Promise<void> {
  await prisma.session.create({ data: { id: input.id, userId: input.userId, csrfToken: input.csrfToken, createdAt: input.at, lastSeenAt: input.at, expiresAt: input.expiresAt } });
}

export async function findSession(prisma: PrismaClient, id: string): Promise<SessionView | undefined> {
  const row = await prisma.session.findUnique({ where: { id }, include: { user: { select: { id: true, username: true, role: true } } } });
  if (!row) return undefined;
  return { id: row.id, csrfToken: row.csrfToken, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt, user: { ...row.user, role: row.user.role as DashboardRole } };
}

export async function touchSession(prisma: PrismaClient, id: string, at: Date): Promise<void> {
  await prisma.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
}

export async function deleteSession(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.session.deleteMany({ where: { id } });
}

/** Sessions past their expiry or idle for longer than `idleMs`. */
export async function deleteStaleSessions(prisma: PrismaClient, at: Date, idleMs: number): Promise<number> {
  const { count } = await prisma.session.deleteMany({ where: { OR: [{ expiresAt: { lte: at } }, { lastSeenAt: { lte: new Date(at.getTime() - idleMs) } }] } });
  return count;
}
