/**
 * The store: the only part of kocflow that imports the generated Prisma client.
 * Embedded PGlite (default) or PostgreSQL (DATABASE_URL), one schema, one migrations folder.
 */
export {
  openStore,
  openStoreOnPGlite,
  type OpenStoreOptions,
  type Store,
  type EmbeddedStore,
  type PostgresStore,
} from './openStore.ts';
export { DEFAULT_DATA_DIR } from './embedded.ts';
export { parseDatabaseUrl, type PostgresTarget } from './databaseUrl.ts';
export { acquireDataDirLock, readDataDirLock, LOCK_FILE_NAME, type DataDirLock, type LockOwner } from './dataDirLock.ts';
export {
  findMigrationsDir,
  type MigrateResult,
  type MigrationState,
  type MigrationStatusEntry,
} from './migrate/index.ts';
export { isUniqueViolation, isForeignKeyViolation, prismaErrorCode, rawQuerySqlState } from './prismaErrors.ts';
export { createEngineStore, type EngineStoreOptions } from './engineStore.ts';
export { createReferrals, type ReferralsOptions } from './referral/index.ts';
export * from './repositories/index.ts';
export * from './types.ts';
