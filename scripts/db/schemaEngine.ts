/**
 * Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), driven through a driver adapter.
 *
 * Why: `prisma migrate dev` needs the native schema engine, which cannot be downloaded offline. The WASM build
 * writes the same migration.sql and migration_lock.toml. It is a development tool only (devDependency, pinned to an
 * exact version because it leans on internal APIs); applying migrations at runtime never uses it
 * (src/store/migrate/).
 *
 * Loading (measured on Node 20): importing the package root fails (`Unknown file extension ".wasm"`), so we
 * instantiate `schema_engine_bg.wasm` ourselves with the `schema_engine_bg` JS module as its import object, hand the
 * exports to `__wbg_set_wasm` and call `__wbindgen_start`. The JS glue keeps the instance in a module variable, so
 * we load it once per process.
 *
 * Known limit of this build: `createMigration` cannot replay an existing migration history through a driver
 * adapter (the wasm engine does not pass the adapter's shadow-database factory to it: "PostgreSQL shadow DB must be
 * provided through an external factory"); it only works for the very first migration. `diff` does replay through
 * the adapter and renders with the same code, so create-migration.ts uses `diff` (output identical, checked).
 * The engine also keeps Prisma's advisory lock on PostgreSQL until its connections close: end the pool after `free()`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm';

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let loading: Promise<SchemaEngineModule> | undefined;

/** The slice of the WebAssembly global we use (lib ES2023 without DOM does not declare it). */
interface WasmGlobal {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

/** Instantiates the WASM module once per process and returns its JS bindings. */
export function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as SchemaEngineModule & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
    const { instance } = await wasm.instantiate(bytes, {
      './schema_engine_bg.js': glue as unknown as Record<string, unknown>,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return glue;
  })();
  return loading;
}

export interface SchemaFile {
  /** Path as the engine should report it (used in error messages). */
  path: string;
  content: string;
}

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * Starts a schema engine over a migration-aware adapter factory. The caller must `free()` it.
 * Engine log lines go to `onLog` (they are JSON strings); default: dropped.
 */
export async function startSchemaEngine(options: {
  schemaFiles: SchemaFile[];
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  onLog?: (line: string) => void;
}): Promise<SchemaEngine> {
  const glue = await loadSchemaEngineModule();
  const datamodels = options.schemaFiles.map((file): [string, string] => [file.path, file.content]);
  const log = options.onLog ?? (() => {});
  return (await glue.SchemaEngine.new(
    { datamodels },
    (line: string) => log(line),
    bindMigrationAwareSqlAdapterFactory(options.adapterFactory),
  )) as SchemaEngine;
}

/**
 * Reads a migrations folder the way the Prisma CLI does (`migration_lock.toml`, every sub-directory's
 * `migration.sql`, sorted by name), into the engine's `MigrationList`.
 */
export async function readMigrationList(migrationsDir: string, shadowDbInitScript = ''): Promise<MigrationList> {
  const lockfilePath = 'migration_lock.toml';
  const lockContent = await readFile(join(migrationsDir, lockfilePath), 'utf8').catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const content = await readFile(join(migrationsDir, entry.name, 'migration.sql'), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((error: Error) => ({ tag: 'error' as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfilePath, content: lockContent },
    shadowDbInitScript,
    migrationDirectories,
  };
}

export async function readSchemaFiles(schemaPath: string, root: string): Promise<SchemaFile[]> {
  return [{ path: relative(root, schemaPath) || schemaPath, content: await readFile(schemaPath, 'utf8') }];
}

/** The lock file Prisma writes next to the migrations (byte for byte). */
export function migrationLockfile(connectorType: string): string {
  return (
    '# Please do not edit this file manually\n' +
    '# It should be added in your version-control system (e.g., Git)\n' +
    `provider = "${connectorType}"\n`
  );
}

/**
 * Turns a user-given migration name into the directory suffix the Prisma CLI would use (slugify with `_`,
 * camelCase split, lower case, at most 200 characters).
 */
export function slugifyMigrationName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z\d]+)/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z\d]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .substring(0, 200);
}

/**
 * The SQL that takes a database from the state the migrations produce to the state `schema.prisma` describes.
 * Empty (or only comments) means no drift. Needs a migration-aware adapter: the migrations are replayed on a
 * shadow database.
 */
export async function diffMigrationsToSchema(engine: SchemaEngine, migrations: MigrationList, schemaFiles: SchemaFile[]) {
  const result = await engine.diff({
    from: { tag: 'migrations', ...migrations },
    to: { tag: 'schemaDatamodel', files: schemaFiles },
    script: true,
    exitCode: null,
    filters: NO_FILTERS,
  });
  return result.stdout ?? '';
}
