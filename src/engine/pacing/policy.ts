import type { OutboundAction } from '../../domain/channel.ts';
import type { PacingCounts } from '../ports.ts';
import { localMsOfDay, nextLocalTime, parseTimeOfDay } from '../localTime.ts';
import type { PacingSettings } from './settings.ts';

/**
 * The pacing policy: whether one pending outbox entry may go *now*, and if not, until when it waits or why it is
 * skipped. Puppet accounts get banned for bursts and customers must not be messaged at night or too often, but a
 * send is never dropped silently: every `defer` and `skip` carries a reason the outbox records and reports count.
 *
 * Pure by design, so `simulate` replays a month exactly and tests assert instants: no clock (`now` is given), no
 * I/O (the store supplies counts over windows ending at `now`), no Math.random (`random` is injected).
 *
 * Rules, first match wins:
 *  1. opted_out        a proactive action to an opted-out contact is skipped; replies still go.
 *  2. (tag/untag)      silent store-and-puppet operations: only the account backoff holds them.
 *  3. account_backoff  the account was throttled: wait until the backoff ends.
 *  4. quiet_hours      inside a quiet window (account's and flow's): wait for its end, local time.
 *  5. rate_*           account rate limits, reduced while a new account ramps up.
 *  6. contact_*_cap    proactive messages to one contact: month cap skips, day cap waits for the next local day.
 *  7. spacing          a minimum gap plus random jitter since the account's last send (the jitter drawn once per wait).
 *  8. send.
 *
 * Every deferral ends strictly after `now`, and a deferral that would end inside quiet hours is moved to their end
 * (its reason stays the original one), so the dispatcher never wakes an entry only to defer it again for the night.
 */

export const PACING_REASONS = [
  'opted_out', 'quiet_hours', 'account_backoff', 'rate_minute', 'rate_hour', 'rate_day',
  'contact_day_cap', 'contact_month_cap', 'spacing',
] as const;
export type PacingReason = (typeof PACING_REASONS)[number];

export type PacingVerdict =
  | { action: 'send' }
  | { action: 'defer'; until: Date; reason: PacingReason }
  | { action: 'skip'; reason: PacingReason };

export interface PacingInput {
  now: Date;
  kind: OutboundAction['kind'];
  /** Counts against per-contact caps and is withheld from opted-out contacts. */
  proactive: boolean;
  /** say/tag/invite to a contact; roomSay, moment and staffNote have none and skip the per-contact caps. */
  hasContact: boolean;
  /** The contact replied 退订/TD. */
  optedOut: boolean;
  /** The account's settings, tightened by the flow's with `mergePacing` (which keeps both quiet windows). */
  settings: PacingSettings;
  /** The account's IANA zone: quiet hours and "today" are local. */
  timeZone: string;
  /** When the account started sending: rate limits ramp up from there. */
  activeSince: Date;
  /** The account is throttled until then (null or past: not throttled). */
  backoffUntil: Date | null;
  /** From the store, over windows ending at `now`. */
  counts: PacingCounts;
  /**
   * The instant this entry was deferred to when its last deferral was for spacing (null or absent otherwise): the
   * jitter of that wait was drawn then, so at that instant it goes unless a later send came within the minimum gap.
   */
  spacingSlot?: Date | null;
  /**
   * [0, 1). Called exactly once by every decision that reaches the spacing rule (7) without a spacing slot that
   * still holds, whether or not the account has sent before, and never by any other: `simulate` seeds it, and its
   * replay is only reproducible if the number of draws depends on the same inputs as the verdicts.
   */
  random: () => number;
}

export type QuietWindow = NonNullable<PacingSettings['quietHours']>;

export type FlowPacing = Partial<Pick<PacingSettings, 'perContactPerDay' | 'perContactPerMonth' | 'quietHours'>>;

/**
 * Settings for one flow on one account. The union of two quiet windows is not always one window (21:30–08:30 and
 * 12:00–13:30), so the merge keeps every window in `quietWindows`, which `decidePacing` honours over `quietHours`.
 * Derive a variant with `mergePacing`, not by spreading and replacing `quietHours`: the list would not follow.
 * Not a valid `pacingSettings` input (the zod schema is strict): it is a runtime value, never written to config.
 */
