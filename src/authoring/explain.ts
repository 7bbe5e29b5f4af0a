import type { OutboundKind } from '../domain/channel.ts';
import { localDateKey } from '../engine/localTime.ts';
import { decidePacing, mergePacing, type MergedPacingSettings, type PacingReason } from '../engine/pacing/policy.ts';
import { nextOccurrence } from '../engine/scheduler.ts';
import { matchEvent } from '../engine/triggers.ts';
import { wakeAfterWait } from '../engine/waits.ts';
import type { ChannelEvent } from '../domain/channel.ts';
import { parseDuration, parseTimeOfDay } from '../playbook/duration.ts';
import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import type { StepKind } from '../playbook/schema/steps.ts';
import type { Lang } from '../i18n/lang.ts';
import { t } from '../i18n/messages.ts';
import type { AuthoringContext } from './context.ts';
import { describeCondition, describeSelector, describeStep, describeTrigger, stepKindOf, subjectWord } from './describe.ts';
import { exampleOf, SAMPLE_CONTACT } from './sampleData.ts';

/**
 * `kocflow explain FLOW`: what a flow does, in plain words and as a timeline for one example subject. Every instant
 * comes from the engine's own functions: the start of a scheduled run from the scheduler's nextOccurrence, the end
 * of a wait from wakeAfterWait, whether a message is a reply from the trigger matcher (matchEvent on an example
 * event), and when a message would go out from the pacing policy (decidePacing on the account's settings merged
 * with the flow's by mergePacing). The example subject gets no messages from other flows, so the counts the
 * policy sees are this run's own.
 */
export interface TimelineEntry {
  /** 1-based, as ops count steps in the file. */
  step: number;
  kind: StepKind;
  label: string | undefined;
  /** When the run reaches the step. */
  at: Date;
  /** Local days since the start (day 0 is the start's date). */
  day: number;
  /** The step in words (with its `when`). */
  text: string;
  /** For a message: when pacing lets it go (absent when it is not a message). */
  sendAt: Date | undefined;
  /** Why a message goes later than the run reaches it, or that it is a reply, in words. */
  notes: string[];
  /** A message pacing would skip, in words. */
  skipped: string | undefined;
}

export interface Explanation {
  flow: { id: string; name: string | undefined; file: string; enabled: boolean };
  subject: LoadedFlow['subject'];
  /** The trigger in words. */
  trigger: string;
  cronNote: string | undefined;
  /** The account selector in words, and the accounts of kocflow.yaml it takes (undefined without a config). */
  runsOn: { selector: string; accounts: string[] | undefined; config: string | undefined };
  stopWhen: string | undefined;
  account: { id: string; timeZone: string; fromConfig: boolean };
  /** The run's start: the --at instant, or the first occurrence of a schedule after it. */
  start: Date;
  /** Scheduled flows: the next occurrences on the example account. */
  occurrences: Date[] | undefined;
  timeline: TimelineEntry[];
  /** When the run ends (after its last step), and its local day number. */
  end: Date;
  endDay: number;
  /** The pacing that applies, in words. */
  pacing: string[];
}

const OCCURRENCES = 5;
const DAY_MS = 86_400_000;
/** Deferrals followed for one message; quiet hours, the day cap and spacing settle in two or three. */
const MAX_DEFERRALS = 10;

