import { KocError } from '../shared/errors.ts';

/** A parsed PostgreSQL URL. `redacted` is safe to log and show (never contains the password). */
export interface PostgresTarget {
  /** The URL to hand to `pg`, without kocflow/Prisma-only parameters (`schema`). Contains the password. */
  connectionString: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** PostgreSQL schema (`?schema=` as in Prisma URLs); `public` when absent. */
  schema: string;
  /** `postgresql://user@host:port/database?schema=…`, no password. */
  redacted: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const URL_HINT =
  'set DATABASE_URL to postgresql://USER:PASSWORD@HOST:5432/DATABASE (optionally ?schema=NAME), or unset it to use the embedded store';

/**
 * Parses and validates DATABASE_URL. Throws KOC_STORE_URL_INVALID without echoing the URL (it may hold a password).
 */
export function parseDatabaseUrl(databaseUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl.trim());
  } catch {
    // The parser's error carries the input (and so the password): never attach it.
    throw invalid('DATABASE_URL is not a valid URL');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw invalid(`DATABASE_URL must start with postgresql:// (got ${url.protocol}//)`);
  }
  const host = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
  const hostParam = url.searchParams.get('host'); // unix socket directory: postgresql://user@/db?host=/var/run/postgresql
  if (!host && !hostParam) throw invalid('DATABASE_URL has no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw invalid('DATABASE_URL has no database name (postgresql://…/DATABASE)');
  if (database.includes('/')) throw invalid('DATABASE_URL has an invalid database name');
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw invalid('DATABASE_URL has an invalid port');

  const schema = url.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw invalid('DATABASE_URL ?schema= must be a plain identifier (letters, digits, underscore)');
  }
  const forPg = new URL(url.href);
  forPg.searchParams.delete('schema');

  const user = decodeURIComponent(url.username) || process.env.PGUSER || 'postgres';
  const redactedUrl = new URL(url.href);
  redactedUrl.password = '';
  redactedUrl.search = schema === 'public' ? '' : `?schema=${schema}`;

  return {
    connectionString: forPg.href,
    host: host || hostParam || 'localhost',
    port,
    database,
    user,
    schema,
    redacted: redactedUrl.href,
  };
}

function invalid(message: string): KocError {
  return new KocError('KOC_STORE_URL_INVALID', message, { hint: URL_HINT });
}
