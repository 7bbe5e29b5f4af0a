import { describe, expect, it } from 'vitest';
import { KocError } from '../../src/shared/errors.ts';
import { parseDatabaseUrl } from '../../src/store/databaseUrl.ts';
import { openStore } from '../../src/store/openStore.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { rejection } from '../support/errors.ts';

function neverShows(error: KocError, secret: string): void {
  expect(`${error.message} ${error.hint} ${JSON.stringify(error.details ?? {})} ${error.toUserString()}`).not.toContain(secret);
}

describe('DATABASE_URL', () => {
  it('parses host, port, database, user and ?schema=, and redacts the password', () => {
    const target = parseDatabaseUrl('postgresql://kocflow:p%40ss@db.internal:6543/kocflow_prod?schema=tenant_a&sslmode=require');
    expect(target).toMatchObject({
      host: 'db.internal',
      port: 6543,
      database: 'kocflow_prod',
      user: 'kocflow',
      schema: 'tenant_a',
      redacted: 'postgresql://kocflow@db.internal:6543/kocflow_prod?schema=tenant_a',
    });
    expect(target.connectionString).not.toContain('schema=');
    expect(target.connectionString).toContain('sslmode=require');
    expect(parseDatabaseUrl('postgres://localhost/app')).toMatchObject({ port: 5432, schema: 'public' });
  });

  it.each([
    ['not a url at all', 'not a valid URL'],
    ['mysql://u:s3cret@db/app', 'must start with postgresql://'],
    ['postgresql://u:s3cret@db.internal:5432/', 'no database name'],
    ['postgresql://u:s3cret@db.internal:99999/app', 'not a valid URL'],
    ['postgresql://u:s3cret@db.internal/app?schema=bad-name', '?schema='],
  ])('refuses %s with KOC_STORE_URL_INVALID, never echoing it', async (url, message) => {
    const error = await rejection(openStore({ databaseUrl: url }));
    expect(error.code).toBe('KOC_STORE_URL_INVALID');
    expect(error.message).toContain(message);
    expect(error.hint).toContain('DATABASE_URL');
    neverShows(error, 's3cret');
  });

  it('reports an unreachable server as KOC_STORE_UNREACHABLE with host:port, a hint, and no password', async () => {
    const error = await rejection(openStore({ databaseUrl: 'postgresql://kocflow:s3cret@127.0.0.1:1/kocflow' }));
    expect(error.code).toBe('KOC_STORE_UNREACHABLE');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.hint).toContain('DATABASE_URL');
    expect(error.retryable).toBe(true);
    neverShows(error, 's3cret');
  });
});

describeEachStore(
  'PostgreSQL store',
  (ctx) => {
    it('reports a missing database as KOC_STORE_DATABASE_MISSING with the command to create it', async () => {
      const url = new URL(await ctx.freshDatabaseUrl());
      url.pathname = '/kocflow_no_such_database';
      const error = await rejection(openStore({ databaseUrl: url.href }));
      expect(error.code).toBe('KOC_STORE_DATABASE_MISSING');
      expect(error.hint).toContain('createdb');
    });

    it('shows its location without the password', async () => {
      const url = new URL(await ctx.freshDatabaseUrl());
      url.password = 'hunter2'; // the test server trusts local connections, so any password works
      const store = await openStore({ databaseUrl: url.href });
      try {
        expect(store.location).not.toContain('hunter2');
        expect(store.location).toContain(url.pathname);
      } finally {
        await store.close();
      }
    });

    it('lives in the ?schema= schema: migrations, history and queries', async () => {
      const url = new URL(await ctx.freshDatabaseUrl({ migrated: false }));
      url.searchParams.set('schema', 'tenant_a');
      const store = await openStore({ databaseUrl: url.href, migrate: true });
      try {
        expect(store.kind === 'postgres' && store.schema).toBe('tenant_a');
        expect((await store.migrationStatus()).every((entry) => entry.state === 'applied')).toBe(true);
        await createRepositories(store.prisma).stores.upsert({ id: 'sh-001', name: '上海一店' });
        const tables = await store.prisma.$queryRaw<{ schema: string; table: string }[]>`
          SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
           WHERE table_name IN ('stores', '_prisma_migrations') ORDER BY 1, 2`;
        expect(tables).toEqual([
          { schema: 'tenant_a', table: '_prisma_migrations' },
          { schema: 'tenant_a', table: 'stores' },
        ]);
        const [row] = await store.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM tenant_a.stores`;
        expect(row?.n).toBe(1);
      } finally {
        await store.close();
      }
    });
  },
  { kinds: ['postgres'] },
);
