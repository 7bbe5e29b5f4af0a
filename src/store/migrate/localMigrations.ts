import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KocError } from '../../shared/errors.ts';

/** One migration directory on disk: `prisma/migrations/<name>/migration.sql`. */
export interface LocalMigration {
  /** Directory name, e.g. `20261125150923_init`; also the `migration_name` recorded in the database. */
  name: string;
  path: string;
  script: string;
  /** sha256 hex of the file, as Prisma records it. */
  checksum: string;
  /**
   * The script opts out of the wrapping transaction with a line `-- kocflow:no-transaction` (for statements
   * PostgreSQL refuses inside a transaction, e.g. CREATE INDEX CONCURRENTLY, or using an enum value added by
   * ALTER TYPE … ADD VALUE in the same script). Such a migration is applied like Prisma does: not atomically.
   */
  noTransaction: boolean;
}

const NO_TRANSACTION = /^--\s*kocflow:no-transaction\s*$/m;
const LOCK_FILE = 'migration_lock.toml';

/** Reads every migration in `dir`, in the order Prisma applies them (directory names, `localeCompare`). */
export async function readLocalMigrations(dir: string): Promise<LocalMigration[]> {
  await checkLockFile(dir);
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => {
    throw new KocError('KOC_MIGRATIONS_NOT_FOUND', `cannot read the migrations folder ${dir}`, {
      hint: 'restore prisma/migrations (it ships with kocflow)',
      cause,
    });
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const path = join(dir, name, 'migration.sql');
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new KocError('KOC_MIGRATION_FILE_MISSING', `migration ${name} has no migration.sql (${path})`, {
        hint: `restore ${path} from git, or remove the empty directory ${join(dir, name)}`,
        cause,
      });
    }
    const script = bytes.toString('utf8');
    migrations.push({ name, path, script, checksum: sha256Hex(bytes), noTransaction: NO_TRANSACTION.test(script) });
  }
  return migrations;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Whether `script` matches a checksum recorded in `_prisma_migrations`, with Prisma's tolerance: line endings may
 * differ (git autocrlf), and very old Prisma versions wrote the hex without zero padding.
 */
export function scriptMatchesChecksum(script: string, recorded: string): boolean {
  const candidates = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return candidates.some((candidate) => {
    const digest = createHash('sha256').update(candidate, 'utf8').digest();
    if (recorded.length === 64 || recorded.length === 0) return digest.toString('hex') === recorded;
    return unpaddedHex(digest) === recorded;
  });
}

function unpaddedHex(digest: Buffer): string {
  return Array.from(digest, (byte) => byte.toString(16)).join('');
}

async function checkLockFile(dir: string): Promise<void> {
  const text = await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new KocError(
      'KOC_MIGRATION_PROVIDER',
      `the migrations in ${dir} were made for "${provider}", kocflow's stores are PostgreSQL`,
      { hint: 'restore prisma/migrations from the kocflow release you run' },
    );
  }
}