export interface MergedPacingSettings extends PacingSettings {
  quietWindows: QuietWindow[];
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** With only counts (no timestamps of old sends), when the hour window frees up is unknown: look again soon. */
const HOUR_LIMIT_RETRY_MS = 15 * MINUTE_MS;
const MAX_THROTTLE_BACKOFF_MINUTES = 6 * 60;
const RETRY_BASE_MS = 30 * SECOND_MS;
const MAX_RETRY_DELAY_MS = 60 * MINUTE_MS;
const RAMP_START = 0.2;

/** Operations that do not message anyone: quiet hours, caps and spacing are about messages, not about the CRM. */
const SILENT_KINDS: ReadonlySet<OutboundAction['kind']> = new Set(['tag', 'untag']);

const SEND: PacingVerdict = { action: 'send' };

export function decidePacing(input: PacingInput): PacingVerdict {
  if (input.proactive && input.optedOut) return { action: 'skip', reason: 'opted_out' };
  const silent = SILENT_KINDS.has(input.kind);
  const windows = silent ? [] : quietWindowsOf(input.settings);
  const defer = (until: Date, reason: PacingReason): PacingVerdict =>
    ({ action: 'defer', until: afterQuietHours(until, windows, input.timeZone), reason });

  if (input.backoffUntil && input.backoffUntil > input.now) return defer(input.backoffUntil, 'account_backoff');
  if (silent) return SEND;

  const quietEnd = endOfQuietHours(input.now, windows, input.timeZone);
  if (quietEnd === 'never') return { action: 'skip', reason: 'quiet_hours' };
  if (quietEnd) return defer(quietEnd, 'quiet_hours');

  const rate = rateLimitDeferral(input);
  if (rate) return defer(rate.until, rate.reason);

  const cap = contactCapVerdict(input);
  if (cap) return cap.action === 'defer' ? defer(cap.until, cap.reason) : cap;

  const spacingEnd = spacingDeferral(input);
  if (spacingEnd) return defer(spacingEnd, 'spacing');
  return SEND;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── quiet hours

/** The windows that apply: every one kept by `mergePacing`, else the account's own; `from == to` means none. */
function quietWindowsOf(settings: PacingSettings): QuietWindow[] {
  const merged = (settings as Partial<MergedPacingSettings>).quietWindows;
  const windows = Array.isArray(merged) ? merged : settings.quietHours ? [settings.quietHours] : [];
  return windows.filter(isActiveWindow);
}

function isActiveWindow(window: QuietWindow | null | undefined): window is QuietWindow {
  return !!window && parseTimeOfDay(window.from) !== parseTimeOfDay(window.to);
}

/** [from, to) in local time; a window with from > to crosses midnight. 21:30:00 is inside 21:30–08:30, 08:30:00 is not. */
function isInside(window: QuietWindow, instant: Date, timeZone: string): boolean {
  const at = localMsOfDay(instant, timeZone);
  const from = parseTimeOfDay(window.from) * MINUTE_MS;
  const to = parseTimeOfDay(window.to) * MINUTE_MS;
  return from < to ? at >= from && at < to : at >= from || at < to;
}

/**
 * When the quiet hours around `now` end: null when `now` is not quiet. Windows can chain (the account's ends at
 * 08:30 inside the flow's 08:00–10:00), so each end is checked again; after visiting every window once the only
 * way to still be inside one is that together they cover the whole day: 'never', nothing can ever be sent.
 */
function endOfQuietHours(now: Date, windows: QuietWindow[], timeZone: string): Date | 'never' | null {
  let at = now;
  for (let visited = 0; visited <= windows.length; visited++) {
    const window = windows.find((candidate) => isInside(candidate, at, timeZone));
    if (!window) return visited === 0 ? null : at;
    at = nextLocalTime(at, parseTimeOfDay(window.to), timeZone);
  }
  return 'never';
}

/** A deferral ending inside quiet hours would only be deferred again: end it when they end. */
function afterQuietHours(until: Date, windows: QuietWindow[], timeZone: string): Date {
  const end = endOfQuietHours(until, windows, timeZone);
  return end instanceof Date ? end : until;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── rate limits

/**
 * The longest wait wins (day, then hour, then minute): checking the minute first would wake the entry every
 * minute of a day whose limit is already used up.
 */
function rateLimitDeferral(input: PacingInput): { until: Date; reason: PacingReason } | undefined {
  const { now, counts } = input;
  const limits = accountLimitsAt(input.settings, input.activeSince, now);
  if (counts.accountSentToday >= limits.perDay) {
    return { until: nextLocalTime(now, 0, input.timeZone), reason: 'rate_day' };
  }
  if (counts.accountSentLastHour >= limits.perHour) {
    return { until: new Date(now.getTime() + HOUR_LIMIT_RETRY_MS), reason: 'rate_hour' };
  }
  // Every send counted in the last minute has left the window a minute from now.
  if (counts.accountSentLastMinute >= limits.perMinute) {
    return { until: new Date(now.getTime() + MINUTE_MS), reason: 'rate_minute' };
  }
  return undefined;
}

/** An account's rate limits in force at `now`: its settings, reduced while it ramps up (reports show them too). */
export function accountLimitsAt(settings: PacingSettings, activeSince: Date, now: Date): { perMinute: number; perHour: number; perDay: number } {
  const factor = rampFactor(activeSince, now, settings.rampUpDays);
  return { perMinute: ramped(settings.maxPerMinute, factor), perHour: ramped(settings.maxPerHour, factor), perDay: ramped(settings.maxPerDay, factor) };
}

/** At least one, so a new account with a small limit still sends; the epsilon keeps 120 × 0.6 from flooring to 71. */
function ramped(limit: number, factor: number): number {
  return Math.max(1, Math.floor(limit * factor + 1e-9));
}

/**
 * A new account's share of its limits: 20% on its first day, growing linearly to 100% after `rampUpDays` whole
 * days. Steps by whole days so a day's limit does not move while the day is being counted.
 */
export function rampFactor(activeSince: Date, now: Date, rampUpDays: number): number {
  if (rampUpDays <= 0) return 1;
  const days = Math.max(0, Math.floor((now.getTime() - activeSince.getTime()) / DAY_MS));
  return Math.min(1, RAMP_START + ((1 - RAMP_START) * days) / rampUpDays);
}

// ─────────────────────────────────────────────────────────────────────────────────────────── contact caps

/**
 * Proactive messages to one contact. The month cap skips (the rolling 30-day count rarely frees up soon, and a
 * late campaign message is worse than none); the day cap waits for the next local day. A day cap of 0 can never
 * be met by waiting, so it skips too.
 */
function contactCapVerdict(input: PacingInput): PacingVerdict | undefined {
  if (!input.proactive || !input.hasContact) return undefined;
  const { settings, counts } = input;
  if (counts.contactProactiveThisMonth >= settings.perContactPerMonth) return { action: 'skip', reason: 'contact_month_cap' };
  if (counts.contactProactiveToday < settings.perContactPerDay) return undefined;
  if (settings.perContactPerDay === 0) return { action: 'skip', reason: 'contact_day_cap' };
  return { action: 'defer', until: nextLocalTime(input.now, 0, input.timeZone), reason: 'contact_day_cap' };
}

// ─────────────────────────────────────────────────────────────────────────────────────────── spacing

/**
 * The gap after the account's last send: minGapSeconds plus a jitter drawn once per wait. An entry deferred for
 * spacing comes back at the instant it was given (`spacingSlot`) and goes, if that instant is still at least the
 * minimum gap after the account's last send; drawing a fresh jitter there, as this rule once did, deferred it again
 * about every other time, a dispatch round that sent nothing. When a send came in between, the slot no longer holds
 * and a new jitter is drawn from that send. Either way no two sends are closer than minGapSeconds, and a
 * re-evaluated entry never waits past last send + gap + jitterSeconds: it always makes progress.
 */
function spacingDeferral(input: PacingInput): Date | undefined {
  const last = input.counts.accountLastSentAt;
  const gapMs = input.settings.minGapSeconds * SECOND_MS;
  const slot = input.spacingSlot;
  if (slot && slot <= input.now && (!last || slot.getTime() >= last.getTime() + gapMs)) return undefined;
  const jitterMs = input.random() * input.settings.jitterSeconds * SECOND_MS;
  if (!last) return undefined;
  const earliest = Math.ceil(last.getTime() + gapMs + jitterMs);
  return input.now.getTime() < earliest ? new Date(earliest) : undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── settings

/**
 * A flow can only tighten its account's pacing: the smaller of each cap, and both quiet windows (see
 * `MergedPacingSettings`). `quietHours` shows the most specific window, the flow's when it has one.
 */
export function mergePacing(account: PacingSettings, flow?: FlowPacing): MergedPacingSettings {
  const flowWindow = isActiveWindow(flow?.quietHours) ? flow.quietHours : undefined;
  const windows = [...quietWindowsOf(account), ...(flowWindow ? [flowWindow] : [])];
  return {
    ...account,
    perContactPerDay: Math.min(account.perContactPerDay, flow?.perContactPerDay ?? Number.POSITIVE_INFINITY),
    perContactPerMonth: Math.min(account.perContactPerMonth, flow?.perContactPerMonth ?? Number.POSITIVE_INFINITY),
    quietHours: flowWindow ?? account.quietHours,
    quietWindows: windows.filter((window, i) => windows.findIndex((w) => w.from === window.from && w.to === window.to) === i),
  };
}

/**
 * Minutes an account pauses after a throttling error: the configured base, doubling on each repeat, at most 6 h
 * (a base configured above 6 h is kept as is: ops asked for it).
 */
export function nextThrottleBackoff(previousMinutes: number | null, settings: PacingSettings): number {
  const base = settings.throttleBackoffMinutes;
  if (previousMinutes === null || previousMinutes <= 0) return base;
  return Math.max(base, Math.min(previousMinutes * 2, MAX_THROTTLE_BACKOFF_MINUTES));
}

/** Wait before retry `attempt` (1-based) of a send that failed with a retryable error: 30 s doubling, at most 1 h. */
export function retryDelayMs(attempt: number): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  return Math.min(RETRY_BASE_MS * 2 ** exponent, MAX_RETRY_DELAY_MS);
}
