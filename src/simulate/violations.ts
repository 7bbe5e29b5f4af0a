import type { OutboundKind } from '../domain/channel.ts';
import { localDateKey, localMsOfDay, parseTimeOfDay } from '../engine/localTime.ts';
import { mergePacing, rampFactor, type FlowPacing, type QuietWindow } from '../engine/pacing/policy.ts';
import type { AccountProfile } from '../engine/ports.ts';

/**
 * Independent checks of what was actually delivered against the limits pacing is meant to keep. They re-derive
 * every window from the deliveries alone (never from the engine's own counts), so a zero here means the rules held,
 * not that the engine agrees with itself.
 *
 * - quiet hours: a delivery, other than a tag or untag, at a local time inside a quiet window that applies to it:
 *   the account's, and the flow's own when it has one. Staff notes and task cards count too: pacing holds them for
 *   the night as well (settings.ts), and a guide pinged at 23:00 is as much a breach as a customer.
 * - caps: a delivery that took its account over the per-minute, per-hour or per-day limit, ramped for a new account
 *   exactly as pacing ramps it (windows (t−1 min, t], (t−1 h, t], the local day); or a proactive message that took
 *   its contact over the per-day (local day) or rolling 30-day cap, the flow's tighter caps included. Tags and
 *   untags are not rate-limited by pacing, so they are not counted against the account (pacing counts them in the
 *   windows, which only makes it stricter). A delivery over several limits counts once.
 * - duplicates: a delivery whose outbox idempotency key was delivered before.
 */
export interface SentRecord {
  at: Date;
  accountId: string;
  flowId: string | null;
  /** The outbox entry's own action kind, which pacing decided on (a Moment delivered as an assist card is 'moment'). */
  kind: OutboundKind;
  contactId: string | null;
  proactive: boolean;
  idempotencyKey: string;
  outboxId: string;
}

export type ViolationRule =
  | 'quiet_hours' | 'rate_minute' | 'rate_hour' | 'rate_day' | 'contact_day_cap' | 'contact_month_cap' | 'duplicate';

export interface ViolationExample {
  rule: ViolationRule;
  at: string;
  account: string;
  flow: string | null;
  detail: string;
}

export interface Violations {
  quietHours: number;
  caps: number;
  duplicates: number;
  /** The first few of each kind, in time order. */
  examples: ViolationExample[];
}

export interface WindowMaxima {
  minute: number;
  hour: number;
  day: number;
}

