/**
 * The embedded store: PGlite (PostgreSQL in WebAssembly) in a local data directory, owned by one process.
 *
 * Layout of the data directory (default ./.kocflow/data):
 *   kocflow.lock   the exclusive lock (dataDirLock.ts)
 *   pgdata/        PGlite's PostgreSQL data directory
 */
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { KocError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { acquireDataDirLock, type DataDirLock } from './dataDirLock.ts';

export const DEFAULT_DATA_DIR = join('.kocflow', 'data');

export interface EmbeddedDatabase {
  pglite: PGlite;
  dataDir: string;
  lock: DataDirLock;
  /** Closes PGlite, then releases the lock. Idempotent. */
  close(): Promise<void>;
}

export async function openEmbeddedDatabase(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  const lock = acquireDataDirLock(dir);
  if (lock.tookOverFrom) {
    const { pid, hostname, startedAt } = lock.tookOverFrom;
    logger.warn({ dataDir: dir, pid, hostname, startedAt }, 'took over the data directory lock of a process that is gone');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: join(dir, 'pgdata') });
    await prepareSession(pglite);
  } catch (cause) {
    lock.release();
    throw new KocError('KOC_STORE_OPEN_FAILED', `cannot open the embedded database in ${dir}: ${messageOf(cause)}`, {
      hint:
        'if the directory was written by another kocflow/PGlite version or is damaged, restore it from a backup ' +
        '(or move it away to start empty); to use PostgreSQL instead, set DATABASE_URL',
      cause,
      details: { dataDir: dir },
    });
  }
  let closed = false;
  return {
    pglite,
    dataDir: dir,
    lock,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** Session settings every embedded connection gets (see postgres.ts for why UTC). */
export async function prepareSession(pglite: PGlite): Promise<void> {
  await pglite.exec(`SET TIME ZONE 'UTC'`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
