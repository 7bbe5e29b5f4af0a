import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { playbooksFolder } from '../../config/index.ts';
import type { KocflowConfig } from '../../config/schema.ts';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import { formatDiagnostic } from '../../playbook/diagnostics.ts';
import { loadPlaybookFolder } from '../../playbook/load.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import { closest } from '../../playbook/suggest.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import { campaignPeriodProblem, campaignTerms, offlineCouponExpiry } from '../../referral/campaigns.ts';
import { formatCode, normalizeCouponCode } from '../../referral/codes.ts';
import type { KocSummary } from '../../referral/ports.ts';
import { maskName } from '../../runtime/liveLog.ts';
import { KocError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import type { CouponHistory } from '../../store/referral/history.ts';
import { readConfig } from '../configOption.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

/**
 * `kocflow coupons issue` prints single-use coupons for offline use (flyers, tills) within a campaign's budget;
 * `kocflow coupons show CODE` prints one coupon's whole history. Both read kocflow.yaml and the playbooks like
 * `kocflow run`, and open the store (the embedded one is locked while `kocflow start` runs).
 */
interface CommonOptions {
  config?: string;
  playbooks?: string;
  dataDir?: string;
  format?: string;
}

export interface IssueOptions extends CommonOptions {
  campaign: string;
  count: string;
  expiresDays?: string;
}

export type ShowOptions = CommonOptions;

/** The most coupons one `issue` prints. */
export const MAX_ISSUE = 10_000;

export function registerCoupons(program: Command, io: CliIo, done: CommandResult): void {
  const coupons = program.command('coupons').description('single-use coupons for offline use, and the history of a coupon');
  const common = (command: Command) =>
    addStoreOptions(
      command
        .option('--format <format>', 'text or json', 'text')
        .option('--config <file>', 'the configuration file (default ./kocflow.yaml)')
        .option('--playbooks <dir>', 'the playbook folder (default: the config\'s `playbooks`)'),
    ).exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  common(
    coupons
      .command('issue')
      .description('issue N single-use coupons of a campaign for offline use (flyers, tills), within its budget, and print them')
      .requiredOption('--campaign <id>', 'the campaign id (a campaign file in the playbooks)')
      .requiredOption('--count <n>', `how many coupons (1–${MAX_ISSUE})`)
      .option('--expires-days <d>', 'valid until the end of the D-th day from today (default: the campaign\'s validUntil or validDays)')
      .addHelpText('after', '\nPrints one code per line (text) or a JSON array of { code, expiresAt, allowedStores } on stdout, the summary on stderr.\nAll or nothing: when the budget cannot cover N coupons, none is issued.\nExample: kocflow coupons issue --campaign welcome-2026 --count 200 --format json > flyer-codes.json'),
  ).action(async (options: IssueOptions) => done(await issueCoupons(options, io)));

  common(
    coupons
      .command('show')
      .description('print the whole history of a coupon: campaign, issue, holder, KOC, message, redemption')
      .argument('<code>', 'the coupon code, in any case, with or without dashes and spaces'),
  ).action(async (code: string, options: ShowOptions) => done(await showCoupon(code, options, io)));
  coupons.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
}

// ─────────────────────────────────────────────────────────────────────────────────────────── issue

export async function issueCoupons(options: IssueOptions, io: CliIo): Promise<number> {
  const format = formatOption(options.format);
  const count = integerOption('--count', options.count, 1, MAX_ISSUE);
  const expiresDays = options.expiresDays === undefined ? undefined : integerOption('--expires-days', options.expiresDays, 1, 3650);
  const { config, set } = loadSetup(options, io, true);
  const doc = set.campaigns.get(options.campaign)?.document;
  if (!doc) {
    const close = closest(options.campaign, set.campaigns.keys());
    throw new KocError('KOC_CAMPAIGN_UNKNOWN', `there is no campaign "${options.campaign}"${close ? ` (did you mean "${close}"?)` : ''}`, {
      hint: `campaigns: ${[...set.campaigns.keys()].sort().join(', ') || 'none (add a file with kind: campaign)'}`,
    });
  }
  const zone = configZone(config);
  const now = systemClock.now();
  const terms = campaignTerms(doc, zone);
  if (campaignPeriodProblem(terms, now) === 'campaign_ended') {
    throw new KocError('KOC_CAMPAIGN_ENDED', `campaign ${doc.id} ended on ${doc.endsOn}; no coupon was issued`, { hint: 'extend endsOn in the campaign file, or issue for another campaign' });
  }
  const expiresAt = offlineCouponExpiry(terms, now, zone, expiresDays);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new KocError('KOC_COUPON_EXPIRES_IN_PAST', `campaign ${doc.id}'s coupons are valid until ${doc.coupon.validUntil}, which has passed; no coupon was issued`, {
      hint: 'pass --expires-days D, or move coupon.validUntil in the campaign file',
    });
  }

  const { openStore } = await import('../../store/openStore.ts');
  const { issueOfflineCoupons } = await import('../../store/referral/offline.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    const batchId = randomUUID();
    const result = await issueOfflineCoupons(store.prisma, { terms, count, expiresAt, at: now, batchId, actor: 'cli' });
    if (!result.ok) {
      const left = Math.max(0, result.budget - result.issuedCount);
      throw new KocError('KOC_COUPON_BUDGET_EXCEEDED', `campaign ${doc.id} has ${left} of its ${result.budget} coupons left: ${count} asked for, none issued`, {
        hint: left > 0 ? `issue at most ${left}, or raise budget in the campaign file` : 'raise budget in the campaign file',
        details: { campaign: doc.id, budget: result.budget, issued: result.issuedCount, asked: count },
      });
    }
    if (format === 'json') {
      io.out(JSON.stringify(result.coupons.map((c) => ({ code: c.code, expiresAt: c.expiresAt.toISOString(), allowedStores: c.allowedStores })), null, 2) + '\n');
    } else {
      for (const coupon of result.coupons) io.out(coupon.code + '\n');
    }
    const budget = result.budget === null ? 'no budget limit' : `${result.issuedCount} of ${result.budget} issued so far`;
    io.err(
      `issued ${count} coupon${count === 1 ? '' : 's'} of ${doc.id} (${doc.coupon.title}, ${doc.coupon.value}), valid until ${formatLocal(new Date(expiresAt.getTime() - 1), 'YYYY-MM-DD', zone)} (${zone}), `
      + `${terms.allowedStores.length === 0 ? 'any store' : `stores ${terms.allowedStores.join(', ')}`}; ${budget}; batch ${batchId}\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────── show

export async function showCoupon(code: string, options: ShowOptions, io: CliIo): Promise<number> {
  const format = formatOption(options.format);
  const normalized = normalizeCouponCode(code);
  if (!normalized) {
    throw new KocError('KOC_COUPON_NOT_FOUND', `"${code}" is not a coupon code`, {
      hint: 'coupon codes are Q and 9 letters or digits (e.g. Q7KX-4M9A-TF); the last one is a check character, so a typo is caught: check each character',
    });
  }
  const { config, set } = loadSetup(options, io, false);
  const zone = configZone(config);
  const { openStore } = await import('../../store/openStore.ts');
  const { couponHistory } = await import('../../store/referral/history.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  let history: CouponHistory | undefined;
  try {
    history = await couponHistory(store.prisma, normalized);
  } finally {
    await store.close();
  }
  if (!history) {
    throw new KocError('KOC_COUPON_NOT_FOUND', `no coupon ${formatCode(normalized)} in the store (${store.location})`, {
      hint: 'check the code; coupons live in the store they were issued in (DATABASE_URL or --data-dir)',
    });
  }
  const doc = set?.campaigns.get(history.campaign.id)?.document;
  if (format === 'json') {
    io.out(JSON.stringify(historyJson(history, doc ? { title: doc.coupon.title, value: doc.coupon.value } : null), null, 2) + '\n');
  } else {
    io.out(historyText(history, doc ? `${doc.coupon.title}, ${doc.coupon.value}` : undefined, zone));
  }
  return EXIT.ok;
}

function historyText(h: CouponHistory, couponWords: string | undefined, zone: string): string {
  const time = (d: Date) => formatLocal(d, 'YYYY-MM-DD HH:mm', zone);
  const koc = (k: KocSummary) => `${k.name} (${k.role}${k.tier ? `, tier ${k.tier}` : ''})`;
  const lines: [string, string][] = [];
  lines.push(['campaign', `${h.campaign.id} ${h.campaign.name}${couponWords ? ` — ${couponWords}` : ''}`]);
  const issued = h.issuedBy.via === 'flow'
    ? `by flow ${h.issuedBy.flowId ?? '(unknown)'} (run ${h.issuedBy.runId}, step ${h.issuedBy.step + 1})${h.issuedBy.accountId ? ` on ${h.issuedBy.accountId}` : ''}`
    : h.issuedBy.via === 'cli'
      ? `by kocflow coupons issue (batch ${h.issuedBy.batch}, #${h.issuedBy.number})`
      : `outside flows and the CLI${h.issuedBy.key ? ` (key ${h.issuedBy.key})` : ''}`;
  lines.push(['issued', `${time(h.coupon.issuedAt)} ${issued}`]);
  lines.push(['expires', `${time(h.coupon.expiresAt)}, ${h.coupon.allowedStores.length === 0 ? 'any store' : `stores ${h.coupon.allowedStores.join(', ')}`}`]);
  lines.push(['to', h.contact ? `${maskName(h.contact.name)} (a contact of ${h.contact.accountId})` : 'nobody: offline use (flyer, till)']);
  if (h.attribution) {
    lines.push(['KOC', `${koc(h.attribution.koc)}${h.attribution.code ? ` through code ${formatCode(h.attribution.code)}` : ''}${h.attribution.at ? ` since ${time(h.attribution.at)}` : ''}${h.attribution.campaignId ? ` (campaign ${h.attribution.campaignId})` : ''}`]);
  } else if (h.referrer) {
    lines.push(['KOC', koc(h.referrer)]);
  } else {
    lines.push(['KOC', h.contact ? 'none: the customer came without a referral code' : 'none']);
  }
  if (h.referrer && h.attribution && h.referrer.staffId !== h.attribution.koc.staffId) lines.push(['issued for', `KOC ${koc(h.referrer)}`]);
  lines.push(['message', h.message
    ? `outbox #${h.message.outboxId} (${h.message.kind}${h.message.mode === 'assist' ? ', assist' : ''}) on ${h.message.accountId}: ${h.message.status}${h.message.sentAt ? ` ${time(h.message.sentAt)}` : ''}`
    : 'none recorded']);
  const r = h.redemption;
  lines.push(['redeemed', r
    ? `${time(r.at)} at ${r.storeName} (${r.storeId})${r.staff ? ` by ${r.staff.name}` : ''}, ${r.channel === 'chat' ? 'in chat' : `through the API${r.requestId ? ` (request ${r.requestId})` : ''}`}`
    : h.coupon.status === 'void' ? `no: voided${h.coupon.voidReason ? ` (${h.coupon.voidReason})` : ''}` : 'not yet']);
  return `coupon ${formatCode(h.coupon.code)}  ${h.coupon.status}  (times in ${zone})\n` + lines.map(([k, v]) => `  ${k.padEnd(10)} ${v}\n`).join('');
}

function historyJson(h: CouponHistory, words: { title: string; value: string } | null): unknown {
  return {
    code: h.coupon.code,
    status: h.coupon.status,
    campaign: { ...h.campaign, ...(words ? { coupon: words } : {}) },
    issuedAt: h.coupon.issuedAt.toISOString(),
    expiresAt: h.coupon.expiresAt.toISOString(),
    allowedStores: h.coupon.allowedStores,
    issuedBy: h.issuedBy,
    contact: h.contact ? { id: h.contact.id, accountId: h.contact.accountId, name: maskName(h.contact.name) } : null,
    attribution: h.attribution ? { ...h.attribution, at: h.attribution.at?.toISOString() ?? null } : null,
    referrer: h.referrer,
    message: h.message ? { ...h.message, outboxId: String(h.message.outboxId), sentAt: h.message.sentAt?.toISOString() ?? null } : null,
    redemption: h.redemption ? { ...h.redemption, at: h.redemption.at.toISOString() } : null,
    voidReason: h.coupon.voidReason,
  };
}

// ─────────────────────────────────────────────────────────────────────────────────────────── shared

/**
 * The configuration and the playbooks. `issue` needs valid playbooks (it refuses to issue otherwise); `show` does
 * not (it only names the coupon), so for it broken playbooks are skipped with a note.
 */
function loadSetup(options: CommonOptions, io: CliIo, required: true): { config: KocflowConfig; set: PlaybookSet };
function loadSetup(options: CommonOptions, io: CliIo, required: false): { config: KocflowConfig; set: PlaybookSet | undefined };
function loadSetup(options: CommonOptions, io: CliIo, required: boolean): { config: KocflowConfig; set: PlaybookSet | undefined } {
  const { config, configLabel } = readConfig(options.config, io);
  const root = options.playbooks ? resolve(io.cwd, options.playbooks) : playbooksFolder(configLabel.path, config);
  if (!required) {
    try {
      const loaded = loadPlaybookFolder(root);
      return { config, set: loaded.ok ? loaded.set : undefined };
    } catch {
      return { config, set: undefined };
    }
  }
  const loaded = loadPlaybookFolder(root);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic(d) + '\n');
    throw new KocError('KOC_PLAYBOOKS_INVALID', 'the playbooks have errors; no coupon was issued', { hint: 'fix them (kocflow lint) and run again' });
  }
  return { config, set: loaded.set };
}

/** The zone calendar dates are read in: the accounts' zone when they share one, else the default (Asia/Shanghai). */
function configZone(config: KocflowConfig): string {
  const zones = new Set(config.accounts.map((a) => a.timeZone));
  return zones.size === 1 ? [...zones][0]! : DEFAULT_TIME_ZONE;
}

function formatOption(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new KocError('KOC_CLI_USAGE', `--format must be text or json, not "${value}"`, { hint: 'e.g. --format json' });
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new KocError('KOC_CLI_USAGE', `${name} must be a whole number from ${min} to ${max}, not "${value}"`, { hint: `e.g. ${name} ${Math.min(max, 100)}` });
  }
  return n;
}
