/**
 * PostgreSQL connections (DATABASE_URL): the pool behind Prisma's adapter, and a dedicated client for the migrator.
 *
 * Every connection is put in UTC (`SET TIME ZONE 'UTC'`) before its first query. Workaround for
 * @prisma/adapter-pg 7.10.x (prisma/orm#26786, #28629): it writes instants as naive local strings and reads
 * `timestamptz` by relabelling the server's offset as +00:00 without converting, so on a server whose TimeZone is
 * not UTC (common in China: Asia/Shanghai) every instant would silently shift by the offset. With the session in
 * UTC both directions are exact. (pglite-prisma-adapter has the same code; PGlite sessions are UTC — set anyway.)
 * The setting is applied by pg-pool's `onConnect` hook (awaited before a new connection is handed out) rather
 * than as a startup `options` parameter, because a URL's own `options` would override ours and some poolers reject
 * startup options. `checkReachable` verifies it took effect.
 */
import pg from 'pg';
import { KocError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { PostgresTarget } from './databaseUrl.ts';
import { quoteIdent } from './migrate/session.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export function sessionSetupSql(target: PostgresTarget): string {
  const setup = [`SET TIME ZONE 'UTC'`];
  if (target.schema !== 'public') setup.push(`SET search_path TO ${quoteIdent(target.schema)}`);
  return setup.join('; ');
}

function baseConfig(target: PostgresTarget): pg.ClientConfig {
  return {
    connectionString: target.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'kocflow',
  };
}

/** The pool Prisma's adapter uses. Idle-connection errors are logged, never thrown (they would kill the process). */
export function createPool(target: PostgresTarget, logger: Logger, max = 10): pg.Pool {
  const setup = sessionSetupSql(target);
  const pool = new pg.Pool({
    ...baseConfig(target),
    max,
    // Awaited by pg-pool (≥ 3.14) before the connection is used; a failure fails that checkout.
    onConnect: async (client) => {
      await client.query(setup);
    },
  });
  pool.on('error', (error) => {
    logger.warn({ err: error, host: target.host, port: target.port }, 'idle PostgreSQL connection failed');
  });
  return pool;
}

/** Proves the pool can reach the database, or throws a KocError that says why (never with the password). */
export async function checkReachable(pool: pg.Pool, target: PostgresTarget): Promise<void> {
  let timeZone: string | undefined;
  try {
    const result = await pool.query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`);
    timeZone = result.rows[0]?.tz;
  } catch (error) {
    throw connectError(error, target);
  }
  if (timeZone !== 'UTC') {
    throw new KocError('KOC_STORE_OPEN_FAILED', `PostgreSQL sessions did not switch to UTC (TimeZone is ${timeZone})`, {
      hint: 'kocflow needs pg-pool ≥ 3.14 (its onConnect hook): reinstall dependencies (npm ci)',
      details: { host: target.host, port: target.port },
    });
  }
}

/** A connected single client for the migrator, already in UTC and on the target schema. */
export async function connectClient(target: PostgresTarget, logger: Logger): Promise<pg.Client> {
  const client = new pg.Client(baseConfig(target));
  client.on('error', (error) => {
    logger.warn({ err: error, host: target.host, port: target.port }, 'PostgreSQL migration connection failed');
  });
  try {
    await client.connect();
    await client.query(sessionSetupSql(target));
  } catch (error) {
    await client.end().catch(() => {});
    throw connectError(error, target);
  }
  return client;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'ENOENT', // unix socket path
]);

/** Maps a `pg` connection error to a KocError with the host:port, a code to search for and a fix. */
export function connectError(error: unknown, target: PostgresTarget): KocError {
  const where = `${target.host}:${target.port}`;
  const details = { host: target.host, port: target.port, database: target.database, user: target.user };
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if ((code && NETWORK_CODES.has(code)) || /timeout|terminated unexpectedly|Connection terminated/i.test(message)) {
    return new KocError('KOC_STORE_UNREACHABLE', `cannot reach PostgreSQL at ${where} (${code ?? 'timeout'})`, {
      hint:
        `check that PostgreSQL is running and accepts connections on ${where} from this machine, and the host ` +
        'and port in DATABASE_URL; or unset DATABASE_URL to use the embedded store',
      retryable: true,
      retryAfterMs: 5_000,
      details: { ...details, code },
    });
  }
  if (code === '28P01' || code === '28000') {
    return new KocError('KOC_STORE_AUTH_FAILED', `PostgreSQL at ${where} refused user "${target.user}" (${code})`, {
      hint: 'check the user and password in DATABASE_URL, and pg_hba.conf on the server',
      details: { ...details, code },
    });
  }
  if (code === '3D000') {
    return new KocError(
      'KOC_STORE_DATABASE_MISSING',
      `database "${target.database}" does not exist on PostgreSQL at ${where}`,
      {
        hint: `create it (createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}) or fix DATABASE_URL`,
        details: { ...details, code },
      },
    );
  }
  return new KocError('KOC_STORE_OPEN_FAILED', `cannot use PostgreSQL at ${where}: ${message}`, {
    hint: 'check DATABASE_URL and the server logs',
    details: { ...details, code },
  });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const nested = (error as { errors?: unknown[] }).errors?.[0];
  return nested === undefined ? undefined : errorCode(nested);
}
