import type { Command } from 'commander';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import { DEFAULT_DAYS, parseReportOptions, REPORT_KINDS } from '../../report/options.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import { readConfig } from '../configOption.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

/**
 * `kocflow report koc|flows|campaigns|accounts`: the numbers ops ask for, from the store, as a table, CSV or JSON.
 * Queries: src/store/report/; formatting: src/report/; what each column counts: docs/reports.md. Exit 0 (an empty
 * result too), 2 for bad options (KOC_REPORT_… codes), 1 when the store cannot be opened.
 */
export interface ReportCommandOptions {
  from?: string;
  to?: string;
  tz?: string;
  store?: string;
  format?: string;
  config?: string;
  dataDir?: string;
}

export function registerReport(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('report')
      .description('KOC funnel, flow steps, campaigns or accounts over a range of local days, as a table, CSV or JSON')
      .argument('<kind>', `which report: ${REPORT_KINDS.join(', ')}`)
      .option('--from <date>', `first local day, YYYY-MM-DD (default: ${DEFAULT_DAYS - 1} days before --to)`)
      .option('--to <date>', 'last local day, YYYY-MM-DD, included (default: today)')
      .option('--tz <zone>', `the IANA zone the days are read in (default: the config's first account's, else ${DEFAULT_TIME_ZONE})`)
      .option('--store <id>', 'only these stores: an id (sh-001) or a pattern (sh-*)')
      .option('--format <format>', 'table, csv or json', 'table')
      .option('--config <file>', 'the configuration file (default ./kocflow.yaml; the accounts report reads the limits from it)'),
  )
    .addHelpText('after', [
      '',
      'Reports:',
      '  koc        per KOC: link clicks, adds, coupons issued, redeemed, points in range; tier and balance now',
      '  flows      per flow and step: sent, deferred and skipped (by reason), failed, in doubt, replies within 24 h, opt-outs',
      '  campaigns  per campaign: budget, issued, remaining, redeemed (by store), redemption rate',
      '  accounts   per bot account: status, sends today against its daily limit, last send, pending, deferred, in doubt',
      'Definitions: docs/reports.md. The embedded store is locked while kocflow start runs: stop it, or use PostgreSQL.',
      'Example: kocflow report koc --from 2026-12-01 --to 2026-12-07 --store "sh-*" --format csv > koc-week-49.csv',
    ].join('\n'))
    .action(async (kind: string, options: ReportCommandOptions) => done(await report(kind, options, io)));
}

export async function report(kind: string, options: ReportCommandOptions, io: CliIo): Promise<number> {
  let config: ReturnType<typeof readConfig>['config'] | undefined;
  const now = systemClock.now();
  const request = parseReportOptions(
    { kind, from: options.from, to: options.to, tz: options.tz, store: options.store, format: options.format },
    () => {
      config = readConfig(options.config, io).config;
      return { timeZone: config.accounts[0]?.timeZone ?? DEFAULT_TIME_ZONE, now };
    },
  );
  const { openStore } = await import('../../store/openStore.ts');
  const { loadReport, renderReport } = await import('../../report/index.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    const loaded = await loadReport(store.prisma, request, { config: config!, env: io.env, now });
    const rendered = renderReport(loaded);
    io.out(rendered.stdout);
    if (rendered.stderr) io.err(rendered.stderr);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
