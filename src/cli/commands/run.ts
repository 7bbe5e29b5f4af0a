import { resolve } from 'node:path';
import type { Command } from 'commander';
import { accountProfiles, playbooksFolder, syncConfigToStore } from '../../config/index.ts';
import type { Channel } from '../../domain/channel.ts';
import { loadPlaybookFolder } from '../../playbook/load.ts';
import { formatDiagnostic } from '../../playbook/diagnostics.ts';
import { closest } from '../../playbook/suggest.ts';
import { KocError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import { readConfig } from '../configOption.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

interface RunOptions {
  contact?: string;
  room?: string;
  account?: string;
  key?: string;
  config?: string;
  playbooks?: string;
  dataDir?: string;
}

/**
 * `kocflow run FLOW --contact ID`: starts a manual flow for one subject. The run is durable and its sends are queued
 * in the outbox like any other; the running `kocflow start` delivers them, paced. So this command never sends
 * itself: its engine has a channel that refuses to.
 */
export function registerRun(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('run')
      .description('start a manual flow (trigger on: manual) for a contact, a room or an account; kocflow start sends what it queues')
      .argument('<flow>', 'the flow id')
      .option('--contact <id>', 'the contact: its WeCom external id (as the bot sees it)')
      .option('--room <id>', 'the room: its WeCom room id')
      .option('--account <id>', 'the account (required when the contact or room is known to several, or for subject: account)')
      .option('--key <key>', 'an idempotency key: running again with the same key starts nothing new (default: a new run each time)')
      .option('--config <file>', 'the configuration file (default ./kocflow.yaml)')
      .option('--playbooks <dir>', 'the playbook folder (default: the config\'s `playbooks`)')
      .addHelpText('after', '\nExample: kocflow run win-back --contact wm-customer-1 --account guide-wang\nThe embedded store is locked while kocflow start runs: stop it first, or use PostgreSQL (DATABASE_URL).'),
  ).action(async (flowId: string, options: RunOptions) => done(await runFlow(flowId, options, io)));
}

export async function runFlow(flowId: string, options: RunOptions, io: CliIo): Promise<number> {
  const logger = createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' });
  const { config, configLabel } = readConfig(options.config, io);
  const root = options.playbooks ? resolve(io.cwd, options.playbooks) : playbooksFolder(configLabel.path, config);
  const loaded = loadPlaybookFolder(root);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic(d) + '\n');
    throw new KocError('KOC_PLAYBOOKS_INVALID', 'the playbooks have errors; nothing was started', { hint: 'fix them (kocflow lint) and run again' });
  }
  const flow = loaded.set.flows.get(flowId);
  if (!flow) {
    const close = closest(flowId, [...loaded.set.flows.keys()]);
    throw new KocError('KOC_RUN_FLOW_UNKNOWN', `there is no flow "${flowId}"${close ? ` (did you mean "${close}"?)` : ''}`, {
      hint: `manual flows: ${manualFlows(loaded.set.flows).join(', ') || 'none'}`,
    });
  }
  const trigger = flow.document.trigger;
  if (!('on' in trigger) || trigger.on !== 'manual') {
    throw new KocError('KOC_RUN_NOT_MANUAL', `flow "${flowId}" starts on ${'cron' in trigger ? 'a schedule' : trigger.on}, not by hand`, {
      hint: `only flows with trigger { on: manual } can be run; manual flows: ${manualFlows(loaded.set.flows).join(', ') || 'none'}`,
    });
  }
  const kind = trigger.subject;
  const given = kind === 'contact' ? options.contact : kind === 'room' ? options.room : options.account;
  if (!given) {
    throw new KocError('KOC_CLI_USAGE', `flow "${flowId}" runs for a ${kind}: pass --${kind} ID`, { hint: `e.g. kocflow run ${flowId} --${kind} <id>` });
  }

  const { openStore } = await import('../../store/openStore.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger });
  try {
    const now = systemClock.now();
    const synced = await syncConfigToStore(store.prisma, config, now);
    const profiles = accountProfiles(config, { now, firstSeen: synced.firstSeen });
    const { prisma } = store;
    let accountId: string;
    let subjectId: string;
    if (kind === 'account') {
      if (!profiles.some((p) => p.id === given)) throw unknownAccount(given, profiles.map((p) => p.id));
      accountId = given;
      subjectId = given;
    } else {
      const where = { externalId: given, ...(options.account ? { accountId: options.account } : {}) };
      const rows = kind === 'contact'
        ? await prisma.contact.findMany({ where: { ...where, forgottenAt: null }, select: { id: true, accountId: true } })
        : await prisma.room.findMany({ where, select: { id: true, accountId: true } });
      if (rows.length === 0) {
        throw new KocError('KOC_RUN_SUBJECT_UNKNOWN', `no ${kind} "${given}"${options.account ? ` on account ${options.account}` : ''} is in the store`, {
          hint: `a ${kind} is stored once its account's bot has seen it; check the id (the WeCom external id, as the bot sees it)`,
        });
      }
      if (rows.length > 1) {
        throw new KocError('KOC_CLI_USAGE', `${kind} "${given}" is known to ${rows.length} accounts (${rows.map((r) => r.accountId).join(', ')})`, { hint: 'pass --account ID' });
      }
      accountId = rows[0]!.accountId;
      subjectId = rows[0]!.id;
    }
    const account = profiles.find((p) => p.id === accountId);
    if (!account) throw unknownAccount(accountId, profiles.map((p) => p.id));

    const { Engine } = await import('../../engine/engine.ts');
    const { createEngineStore } = await import('../../store/engineStore.ts');
    const { createRewards } = await import('../../store/rewards.ts');
    const engineStore = createEngineStore(prisma, { logger });
    const engine = new Engine({
      clock: systemClock, store: engineStore, channel: QUEUE_ONLY, logger, random: Math.random,
      accounts: { list: () => profiles, get: (id) => profiles.find((p) => p.id === id) },
      rewards: createRewards(prisma, () => loaded.set),
    }, loaded.set);
    await engine.start();
    const key = options.key ?? `cli:${now.toISOString()}`;
    const started = await engine.startManual(flowId, accountId, { kind, id: subjectId }, key);
    if (!started) {
      io.out(`nothing started: ${flowId} already ran for this ${kind} with key "${options.key}"\n`);
      return EXIT.ok;
    }
    const run = await prisma.flowRun.findFirstOrThrow({ where: { flowId, occurrenceKey: `manual:${key}`, subjectId }, select: { id: true, status: true } });
    const queued = await prisma.outboxEntry.count({ where: { runId: run.id } });
    io.out(`started ${flowId} for ${kind} ${given} on ${accountId}: run ${run.id} (${run.status}), ${queued} send${queued === 1 ? '' : 's'} queued; kocflow start delivers them, paced\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The engine here only starts runs and queues their sends; delivering them is `kocflow start`'s job. */
const QUEUE_ONLY: Channel = {
  perform: () => Promise.reject(new Error('kocflow run does not send; kocflow start does')),
  supports: () => true,
  available: () => false,
};

function manualFlows(flows: ReadonlyMap<string, { document: { trigger: unknown } }>): string[] {
  return [...flows].filter(([, f]) => (f.document.trigger as { on?: string }).on === 'manual').map(([id]) => id);
}

function unknownAccount(id: string, known: string[]): KocError {
  const close = closest(id, known);
  return new KocError('KOC_RUN_ACCOUNT_UNKNOWN', `account "${id}" is not configured${close ? ` (did you mean "${close}"?)` : ''}`, { hint: `accounts: ${known.join(', ')}` });
}
