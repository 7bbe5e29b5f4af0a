import { randomUUID } from 'node:crypto';
import type { SqlRunner } from './session.ts';

/**
 * Prisma's migration history table, byte-compatible with what `prisma migrate` creates and writes (same DDL,
 * same columns, sha256 hex checksums, applied_steps_count 1 per applied script), so the Prisma CLI and kocflow
 * agree about which migrations a database has.
 */
export const HISTORY_TABLE = '_prisma_migrations';

const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "${HISTORY_TABLE}" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface HistoryRow {
  id: string;
  checksum: string;
  migrationName: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
  appliedStepsCount: number;
}

interface RawRow {
  id: string;
  checksum: string;
  migration_name: string;
  started_at: Date | string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
  logs: string | null;
  applied_steps_count: number;
}

export async function ensureHistoryTable(sql: SqlRunner): Promise<void> {
  await sql.exec(CREATE_HISTORY_TABLE);
}

/** All rows, oldest first; empty when the table does not exist (a database never migrated). */
export async function readHistory(sql: SqlRunner): Promise<HistoryRow[]> {
  const [exists] = await sql.query<{ present: boolean }>(
    `SELECT to_regclass('${HISTORY_TABLE}') IS NOT NULL AS present`,
  );
  if (!exists?.present) return [];
  const rows = await sql.query<RawRow>(
    `SELECT id, checksum, migration_name, started_at, finished_at, rolled_back_at, logs, applied_steps_count
       FROM "${HISTORY_TABLE}" ORDER BY started_at, migration_name`,
  );
  return rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    migrationName: row.migration_name,
    startedAt: toDate(row.started_at),
    finishedAt: row.finished_at === null ? null : toDate(row.finished_at),
    rolledBackAt: row.rolled_back_at === null ? null : toDate(row.rolled_back_at),
    logs: row.logs,
    appliedStepsCount: row.applied_steps_count,
  }));
}

/** Records a migration applied in full (inside the migration's own transaction). */
export async function recordApplied(sql: SqlRunner, name: string, checksum: string, startedAt: Date): Promise<void> {
  await sql.query(
    `INSERT INTO "${HISTORY_TABLE}"
       (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
     VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
    [randomUUID(), checksum, name, startedAt],
  );
}

/**
 * Records an attempt whose transaction was rolled back: the database is unchanged, so the row is marked rolled back
 * (Prisma ignores such rows, as after `prisma migrate resolve --rolled-back`) and keeps the error in `logs`.
 */
export async function recordRolledBack(
  sql: SqlRunner,
  name: string,
  checksum: string,
  startedAt: Date,
  logs: string,
): Promise<void> {
  await sql.query(
    `INSERT INTO "${HISTORY_TABLE}"
       (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
     VALUES ($1, $2, NULL, $3, $4, clock_timestamp(), $5, 0)`,
    [randomUUID(), checksum, name, logs, startedAt],
  );
}

/** Non-transactional migrations (opt-in) are recorded the way Prisma does: started, then finished or failed. */
export async function recordStarted(sql: SqlRunner, name: string, checksum: string): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO "${HISTORY_TABLE}" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), 0)`,
    [id, checksum, name],
  );
  return id;
}

export async function recordFinished(sql: SqlRunner, id: string): Promise<void> {
  await sql.query(
    `UPDATE "${HISTORY_TABLE}" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}

export async function recordFailed(sql: SqlRunner, id: string, logs: string): Promise<void> {
  await sql.query(`UPDATE "${HISTORY_TABLE}" SET logs = $2 WHERE id = $1`, [id, logs]);
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
