/**
 * The runtime migrator (`kocflow migrate`, `kocflow migrate --status`, and automatically when the embedded store
 * opens). It is Prisma's `migrate deploy`, without the native schema engine: run each pending
 * `prisma/migrations/<name>/migration.sql` in order and record it in `_prisma_migrations` exactly as Prisma would.
 *
 * Differences from `prisma migrate deploy`, all on the safe side:
 * - each migration runs inside a transaction, so a failing script leaves the database as it was (opt out per file
 *   with a `-- kocflow:no-transaction` line); the failed attempt is recorded as rolled back, with the error in logs;
 * - an applied migration whose file changed is an error (KOC_MIGRATION_CHECKSUM), not a warning;
 * - an applied migration that is missing locally is an error (KOC_MIGRATION_UNKNOWN): this kocflow is older than
 *   the database.
 * Like Prisma, it takes the advisory lock 72707369 on PostgreSQL, so concurrent starters apply each migration once.
 */
import type { Logger } from '../../shared/logger.ts';
import { KocError } from '../../shared/errors.ts';
import {
  ensureHistoryTable,
  HISTORY_TABLE,
  readHistory,
  recordApplied,
  recordFailed,
  recordFinished,
  recordRolledBack,
  recordStarted,
  type HistoryRow,
} from './history.ts';
import { readLocalMigrations, scriptMatchesChecksum, type LocalMigration } from './localMigrations.ts';
import type { MigrationSession } from './session.ts';

/**
 * - applied: recorded as finished, file unchanged
 * - pending: not applied yet
 * - failed: a non-transactional attempt did not finish (needs a person: see KOC_MIGRATION_FAILED)
 * - modified: applied, but the file changed since
 * - missing: applied to the database, but not in this kocflow's migrations folder
 */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'modified' | 'missing';

export interface MigrationStatusEntry {
  name: string;
  state: MigrationState;
  /** When it finished applying; null unless applied/modified/missing. */
  appliedAt: Date | null;
}

export interface MigrateResult {
  /** Names applied by this call, in order; empty when the database was up to date. */
  applied: string[];
  /** Every migration's state after the call. */
  status: MigrationStatusEntry[];
}

export interface MigratorOptions {
  migrationsDir: string;
  logger?: Logger;
}

/** Where each migration stands. Read-only: does not create the history table. */
export async function migrationStatus(session: MigrationSession, options: MigratorOptions): Promise<MigrationStatusEntry[]> {
  const local = await readLocalMigrations(options.migrationsDir);
  return computeStatus(local, await readHistory(session));
}

/** Applies every pending migration. Throws a KocError (and applies nothing) if the history is not sound. */
export async function migrate(session: MigrationSession, options: MigratorOptions): Promise<MigrateResult> {
  const local = await readLocalMigrations(options.migrationsDir);
  return session.withMigrationLock(async () => {
    await session.prepare();
    await ensureHistoryTable(session);
    // Read under the lock: another process may just have applied what we thought was pending.
    const before = computeStatus(local, await readHistory(session));
    assertSound(before, options.migrationsDir);
    const pending = new Set(before.filter((entry) => entry.state === 'pending').map((entry) => entry.name));
    const applied: string[] = [];
    for (const migration of local) {
      if (!pending.has(migration.name)) continue;
      const started = Date.now();
      await applyOne(session, migration);
      applied.push(migration.name);
      options.logger?.info({ migration: migration.name, ms: Date.now() - started }, 'migration applied');
    }
    return { applied, status: computeStatus(local, await readHistory(session)) };
  });
}

