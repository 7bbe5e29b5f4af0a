import type { PrismaClient } from '../generated/client.ts';

/**
 * Dashboard users (table dashboard_users): who may log in, with what role, and the lockout counters. The password
 * hash is made and checked by the web layer (src/web/dashboard/password.ts); this module only stores it.
 */
export type DashboardRole = 'admin' | 'ops' | 'viewer';
export const DASHBOARD_ROLES: readonly DashboardRole[] = ['admin', 'ops', 'viewer'];

export interface DashboardUserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: DashboardRole;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

function record(row: { id: string; username: string; passwordHash: string; role: string; failedLogins: number; lockedUntil: Date | null; lastLoginAt: Date | null; createdAt: Date }): DashboardUserRecord {
  return { ...row, role: (DASHBOARD_ROLES as readonly string[]).includes(row.role) ? (row.role as DashboardRole) : 'viewer' };
}

export async function countUsers(prisma: PrismaClient): Promise<number> {
  return prisma.dashboardUser.count();
}

export async function findUser(prisma: PrismaClient, username: string): Promise<DashboardUserRecord | undefined> {
  const row = await prisma.dashboardUser.findUnique({ where: { username } });
  return row ? record(row) : undefined;
}

export async function listUsers(prisma: PrismaClient): Promise<DashboardUserRecord[]> {
  return (await prisma.dashboardUser.findMany({ orderBy: { username: 'asc' } })).map(record);
}

/** Creates the user, or sets a new password and role for an existing one (and lifts a lockout). */
export async function upsertUser(prisma: PrismaClient, input: { username: string; passwordHash: string; role: DashboardRole; actor: string; at: Date }): Promise<{ created: boolean }> {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.dashboardUser.findUnique({ where: { username: input.username }, select: { id: true } });
    if (existing) {
      await tx.dashboardUser.update({ where: { id: existing.id }, data: { passwordHash: input.passwordHash, role: input.role, failedLogins: 0, lockedUntil: null } });
      // A new password ends the sessions made with the old one.
      await tx.session.deleteMany({ where: { userId: existing.id } });
    } else {
      await tx.dashboardUser.create({ data: { username: input.username, passwordHash: input.passwordHash, role: input.role, createdAt: input.at } });
    }
    await tx.auditLog.create({ data: { actor: input.actor, action: existing ? 'user.password' : 'user.add', subject: `dashboard_user:${input.username}`, details: { role: input.role }, at: input.at } });
    return { created: !existing };
  });
}

export async function removeUser(prisma: PrismaClient, input: { username: string; actor: string; at: Date }): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.dashboardUser.deleteMany({ where: { username: input.username } });
    if (count > 0) await tx.auditLog.create({ data: { actor: input.actor, action: 'user.remove', subject: `dashboard_user:${input.username}`, at: input.at } });
    return count > 0;
  });
}

/**
 * Counts a failed login in one statement (two concurrent failures both count). When the count reaches
 * `maxFailures` the user is locked until `lockUntil` and the counter starts again. Returns whether this failure
 * locked the user.
 */
export async function recordFailedLogin(prisma: PrismaClient, userId: string, maxFailures: number, lockUntil: Date): Promise<{ locked: boolean }> {
  const rows = await prisma.$queryRaw<{ locked: boolean }[]>`
    UPDATE dashboard_users
       SET failed_logins = CASE WHEN failed_logins + 1 >= ${maxFailures} THEN 0 ELSE failed_logins + 1 END,
           locked_until  = CASE WHEN failed_logins + 1 >= ${maxFailures} THEN ${lockUntil}::timestamptz ELSE locked_until END,
           updated_at    = now()
     WHERE id = ${userId}
    RETURNING (locked_until = ${lockUntil}::timestamptz) AS locked`;
  return { locked: rows[0]?.locked === true };
}

export async function recordLogin(prisma: PrismaClient, userId: string, at: Date): Promise<void> {
  await prisma.dashboardUser.update({ where: { id: userId }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: at } });
}