export function explainFlow(ctx: AuthoringContext, lang: Lang): Explanation {
  const { flow, account, set } = ctx;
  const doc = flow.document;
  const trigger = doc.trigger;
  const zone = 'cron' in trigger ? (trigger.timeZone ?? account.timeZone) : account.timeZone;

  let start = ctx.at;
  let occurrences: Date[] | undefined;
  if ('cron' in trigger) {
    occurrences = [];
    let after = new Date(ctx.at.getTime() - 1); // an occurrence exactly at --at is the first
    for (let i = 0; i < OCCURRENCES; i++) {
      after = nextOccurrence(trigger.cron, zone, after);
      occurrences.push(after);
    }
    start = occurrences[0]!;
  }

  const settings = mergePacing(account.pacing, doc.pacing);
  const timeline: TimelineEntry[] = [];
  let now = start;
  let reply = startsAsReply(flow, set, ctx);
  const proactiveSends: Date[] = [];
  let lastSend: Date | null = null;

  doc.steps.forEach((raw, i) => {
    const kind = stepKindOf(raw);
    const step = raw as Record<string, unknown> & { when?: Parameters<typeof describeCondition>[1]; label?: string };
    const words = describeStep(lang, raw, flow, set);
    const entry: TimelineEntry = {
      step: i + 1, kind, label: step.label, at: now, day: dayNumber(start, now, zone),
      text: step.when ? t(lang, 'step.when', { condition: describeCondition(lang, step.when), action: words }) : words,
      sendAt: undefined, notes: [], skipped: undefined,
    };
    timeline.push(entry);
    if (kind === 'wait') {
      const wait = raw as { wait: string; at?: string };
      now = wakeAfterWait(now, parseDuration(wait.wait)!, wait.at === undefined ? undefined : parseTimeOfDay(wait.at), account.timeZone);
      reply = false; // after a wait nothing answers the customer any more (runExecutor)
      return;
    }
    const outbound = OUTBOUND[kind];
    if (!outbound) return;
    const proactive = outbound.proactive === 'run' ? !reply : false;
    const paced = paceMessage({
      at: now, kind: outbound.kind, proactive, hasContact: flow.subject === 'contact', settings, timeZone: account.timeZone,
      activeSince: account.activeSince, lastSend, proactiveSends,
    });
    if (paced.skipped) {
      entry.skipped = skipWords(lang, paced.skipped, settings);
      return;
    }
    entry.sendAt = paced.sendAt;
    if (outbound.kind !== 'tag' && outbound.kind !== 'untag') {
      lastSend = paced.sendAt!;
      if (proactive && flow.subject === 'contact') proactiveSends.push(paced.sendAt!);
      for (const reason of paced.reasons) entry.notes.push(deferralWords(lang, reason, settings));
      if (!proactive && (outbound.kind === 'say' || outbound.kind === 'invite') && flow.subject === 'contact') entry.notes.push(t(lang, 'explain.reply'));
    }
  });

  const selected = ctx.selected?.map((a) => a.id);
  return {
    flow: { id: doc.id, name: doc.name, file: ctx.file, enabled: doc.enabled },
    subject: flow.subject,
    trigger: describeTrigger(lang, trigger, doc.id, zone),
    cronNote: 'cron' in trigger ? t(lang, trigger.catchUp === 'once' ? 'cron.catchUp.once' : 'cron.catchUp.skip', { grace: trigger.grace }) : undefined,
    runsOn: { selector: describeSelector(lang, doc.accounts), accounts: selected, config: ctx.configLabel },
    stopWhen: doc.stopWhen ? describeCondition(lang, doc.stopWhen) : undefined,
    account: { id: account.id, timeZone: zone, fromConfig: ctx.accountFromConfig },
    start,
    occurrences,
    timeline,
    end: now,
    endDay: dayNumber(start, now, zone),
    pacing: pacingWords(lang, ctx, settings),
  };
}

/** The outbox action each step becomes in runExecutor, and whether it counts as proactive there. */
const OUTBOUND: Partial<Record<StepKind, { kind: OutboundKind; proactive: 'run' | false }>> = {
  say: { kind: 'say', proactive: 'run' },
  inviteToRoom: { kind: 'invite', proactive: 'run' },
  roomSay: { kind: 'roomSay', proactive: false },
  moment: { kind: 'moment', proactive: false },
  notifyStaff: { kind: 'staffNote', proactive: false },
  tag: { kind: 'tag', proactive: false },
  untag: { kind: 'untag', proactive: false },
};

