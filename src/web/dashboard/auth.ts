import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../domain/types.ts';
import type { PrismaClient } from '../../store/generated/client.ts';
import { audit } from '../../store/dashboard/audit.ts';
import { createSession, deleteSession, deleteStaleSessions, findSession, touchSession, type SessionView } from '../../store/dashboard/sessions.ts';
import { findUser, recordFailedLogin, recordLogin, type DashboardRole } from '../../store/dashboard/users.ts';
import { decoyHash, verifyPassword } from './password.ts';

/**
 * Dashboard authentication: password login with lockout, sessions in an HttpOnly SameSite=Strict cookie whose
 * token the store only knows hashed, a CSRF token per session, roles.
 */
export interface AuthSettings {
  /** Failed logins in a row that lock a user. @default 5 */
  maxFailures: number;
  /** How long a lockout lasts, in minutes. @default 15 */
  lockMinutes: number;
  /** A session's absolute lifetime. @default 12 hours */
  sessionTtlMs: number;
  /** A session unused this long ends. @default 30 minutes */
  idleMs: number;
  /** Add `Secure` to the cookies (the dashboard is reached over https: web.publicUrl is https://…). */
  secureCookies: boolean;
}

export const DEFAULT_AUTH: AuthSettings = { maxFailures: 5, lockMinutes: 15, sessionTtlMs: 12 * 3_600_000, idleMs: 30 * 60_000, secureCookies: false };

export const SESSION_COOKIE = 'kocflow_session';
/** The login form's CSRF token (double submit: the cookie and the form field must match). */
export const LOGIN_CSRF_COOKIE = 'kocflow_login_csrf';

/** The same generic answer for a wrong name, a wrong password and a locked user. */
export const LOGIN_FAILED = '用户名或密码错误，或账号暂时被锁定。Wrong username or password, or the user is locked for a while.';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, decodeURIComponent(part.slice(at + 1).trim()));
  }
  return cookies;
}

export function cookie(name: string, value: string, settings: Pick<AuthSettings, 'secureCookies'>, maxAgeSeconds?: number): string {
  return [`${name}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []), ...(settings.secureCookies ? ['Secure'] : [])].join('; ');
}

export type LoginResult = { ok: true; token: string; session: SessionView } | { ok: false };

export class DashboardAuth {
  constructor(private readonly prisma: PrismaClient, private readonly clock: Clock, readonly settings: AuthSettings) {}

  /** Checks the password; on success opens a session. Failures are counted, audited, and answered alike. */
  async login(username: string, password: string, source: { ip: string }): Promise<LoginResult> {
    const at = this.clock.now();
    const user = await findUser(this.prisma, username);
    if (!user) {
      await verifyPassword(password, await decoyHash());
      // Not the name typed: it is sometimes the password typed into the wrong box.
      await audit(this.prisma, { actor: 'system', action: 'login.failed', subject: 'dashboard_user:?', details: { reason: 'unknown_user', source: sourceHash(source.ip, at) }, at });
      return { ok: false };
    }
    const actor = `dashboard:${user.username}`;
    if (user.lockedUntil && user.lockedUntil > at) {
      await audit(this.prisma, { actor, action: 'login.failed', subject: `dashboard_user:${user.username}`, details: { reason: 'locked', lockedUntil: user.lockedUntil.toISOString(), source: sourceHash(source.ip, at) }, at });
      return { ok: false };
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      const lockUntil = new Date(at.getTime() + this.settings.lockMinutes * 60_000);
      const { locked } = await recordFailedLogin(this.prisma, user.id, this.settings.maxFailures, lockUntil);
      await audit(this.prisma, { actor, action: 'login.failed', subject: `dashboard_user:${user.username}`, details: { reason: 'wrong_password', source: sourceHash(source.ip, at) }, at });
      if (locked) await audit(this.prisma, { actor: 'system', action: 'login.lockout', subject: `dashboard_user:${user.username}`, details: { until: lockUntil.toISOString(), failures: this.settings.maxFailures }, at });
      return { ok: false };
    }
    await recordLogin(this.prisma, user.id, at);
    // Ended sessions are deleted when met; the ones never met again go here.
    await deleteStaleSessions(this.prisma, at, this.settings.idleMs);
    const token = newToken();
    const id = sessionId(token);
    const csrfToken = newToken();
    const expiresAt = new Date(at.getTime() + this.settings.sessionTtlMs);
    await createSession(this.prisma, { id, userId: user.id, csrfToken, at, expiresAt });
    await audit(this.prisma, { actor, action: 'login', subject: `dashboard_user:${user.username}`, details: { source: sourceHash(source.ip, at) }, at });
    return { ok: true, token, session: { id, csrfToken, expiresAt, lastSeenAt: at, user: { id: user.id, username: user.username, role: user.role } } };
  }

  /** The live session of a cookie token, or undefined (none, expired, idle too long: an ended one is deleted). */
  async session(token: string | undefined): Promise<SessionView | undefined> {
    if (!token || token.length > 200) return undefined;
    const id = sessionId(token);
    const found = await findSession(this.prisma, id);
    if (!found) return undefined;
    const now = this.clock.now();
    if (found.expiresAt <= now || now.getTime() - found.lastSeenAt.getTime() >= this.settings.idleMs) {
      await deleteSession(this.prisma, id);
      return undefined;
    }
    // One write a minute at most for an active session.
    if (now.getTime() - found.lastSeenAt.getTime() > 60_000) await touchSession(this.prisma, id, now);
    return found;
  }

  async logout(session: SessionView): Promise<void> {
    await deleteSession(this.prisma, session.id);
    await audit(this.prisma, { actor: `dashboard:${session.user.username}`, action: 'logout', subject: `dashboard_user:${session.user.username}`, at: this.clock.now() });
  }
}

/** Who may do what: viewers read; ops and admins also approve tasks and resolve in-doubt sends. */
export function mayAct(role: DashboardRole): boolean {
  return role === 'admin' || role === 'ops';
}

/** Where a login came from, without keeping the address: a daily salted hash (as the tracking links do). */
function sourceHash(ip: string, at: Date): string {
  return createHash('sha256').update(`${at.toISOString().slice(0, 10)}:${ip}`).digest('hex').slice(0, 16);
}
