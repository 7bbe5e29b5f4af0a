import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteMigrationFactory } from '../../scripts/db/pgliteMigrationFactory.ts';
import { NO_FILTERS, readMigrationList, readSchemaFiles, startSchemaEngine } from '../../scripts/db/schemaEngine.ts';
import { KocError } from '../../src/shared/errors.ts';
import {
  findMigrationsDir,
  migrate,
  migrationStatus,
  pgliteSession,
  postgresSession,
  PRISMA_ADVISORY_LOCK_KEY,
  sha256Hex,
} from '../../src/store/migrate/index.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';
import { describeEachStore } from '../support/stores.ts';
import { rejection } from '../support/errors.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const migrationsDir = join(root, 'prisma', 'migrations');
const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of prisma/migrations that a test may edit. */
function copyMigrations(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'kocflow-migrations-')), 'migrations');
  tempDirs.push(dirname(dir));
  cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

function dirname(path: string): string {
  return resolve(path, '..');
}

function addMigration(dir: string, name: string, sql: string): string {
  mkdirSync(join(dir, name));
  const file = join(dir, name, 'migration.sql');
  writeFileSync(file, sql);
  return file;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

function history(store: Store): Promise<HistoryRow[]> {
  return store.prisma.$queryRawUnsafe<HistoryRow[]>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY started_at',
  );
}

async function tableExists(store: Store, table: string): Promise<boolean> {
  const rows = await store.prisma.$queryRawUnsafe<{ present: boolean }[]>(
    `SELECT to_regclass('${table}') IS NOT NULL AS present`,
  );
  return rows[0]?.present === true;
}

/**
 * Prisma's own schema engine (WASM) over the same database, to check that Prisma agrees with our history.
 * `close()` ends its connections: on PostgreSQL the engine holds Prisma's advisory lock until its session ends.
 */
async function prismaEngine(store: Store, databaseUrl: string | undefined) {
  const schemaFiles = await readSchemaFiles(join(root, 'prisma', 'schema.prisma'), root);
  const pool = store.kind === 'postgres' ? new pg.Pool({ connectionString: databaseUrl }) : undefined;
  const adapterFactory = store.kind === 'embedded' ? pgliteMigrationFactory(store.pglite) : new PrismaPg(pool!);
  const engine = await startSchemaEngine({ schemaFiles, adapterFactory });
  return {
    engine,
    async close() {
      engine.free();
      await pool?.end();
    },
  };
}

describe('migrations folder', () => {
  it('is found relative to the package from src, dist and an installed package', () => {
    expect(findMigrationsDir()).toBe(migrationsDir);

    const base = mkdtempSync(join(tmpdir(), 'kocflow-pkg-'));
    tempDirs.push(base);
    const pkg = join(base, 'node_modules', 'kocflow');
    mkdirSync(join(pkg, 'prisma', 'migrations'), { recursive: true });
    mkdirSync(join(pkg, 'dist', 'store', 'migrate'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'kocflow' }));
    // The app that installed kocflow has migrations of its own: they must not be picked up.
    mkdirSync(join(base, 'prisma', 'migrations'), { recursive: true });
    writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'some-app' }));

    expect(findMigrationsDir(join(pkg, 'dist', 'store', 'migrate'))).toBe(join(pkg, 'prisma', 'migrations'));
    expect(() => findMigrationsDir(join(base, 'prisma'))).toThrow(/migrations folder was not found/);
  });
});

