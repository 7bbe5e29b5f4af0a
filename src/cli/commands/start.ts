import { resolve, relative } from 'node:path';
import type { Command } from 'commander';
import { CronExpressionParser } from 'cron-parser';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import { PlaybookReloader, watchPlaybookFolder } from '../../playbook/watch.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import { createLogger } from '../../shared/logger.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

export interface StartOptions {
  playbooks: string;
  dataDir?: string;
  watch: boolean;
}

/**
 * `kocflow start`: opens (and on the embedded store, creates and migrates) the store, loads the playbooks with
 * the same loader as lint, and watches them. Bots, the engine and the dashboard join this command as their
 * issues land; it says plainly what runs and what does not yet.
 */
export function registerStart(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('start')
      .description('run kocflow: store, playbooks (hot reload); Ctrl-C stops it cleanly')
      .option('--playbooks <dir>', 'the playbook folder', 'sop-playbooks')
      .option('--no-watch', 'do not watch the playbook folder for changes'),
  ).action(async (options: StartOptions) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      done(await runStart(options, io, controller.signal));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

export async function runStart(options: StartOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const logger = createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' });
  const root = resolve(io.cwd, options.playbooks);
  const reloader = new PlaybookReloader(root, logger);
  const { openStore } = await import('../../store/openStore.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger });
  try {
    const { createRepositories } = await import('../../store/repositories/index.ts');
    const versions = createRepositories(store.prisma).playbookVersions;
    const recordVersions = async (set: PlaybookSet) => {
      let created = 0;
      for (const flow of set.flows.values()) {
        const definition = JSON.parse(JSON.stringify({ flow: flow.document, templates: flow.templates }));
        const result = await versions.record({ flowId: flow.document.id, contentHash: flow.hash, sourcePath: flow.source.file, definition });
        if (result.created) created++;
      }
      return created;
    };
    const status = await store.migrationStatus();
    const pending = status.filter((m) => m.state !== 'applied');
    io.out(`store: ${store.kind === 'embedded' ? 'embedded' : 'PostgreSQL'} at ${store.location} (${status.length - pending.length} migration${status.length === 1 ? '' : 's'} applied${pending.length ? `, ${pending.length} NOT applied: run kocflow migrate` : ''})\n`);
    printPlaybooks(io, relative(io.cwd, root) || '.', reloader.current());
    const created = await recordVersions(reloader.current());
    io.out(`playbook versions: ${created} new recorded in the store\n`);
    reloader.onChange((set) => {
      recordVersions(set).then(
        (n) => io.out(`playbooks reloaded: ${set.flows.size} flows, ${n} new version${n === 1 ? '' : 's'} recorded\n`),
        (error: unknown) => logger.error({ err: error }, 'could not record the reloaded playbook versions'),
      );
    });
    io.out('not running yet: the bots and the flow engine (issues #5 and #6) and the dashboard (#9).\n');

    const watcher = options.watch ? watchPlaybookFolder(reloader, root) : undefined;
    await watcher?.ready;
    io.out(options.watch ? `watching ${relative(io.cwd, root) || '.'} for changes; press Ctrl-C to stop\n` : 'press Ctrl-C to stop\n');
    await new Promise<void>((resolveStop) => {
      if (signal.aborted) resolveStop();
      signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    io.out('stopping…\n');
    await watcher?.close();
  } finally {
    await store.close();
  }
  io.out('stopped cleanly\n');
  return EXIT.ok;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function printPlaybooks(io: CliIo, folder: string, set: PlaybookSet): void {
  const tiers = set.tiers ? `, tiers ${set.tiers.document.tiers.map((t) => t.name).join(' → ')}` : '';
  io.out(`playbooks: ${folder}: ${count(set.flows.size, 'flow')}, ${count(set.campaigns.size, 'campaign')}, ${count(set.tasks.size, 'task')}${tiers}\n`);
  const flows = [...set.flows.values()].sort((a, b) => a.document.id.localeCompare(b.document.id));
  const width = Math.max(...flows.map((f) => f.document.id.length), 4);
  for (const flow of flows) {
    const trigger = flow.document.trigger;
    let when: string;
    if ('cron' in trigger) {
      const zone = trigger.timeZone ?? DEFAULT_TIME_ZONE;
      const next = CronExpressionParser.parse(trigger.cron, { tz: zone, currentDate: new Date() }).next().toDate();
      when = `cron "${trigger.cron}", next ${formatLocal(next, 'YYYY-MM-DD HH:mm', zone)} ${zone}`;
    } else {
      when = `on ${trigger.on}`;
    }
    io.out(`  ${flow.document.id.padEnd(width)}  ${when}${flow.document.enabled ? '' : ' (disabled)'}\n`);
  }
}
