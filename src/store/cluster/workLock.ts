/**
 * The scheduled-work lock: at most one process at a time fires cron schedules, advances waiting runs, reminds
 * assist cards and runs the domain services' due work (fission, tiers, tasks). Any process with the worker role
 * may hold it; the others skip that part of their tick (docs/scaling.md explains why a lock on the engine's own
 * tables rather than a job queue).
 *
 * A PostgreSQL session advisory lock on a connection held for the tick: `pg_try_advisory_lock` never waits, and a
 * process that dies (even by SIGKILL) loses its connection and with it the lock, at once.
 */
import type pg from 'pg';

/** Any constant of our own: "kocflow scheduled work" (the migration lock uses another key). */
const SCHEDULED_WORK_KEY = 7_244_515_001;
const STARTUP_KEY = 7_244_515_002;

export interface WorkLock {
  /** Runs `work` holding the lock, or returns `undefined` at once when another process holds it. */
  tryWith<T>(work: () => Promise<T>): Promise<T | undefined>;
  /** Runs `work` holding the startup lock, waiting for it (concurrent starters' upserts serialise). */
  startup<T>(work: () => Promise<T>): Promise<T>;
}

export function createWorkLock(pool: pg.Pool): WorkLock {
  return {
    async tryWith(work) {
      const client = await pool.connect();
      let held = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [SCHEDULED_WORK_KEY]);
        held = rows[0]?.ok === true;
        if (!held) return undefined;
        return await work();
      } finally {
        if (held) await client.query('SELECT pg_advisory_unlock($1::bigint)', [SCHEDULED_WORK_KEY]).catch(() => undefined);
        client.release();
      }
    },
    async startup(work) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [STARTUP_KEY]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [STARTUP_KEY]).catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
  };
}
