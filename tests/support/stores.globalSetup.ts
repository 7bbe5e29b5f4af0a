/**
 * Vitest global setup for the store tests (tests/support/stores.ts). Runs once per `vitest run`, before any worker.
 *
 * - PGlite: builds two data-directory snapshots — empty, and with every migration applied — and caches them in
 *   node_modules/.cache/kocflow-tests/<checkout> keyed by the migrations' content and the PGlite version (first run
 *   ~4 s, then free). Each test file loads one in ~0.8 s instead of starting a new PGlite (~3.5 s) and migrating.
 * - PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test): checks it is reachable and
 *   keeps a migrated template database (kocflow_test_template_<checkout>_<key>) that test files copy with CREATE
 *   DATABASE … TEMPLATE.
 *   Unreachable: the PostgreSQL half of each suite is skipped with the reason — unless CI=true, where it fails.
 *   KOCFLOW_TEST_STORES=embedded skips PostgreSQL on purpose.
 * - <checkout> names this working copy: git worktrees share node_modules and the database server, and a run in one
 *   with other migrations must not evict the snapshots or template another one's run is reading.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { isKocError } from '../../src/shared/errors.ts';
import { parseDatabaseUrl } from '../../src/store/databaseUrl.ts';
import { openStore, openStoreOnPGlite } from '../../src/store/openStore.ts';
import { connectError } from '../../src/store/postgres.ts';
import {
  DEFAULT_TEST_DATABASE_URL,
  FILE_DATABASE_PREFIX,
  TEMPLATE_DATABASE_PREFIX,
  withDatabase,
  type PostgresInfo,
  type StoresInfo,
} from './stores.shared.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const migrationsDir = join(root, 'prisma', 'migrations');
const checkout = createHash('sha256').update(root).digest('hex').slice(0, 8);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const key = migrationsKey();
  const pglite = await preparePGliteSnapshots(key);
  const postgres = await preparePostgres(key);
  const info: StoresInfo = { key, runId: String(process.pid), pglite, postgres };
  project.provide('kocflowStores', info);
  if (!postgres.available) {
    process.stderr.write(`\n[store tests] PostgreSQL half skipped: ${postgres.reason}\n\n`);
  }
  return async () => {
    if (postgres.available) await dropDatabases(postgres.adminUrl, `${FILE_DATABASE_PREFIX}${info.runId}_%`);
  };
}

function migrationsKey(): string {
  const hash = createHash('sha256');
  hash.update(`pglite ${readJson(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json')).version}\n`);
  for (const name of readdirSync(migrationsDir).sort()) {
    const file = join(migrationsDir, name, 'migration.sql');
    if (!existsSync(file)) continue;
    hash.update(`${name}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

// ──────────────────────────────────────────────────────────────────────────────────────────── PGlite

async function preparePGliteSnapshots(key: string): Promise<StoresInfo['pglite']> {
  const dir = cacheDir();
  const empty = join(dir, `pglite-${key}-empty.tar`);
  const migrated = join(dir, `pglite-${key}-migrated.tar`);
  if (existsSync(empty) && existsSync(migrated)) return { emptySnapshot: empty, migratedSnapshot: migrated };

  const started = Date.now();
  const db = await PGlite.create();
  await writeAtomically(empty, await db.dumpDataDir('none'));
  const store = await openStoreOnPGlite(db, { migrate: true, migrationsDir });
  await writeAtomically(migrated, await db.dumpDataDir('none'));
  await store.close();
  for (const file of readdirSync(dir)) {
    if (file.startsWith('pglite-') && !file.includes(key)) rmSync(join(dir, file), { force: true });
  }
  process.stderr.write(`[store tests] built PGlite snapshots in ${Date.now() - started} ms\n`);
  return { emptySnapshot: empty, migratedSnapshot: migrated };
}

function cacheDir(): string {
  for (const dir of [join(root, 'node_modules', '.cache', 'kocflow-tests', checkout), join(tmpdir(), 'kocflow-tests', checkout)]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // not writable: try the next one
    }
  }
  throw new Error('no writable cache directory for the PGlite test snapshots');
}

async function writeAtomically(path: string, blob: Blob): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, Buffer.from(await blob.arrayBuffer()));
  renameSync(temp, path);
}

// ──────────────────────────────────────────────────────────────────────────────────────── PostgreSQL

async function preparePostgres(key: string): Promise<PostgresInfo> {
  if (process.env.KOCFLOW_TEST_STORES === 'embedded') {
    return { available: false, reason: 'KOCFLOW_TEST_STORES=embedded' };
  }
  const adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const target = parseDatabaseUrl(adminUrl);
  const admin = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    const reason = `${connectError(error, target).message}; set TEST_DATABASE_URL to a PostgreSQL the tests may create databases in`;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and PostgreSQL is required for the store tests: ${reason}`);
    }
    return { available: false, reason };
  }
  try {
    const template = `${TEMPLATE_DATABASE_PREFIX}${checkout}_${key}`;
    const existing = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [`${TEMPLATE_DATABASE_PREFIX}${checkout}_`],
    );
    if (!existing.rows.some((row) => row.datname === template)) {
      const building = `${template}_b${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const store = await openStore({ databaseUrl: withDatabase(adminUrl, building), migrate: true, migrationsDir });
      await store.close();
      try {
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      } catch {
        await admin.query(`DROP DATABASE IF EXISTS "${building}"`); // a concurrent run made it first
      }
    }
    for (const row of existing.rows) {
      if (row.datname !== template) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}"`).catch(() => {});
    }
    await dropLeftoverFileDatabases(admin);
    return { available: true, adminUrl, templateDatabase: template };
  } finally {
    await admin.end();
  }
}

/** Drops per-file databases left by runs that died (their vitest pid is gone on this host). */
async function dropLeftoverFileDatabases(admin: pg.Client): Promise<void> {
  const rows = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `${FILE_DATABASE_PREFIX}%`,
  ]);
  for (const { datname } of rows.rows) {
    const pid = Number(/^kocflow_test_f_(\d+)_/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && !processAlive(pid)) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
  }
}

async function dropDatabases(adminUrl: string, pattern: string): Promise<void> {
  const admin = new pg.Client({ connectionString: parseDatabaseUrl(adminUrl).connectionString });
  try {
    await admin.connect();
    const rows = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [pattern]);
    for (const { datname } of rows.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
  } catch (error) {
    if (!isKocError(error)) process.stderr.write(`[store tests] cleanup failed: ${String(error)}\n`);
  } finally {
    await admin.end().catch(() => {});
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

function readJson(path: string): { version: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { version: string };
}
