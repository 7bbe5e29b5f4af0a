/**
 * One suite, two stores: `describeEachStore(name, (ctx) => { it(...) })` registers the same tests twice, as
 * `name [embedded]` on PGlite and `name [postgres]` on PostgreSQL.
 *
 * Isolation: each describeEachStore block gets its own database, created before its tests and discarded after:
 * - embedded: an in-memory PGlite loaded from the migrated snapshot the global setup built (~0.8 s);
 * - postgres: a new database copied from the migrated template (CREATE DATABASE … TEMPLATE), dropped afterwards.
 *   Its server-side TimeZone is Asia/Shanghai on purpose: the store must still read and write exact instants.
 * Tests in one block share that database (use distinct ids); `ctx.freshStore()` gives a test its own.
 *
 * When PostgreSQL is unreachable the postgres half is registered as skipped, with the reason in its name (and the
 * global setup prints it); with CI=true the run fails instead (tests/support/stores.globalSetup.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, onTestFinished } from 'vitest';
import { openStore, openStoreOnPGlite, type Store } from '../../src/store/openStore.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { FILE_DATABASE_PREFIX, withDatabase, type StoresInfo } from './stores.shared.ts';

export type StoreKind = 'embedded' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['embedded', 'postgres'];

export interface FreshStoreOptions {
  /** Start with every migration applied (default) or with an empty database. */
  migrated?: boolean;
  /** The migrations folder the store's migrate()/migrationStatus() use. @default prisma/migrations */
  migrationsDir?: string;
}

export interface StoreTestContext {
  readonly kind: StoreKind;
  /** The block's store: a migrated database of this kind, shared by the block's tests. */
  readonly store: Store;
  readonly prisma: PrismaClient;
  /** Another new database of the same kind, for one test: closed when the test ends (dropped after the block). */
  freshStore(options?: FreshStoreOptions): Promise<Store>;
  /**
   * PostgreSQL only: the URL of a new database (dropped after the block), for tests that open several stores or
   * sessions on one database.
   */
  freshDatabaseUrl(options?: { migrated?: boolean }): Promise<string>;
}

export interface DescribeEachStoreOptions {
  /** @default both */
  kinds?: readonly StoreKind[];
}

export function storesInfo(): StoresInfo {
  return inject('kocflowStores');
}

/** Registers `body`'s tests once per store kind (see the file comment). */
export function describeEachStore(
  name: string,
  body: (ctx: StoreTestContext) => void,
  options: DescribeEachStoreOptions = {},
): void {
  const info = storesInfo();
  for (const kind of options.kinds ?? STORE_KINDS) {
    const harness = kind === 'embedded' ? embeddedHarness(info) : postgresHarness(info);
    if (harness.skipReason !== undefined) {
      describe.skip(`${name} [${kind}] (skipped: ${harness.skipReason})`, () => body(harness.context));
      continue;
    }
    describe(`${name} [${kind}]`, () => {
      beforeAll(() => harness.open());
      afterAll(() => harness.dispose());
      body(harness.context);
    });
  }
}

interface Harness {
  skipReason: string | undefined;
  context: StoreTestContext;
  open(): Promise<void>;
  dispose(): Promise<void>;
}

