import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { silentLogger, type Logger } from '../shared/logger.ts';
import { parseDatabaseUrl, type PostgresTarget } from './databaseUrl.ts';
import { DEFAULT_DATA_DIR, openEmbeddedDatabase, prepareSession } from './embedded.ts';
import { PrismaClient } from './generated/client.ts';
import {
  findMigrationsDir,
  migrate as runMigrate,
  migrationStatus as readMigrationStatus,
  pgliteSession,
  postgresSession,
  type MigrateResult,
  type MigrationSession,
  type MigrationStatusEntry,
} from './migrate/index.ts';
import { checkReachable, connectClient, createPool } from './postgres.ts';

export interface OpenStoreOptions {
  /** PostgreSQL URL. When set (usually from DATABASE_URL) the store is PostgreSQL; otherwise embedded PGlite. */
  databaseUrl?: string;
  /** Embedded data directory. @default ./.kocflow/data (relative to the working directory) */
  dataDir?: string;
  /**
   * Apply pending migrations while opening.
   * @default true for the embedded store; false for PostgreSQL, where `kocflow migrate` is a deploy step (passing
   * true is safe too: concurrent starters serialise on an advisory lock and each migration applies once).
   */
  migrate?: boolean;
  logger?: Logger;
  /** Override the migrations folder (tests). @default the package's prisma/migrations */
  migrationsDir?: string;
}

interface StoreBase {
  /** The Prisma client. Only src/store/ code should use it directly; the rest of the app uses repositories. */
  readonly prisma: PrismaClient;
  /** Where the data lives, safe to print: the data directory, or the URL without its password. */
  readonly location: string;
  /** Applies pending migrations (what `kocflow migrate` runs). */
  migrate(): Promise<MigrateResult>;
  /** Every migration and its state (what `kocflow migrate --status` prints). */
  migrationStatus(): Promise<MigrationStatusEntry[]>;
  /** Disconnects Prisma and closes the database (and releases the data-directory lock). Idempotent. */
  close(): Promise<void>;
}

export interface EmbeddedStore extends StoreBase {
  readonly kind: 'embedded';
  /** The PGlite instance, for a job engine sharing it (pg-boss `fromPglite`). */
  readonly pglite: PGlite;
  /** Absolute data directory; null for an in-memory database (tests). */
  readonly dataDir: string | null;
}

export interface PostgresStore extends StoreBase {
  readonly kind: 'postgres';
  /** The pg pool behind Prisma (UTC sessions), for a job engine sharing the database. */
  readonly pool: pg.Pool;
  readonly schema: string;
}

export type Store = EmbeddedStore | PostgresStore;

/**
 * Opens the store: PostgreSQL when `databaseUrl` is set, else the embedded PGlite store in `dataDir` (created on
 * first start, locked for this process, migrated). Throws KocError: KOC_STORE_URL_INVALID, KOC_STORE_UNREACHABLE,
 * KOC_STORE_AUTH_FAILED, KOC_STORE_DATABASE_MISSING, KOC_STORE_LOCKED, KOC_STORE_OPEN_FAILED, KOC_MIGRATION_*.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? silentLogger();
  if (options.databaseUrl !== undefined && options.databaseUrl.trim() !== '') {
    return openPostgresStore(parseDatabaseUrl(options.databaseUrl), options, logger);
  }
  const database = await openEmbeddedDatabase(options.dataDir ?? DEFAULT_DATA_DIR, logger);
  try {
    return await wrapEmbedded(database.pglite, database.dataDir, options, logger, () => database.close());
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * Wraps an already-open PGlite (for tests and tools: an in-memory database or a snapshot clone). No data-directory
 * lock is taken; `close()` closes the PGlite instance.
 */
export async function openStoreOnPGlite(
  pglite: PGlite,
  options: Pick<OpenStoreOptions, 'migrate' | 'logger' | 'migrationsDir'> = {},
): Promise<EmbeddedStore> {
  await prepareSession(pglite);
  return wrapEmbedded(pglite, null, options, options.logger ?? silentLogger(), () => pglite.close());
}

async function wrapEmbedded(
  pglite: PGlite,
  dataDir: string | null,
  options: OpenStoreOptions,
  logger: Logger,
  closeDatabase: () => Promise<void>,
): Promise<EmbeddedStore> {
  const migrationsDir = options.migrationsDir ?? findMigrationsDir();
  const session = pgliteSession(pglite);
  if (options.migrate ?? true) await runMigrate(session, { migrationsDir, logger });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  let closing: Promise<void> | undefined;
  return {
    kind: 'embedded',
    prisma,
    pglite,
    dataDir,
    location: dataDir ?? 'memory://',
    migrate: () => runMigrate(session, { migrationsDir, logger }),
    migrationStatus: () => readMigrationStatus(session, { migrationsDir }),
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await closeDatabase();
        }
      })();
      return closing;
    },
  };
}

async function openPostgresStore(target: PostgresTarget, options: OpenStoreOptions, logger: Logger): Promise<PostgresStore> {
  const migrationsDir = options.migrationsDir ?? findMigrationsDir();
  const pool = createPool(target, logger);
  try {
    await checkReachable(pool, target);
    if (options.migrate ?? false) await withPostgresSession(target, logger, (s) => runMigrate(s, { migrationsDir, logger }));
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const adapter = new PrismaPg(pool, target.schema === 'public' ? undefined : { schema: target.schema });
  const prisma = new PrismaClient({ adapter });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    prisma,
    pool,
    schema: target.schema,
    location: target.redacted,
    migrate: () => withPostgresSession(target, logger, (s) => runMigrate(s, { migrationsDir, logger })),
    migrationStatus: () => withPostgresSession(target, logger, (s) => readMigrationStatus(s, { migrationsDir })),
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await pool.end();
        }
      })();
      return closing;
    },
  };
}

async function withPostgresSession<T>(
  target: PostgresTarget,
  logger: Logger,
  fn: (session: MigrationSession) => Promise<T>,
): Promise<T> {
  const client = await connectClient(target, logger);
  try {
    return await fn(postgresSession(client, target.schema));
  } finally {
    await client.end().catch(() => {});
  }
}
