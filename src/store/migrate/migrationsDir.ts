import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KocError } from '../../shared/errors.ts';

const PACKAGE_NAME = 'kocflow';

/**
 * The package's `prisma/migrations` folder, found by walking up from this module to the kocflow package root.
 * Works from `src/` (tsx, vitest), from `dist/` and from an installed package (`node_modules/kocflow/…`), because
 * `prisma/` ships with the package (package.json "files"). The package name check stops the walk from picking
 * up another project's migrations.
 */
export function findMigrationsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) {
      const migrations = join(dir, 'prisma', 'migrations');
      if (existsSync(migrations)) return migrations;
      throw missing(migrations);
    }
    const parent = dirname(dir);
    if (parent === dir) throw missing(join('<kocflow package>', 'prisma', 'migrations'));
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

function missing(path: string): KocError {
  return new KocError('KOC_MIGRATIONS_NOT_FOUND', `the migrations folder was not found at ${path}`, {
    hint: 'reinstall kocflow (the package ships prisma/migrations); in a checkout, restore prisma/migrations from git',
  });
}
