import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { z } from 'zod';
import type { KocflowConfig } from '../../config/schema.ts';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import { closest } from '../../playbook/suggest.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import { KocError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import type { Store } from '../../store/openStore.ts';
import { readConfig } from '../configOption.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

/**
 * Ops' side of the KOC program: `kocflow points grant|show`, `kocflow tasks review`, `kocflow feedback list`. They
 * open the store (the embedded one is locked while `kocflow start` runs: stop it first, or use PostgreSQL); notes
 * to the KOC (a grant, a review) are queued in the outbox and sent by `kocflow start`, from the account the KOC
 * talks to in kocflow.yaml.
 */
interface CommonOptions {
  config?: string;
  dataDir?: string;
  format?: string;
}

const grantOptions = z.object({
  staff: z.string().min(1),
  amount: z.coerce.number().int('--amount must be a whole number').refine((n) => n !== 0, '--amount must not be 0').refine((n) => Math.abs(n) <= 100_000, '--amount must be between -100000 and 100000'),
  note: z.string().trim().min(1, '--note must say why (the KOC sees it)').max(200, '--note is at most 200 characters'),
  key: z.string().min(1).max(100).optional(),
});

const reviewOptions = z.object({
  approve: z.coerce.number().int().positive().optional(),
  reject: z.coerce.number().int().positive().optional(),
  note: z.string().trim().max(500, '--note is at most 500 characters').optional(),
}).refine((o) => !(o.approve !== undefined && o.reject !== undefined), 'give --approve N or --reject N, not both');

export function registerKoc(program: Command, io: CliIo, done: CommandResult): void {
  const common = (command: Command) =>
    addStoreOptions(command.option('--format <format>', 'text or json', 'text').option('--config <file>', 'the configuration file (default ./kocflow.yaml)'))
      .exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const configure = (c: Command) => c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const points = configure(program.command('points').description('KOC points: grant with a note, show a KOC\'s ledger'));
  common(points.command('grant')
    .description('grant (or with a negative amount, take back) points to a KOC, with a note they see; an audit row records it')
    .requiredOption('--staff <id>', 'the KOC\'s WeCom user id (staff id in kocflow.yaml)')
    .requiredOption('--amount <n>', 'points, e.g. 50 or -20')
    .requiredOption('--note <text>', 'why: shown to the KOC and kept in the ledger')
    .option('--key <key>', 'an idempotency key: the same key pays once (default: a new grant each time)'))
    .action(async (options: CommonOptions & Record<string, string>) => done(await grant(options, io)));
  common(points.command('show').description('a KOC\'s tier, balance and latest ledger rows').requiredOption('--staff <id>', 'the KOC\'s WeCom user id'))
    .action(async (options: CommonOptions & { staff: string }) => done(await show(options, io)));

  const tasks = configure(program.command('tasks').description('KOC tasks: review submissions'));
  common(tasks.command('review')
    .description('list submissions waiting for review, or approve (pays the task\'s points) or reject one with a note')
    .option('--approve <n>', 'approve submission N (the number the KOC typed: /submit N)')
    .option('--reject <n>', 'reject submission N')
    .option('--note <text>', 'a comment the KOC sees'))
    .action(async (options: CommonOptions & Record<string, string>) => done(await review(options, io)));

  const feedback = configure(program.command('feedback').description('KOC feedback sent with /feedback'));
  common(feedback.command('list').description('open feedback, oldest first, with the KOC\'s standing when they wrote'))
    .action(async (options: CommonOptions) => done(await listFeedback(options, io)));
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new KocError('KOC_CLI_USAGE', result.error.issues.map((i) => i.message).join('; '), { hint: 'see --help for the options' });
  }
  return result.data;
}

function formatOption(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new KocError('KOC_CLI_USAGE', `--format must be text or json, not "${value}"`, { hint: 'e.g. --format json' });
}

async function withStore<T>(options: CommonOptions, io: CliIo, body: (store: Store, config: KocflowConfig) => Promise<T>): Promise<T> {
  const { config } = readConfig(options.config, io);
  const { openStore } = await import('../../store/openStore.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    return await body(store, config);
  } finally {
    await store.close();
  }
}

