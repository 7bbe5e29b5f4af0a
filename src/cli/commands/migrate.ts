import type { Command } from 'commander';
import type { MigrationStatusEntry } from '../../store/migrate/index.ts';
import { KocError } from '../../shared/errors.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

interface MigrateOptions {
  status?: boolean;
  format: string;
  dataDir?: string;
}

/** `kocflow migrate [--status]`: apply pending migrations to the store, or list where each one stands. */
export function registerMigrate(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('migrate')
      .description('apply pending database migrations (offline; embedded store or DATABASE_URL)')
      .option('--status', 'list migrations and their state instead; exits 1 when the store is not up to date')
      .option('--format <format>', 'text or json', 'text'),
  ).action(async (options: MigrateOptions) => {
    if (options.format !== 'text' && options.format !== 'json') {
      throw new KocError('KOC_CLI_USAGE', `--format must be text or json, not "${options.format}"`);
    }
    // Loaded on use: the store and its Prisma client cost ~150 ms of start-up that `lint` does not need.
    const { openStore } = await import('../../store/openStore.ts');
    const store = await openStore({ ...storeOptionsFrom(options, io), migrate: false });
    try {
      if (options.status) {
        const status = await store.migrationStatus();
        print(io, options.format, { store: store.location, migrations: status });
        done(status.every((m) => m.state === 'applied') ? EXIT.ok : EXIT.findings);
        return;
      }
      const result = await store.migrate();
      if (options.format === 'json') {
        print(io, 'json', { store: store.location, applied: result.applied, migrations: result.status });
      } else {
        io.out(result.applied.length === 0
          ? `${store.location}: up to date (${result.status.length} migration${result.status.length === 1 ? '' : 's'} applied)\n`
          : `${store.location}: applied ${result.applied.join(', ')}\n`);
      }
      done(EXIT.ok);
    } finally {
      await store.close();
    }
  });
}

function print(io: CliIo, format: string, report: { store: string; migrations: MigrationStatusEntry[]; applied?: string[] }): void {
  if (format === 'json') {
    io.out(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  io.out(`store: ${report.store}\n`);
  const width = Math.max(9, ...report.migrations.map((m) => m.name.length));
  io.out(`${'migration'.padEnd(width)}  ${'state'.padEnd(8)}  applied at\n`);
  for (const m of report.migrations) {
    io.out(`${m.name.padEnd(width)}  ${m.state.padEnd(8)}  ${m.appliedAt ? m.appliedAt.toISOString() : '-'}\n`);
  }
  const pending = report.migrations.filter((m) => m.state !== 'applied');
  io.out(pending.length === 0 ? 'up to date\n' : `${pending.length} not applied: run \`kocflow migrate\`${pending.some((m) => m.state !== 'pending') ? ' (see the states above first)' : ''}\n`);
}
