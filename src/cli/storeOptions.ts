import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { OpenStoreOptions } from '../store/openStore.ts';
import type { CliIo } from './io.ts';

/** `--data-dir` for commands that open the store; PostgreSQL is chosen by DATABASE_URL, never by a flag (secrets stay in the environment). */
export function addStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded store folder (env KOCFLOW_DATA_DIR)', undefined)
    .addHelpText('after', '\nStore: PostgreSQL when DATABASE_URL is set; otherwise the embedded store in --data-dir (default ./.kocflow/data).');
}

export function storeOptionsFrom(options: { dataDir?: string }, io: CliIo): OpenStoreOptions {
  const databaseUrl = io.env.DATABASE_URL?.trim();
  if (databaseUrl) return { databaseUrl };
  return { dataDir: resolve(io.cwd, options.dataDir ?? io.env.KOCFLOW_DATA_DIR ?? '.kocflow/data') };
}
