import { writeFileSync, existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { localDateKey, startOfLocalDay, zoneOffsetMs } from '../../engine/localTime.ts';
import { checkCalendarDate, DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import { formatDiagnostic } from '../../playbook/diagnostics.ts';
import { loadPlaybookFolder } from '../../playbook/load.ts';
import { KocError } from '../../shared/errors.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';

/**
 * `kocflow simulate`: a month of every playbook against synthetic customers, on the real engine and a throwaway
 * store (src/simulate/). Prints what would be sent, when and by whom, and whether any quiet hour, cap or
 * idempotency rule would be broken: exit 0 when none is, 1 when one is (or the playbooks have errors), 2 for bad
 * options.
 */
const MAX_DAYS = 366;
const MAX_ACCOUNTS = 1_000;
const MAX_CONTACTS = 1_000_000;

const wholeNumber = (flag: string, min: number, max: number, example: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `${flag} takes a whole number` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `${flag} must be between ${min} and ${formatMax(max)}` })
    .describe(example);

const optionsSchema = z.object({
  days: wholeNumber('--days', 1, MAX_DAYS, '--days 30'),
  accounts: wholeNumber('--accounts', 1, MAX_ACCOUNTS, '--accounts 20'),
  contacts: wholeNumber('--contacts', 1, MAX_CONTACTS, '--contacts 500'),
  seed: wholeNumber('--seed', 0, 2 ** 32 - 1, '--seed 7'),
  from: z
    .string()
    .trim()
    .optional()
    .superRefine((text, ctx) => {
      const problem = text === undefined ? undefined : checkCalendarDate(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `--from: ${problem}` });
    })
    .describe('--from 2026-12-01'),
  playbooks: z.string().trim().min(1, { message: '--playbooks needs a folder' }).describe('--playbooks sop-playbooks'),
  format: z.enum(['text', 'json'], { message: '--format must be text or json' }).describe('--format json'),
  out: z.string().trim().min(1, { message: '--out needs a file name' }).optional().describe('--out timeline.jsonl'),
});

export type SimulateOptions = z.output<typeof optionsSchema>;

export function registerSimulate(program: Command, io: CliIo, done: CommandResult): void {
  program
    .command('simulate')
    .description('replay the playbooks against synthetic customers on the real engine: what would be sent, and whether every limit holds')
    .option('--days <n>', 'days to simulate', '30')
    .option('--accounts <n>', 'bot accounts: mostly guides, one assistant, a few ambassadors', '20')
    .option('--contacts <n>', 'customers in all, not per account, spread over the guide and ambassador accounts (500 per account for 20 accounts: --contacts 10000)', '500')
    .option('--seed <n>', 'the same seed gives the same world, the same sends and a byte-identical timeline', '1')
    .option('--from <date>', 'first day, YYYY-MM-DD in Asia/Shanghai (default: the 1st of next month; pass it to reproduce a run)')
    .option('--playbooks <dir>', 'the playbook folder', 'sop-playbooks')
    .option('--format <format>', 'text or json', 'text')
    .option('--out <file>', 'write every send as one JSON line (at, account, flow, kind, to, outboxKey, text)')
    .addHelpText('after', [
      '',
      'Exit codes: 0 every limit held, 1 a quiet-hour, cap or duplicate violation (or playbook errors), 2 usage error.',
      'Example: kocflow simulate --days 30 --accounts 20 --contacts 500 --seed 7 --from 2026-12-01 --out timeline.jsonl',
    ].join('\n'))
    .action(async (raw: Record<string, string | undefined>) => {
      done(await simulate(parseOptions(raw), io));
    });
}

/** Commander's strings → checked options; the first problem becomes a KOC_CLI_USAGE error with an example. */
export function parseOptions(raw: Record<string, string | undefined>): SimulateOptions {
  const parsed = optionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const field = optionsSchema.shape[key as keyof typeof optionsSchema.shape];
  const given = raw[key];
  throw new KocError('KOC_CLI_USAGE', `${issue.message}${given === undefined ? '' : `, not "${given}"`}`, {
    hint: field?.description ? `for example ${field.description}` : 'run kocflow simulate --help',
    details: { option: key },
  });
}

export async function simulate(options: SimulateOptions, io: CliIo): Promise<number> {
  const root = resolve(io.cwd, options.playbooks);
  const loaded = loadPlaybookFolder(root);
  const folder = relative(io.cwd, root).split(sep).join('/') || '.';
  if (!loaded.ok) {
    for (const d of loaded.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic({ ...d, file: `${folder}/${d.file}` }) + '\n');
    io.err(`the playbooks in ${folder} have errors: fix them (kocflow lint ${folder}) before simulating\n`);
    return EXIT.findings;
  }
  const outPath = options.out === undefined ? undefined : resolve(io.cwd, options.out);
  if (outPath && !(existsSync(dirname(outPath)) && statSync(dirname(outPath)).isDirectory())) {
    throw new KocError('KOC_CLI_USAGE', `--out: the folder ${dirname(outPath)} does not exist`, { hint: 'create it, or write the timeline elsewhere' });
  }
  const from = localMidnight(options.from ?? firstOfNextMonth(new Date(), DEFAULT_TIME_ZONE), DEFAULT_TIME_ZONE);

  const [{ runSimulation }, { summarize, hasViolations }, { summaryText }, { timeline }, progress] = await Promise.all([
    import('../../simulate/runSimulation.ts'),
    import('../../simulate/report.ts'),
    import('../../simulate/summaryText.ts'),
    import('../../simulate/timeline.ts'),
    progressBar(io, options.days),
  ]);
  let run;
  try {
    run = await runSimulation({
      days: options.days, accounts: options.accounts, contacts: options.contacts, seed: options.seed, from, playbooks: loaded.set,
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } finally {
    progress?.stop();
  }
  const summary = summarize(run);
  if (outPath) {
    const flowOf = new Map(run.ledger.outbox.map((row) => [row.id, row.flowId]));
    writeFileSync(outPath, timeline(run.deliveries, (id) => flowOf.get(id) ?? null));
  }
  if (options.format === 'json') io.out(JSON.stringify(summary, null, 2) + '\n');
  else io.out(summaryText(summary, { playbooks: folder, ...(outPath ? { timelinePath: relative(io.cwd, outPath) || outPath } : {}) }));
  return hasViolations(summary) ? EXIT.findings : EXIT.ok;
}

/** The progress bar, on stderr, only when both the command's output and stderr are a terminal. */
async function progressBar(io: CliIo, days: number): Promise<{ update(p: { simulatedMs: number; totalMs: number; sends: number }): void; stop(): void } | undefined> {
  if (!io.isTty || !process.stderr.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'simulating {bar} {percentage}% | day {day}/{days} | {sends} sends',
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(days * 24, 0, { day: 1, days, sends: 0 });
  return {
    update: ({ simulatedMs, sends }) => bar.update(Math.floor(simulatedMs / 3_600_000), { day: Math.min(days, Math.floor(simulatedMs / 86_400_000) + 1), days, sends }),
    stop: () => bar.stop(),
  };
}

/** `YYYY-MM-DD` → the instant local midnight begins that day in the zone. */
function localMidnight(date: string, timeZone: string): Date {
  const noonAsUtc = Date.parse(`${date}T12:00:00Z`);
  return startOfLocalDay(new Date(noonAsUtc - zoneOffsetMs(noonAsUtc, timeZone)), timeZone);
}

function firstOfNextMonth(now: Date, timeZone: string): string {
  const [year, month] = localDateKey(now, timeZone).split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
}

function formatMax(n: number): string {
  return n.toLocaleString('en-US');
}