interface PaceInput {
  at: Date;
  kind: OutboundKind;
  proactive: boolean;
  hasContact: boolean;
  settings: MergedPacingSettings;
  timeZone: string;
  activeSince: Date;
  lastSend: Date | null;
  /** When this run's earlier proactive messages to the subject go. */
  proactiveSends: Date[];
}

/**
 * Asks the pacing policy, as the dispatcher does, until it says send or skip. The jitter is drawn as 0: the times
 * shown are the earliest. The account sends nothing else, so only spacing after this run's own sends applies.
 */
function paceMessage(input: PaceInput): { sendAt?: Date; reasons: PacingReason[]; skipped?: PacingReason } {
  let now = input.at;
  const reasons: PacingReason[] = [];
  for (let i = 0; i < MAX_DEFERRALS; i++) {
    const today = localDateKey(now, input.timeZone);
    const verdict = decidePacing({
      now, kind: input.kind, proactive: input.proactive, hasContact: input.hasContact, optedOut: false,
      settings: input.settings, timeZone: input.timeZone, activeSince: input.activeSince, backoffUntil: null,
      counts: {
        accountSentLastMinute: 0, accountSentLastHour: 0, accountSentToday: 0,
        contactProactiveToday: input.proactiveSends.filter((s) => s <= now && localDateKey(s, input.timeZone) === today).length,
        contactProactiveThisMonth: input.proactiveSends.filter((s) => s <= now && now.getTime() - s.getTime() < 30 * DAY_MS).length,
        accountLastSentAt: input.lastSend && input.lastSend <= now ? input.lastSend : null,
      },
      random: () => 0,
    });
    if (verdict.action === 'send') {
      // A send still queued behind this run's previous one goes after it (the dispatcher keeps a recipient's order).
      if (input.lastSend && input.lastSend > now && input.kind !== 'tag' && input.kind !== 'untag') {
        now = input.lastSend;
        continue;
      }
      return { sendAt: now, reasons: [...new Set(reasons)] };
    }
    if (verdict.action === 'skip') return { reasons, skipped: verdict.reason };
    reasons.push(verdict.reason);
    now = verdict.until;
  }
  return { sendAt: now, reasons: [...new Set(reasons)] };
}

/**
 * Whether the run's first messages answer the customer (replies are not proactive): the engine's trigger matcher
 * decides, on an example event for the trigger. Scheduled and manual runs never start as replies (engine.ts).
 */
function startsAsReply(flow: LoadedFlow, set: PlaybookSet, ctx: AuthoringContext): boolean {
  const trigger = flow.document.trigger;
  if ('cron' in trigger || trigger.on === 'manual') return false;
  const event = exampleEvent(flow, ctx);
  // The example event must match: the flow enabled and selecting the example account, a keyword trigger its keyword.
  const document = { ...flow.document, enabled: true, accounts: undefined, trigger: trigger.on === 'message.keyword' ? { ...trigger, keywords: [EXAMPLE_KEYWORD], regex: undefined } : trigger };
  const single = { ...set, flows: new Map([[flow.document.id, { ...flow, document }]]) } as PlaybookSet;
  return matchEvent(event, single, ctx.account)[0]?.reply ?? false;
}

const EXAMPLE_KEYWORD = '示例';

