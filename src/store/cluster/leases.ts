/**
 * Account leases and process heartbeats: how several kocflow processes on one PostgreSQL database share the
 * accounts (docs/scaling.md).
 *
 * Glossary
 * - process: one `kocflow start` (its id: host, pid and a random suffix), alive while its heartbeat row is renewed.
 * - lease: the row of account_leases naming the process that owns an account's bot and executes its sends, until
 *   `expires_at`. The owner renews it every few seconds; once it has expired any process may take it over.
 *
 * Every instant here is the database's (`now()`), never a process's clock: processes on several machines with
 * skewed clocks still agree on whether a lease has expired. Each change is one conditional statement, so two
 * processes racing for the same account cannot both win.
 */
import { Prisma } from '../generated/client.ts';
import type { EngineSql } from '../engine/sql.ts';

export type ProcessRole = 'all' | 'bots' | 'worker' | 'web';
/** Roles that run bots, and so take leases. */
export const BOT_ROLES: readonly ProcessRole[] = ['all', 'bots'];

export interface LeaseRow {
  accountId: string;
  ownerId: string;
  expiresAt: Date;
  renewedAt: Date;
}

export interface LeaseStore {
  /** Creates or renews this process's heartbeat (expires `ttlMs` after the database's now). */
  heartbeat(processId: string, role: ProcessRole, ttlMs: number): Promise<void>;
  /** Processes running bots whose heartbeat has not expired (this one included once it has beaten). */
  liveBotProcesses(): Promise<number>;
  /**
   * Renews this process's leases among `accounts` and returns those it still holds. A lease that expired but that
   * nobody took over is renewed too: ownership never overlapped.
   */
  renew(processId: string, accounts: readonly string[], ttlMs: number): Promise<string[]>;
  /**
   * Takes up to `limit` of `candidates` that have no lease or an expired one, in one INSERT … ON CONFLICT DO UPDATE
   * … WHERE expired. Returns the accounts won.
   */
  acquire(processId: string, candidates: readonly string[], limit: number, ttlMs: number): Promise<string[]>;
  /** Gives up these leases (clean stop, rebalancing): another process may take them at once. */
  release(processId: string, accounts: readonly string[]): Promise<void>;
  /** Removes this process's heartbeat (clean stop). */
  forget(processId: string): Promise<void>;
  /** Every lease, for ops and tests. */
  list(): Promise<LeaseRow[]>;
}

export function createLeaseStore(sql: EngineSql): LeaseStore {
  const interval = (ms: number) => Prisma.sql`make_interval(secs => ${ms / 1000}::double precision)`;
  return {
    async heartbeat(processId, role, ttlMs) {
      await sql.execute(Prisma.sql`
        INSERT INTO process_heartbeats (id, role, started_at, seen_at, expires_at)
        VALUES (${processId}::text, ${role}::text, now(), now(), now() + ${interval(ttlMs)})
        ON CONFLICT (id) DO UPDATE SET seen_at = now(), expires_at = excluded.expires_at, role = excluded.role`);
    },

    async liveBotProcesses() {
      const [row] = await sql.query<{ n: number | string }>(Prisma.sql`
        SELECT count(*)::int AS n FROM process_heartbeats
         WHERE expires_at > now() AND role IN (${Prisma.join(BOT_ROLES)})`);
      return Number(row?.n ?? 0);
    },

    async renew(processId, accounts, ttlMs) {
      if (accounts.length === 0) return [];
      const rows = await sql.query<{ account_id: string }>(Prisma.sql`
        UPDATE account_leases SET expires_at = now() + ${interval(ttlMs)}, renewed_at = now()
         WHERE owner_id = ${processId}::text AND account_id = ANY (${[...accounts]}::text[])
        RETURNING account_id`);
      return rows.map((r) => r.account_id);
    },

    async acquire(processId, candidates, limit, ttlMs) {
      if (candidates.length === 0 || limit <= 0) return [];
      // The free ones first (no lease, or expired), in a stable order; the ON CONFLICT … WHERE repeats the expiry
      // test at write time, so a lease renewed in between is not taken.
      const rows = await sql.query<{ account_id: string }>(Prisma.sql`
        INSERT INTO account_leases (account_id, owner_id, expires_at, renewed_at)
        SELECT a.id, ${processId}::text, now() + ${interval(ttlMs)}, now()
          FROM accounts a LEFT JOIN account_leases l ON l.account_id = a.id
         WHERE a.id = ANY (${[...candidates]}::text[]) AND (l.account_id IS NULL OR l.expires_at <= now())
         ORDER BY a.id
         LIMIT ${limit}::int
        ON CONFLICT (account_id) DO UPDATE
           SET owner_id = excluded.owner_id, expires_at = excluded.expires_at, renewed_at = excluded.renewed_at
         WHERE account_leases.expires_at <= now()
        RETURNING account_id`);
      return rows.map((r) => r.account_id);
    },

    async release(processId, accounts) {
      if (accounts.length === 0) return;
      await sql.execute(Prisma.sql`
        DELETE FROM account_leases WHERE owner_id = ${processId}::text AND account_id = ANY (${[...accounts]}::text[])`);
    },

    async forget(processId) {
      await sql.execute(Prisma.sql`DELETE FROM process_heartbeats WHERE id = ${processId}::text`);
    },

    async list() {
      const rows = await sql.query<{ account_id: string; owner_id: string; expires_at: Date | string; renewed_at: Date | string }>(Prisma.sql`
        SELECT account_id, owner_id, expires_at, renewed_at FROM account_leases ORDER BY account_id`);
      return rows.map((r) => ({ accountId: r.account_id, ownerId: r.owner_id, expiresAt: new Date(r.expires_at), renewedAt: new Date(r.renewed_at) }));
    },
  };
}