async function notesFor(store: Store, config: KocflowConfig) {
  const { createEngineStore } = await import('../../store/engineStore.ts');
  const { KocNotes, reachableAccounts } = await import('../../runtime/koc/notes.ts');
  const accounts = reachableAccounts(config.accounts.map((a) => ({ id: a.id, role: a.role, timeZone: a.timeZone, owner: a.owner ?? null, commanders: a.commanders })));
  return new KocNotes(createEngineStore(store.prisma, { claimedBy: 'cli' }), () => accounts);
}

async function kocByWecomId(store: Store, staffId: string) {
  const staff = await store.prisma.staff.findFirst({ where: { wecomUserId: { equals: staffId, mode: 'insensitive' } }, include: { koc: true } });
  if (!staff) {
    const all = (await store.prisma.staff.findMany({ select: { wecomUserId: true } })).map((s) => s.wecomUserId);
    const close = closest(staffId, all);
    throw new KocError('KOC_STAFF_UNKNOWN', `there is no staff member "${staffId}"${close ? ` (did you mean "${close}"?)` : ''}`, {
      hint: 'use the WeCom user id from kocflow.yaml\'s staff list; kocflow start writes the staff into the store',
    });
  }
  if (!staff.koc) {
    throw new KocError('KOC_NOT_A_KOC', `${staff.wecomUserId} is not in the KOC program (no tier)`, { hint: `give them a tier in kocflow.yaml (staff: - { id: ${staff.wecomUserId}, tier: … }) and start kocflow once` });
  }
  return { ...staff, koc: staff.koc };
}

export async function grant(raw: CommonOptions & Record<string, string>, io: CliIo): Promise<number> {
  const format = formatOption(raw.format);
  const options = parse(grantOptions, raw);
  return withStore(raw, io, async (store, config) => {
    const koc = await kocByWecomId(store, options.staff);
    const { grantPoints } = await import('../../runtime/koc/review.ts');
    const key = options.key ?? randomUUID();
    const paid = await grantPoints(store.prisma, await notesFor(store, config), { staffId: koc.id, amount: options.amount, note: options.note, actor: 'cli', at: systemClock.now(), key });
    const balance = (await store.prisma.kocProfile.findUniqueOrThrow({ where: { staffId: koc.id } })).pointsBalance;
    if (format === 'json') io.out(JSON.stringify({ staff: koc.wecomUserId, amount: options.amount, paid, balance, key }) + '\n');
    else io.out(paid ? `granted ${options.amount} points to ${koc.wecomUserId} (${options.note}); balance ${balance}\n` : `key ${key} was granted before; nothing changed; balance ${balance}\n`);
    return EXIT.ok;
  });
}

export async function show(raw: CommonOptions & { staff: string }, io: CliIo): Promise<number> {
  const format = formatOption(raw.format);
  return withStore(raw, io, async (store, config) => {
    const koc = await kocByWecomId(store, raw.staff);
    const zone = config.accounts.find((a) => a.id === koc.accountId)?.timeZone ?? DEFAULT_TIME_ZONE;
    const rows = await store.prisma.pointsLedger.findMany({ where: { staffId: koc.id }, orderBy: { id: 'desc' }, take: 20 });
    const tiers = await store.prisma.tierChange.findMany({ where: { staffId: koc.id }, orderBy: { at: 'desc' }, take: 5 });
    if (format === 'json') {
      io.out(JSON.stringify({
        staff: koc.wecomUserId, tier: koc.koc.tier, balance: koc.koc.pointsBalance,
        ledger: rows.map((r) => ({ at: r.at.toISOString(), amount: r.amount, reason: r.reason, source: `${r.sourceKind}:${r.sourceId}` })),
        tierChanges: tiers.map((t) => ({ at: t.at.toISOString(), from: t.fromTier, to: t.toTier, reason: t.reason })),
      }, null, 2) + '\n');
      return EXIT.ok;
    }
    io.out(`${koc.wecomUserId}: tier ${koc.koc.tier}, balance ${koc.koc.pointsBalance} points\n`);
    for (const r of rows) io.out(`  ${formatLocal(r.at, 'YYYY-MM-DD HH:mm', zone)}  ${String(r.amount > 0 ? `+${r.amount}` : r.amount).padStart(6)}  ${r.reason}  (${r.sourceKind})\n`);
    for (const t of tiers) io.out(`  tier ${formatLocal(t.at, 'YYYY-MM-DD', zone)}: ${t.fromTier ?? '—'} → ${t.toTier} (${t.reason})\n`);
    return EXIT.ok;
  });
}

