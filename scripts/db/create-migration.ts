/**
 * `npm run db:migration -- <name>`: creates prisma/migrations/<timestamp>_<name>/migration.sql (and
 * migration_lock.toml) from the changes in prisma/schema.prisma — what `prisma migrate dev --create-only` does,
 * offline, with Prisma's schema engine compiled to WASM (see schemaEngine.ts).
 *
 * Where it runs: an in-memory PGlite (needs nothing installed; ~5 s, mostly starting PGlite). The existing
 * migrations are replayed on it as the shadow database, the result is diffed against the schema, and the difference
 * is written as the new migration. Nothing is applied anywhere: run `kocflow migrate` (or start kocflow) to apply
 * it. Like Prisma's --create-only, a schema without changes gives an empty migration, for hand-written SQL.
 *
 * Options: --schema <file> (default prisma/schema.prisma), --migrations <dir> (default prisma/migrations).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pgliteMigrationFactory } from './pgliteMigrationFactory.ts';
import {
  diffMigrationsToSchema,
  migrationLockfile,
  readMigrationList,
  readSchemaFiles,
  slugifyMigrationName,
  startSchemaEngine,
} from './schemaEngine.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CreateMigrationOptions {
  name: string;
  schemaPath?: string;
  migrationsDir?: string;
  /** Engine log lines (JSON). */
  onLog?: (line: string) => void;
  /** Creates the empty database it works in (main and shadow at once). @default a new in-memory PGlite */
  createDatabase?: () => Promise<PGlite>;
}

export interface CreatedMigration {
  /** `<timestamp>_<name>` */
  name: string;
  /** Absolute path of the new migration.sql. */
  path: string;
  script: string;
  empty: boolean;
}

export async function createMigration(options: CreateMigrationOptions): Promise<CreatedMigration> {
  const schemaPath = resolve(options.schemaPath ?? join(root, 'prisma', 'schema.prisma'));
  const migrationsDir = resolve(options.migrationsDir ?? join(root, 'prisma', 'migrations'));
  const migrationName = slugifyMigrationName(options.name);
  if (!migrationName) throw new Error('the migration name must contain letters or digits, e.g. add_coupon_channel');

  const schemaFiles = await readSchemaFiles(schemaPath, root);
  const migrationsList = await readMigrationList(migrationsDir);
  const database = await (options.createDatabase ?? (() => PGlite.create()))();
  let script: string;
  try {
    // The engine's own createMigration cannot replay an existing history through a driver adapter in this build
    // (it does not hand the adapter's shadow factory to the connector: "PostgreSQL shadow DB must be provided
    // through an external factory"). `diff` can, and renders the script with the same differ and renderer, so we
    // diff (migrations → schema) and write the directory ourselves, named as the engine names it.
    // `diff` only uses the shadow database, so one empty PGlite serves as both.
    const engine = await startSchemaEngine({
      schemaFiles,
      adapterFactory: pgliteMigrationFactory(database, { shadow: 'main' }),
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    try {
      // With no migrations yet there is no lock file to tell the engine the provider: supply the one we will write
      // (diffing from `empty` instead would add a CREATE SCHEMA "public" that migrate dev does not write).
      const history = migrationsList.lockfile.content
        ? migrationsList
        : { ...migrationsList, lockfile: { ...migrationsList.lockfile, content: migrationLockfile('postgresql') } };
      script = await diffMigrationsToSchema(engine, history, schemaFiles);
    } finally {
      engine.free();
    }
  } finally {
    await database.close();
  }

  const name = `${utcTimestamp(new Date())}_${migrationName}`;
  const dir = join(migrationsDir, name);
  if (existsSync(dir)) throw new Error(`the migration directory already exists at ${dir}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'migration.sql');
  await writeFile(path, script, 'utf8');
  await writeFile(join(migrationsDir, migrationsList.lockfile.path), migrationLockfile('postgresql'), 'utf8');
  return { name, path, script, empty: isEmptyScript(script) };
}

/** `YYYYMMDDHHMMSS` in UTC, the prefix Prisma gives migration directories. */
export function utcTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '').replace(/\D/g, '');
}

function isEmptyScript(script: string): boolean {
  return script
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      schema: { type: 'string' },
      migrations: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const name = values.name ?? positionals.join('_');
  if (!name) {
    process.stderr.write('usage: npm run db:migration -- <name>   (e.g. npm run db:migration -- add_coupon_channel)\n');
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const created = await createMigration({
    name,
    ...(values.schema ? { schemaPath: values.schema } : {}),
    ...(values.migrations ? { migrationsDir: values.migrations } : {}),
    ...(values.verbose ? { onLog: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  const where = relative(process.cwd(), created.path);
  process.stdout.write(
    created.empty
      ? `No schema changes: created an empty migration for hand-written SQL: ${where}\n`
      : `Created ${where} (${((Date.now() - started) / 1000).toFixed(1)} s). Review it, then apply with \`kocflow migrate\`.\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    // The WASM engine and PGlite leave timers behind; nothing else is running, so leave now.
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      process.stderr.write(`db:migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
