/**
 * The committed migrations produce exactly prisma/schema.prisma (no drift), and `npm run db:migration` writes what
 * `prisma migrate dev --create-only` would. Both use Prisma's WASM schema engine on PGlite loaded from the empty
 * snapshot of the global setup (~1 s per database instead of ~3.5 s).
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigration } from '../../scripts/db/create-migration.ts';
import { checkDrift } from '../../scripts/db/drift.ts';
import { migrationLockfile, slugifyMigrationName } from '../../scripts/db/schemaEngine.ts';
import { loadSnapshot } from '../support/stores.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const schemaPath = join(root, 'prisma', 'schema.prisma');
const migrationsDir = join(root, 'prisma', 'migrations');
const temp = mkdtempSync(join(tmpdir(), 'kocflow-drift-'));

afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The schema with one more column on `stores`. */
function schemaWithCity(): string {
  const schema = readFileSync(schemaPath, 'utf8');
  const changed = schema.replace(/(model Store \{\n\s+id\s+String\s+@id\n\s+name\s+String\n)/, '$1  city      String?\n');
  expect(changed).not.toBe(schema);
  const path = join(temp, 'schema-with-city.prisma');
  writeFileSync(path, changed);
  return path;
}

describe('schema drift', () => {
  it('the committed migrations produce exactly prisma/schema.prisma', async () => {
    const result = await checkDrift({ database: await loadSnapshot('empty') });
    expect(result.script.trim()).toBe('-- This is an empty migration.');
    expect(result.drift).toBe(false);
  });

  it('a schema change without a migration is reported as drift, with the missing SQL', async () => {
    const result = await checkDrift({ schemaPath: schemaWithCity(), database: await loadSnapshot('empty') });
    expect(result.drift).toBe(true);
    expect(result.script).toContain('ALTER TABLE "stores" ADD COLUMN');
    expect(result.script).toContain('"city" TEXT');
  });

  it('migration_lock.toml is byte for byte what Prisma writes', () => {
    expect(readFileSync(join(migrationsDir, 'migration_lock.toml'), 'utf8')).toBe(migrationLockfile('postgresql'));
  });
});

describe('npm run db:migration', () => {
  it('creates <timestamp>_<name>/migration.sql for the schema change, which then shows no drift', async () => {
    const dir = join(temp, 'migrations');
    cpSync(migrationsDir, dir, { recursive: true });
    const schema = schemaWithCity();
    const created = await createMigration({
      name: 'Add store city',
      schemaPath: schema,
      migrationsDir: dir,
      createDatabase: () => loadSnapshot('empty'),
    });
    expect(created.name).toMatch(/^\d{14}_add_store_city$/);
    expect(created.empty).toBe(false);
    expect(readFileSync(created.path, 'utf8')).toBe('-- AlterTable\nALTER TABLE "stores" ADD COLUMN     "city" TEXT;\n');
    expect(readdirSync(dir).sort()).toEqual([...readdirSync(migrationsDir), created.name].sort());

    const after = await checkDrift({ schemaPath: schema, migrationsDir: dir, database: await loadSnapshot('empty') });
    expect(after.drift).toBe(false);
  });

  it('names migrations the way the Prisma CLI does', () => {
    expect(slugifyMigrationName('addCouponChannel')).toBe('add_coupon_channel');
    expect(slugifyMigrationName('  Add coupon-channel!! ')).toBe('add_coupon_channel');
    expect(slugifyMigrationName('init')).toBe('init');
  });
});
