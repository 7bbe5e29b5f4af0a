import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { KocError } from '../../shared/errors.ts';

/** Runs SQL for the migrator. Multi-statement scripts go through `exec` (simple query protocol, no parameters). */
export interface SqlRunner {
  exec(script: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * A database session owned by the migrator for one run: one connection, so that a transaction and an advisory lock
 * mean what they say. Independent of Prisma and of the WASM schema engine.
 */
export interface MigrationSession extends SqlRunner {
  readonly kind: 'embedded' | 'postgres';
  /** Runs `fn` while holding the migration lock (serialises migrators across processes on PostgreSQL). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Prepares the session before migrating (e.g. creates the target schema). Idempotent. */
  prepare(): Promise<void>;
}

/**
 * The advisory lock key `prisma migrate` takes, so kocflow's migrator and the Prisma CLI exclude each other too.
 */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

// ─────────────────────────────────────────────────────────────────────────────────────────── PGlite

const pgliteMutexes = new WeakMap<PGlite, Promise<unknown>>();

/**
 * Embedded: the data-directory lock already keeps other processes out, so the migration lock only has to order
 * migrators inside this process. PGlite's `transaction()` holds its connection exclusively, so Prisma queries
 * issued meanwhile wait for the migration to commit.
 */
export function pgliteSession(db: PGlite): MigrationSession {
  const runner = (target: PGlite | Transaction): SqlRunner => ({
    async exec(script) {
      await target.exec(script);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await target.query<Row>(sql, params)).rows;
    },
  });
  return {
    kind: 'embedded',
    ...runner(db),
    async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
      const previous = pgliteMutexes.get(db) ?? Promise.resolve();
      const run = previous.then(fn, fn);
      pgliteMutexes.set(
        db,
        run.catch(() => undefined),
      );
      return run;
    },
    transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(runner(tx)));
    },
    async prepare() {},
  };
}

// ──────────────────────────────────────────────────────────────────────────────────────── PostgreSQL

export interface PostgresSessionOptions {
  /**
   * How long to wait for the migration lock before failing with KOC_MIGRATION_LOCKED. Another kocflow applying a
   * long migration, or `prisma migrate` (which holds the lock for its whole run), makes us wait.
   * @default 5 minutes
   */
  lockTimeoutMs?: number;
}

/**
 * PostgreSQL: a dedicated client (not the Prisma pool), because session-level advisory locks and BEGIN/COMMIT must
 * stay on one connection. The caller owns the client (connects and ends it).
 */
export function postgresSession(client: pg.Client, schema: string, options: PostgresSessionOptions = {}): MigrationSession {
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? 300_000));
  const self: MigrationSession = {
    kind: 'postgres',
    async exec(script) {
      await client.query(script);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
      await client.query(`SET lock_timeout = ${lockTimeoutMs}`);
      try {
        await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error;
        throw await lockTimeoutError(client, lockTimeoutMs);
      } finally {
        await client.query('RESET lock_timeout');
      }
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
      }
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      await client.query('BEGIN');
      try {
        const result = await fn(self);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async prepare() {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    },
  };
  return self;
}

async function lockTimeoutError(client: pg.Client, waitedMs: number): Promise<KocError> {
  // Who holds it (bigint advisory keys appear as classid = high half, objid = low half).
  const holder = await client
    .query<{ pid: number; application_name: string; backend_start: Date }>(
      `SELECT a.pid, a.application_name, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
        LIMIT 1`,
      [PRISMA_ADVISORY_LOCK_KEY],
    )
    .then((result) => result.rows[0])
    .catch(() => undefined);
  const who = holder
    ? `server process ${holder.pid} (${holder.application_name || 'unnamed client'}, connected ${holder.backend_start.toISOString()})`
    : 'another session';
  return new KocError(
    'KOC_MIGRATION_LOCKED',
    `waited ${Math.round(waitedMs / 1000)} s for the migration lock, held by ${who}`,
    {
      hint:
        'another kocflow (or `prisma migrate`) is migrating this database: let it finish and retry; if that process ' +
        `is stuck, end it (SELECT pg_terminate_backend(${holder?.pid ?? '<pid>'}))`,
      retryable: true,
      retryAfterMs: 10_000,
      details: holder ? { pid: holder.pid, applicationName: holder.application_name } : {},
    },
  );
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
