/**
 * Drift check: do the committed migrations produce exactly the schema in prisma/schema.prisma?
 * Replays prisma/migrations on an empty PGlite with the WASM schema engine and diffs the result against the schema
 * (`prisma migrate diff --from-migrations … --to-schema … --script`). Empty script = no drift.
 *
 * `tsx scripts/db/drift.ts` exits 1 and prints the missing SQL when they differ (the fix is
 * `npm run db:migration -- <name>`). The store tests run it too (tests/store/drift.test.ts).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pgliteMigrationFactory } from './pgliteMigrationFactory.ts';
import { diffMigrationsToSchema, readMigrationList, readSchemaFiles, startSchemaEngine } from './schemaEngine.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DriftOptions {
  schemaPath?: string;
  migrationsDir?: string;
  /** An empty database to replay the migrations in (e.g. loaded from a snapshot). Closed afterwards. */
  database?: PGlite;
}

export interface DriftResult {
  /** The SQL that would bring the migrated database to the schema; only comments when there is no drift. */
  script: string;
  drift: boolean;
}

export async function checkDrift(options: DriftOptions = {}): Promise<DriftResult> {
  const schemaPath = resolve(options.schemaPath ?? join(root, 'prisma', 'schema.prisma'));
  const migrationsDir = resolve(options.migrationsDir ?? join(root, 'prisma', 'migrations'));
  const schemaFiles = await readSchemaFiles(schemaPath, root);
  const migrations = await readMigrationList(migrationsDir);
  const db = options.database ?? (await PGlite.create());
  try {
    // `diff` only uses the shadow database, so the (empty) main database doubles as the shadow.
    const engine = await startSchemaEngine({ schemaFiles, adapterFactory: pgliteMigrationFactory(db, { shadow: 'main' }) });
    try {
      const script = await diffMigrationsToSchema(engine, migrations, schemaFiles);
      return { script, drift: !onlyComments(script) };
    } finally {
      engine.free();
    }
  } finally {
    await db.close();
  }
}

function onlyComments(script: string): boolean {
  return script
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  checkDrift().then(
    (result) => {
      if (result.drift) {
        process.stderr.write(
          'prisma/schema.prisma and prisma/migrations differ. Missing migration:\n\n' +
            `${result.script}\nFix: npm run db:migration -- <name>\n`,
        );
        process.exit(1);
      }
      process.stdout.write('No drift: the migrations produce prisma/schema.prisma exactly.\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`drift check failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
