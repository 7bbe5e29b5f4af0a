import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kocflow } from '../support/cli.ts';
import { describeEachStore } from '../support/stores.ts';

const migrations = readdirSync(resolve(import.meta.dirname, '../../prisma/migrations'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** migrate --status (pending, exit 1) → migrate (applies) → migrate again (no-op) → --status (up to date, exit 0). */
async function migrateLifecycle(cwd: string, env: NodeJS.ProcessEnv) {
  const before = await kocflow(['migrate', '--status'], { cwd, env });
  expect(before.code).toBe(1);
  for (const name of migrations) expect(before.stdout).toMatch(new RegExp(`${name}\\s+pending\\s+-`));
  expect(before.stdout).toContain(`${migrations.length} not applied: run \`kocflow migrate\``);

  const apply = await kocflow(['migrate'], { cwd, env });
  expect(apply.code).toBe(0);
  expect(apply.stdout).toContain(`applied ${migrations.join(', ')}`);

  const again = await kocflow(['migrate'], { cwd, env });
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('up to date');

  const after = await kocflow(['migrate', '--status', '--format', 'json'], { cwd, env });
  expect(after.code).toBe(0);
  const report = JSON.parse(after.stdout) as { store: string; migrations: { name: string; state: string; appliedAt: string }[] };
  expect(report.migrations.map((m) => [m.name, m.state])).toEqual(migrations.map((name) => [name, 'applied']));
  expect(Date.parse(report.migrations[0]!.appliedAt)).not.toBeNaN();
  return report;
}

describe('kocflow migrate [embedded]', () => {
  let work: string;
  beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'kocflow-migrate-')); });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('creates the data directory, applies pending migrations once, and reports status', async () => {
    const report = await migrateLifecycle(work, { DATABASE_URL: '', KOCFLOW_DATA_DIR: join(work, 'store') });
    expect(report.store).toBe(join(work, 'store'));
  });
});

describeEachStore('kocflow migrate', (ctx) => {
  it('applies pending migrations once and reports status on DATABASE_URL', async () => {
    const url = await ctx.freshDatabaseUrl({ migrated: false });
    const report = await migrateLifecycle(process.cwd(), { DATABASE_URL: url });
    expect(report.store).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:5432\//); // user and host, never a password
  });

  it('says clearly when PostgreSQL cannot be reached', async () => {
    const run = await kocflow(['migrate', '--status'], { env: { DATABASE_URL: 'postgresql://kocflow:secret@127.0.0.1:1/none' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('KOC_STORE_UNREACHABLE');
    expect(run.stderr).toContain('127.0.0.1:1');
    expect(run.stderr).not.toContain('secret');
  });
}, { kinds: ['postgres'] });