function harness(kind: StoreKind, skipReason: string | undefined, impl: {
  freshStore(options: FreshStoreOptions): Promise<Store>;
  freshDatabaseUrl(migrated: boolean): Promise<string>;
  cleanup(): Promise<void>;
}): Harness {
  let main: Store | undefined;
  const opened: Store[] = [];
  const ready = (): Store => {
    if (!main) throw new Error(`the ${kind} test store is not open (use ctx inside tests and hooks)`);
    return main;
  };
  const context: StoreTestContext = {
    kind,
    get store() {
      return ready();
    },
    get prisma() {
      return ready().prisma;
    },
    async freshStore(options = {}) {
      const store = await impl.freshStore(options);
      try {
        // Inside a test: close it when the test ends (PGlite instances are memory-hungry).
        onTestFinished(() => store.close());
      } catch {
        opened.push(store); // in a hook: close it with the block
      }
      return store;
    },
    freshDatabaseUrl: (options = {}) => impl.freshDatabaseUrl(options.migrated ?? true),
  };
  return {
    skipReason,
    context,
    async open() {
      main = await context.freshStore();
    },
    async dispose() {
      const errors: unknown[] = [];
      for (const store of opened.splice(0)) await store.close().catch((error: unknown) => errors.push(error));
      main = undefined;
      await impl.cleanup().catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw errors[0];
    },
  };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── embedded

const snapshots = new Map<string, Promise<Buffer>>();

/** A new in-memory PGlite loaded from the global setup's snapshot (empty or migrated). */
export async function loadSnapshot(which: 'empty' | 'migrated'): Promise<PGlite> {
  const info = storesInfo();
  const path = which === 'empty' ? info.pglite.emptySnapshot : info.pglite.migratedSnapshot;
  let bytes = snapshots.get(path);
  if (!bytes) {
    bytes = readFile(path);
    snapshots.set(path, bytes);
  }
  return PGlite.create({ loadDataDir: new Blob([await bytes]) });
}

function embeddedHarness(info: StoresInfo): Harness {
  void info;
  return harness('embedded', undefined, {
    async freshStore(options) {
      const db = await loadSnapshot(options.migrated === false ? 'empty' : 'migrated');
      return openStoreOnPGlite(db, {
        migrate: false,
        ...(options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir }),
      });
    },
    freshDatabaseUrl() {
      return Promise.reject(new Error('freshDatabaseUrl() is for the postgres store only'));
    },
    async cleanup() {},
  });
}

// ──────────────────────────────────────────────────────────────────────────────────────────── postgres

function postgresHarness(info: StoresInfo): Harness {
  if (!info.postgres.available) return harness('postgres', info.postgres.reason, unavailable());
  const { adminUrl, templateDatabase } = info.postgres;
  const created: string[] = [];
  let admin: Promise<pg.Client> | undefined;
  const adminClient = () => {
    admin ??= (async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      return client;
    })();
    return admin;
  };
  const createDatabase = async (migrated: boolean): Promise<string> => {
    const name = `${FILE_DATABASE_PREFIX}${info.runId}_${randomBytes(5).toString('hex')}`;
    const client = await adminClient();
    await client.query(`CREATE DATABASE "${name}"${migrated ? ` TEMPLATE "${templateDatabase}"` : ''}`);
    created.push(name);
    // A server whose zone is not UTC: the store must still store and read exact instants.
    await client.query(`ALTER DATABASE "${name}" SET timezone TO 'Asia/Shanghai'`);
    return withDatabase(adminUrl, name);
  };
  return harness('postgres', undefined, {
    async freshStore(options) {
      const databaseUrl = await createDatabase(options.migrated ?? true);
      return openStore({
        databaseUrl,
        migrate: false,
        ...(options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir }),
      });
    },
    freshDatabaseUrl: createDatabase,
    async cleanup() {
      if (!admin) return;
      const client = await admin;
      try {
        for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        admin = undefined;
        await client.end();
      }
    },
  });
}

function unavailable() {
  const fail = () => Promise.reject(new Error('PostgreSQL is not available'));
  return { freshStore: fail, freshDatabaseUrl: fail, cleanup: async () => {} };
}

/**
 * How a CLI test reaches this block's kind of store: the environment for `kocflow` child runs and a way to open the
 * same store in the test (embedded: a data directory under `work`; postgres: a new database).
 */
export async function cliStore(ctx: StoreTestContext, work: string): Promise<{ env: NodeJS.ProcessEnv; open: () => Promise<Store> }> {
  if (ctx.kind === 'postgres') {
    const databaseUrl = await ctx.freshDatabaseUrl();
    return { env: { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl }, open: () => openStore({ databaseUrl }) };
  }
  const dataDir = `${work}/data`;
  return { env: { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: '', KOCFLOW_DATA_DIR: dataDir }, open: () => openStore({ dataDir }) };
}
