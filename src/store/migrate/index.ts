export { findMigrationsDir } from './migrationsDir.ts';
export { readLocalMigrations, scriptMatchesChecksum, sha256Hex, type LocalMigration } from './localMigrations.ts';
export {
  migrate,
  migrationStatus,
  computeStatus,
  type MigrateResult,
  type MigrationState,
  type MigrationStatusEntry,
  type MigratorOptions,
} from './migrator.ts';
export {
  pgliteSession,
  postgresSession,
  PRISMA_ADVISORY_LOCK_KEY,
  type MigrationSession,
  type PostgresSessionOptions,
  type SqlRunner,
} from './session.ts';
export { HISTORY_TABLE, readHistory, type HistoryRow } from './history.ts';
