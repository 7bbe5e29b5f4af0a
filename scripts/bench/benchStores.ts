import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/openStore.ts';

/** What every benchmark prints first: what it is, when, and the machine it ran on (its figures mean nothing without). */
export function printBenchHeader(title: string, extra: string[] = []): void {
  const cpu = cpus();
  console.log(title);
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
  console.log(`load:     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run)`);
  console.log(`node:     ${process.version}`);
  for (const line of extra) console.log(line);
  console.log('');
}

/** Runs `fn` on an embedded store in a new data directory, removed afterwards. */
export async function withEmbeddedStore(prefix: string, fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `kocflow-bench-${prefix}-`));
  try {
    const store = await openStore({ dataDir: dir });
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` on a new, migrated PostgreSQL database created next to `adminUrl`'s and dropped afterwards (unless
 * `keep`). An unreachable server is a printed "skipped", not a failure: the embedded half still means something.
 */
export async function withFreshPostgres(
  adminUrl: string,
  fn: (store: Store, database: { name: string; version: string }) => Promise<void>,
  options: { keep?: boolean } = {},
): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`[postgres] PostgreSQL at ${adminUrl} is unreachable (${(error as Error).message}): skipped`);
    return;
  }
  const name = `kocflow_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const store = await openStore({ databaseUrl: url.href, migrate: true });
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    try {
      await fn(store, { name, version });
    } finally {
      await store.close();
    }
  } finally {
    if (options.keep) console.log(`  kept database ${name} (--keep): drop it by hand`);
    else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}