export interface ViolationCheck {
  violations: Violations;
  /** Per account: the most sends pacing limits (all but tags) seen in any minute, hour and local day. */
  maxima: Map<string, WindowMaxima>;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const MONTH_MS = 30 * 86_400_000;
const EXAMPLES_PER_RULE = 5;
const SILENT = new Set<OutboundKind>(['tag', 'untag']);

export function checkDeliveries(
  sends: readonly SentRecord[],
  accounts: ReadonlyMap<string, AccountProfile>,
  flowPacing: (flowId: string | null) => FlowPacing | undefined,
): ViolationCheck {
  const ordered = [...sends].sort((a, b) => a.at.getTime() - b.at.getTime() || compareIds(a.outboxId, b.outboxId));
  const examples: ViolationExample[] = [];
  const perRule = new Map<ViolationRule, number>();
  const note = (rule: ViolationRule, send: SentRecord, detail: string) => {
    const n = (perRule.get(rule) ?? 0) + 1;
    perRule.set(rule, n);
    if (n <= EXAMPLES_PER_RULE) examples.push({ rule, at: send.at.toISOString(), account: send.accountId, flow: send.flowId, detail });
  };
  const settingsOf = (send: SentRecord, account: AccountProfile) => mergePacing(account.pacing, flowPacing(send.flowId));

  // duplicates
  let duplicates = 0;
  const seen = new Set<string>();
  for (const send of ordered) {
    if (seen.has(send.idempotencyKey)) {
      duplicates++;
      note('duplicate', send, `idempotency key ${send.idempotencyKey} delivered again (outbox ${send.outboxId})`);
    }
    seen.add(send.idempotencyKey);
  }

  // quiet hours
  let quietHours = 0;
  for (const send of ordered) {
    const account = accounts.get(send.accountId);
    if (!account || SILENT.has(send.kind)) continue;
    const window = settingsOf(send, account).quietWindows.find((w) => isInside(w, send.at, account.timeZone));
    if (window) {
      quietHours++;
      note('quiet_hours', send, `${send.kind} at ${localClock(send.at, account.timeZone)} local, inside quiet hours ${window.from}–${window.to}`);
    }
  }

  // caps: account windows and contact caps; one count per delivery however many limits it broke
  const over = new Set<SentRecord>();
  const maxima = new Map<string, WindowMaxima>();
  for (const [accountId, list] of groupBy(ordered.filter((s) => !SILENT.has(s.kind)), (s) => s.accountId)) {
    const account = accounts.get(accountId);
    if (!account) continue;
    const max: WindowMaxima = { minute: 0, hour: 0, day: 0 };
    let minuteStart = 0;
    let hourStart = 0;
    let dayStart = 0;
    let dayKey = '';
    list.forEach((send, i) => {
      const t = send.at.getTime();
      while (list[minuteStart]!.at.getTime() <= t - MINUTE_MS) minuteStart++;
      while (list[hourStart]!.at.getTime() <= t - HOUR_MS) hourStart++;
      const key = localDateKey(send.at, account.timeZone);
      if (key !== dayKey) {
        dayKey = key;
        dayStart = i;
      }
      const counts = { minute: i - minuteStart + 1, hour: i - hourStart + 1, day: i - dayStart + 1 };
      max.minute = Math.max(max.minute, counts.minute);
      max.hour = Math.max(max.hour, counts.hour);
      max.day = Math.max(max.day, counts.day);
      const p = account.pacing;
      const factor = rampFactor(account.activeSince, send.at, p.rampUpDays);
      const checks: [ViolationRule, number, number][] = [
        ['rate_minute', counts.minute, ramped(p.maxPerMinute, factor)],
        ['rate_hour', counts.hour, ramped(p.maxPerHour, factor)],
        ['rate_day', counts.day, ramped(p.maxPerDay, factor)],
      ];
      for (const [rule, count, limit] of checks) {
        if (count > limit && !over.has(send)) {
          over.add(send);
          note(rule, send, `${count} sends of ${accountId} in the ${rule.slice(5)} window, limit ${limit}`);
        }
      }
    });
    maxima.set(accountId, max);
  }
  for (const [contactId, list] of groupBy(ordered.filter((s) => s.proactive && s.contactId !== null), (s) => s.contactId!)) {
    let monthStart = 0;
    let dayStart = 0;
    let dayKey = '';
    list.forEach((send, i) => {
      const account = accounts.get(send.accountId);
      if (!account) return;
      const t = send.at.getTime();
      while (list[monthStart]!.at.getTime() <= t - MONTH_MS) monthStart++;
      const key = localDateKey(send.at, account.timeZone);
      if (key !== dayKey) {
        dayKey = key;
        dayStart = i;
      }
      if (SILENT.has(send.kind)) return; // counted in the windows, never itself held by the caps
      const settings = settingsOf(send, account);
      const today = i - dayStart + 1;
      const month = i - monthStart + 1;
      if (today > settings.perContactPerDay && !over.has(send)) {
        over.add(send);
        note('contact_day_cap', send, `${today} proactive messages to contact ${contactId} on ${key}, cap ${settings.perContactPerDay}`);
      } else if (month > settings.perContactPerMonth && !over.has(send)) {
        over.add(send);
        note('contact_month_cap', send, `${month} proactive messages to contact ${contactId} in 30 days, cap ${settings.perContactPerMonth}`);
      }
    });
  }

  examples.sort((a, b) => a.at.localeCompare(b.at) || a.rule.localeCompare(b.rule));
  return { violations: { quietHours, caps: over.size, duplicates, examples }, maxima };
}

/** As pacing ramps a new account's limits (policy.ts): never below one. */
export function ramped(limit: number, factor: number): number {
  return Math.max(1, Math.floor(limit * factor + 1e-9));
}

/** [from, to) in local time; a window with from > to crosses midnight. */
function isInside(window: QuietWindow, instant: Date, timeZone: string): boolean {
  const at = localMsOfDay(instant, timeZone);
  const from = parseTimeOfDay(window.from) * MINUTE_MS;
  const to = parseTimeOfDay(window.to) * MINUTE_MS;
  return from < to ? at >= from && at < to : at >= from || at < to;
}

function localClock(instant: Date, timeZone: string): string {
  const ms = localMsOfDay(instant, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(ms / HOUR_MS))}:${pad(Math.floor((ms % HOUR_MS) / MINUTE_MS))}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Outbox ids are decimal bigints: compare by length, then text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