describeEachStore('migrator', (ctx) => {
  it('lists every migration as pending on an empty database, applies them, then lists them applied', async () => {
    const store = await ctx.freshStore({ migrated: false });
    const before = await store.migrationStatus();
    expect(before).toEqual(migrationNames.map((name) => ({ name, state: 'pending', appliedAt: null })));
    expect(await tableExists(store, 'outbox')).toBe(false);

    const result = await store.migrate();
    expect(result.applied).toEqual(migrationNames);
    expect(result.status.map((entry) => entry.state)).toEqual(migrationNames.map(() => 'applied'));
    for (const entry of await store.migrationStatus()) expect(entry.appliedAt).toBeInstanceOf(Date);
    expect(await store.prisma.account.count()).toBe(0);

    // The history rows are what Prisma writes: sha256 of the file, one step, finished, no logs.
    const rows = await history(store);
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      expect(row.checksum).toBe(sha256Hex(readFileSync(join(migrationsDir, row.migration_name, 'migration.sql'))));
      expect(row).toMatchObject({ applied_steps_count: 1, logs: null, rolled_back_at: null });
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('does nothing when run again', async () => {
    const store = await ctx.freshStore({ migrated: false });
    await store.migrate();
    const rows = await history(store);
    const again = await store.migrate();
    expect(again.applied).toEqual([]);
    expect(await history(store)).toEqual(rows);
  });

  it('writes a history Prisma agrees with, and agrees with a history Prisma wrote', async () => {
    const migrationsList = await readMigrationList(migrationsDir);

    // kocflow migrates → Prisma's engine finds the database in sync.
    const oursUrl = ctx.kind === 'postgres' ? await ctx.freshDatabaseUrl({ migrated: false }) : undefined;
    const ours = oursUrl ? await openStore({ databaseUrl: oursUrl }) : await ctx.freshStore({ migrated: false });
    await ours.migrate();
    const prismaA = await prismaEngine(ours, oursUrl);
    try {
      const diagnosis = await prismaA.engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      });
      expect(diagnosis).toEqual({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
    } finally {
      await prismaA.close();
      if (oursUrl) await ours.close();
    }

    // Prisma's engine migrates (migrate deploy) → kocflow finds everything applied and has nothing to do.
    const theirsUrl = ctx.kind === 'postgres' ? await ctx.freshDatabaseUrl({ migrated: false }) : undefined;
    const theirs = theirsUrl ? await openStore({ databaseUrl: theirsUrl }) : await ctx.freshStore({ migrated: false });
    const prismaB = await prismaEngine(theirs, theirsUrl);
    try {
      const applied = await prismaB.engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
      expect(applied.appliedMigrationNames).toEqual(migrationNames);
    } finally {
      await prismaB.close();
    }
    expect((await theirs.migrationStatus()).every((entry) => entry.state === 'applied')).toBe(true);
    expect((await theirs.migrate()).applied).toEqual([]);
    if (theirsUrl) await theirs.close();
  });

  it('detects an applied migration whose file changed (KOC_MIGRATION_CHECKSUM), tolerating CRLF', async () => {
    const dir = copyMigrations();
    const store = await ctx.freshStore({ migrated: false, migrationsDir: dir });
    await store.migrate();
    const first = migrationNames[0]!;
    const file = join(dir, first, 'migration.sql');
    const original = readFileSync(file, 'utf8');

    writeFileSync(file, original.replace(/\n/g, '\r\n')); // git autocrlf: still the same migration
    expect((await store.migrationStatus())[0]).toMatchObject({ name: first, state: 'applied' });

    writeFileSync(file, `${original}\n-- edited after it was applied\n`);
    expect((await store.migrationStatus())[0]).toMatchObject({ name: first, state: 'modified' });
    const error = await rejection(store.migrate());
    expect(error.code).toBe('KOC_MIGRATION_CHECKSUM');
    expect(error.message).toContain(first);
    expect(error.hint).toContain('git checkout');
    expect(error.hint).toContain('npm run db:migration');
  });

  it('refuses a database that has a migration this kocflow does not know (KOC_MIGRATION_UNKNOWN)', async () => {
    const newer = copyMigrations();
    addMigration(newer, '29991231000000_from_the_future', 'CREATE TABLE "future_things" ("id" TEXT PRIMARY KEY);\n');
    const url = ctx.kind === 'postgres' ? await ctx.freshDatabaseUrl({ migrated: false }) : undefined;
    const store = url
      ? await openStore({ databaseUrl: url, migrationsDir: newer })
      : await ctx.freshStore({ migrated: false, migrationsDir: newer });
    await store.migrate();

    const older = copyMigrations();
    const status = await statusWith(store, url, older);
    expect(status.at(-1)).toMatchObject({ name: '29991231000000_from_the_future', state: 'missing' });
    const error = await rejection(migrateWith(store, url, older));
    expect(error.code).toBe('KOC_MIGRATION_UNKNOWN');
    expect(error.message).toContain('29991231000000_from_the_future');
    if (url) await store.close();
  });

  it('rolls back a failing migration, records the attempt, and applies the fixed file', async () => {
    const dir = copyMigrations();
    const store = await ctx.freshStore({ migrated: false, migrationsDir: dir });
    const file = addMigration(
      dir,
      '29990101000000_broken',
      'CREATE TABLE "half_done" ("id" TEXT PRIMARY KEY);\nALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;\n',
    );
    const error = await rejection(store.migrate());
    expect(error.code).toBe('KOC_MIGRATION_APPLY_FAILED');
    expect(error.message).toContain('29990101000000_broken');
    expect(error.message).toContain('no_such_table');
    expect(error.hint).toContain('unchanged');

    // Every earlier migration committed; the broken one left nothing behind.
    expect(await tableExists(store, 'outbox')).toBe(true);
    expect(await tableExists(store, 'half_done')).toBe(false);
    expect((await store.migrationStatus()).at(-1)).toMatchObject({ name: '29990101000000_broken', state: 'pending' });
    const attempt = (await history(store)).at(-1)!;
    expect(attempt).toMatchObject({ migration_name: '29990101000000_broken', finished_at: null, applied_steps_count: 0 });
    expect(attempt.rolled_back_at).not.toBeNull(); // Prisma ignores rolled-back attempts
    expect(attempt.logs).toContain('no_such_table');

    writeFileSync(file, 'CREATE TABLE "half_done" ("id" TEXT PRIMARY KEY);\n');
    expect((await store.migrate()).applied).toEqual(['29990101000000_broken']);
    expect(await tableExists(store, 'half_done')).toBe(true);
  });

  it('refuses to continue after a migration that started and never finished (KOC_MIGRATION_FAILED)', async () => {
    const dir = copyMigrations();
    const store = await ctx.freshStore({ migrated: false, migrationsDir: dir });
    await store.migrate();
    const file = addMigration(dir, '29990101000000_interrupted', 'CREATE TABLE "t_interrupted" ("id" TEXT);\n');
    // What `prisma migrate deploy` leaves when a script fails or the process dies mid-way.
    await store.prisma.$executeRawUnsafe(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count, logs)
       VALUES ('00000000-0000-4000-8000-000000000001', '${sha256Hex(readFileSync(file))}', '29990101000000_interrupted', now(), 0, 'boom')`,
    );
    expect((await store.migrationStatus()).at(-1)).toMatchObject({ name: '29990101000000_interrupted', state: 'failed' });
    const error = await rejection(store.migrate());
    expect(error.code).toBe('KOC_MIGRATION_FAILED');
    expect(error.hint).toContain('rolled_back_at');
  });

  it('applies a migration marked -- kocflow:no-transaction outside a transaction', async () => {
    const dir = copyMigrations();
    const store = await ctx.freshStore({ migrated: false, migrationsDir: dir });
    addMigration(
      dir,
      '29990101000000_add_enum_value',
      '-- kocflow:no-transaction\nALTER TYPE "OutboxStatus" ADD VALUE \'cancelled\';\n',
    );
    expect((await store.migrate()).applied.at(-1)).toBe('29990101000000_add_enum_value');
    const rows = await store.prisma.$queryRawUnsafe<{ value: string }[]>(
      `SELECT unnest(enum_range(NULL::"OutboxStatus"))::text AS value`,
    );
    expect(rows.map((row) => row.value)).toContain('cancelled');
  });
});

describeEachStore(
  'migrator under concurrency',
  (ctx) => {
    it('applies each migration once when several processes migrate the same database at the same time', async () => {
      const url = await ctx.freshDatabaseUrl({ migrated: false });
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ databaseUrl: url })));
      try {
        const results = await Promise.all(stores.map((store) => store.migrate()));
        const applied = results.map((result) => result.applied);
        expect(applied.filter((names) => names.length > 0)).toEqual([migrationNames]);
        expect(applied.filter((names) => names.length === 0)).toHaveLength(3);
        const rows = await history(stores[0]!);
        expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it('gives up with KOC_MIGRATION_LOCKED, naming the holder, when the lock is held too long', async () => {
      const url = await ctx.freshDatabaseUrl({ migrated: false });
      const holder = new pg.Client({ connectionString: url, application_name: 'stuck-migrator' });
      const waiter = new pg.Client({ connectionString: url });
      await holder.connect();
      await waiter.connect();
      try {
        const [{ pid }] = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
        await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
        const session = postgresSession(waiter, 'public', { lockTimeoutMs: 300 });
        const error = await rejection(migrate(session, { migrationsDir }));
        expect(error.code).toBe('KOC_MIGRATION_LOCKED');
        expect(error.message).toContain(`server process ${pid} (stuck-migrator`);
        expect(error.retryable).toBe(true);
        expect(await tableExists(await ctx.freshStore(), 'outbox')).toBe(true); // sanity: other databases unaffected
      } finally {
        await holder.end();
        await waiter.end();
      }
    });
  },
  { kinds: ['postgres'] },
);

/** Status/migrate of the same database with another migrations folder. */
async function statusWith(store: Store, url: string | undefined, dir: string) {
  if (store.kind === 'embedded') return migrationStatus(pgliteSession(store.pglite), { migrationsDir: dir });
  const other = await openStore({ databaseUrl: url, migrationsDir: dir });
  try {
    return await other.migrationStatus();
  } finally {
    await other.close();
  }
}

async function migrateWith(store: Store, url: string | undefined, dir: string) {
  if (store.kind === 'embedded') return migrate(pgliteSession(store.pglite), { migrationsDir: dir });
  const other = await openStore({ databaseUrl: url, migrationsDir: dir });
  try {
    return await other.migrate();
  } finally {
    await other.close();
  }
}
