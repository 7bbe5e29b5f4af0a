import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

/**
 * Prisma CLI configuration.
 *
 * `prisma generate` (the postinstall) needs no schema engine, but the CLI still tries to download the native one
 * and fails on offline machines. It is satisfied when PRISMA_SCHEMA_ENGINE_BINARY names an existing file, so we
 * point it at a stand-in script that explains what to use instead — only when the variable is unset and no native
 * engine was downloaded, so machines with a working engine keep it.
 * Migrations are created with `npm run db:migration -- <name>` (WASM schema engine) and applied by the runtime
 * migrator (`kocflow migrate`); the Prisma CLI's migrate commands agree with both if you have the native engine.
 */
const root = dirname(fileURLToPath(import.meta.url));

function nativeSchemaEngineInstalled(): boolean {
  try {
    const enginesDir = dirname(createRequire(import.meta.url).resolve('@prisma/engines/package.json'));
    return readdirSync(enginesDir).some((file) => file.startsWith('schema-engine-'));
  } catch {
    return false;
  }
}

if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && !nativeSchemaEngineInstalled()) {
  const standIn = join(root, 'prisma', 'schema-engine-offline.sh');
  if (existsSync(standIn)) process.env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;
}

export default defineConfig({
  schema: join(root, 'prisma', 'schema.prisma'),
  migrations: { path: join(root, 'prisma', 'migrations') },
});