function exampleEvent(flow: LoadedFlow, ctx: AuthoringContext): ChannelEvent {
  const trigger = flow.document.trigger as Exclude<LoadedFlow['document']['trigger'], { cron: string }>;
  const base = { accountId: ctx.account.id, eventId: 'explain', at: ctx.at };
  const contact = { externalId: 'wx-example', name: SAMPLE_CONTACT.name };
  const room = { externalId: 'room-example', topic: exampleOf('room' in trigger ? (trigger.room?.topic ?? '*') : '*') };
  switch (trigger.on) {
    case 'friend.added': return { ...base, kind: 'friend.added', contact };
    case 'message.keyword': return { ...base, kind: 'message', contact, text: EXAMPLE_KEYWORD, ...(trigger.in === 'room' ? { room } : {}) };
    case 'room.joined': return { ...base, kind: 'room.joined', room, member: contact };
    case 'room.left': return { ...base, kind: 'room.left', room, member: contact };
    case 'tag.added':
    case 'tag.removed': return { ...base, kind: trigger.on, contact, tag: trigger.tag };
    case 'code.sent': return { ...base, kind: 'code.sent', contact, code: SAMPLE_CONTACT.referrer.code, ...(trigger.campaign ? { campaignId: trigger.campaign } : {}) };
    case 'coupon.redeemed': return { ...base, kind: 'coupon.redeemed', contact, couponCode: 'CPN-EXAMPLE', campaignId: trigger.campaign ?? 'example', storeName: ctx.account.storeName };
    case 'fission.goal': return { ...base, kind: 'fission.goal', contact, room, campaignId: trigger.campaign ?? 'example', invites: 5, goal: 5 };
    case 'manual': throw new Error('manual flows have no event');
  }
}

function dayNumber(start: Date, at: Date, zone: string): number {
  return Math.round((Date.parse(localDateKey(at, zone)) - Date.parse(localDateKey(start, zone))) / DAY_MS);
}

function deferralWords(lang: Lang, reason: PacingReason, settings: MergedPacingSettings): string {
  switch (reason) {
    case 'quiet_hours': return t(lang, 'explain.quiet');
    case 'contact_day_cap': return t(lang, 'explain.dayCap', { limit: settings.perContactPerDay });
    case 'spacing': return t(lang, 'explain.spacing', { gap: settings.minGapSeconds });
    default: return reason;
  }
}

function skipWords(lang: Lang, reason: PacingReason, settings: MergedPacingSettings): string {
  switch (reason) {
    case 'contact_month_cap': return t(lang, 'explain.skip.contact_month_cap', { limit: settings.perContactPerMonth });
    case 'contact_day_cap': return t(lang, 'explain.skip.contact_day_cap');
    case 'quiet_hours': return t(lang, 'explain.skip.quiet_hours');
    default: return t(lang, 'explain.skip.other', { reason });
  }
}

function pacingWords(lang: Lang, ctx: AuthoringContext, settings: MergedPacingSettings): string[] {
  const a = ctx.account;
  const p = a.pacing;
  const windows = settings.quietWindows.map((w) => `${w.from}–${w.to}`);
  const lines = [
    windows.length ? t(lang, 'pacing.quiet', { windows: windows.join(t(lang, 'list.sep')) }) : t(lang, 'pacing.noQuiet'),
    t(lang, 'pacing.contact', { day: settings.perContactPerDay, month: settings.perContactPerMonth }),
    t(lang, 'pacing.rates', { minute: p.maxPerMinute, hour: p.maxPerHour, day: p.maxPerDay }),
    t(lang, 'pacing.gap', { gap: p.minGapSeconds, jitter: p.jitterSeconds }),
  ];
  if (p.rampUpDays > 0) lines.push(t(lang, 'pacing.rampUp', { days: p.rampUpDays }));
  const flowPacing = ctx.flow.document.pacing;
  if (flowPacing) {
    const what = Object.entries(flowPacing).map(([key, value]) => `${key}: ${typeof value === 'object' && value ? `${value.from}–${value.to}` : String(value)}`);
    lines.push(t(lang, 'pacing.flow', { what: what.join(t(lang, 'list.sep')) }));
  }
  return lines;
}

/** How the example account's own pacing is described: from the config, or the defaults. */
export function pacingSource(lang: Lang, ctx: AuthoringContext): string {
  return ctx.accountFromConfig && ctx.configLabel ? t(lang, 'pacing.source.config', { config: ctx.configLabel }) : t(lang, 'pacing.source.default');
}