export async function review(raw: CommonOptions & Record<string, string>, io: CliIo): Promise<number> {
  const format = formatOption(raw.format);
  const options = parse(reviewOptions, raw);
  return withStore(raw, io, async (store, config) => {
    const number = options.approve ?? options.reject;
    if (number === undefined) {
      const { submissionsToReview } = await import('../../store/koc/tasks.ts');
      const pending = await submissionsToReview(store.prisma);
      if (format === 'json') {
        io.out(JSON.stringify(pending.map((p) => ({ number: p.number, task: p.taskId, title: p.title, points: p.points, staff: p.wecomUserId, submission: p.submission, submittedAt: p.submittedAt?.toISOString() ?? null })), null, 2) + '\n');
      } else if (pending.length === 0) {
        io.out('no submissions waiting for review\n');
      } else {
        for (const p of pending) io.out(`#${p.number}  ${p.title} (${p.points} points)  ${p.wecomUserId}  ${p.submittedAt ? formatLocal(p.submittedAt, 'MM-DD HH:mm', DEFAULT_TIME_ZONE) : ''}\n    ${p.submission ?? ''}\n`);
        io.out(`${pending.length} waiting: kocflow tasks review --approve N --note "…" (or --reject N)\n`);
      }
      return EXIT.ok;
    }
    const { reviewSubmission } = await import('../../runtime/koc/review.ts');
    const approve = options.approve !== undefined;
    const result = await reviewSubmission(store.prisma, await notesFor(store, config), { number, approve, note: options.note ?? '', actor: 'cli', at: systemClock.now() });
    if (!result.ok) {
      if (result.reason === 'not_found') throw new KocError('KOC_TASK_SUBMISSION_UNKNOWN', `there is no task #${number}`, { hint: 'kocflow tasks review lists the submissions waiting for review' });
      throw new KocError('KOC_TASK_NOT_SUBMITTED', `task #${number} is ${result.assignment.status}, not waiting for review`, { hint: 'only a submitted task can be approved or rejected; kocflow tasks review lists them' });
    }
    if (format === 'json') io.out(JSON.stringify({ number, status: result.assignment.status, credited: result.credited }) + '\n');
    else io.out(`task #${number} ${approve ? `approved: +${result.credited} points to` : 'rejected for'} ${result.assignment.staffId}; they are told in chat\n`);
    return EXIT.ok;
  });
}

export async function listFeedback(raw: CommonOptions, io: CliIo): Promise<number> {
  const format = formatOption(raw.format);
  return withStore(raw, io, async (store) => {
    const { openFeedback } = await import('../../store/koc/stats.ts');
    const rows = await openFeedback(store.prisma);
    if (format === 'json') {
      io.out(JSON.stringify(rows.map((r) => ({ id: r.id, at: r.createdAt.toISOString(), staff: r.staff.wecomUserId, account: r.accountId, text: r.text, context: r.context })), null, 2) + '\n');
      return EXIT.ok;
    }
    if (rows.length === 0) io.out('no open feedback\n');
    for (const r of rows) {
      const c = r.context as { tier?: string | null; points?: number; openTasks?: unknown[] };
      io.out(`${formatLocal(r.createdAt, 'YYYY-MM-DD HH:mm', DEFAULT_TIME_ZONE)}  ${r.staff.wecomUserId} (${c.tier ?? 'not a KOC'}, ${c.points ?? 0} points, ${c.openTasks?.length ?? 0} open tasks) via ${r.accountId ?? '—'}\n    ${r.text}\n`);
    }
    return EXIT.ok;
  });
}
