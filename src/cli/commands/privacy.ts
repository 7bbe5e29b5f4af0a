import type { Command } from 'commander';
import { KocError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import { readConfig } from '../configOption.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

/**
 * `kocflow forget` erases one customer everywhere (PIPL), keeping anonymous counts, with an audit row;
 * `kocflow purge` deletes interactions older than the retention (kocflow.yaml `retention.interactionsDays`, or
 * `--days`). Both open the store like `kocflow coupons` (the embedded one is locked while `kocflow start` runs).
 * What they print names the contact by its id only: the terminal scrollback is a log too.
 */
export interface ForgetOptions {
  contact?: string;
  externalId?: string;
  account?: string;
  dataDir?: string;
  format?: string;
}

export interface PurgeOptions {
  days?: string;
  config?: string;
  dataDir?: string;
}

const ID = /^[\w.:@-]{1,200}$/;

export function registerPrivacy(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('forget')
      .description('erase a customer everywhere (name, phone, tags, messages, what was sent to them); counts stay anonymous; audited')
      .option('--contact <id>', 'the contact id (as in reports and kocflow coupons show)')
      .option('--external-id <id>', 'the customer\'s WeCom id')
      .option('--account <id>', 'with --external-id: the bot account the customer belongs to')
      .option('--format <format>', 'text or json', 'text')
      .addHelpText('after', '\nExample: kocflow forget --external-id wmXyz123 --account guide-sh-01\nThe contact row stays as an anonymous tombstone so coupon and campaign counts stay right; pending sends to them are skipped.'),
  ).action(async (options: ForgetOptions) => done(await forget(options, io)));

  addStoreOptions(
    program
      .command('purge')
      .description('delete interactions older than the retention (kocflow.yaml retention.interactionsDays, or --days); audited')
      .option('--days <n>', 'keep this many days (overrides kocflow.yaml)')
      .option('--config <file>', 'the configuration file (default ./kocflow.yaml)'),
  ).action(async (options: PurgeOptions) => done(await purge(options, io)));
}

export async function forget(options: ForgetOptions, io: CliIo): Promise<number> {
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw usage(`--format must be text or json, not "${format}"`);
  if ((options.contact === undefined) === (options.externalId === undefined)) throw usage('name exactly one customer: --contact ID or --external-id X [--account A]');
  if (options.account !== undefined && options.externalId === undefined) throw usage('--account goes with --external-id');
  for (const [flag, value] of [['--contact', options.contact], ['--external-id', options.externalId], ['--account', options.account]] as const) {
    if (value !== undefined && !ID.test(value)) throw usage(`${flag} is not an id (letters, digits and . _ : @ -, at most 200)`);
  }
  const { openStore } = await import('../../store/openStore.ts');
  const { forgetContact } = await import('../../store/privacy.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    const target = options.contact !== undefined
      ? { contactId: options.contact }
      : { externalId: options.externalId!, ...(options.account === undefined ? {} : { accountId: options.account }) };
    const result = await forgetContact(store.prisma, target, { actor: 'cli', at: systemClock.now() });
    if (format === 'json') {
      io.out(JSON.stringify(result, null, 2) + '\n');
    } else {
      const c = result.counts;
      io.out(
        `contact ${result.contactId} (account ${result.accountId}) ${result.alreadyForgotten ? 'was forgotten before; scrubbed again' : 'forgotten'}: `
        + `${c.tags ?? 0} tags removed, ${(c.interactions ?? 0) + (c.roomInteractions ?? 0)} interactions and ${c.outbox ?? 0} sends scrubbed `
        + `(${c.outboxSkipped ?? 0} pending skipped), ${c.runsStopped ?? 0} runs stopped; ${c.coupons ?? 0} coupons kept as anonymous counts. Audit: contact.forget\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function purge(options: PurgeOptions, io: CliIo): Promise<number> {
  let days: number | undefined;
  if (options.days !== undefined) {
    days = Number(options.days);
    if (!/^\d{1,5}$/.test(options.days) || days < 1) throw usage(`--days must be a whole number of days ≥ 1, not "${options.days}"`);
  } else {
    days = readConfig(options.config, io).config.retention.interactionsDays;
    if (days === undefined) throw usage('no retention is set: pass --days N, or set retention.interactionsDays in kocflow.yaml');
  }
  const { openStore } = await import('../../store/openStore.ts');
  const { purgeInteractions } = await import('../../store/privacy.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    const result = await purgeInteractions(store.prisma, { days, now: systemClock.now(), actor: 'cli' });
    io.out(`${result.interactions} interactions before ${result.cutoff.toISOString()} deleted (retention ${days} days)\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function usage(message: string): KocError {
  return new KocError('KOC_CLI_USAGE', message, { hint: 'kocflow forget --help / kocflow purge --help' });
}