export function computeStatus(local: LocalMigration[], history: HistoryRow[]): MigrationStatusEntry[] {
  const live = history.filter((row) => row.rolledBackAt === null);
  const entries: MigrationStatusEntry[] = local.map((migration) => {
    const rows = live.filter((row) => row.migrationName === migration.name);
    const finished = rows.filter((row) => row.finishedAt !== null).at(-1);
    if (finished) {
      const state = scriptMatchesChecksum(migration.script, finished.checksum) ? 'applied' : 'modified';
      return { name: migration.name, state, appliedAt: finished.finishedAt };
    }
    if (rows.length > 0) return { name: migration.name, state: 'failed', appliedAt: null };
    return { name: migration.name, state: 'pending', appliedAt: null };
  });
  const localNames = new Set(local.map((migration) => migration.name));
  const missing = new Map<string, HistoryRow>();
  for (const row of live) if (!localNames.has(row.migrationName)) missing.set(row.migrationName, row);
  for (const [name, row] of missing) {
    entries.push({ name, state: row.finishedAt === null ? 'failed' : 'missing', appliedAt: row.finishedAt });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

function assertSound(status: MigrationStatusEntry[], migrationsDir: string): void {
  const failed = status.filter((entry) => entry.state === 'failed').map((entry) => entry.name);
  if (failed.length > 0) {
    const list = failed.join(', ');
    throw new KocError('KOC_MIGRATION_FAILED', `migration ${list} started but did not finish on this database`, {
      hint:
        'it ran outside a transaction and may be half-applied: inspect the database and complete or undo it by ' +
        `hand, then mark the attempt rolled back (UPDATE "${HISTORY_TABLE}" SET rolled_back_at = now() WHERE ` +
        `migration_name = '${failed[0]}' AND finished_at IS NULL) and run kocflow migrate again`,
      details: { migrations: failed },
    });
  }
  const modified = status.filter((entry) => entry.state === 'modified').map((entry) => entry.name);
  if (modified.length > 0) {
    const first = modified[0];
    throw new KocError(
      'KOC_MIGRATION_CHECKSUM',
      `migration ${modified.join(', ')} was changed after it was applied to this database`,
      {
        hint:
          `restore the applied version (git checkout -- ${migrationsDir}/${first}/migration.sql) and put the change ` +
          'in a new migration (npm run db:migration -- <name>); applied migrations must never be edited',
        details: { migrations: modified },
      },
    );
  }
  const missing = status.filter((entry) => entry.state === 'missing').map((entry) => entry.name);
  if (missing.length > 0) {
    throw new KocError(
      'KOC_MIGRATION_UNKNOWN',
      `the database has migration ${missing.join(', ')}, which this kocflow does not know`,
      {
        hint:
          'the database was migrated by a newer kocflow (or another branch): run that version, or upgrade this one; ' +
          `migrations are read from ${migrationsDir}`,
        details: { migrations: missing },
      },
    );
  }
}

async function applyOne(session: MigrationSession, migration: LocalMigration): Promise<void> {
  const startedAt = new Date();
  if (migration.noTransaction) {
    const id = await recordStarted(session, migration.name, migration.checksum);
    try {
      await session.exec(migration.script);
    } catch (cause) {
      await recordFailed(session, id, describe(cause));
      throw applyFailed(migration, cause, false);
    }
    await recordFinished(session, id);
    return;
  }
  try {
    await session.transaction(async (tx) => {
      await tx.exec(migration.script);
      await recordApplied(tx, migration.name, migration.checksum, startedAt);
    });
  } catch (cause) {
    await recordRolledBack(session, migration.name, migration.checksum, startedAt, describe(cause)).catch(() => {});
    throw applyFailed(migration, cause, true);
  }
}

function applyFailed(migration: LocalMigration, cause: unknown, rolledBack: boolean): KocError {
  const hint = rolledBack
    ? `the database is unchanged (the migration ran in a transaction): fix ${migration.path} if it is yours, ` +
      'or report it if it shipped with kocflow, then run kocflow migrate again'
    : `it ran without a transaction and may be half-applied: inspect the database, then see KOC_MIGRATION_FAILED`;
  return new KocError('KOC_MIGRATION_APPLY_FAILED', `migration ${migration.name} failed: ${describe(cause)}`, {
    hint,
    cause,
    details: { migration: migration.name },
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (SQLSTATE ${code})` : error.message;
  }
  return String(error);
}
