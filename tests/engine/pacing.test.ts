import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/random.ts';
import type { PacingCounts } from '../../src/engine/ports.ts';
import {
  decidePacing,
  mergePacing,
  nextThrottleBackoff,
  rampFactor,
  retryDelayMs,
  type PacingInput,
  type PacingVerdict,
} from '../../src/engine/pacing/policy.ts';
import { DEFAULT_PACING, type PacingSettings } from '../../src/engine/pacing/settings.ts';

const SHANGHAI = 'Asia/Shanghai';
const NEW_YORK = 'America/New_York';
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const at = (iso: string): Date => new Date(iso);
const plus = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

const NO_COUNTS: PacingCounts = {
  accountSentLastMinute: 0,
  accountSentLastHour: 0,
  accountSentToday: 0,
  contactProactiveToday: 0,
  contactProactiveThisMonth: 0,
  accountLastSentAt: null,
};

/** 14:00 in Shanghai on a fully ramped-up account with default settings: nothing holds a send back. */
function input(overrides: Omit<Partial<PacingInput>, 'counts'> & { counts?: Partial<PacingCounts> } = {}): PacingInput {
  const { counts, ...rest } = overrides;
  return {
    now: at('2026-05-01T06:00:00Z'),
    kind: 'say',
    proactive: true,
    hasContact: true,
    optedOut: false,
    settings: DEFAULT_PACING,
    timeZone: SHANGHAI,
    activeSince: at('2025-01-01T00:00:00Z'),
    backoffUntil: null,
    random: () => 0.5,
    ...rest,
    counts: { ...NO_COUNTS, ...counts },
  };
}

const settings = (overrides: Partial<PacingSettings>): PacingSettings => ({ ...DEFAULT_PACING, ...overrides });
const deferred = (until: string, reason: string): PacingVerdict => ({ action: 'defer', until: at(until), reason } as PacingVerdict);
const skipped = (reason: string): PacingVerdict => ({ action: 'skip', reason } as PacingVerdict);
const SEND: PacingVerdict = { action: 'send' };

/** Every limit exceeded at once, so a test can lift one at a time. */
const ALL_LIMITS_HIT: Partial<PacingCounts> = {
  accountSentLastMinute: 100,
  accountSentLastHour: 1_000,
  accountSentToday: 10_000,
  contactProactiveToday: 5,
  contactProactiveThisMonth: 50,
  accountLastSentAt: at('2026-05-01T05:59:59Z'),
};

describe('decidePacing, one rule at a time', () => {
  it('sends when nothing holds it back', () => {
    expect(decidePacing(input())).toEqual(SEND);
  });

  describe('opted_out', () => {
    it('skips a proactive message to an opted-out contact, never defers it', () => {
      expect(decidePacing(input({ optedOut: true }))).toEqual(skipped('opted_out'));
      expect(decidePacing(input({ optedOut: true, now: at('2026-05-01T15:00:00Z') }))).toEqual(skipped('opted_out'));
    });
    it('still sends a reply to an opted-out contact', () => {
      expect(decidePacing(input({ optedOut: true, proactive: false }))).toEqual(SEND);
    });
  });

  describe('tag and untag', () => {
    it.each(['tag', 'untag'] as const)('%s ignores quiet hours, rate limits, caps and spacing', (kind) => {
      const night = at('2026-05-01T15:00:00Z'); // 23:00 in Shanghai
      expect(decidePacing(input({ kind, now: night, counts: ALL_LIMITS_HIT }))).toEqual(SEND);
    });
    it('waits for the account backoff, to the exact instant even at night', () => {
      const until = at('2026-05-01T15:00:00Z'); // 23:00 in Shanghai: no quiet hours for tags
      expect(decidePacing(input({ kind: 'tag', backoffUntil: until }))).toEqual(deferred('2026-05-01T15:00:00Z', 'account_backoff'));
    });
  });

  describe('account_backoff', () => {
    it('defers until the backoff ends', () => {
      const verdict = decidePacing(input({ backoffUntil: at('2026-05-01T06:40:00Z') }));
      expect(verdict).toEqual(deferred('2026-05-01T06:40:00Z', 'account_backoff'));
    });
    it('ignores a backoff that has ended, including one ending exactly now', () => {
      expect(decidePacing(input({ backoffUntil: at('2026-05-01T05:00:00Z') }))).toEqual(SEND);
      expect(decidePacing(input({ backoffUntil: at('2026-05-01T06:00:00Z') }))).toEqual(SEND);
    });
    it('does not wake a message up inside quiet hours: a backoff ending at 22:00 lasts until 08:30', () => {
      const verdict = decidePacing(input({ backoffUntil: at('2026-05-01T14:00:00Z') }));
      expect(verdict).toEqual(deferred('2026-05-02T00:30:00Z', 'account_backoff'));
    });
  });

  describe('quiet_hours (21:30–08:30 by default)', () => {
    it.each([
      ['22:00, before midnight', '2026-05-01T14:00:00Z', '2026-05-02T00:30:00Z'],
      ['03:00, after midnight', '2026-05-01T19:00:00Z', '2026-05-02T00:30:00Z'],
      ['21:30:00 exactly, the start', '2026-05-01T13:30:00Z', '2026-05-02T00:30:00Z'],
      ['08:29:59.999, the last moment', '2026-05-02T00:29:59.999Z', '2026-05-02T00:30:00Z'],
      ['00:00:00 exactly', '2026-05-01T16:00:00Z', '2026-05-02T00:30:00Z'],
    ])('in Shanghai at %s, defers to 08:30 local', (_label, now, until) => {
      expect(decidePacing(input({ now: at(now) }))).toEqual(deferred(until, 'quiet_hours'));
    });

    it.each([
      ['08:30:00 exactly, the end', '2026-05-02T00:30:00Z'],
      ['21:29:59.999', '2026-05-01T13:29:59.999Z'],
    ])('in Shanghai at %s, sends', (_label, now) => {
      expect(decidePacing(input({ now: at(now) }))).toEqual(SEND);
    });

    it('applies a window that does not cross midnight', () => {
      const lunch = settings({ quietHours: { from: '12:00', to: '13:30' } });
      expect(decidePacing(input({ settings: lunch, now: at('2026-05-01T04:00:00Z') }))).toEqual(deferred('2026-05-01T05:30:00Z', 'quiet_hours'));
      expect(decidePacing(input({ settings: lunch, now: at('2026-05-01T05:30:00Z') }))).toEqual(SEND);
      expect(decidePacing(input({ settings: lunch, now: at('2026-05-01T15:00:00Z') }))).toEqual(SEND);
    });

    it('has no window when from == to or when null', () => {
      const night = at('2026-05-01T15:00:00Z');
      expect(decidePacing(input({ now: night, settings: settings({ quietHours: { from: '22:00', to: '22:00' } }) }))).toEqual(SEND);
      expect(decidePacing(input({ now: night, settings: settings({ quietHours: null }) }))).toEqual(SEND);
    });

    it('applies to replies, room messages, Moments and staff notes too', () => {
      const night = at('2026-05-01T15:00:00Z');
      for (const kind of ['say', 'roomSay', 'moment', 'staffNote', 'invite'] as const) {
        expect(decidePacing(input({ kind, proactive: false, hasContact: false, now: night }))).toEqual(deferred('2026-05-02T00:30:00Z', 'quiet_hours'));
      }
    });

    describe('America/New_York across DST', () => {
      it('spring forward: 22:00 EST on 7 March ends at 08:30 EDT, 12:30Z (not 13:30Z)', () => {
        const verdict = decidePacing(input({ timeZone: NEW_YORK, now: at('2026-03-08T03:00:00Z') }));
        expect(verdict).toEqual(deferred('2026-03-08T12:30:00Z', 'quiet_hours'));
      });
      it('fall back: 22:00 EDT on 31 October ends at 08:30 EST, 13:30Z', () => {
        const verdict = decidePacing(input({ timeZone: NEW_YORK, now: at('2026-11-01T02:00:00Z') }));
        expect(verdict).toEqual(deferred('2026-11-01T13:30:00Z', 'quiet_hours'));
      });
      it('the edges hold on the DST day: 08:29:59 EDT is quiet, 08:30:00 EDT is not', () => {
        expect(decidePacing(input({ timeZone: NEW_YORK, now: at('2026-03-08T12:29:59Z') }))).toEqual(deferred('2026-03-08T12:30:00Z', 'quiet_hours'));
        expect(decidePacing(input({ timeZone: NEW_YORK, now: at('2026-03-08T12:30:00Z') }))).toEqual(SEND);
        expect(decidePacing(input({ timeZone: NEW_YORK, now: at('2026-03-08T01:29:59Z') }))).toEqual(SEND); // 20:29:59 EST
        expect(decidePacing(input({ timeZone: NEW_YORK, now: at('2026-03-08T02:30:00Z') }))).toEqual(deferred('2026-03-08T12:30:00Z', 'quiet_hours'));
      });
      it('a window ending at 02:30, a time that does not exist that night, ends when the clocks jump to 03:00 EDT', () => {
        const early = settings({ quietHours: { from: '22:00', to: '02:30' } });
        const verdict = decidePacing(input({ timeZone: NEW_YORK, settings: early, now: at('2026-03-08T04:00:00Z') }));
        expect(verdict).toEqual(deferred('2026-03-08T07:00:00Z', 'quiet_hours'));
      });
    });
  });

  describe('rate limits', () => {
    it('minute: defers 60 s', () => {
      expect(decidePacing(input({ counts: { accountSentLastMinute: 6 } }))).toEqual(deferred('2026-05-01T06:01:00Z', 'rate_minute'));
      expect(decidePacing(input({ counts: { accountSentLastMinute: 5 } }))).toEqual(SEND);
    });
    it('hour: defers 15 min', () => {
      expect(decidePacing(input({ counts: { accountSentLastHour: 120 } }))).toEqual(deferred('2026-05-01T06:15:00Z', 'rate_hour'));
      expect(decidePacing(input({ counts: { accountSentLastHour: 119 } }))).toEqual(SEND);
    });
    it('day: defers to the next local midnight, and on past the quiet hours that follow it', () => {
      expect(decidePacing(input({ counts: { accountSentToday: 600 } }))).toEqual(deferred('2026-05-02T00:30:00Z', 'rate_day'));
      const noQuiet = settings({ quietHours: null });
      expect(decidePacing(input({ settings: noQuiet, counts: { accountSentToday: 600 } }))).toEqual(deferred('2026-05-01T16:00:00Z', 'rate_day'));
      expect(decidePacing(input({ counts: { accountSentToday: 599 } }))).toEqual(SEND);
    });
    it('a rate deferral ending inside quiet hours ends with them', () => {
      const verdict = decidePacing(input({ now: at('2026-05-01T13:20:00Z'), counts: { accountSentLastHour: 120 } })); // 21:20 → 21:35
      expect(verdict).toEqual(deferred('2026-05-02T00:30:00Z', 'rate_hour'));
    });
  });

  describe('ramp-up', () => {
    it('grows from 20% to 100% linearly over rampUpDays whole days', () => {
      const since = at('2026-05-01T00:00:00Z');
      expect(rampFactor(since, since, 14)).toBe(0.2);
      expect(rampFactor(since, plus(since, DAY - 1), 14)).toBe(0.2);
      expect(rampFactor(since, plus(since, 7 * DAY), 14)).toBeCloseTo(0.6, 12);
      expect(rampFactor(since, plus(since, 14 * DAY), 14)).toBe(1);
      expect(rampFactor(since, plus(since, 400 * DAY), 14)).toBe(1);
      expect(rampFactor(since, plus(since, -DAY), 14)).toBe(0.2);
      expect(rampFactor(since, since, 0)).toBe(1);
    });

    it('scales every rate limit, never below 1', () => {
      const day0 = { activeSince: at('2026-05-01T05:00:00Z') }; // 20%: 1/min, 24/h, 120/day
      expect(decidePacing(input({ ...day0, counts: { accountSentLastMinute: 1 } }))).toEqual(deferred('2026-05-01T06:01:00Z', 'rate_minute'));
      expect(decidePacing(input({ ...day0, counts: { accountSentLastHour: 24 } }))).toEqual(deferred('2026-05-01T06:15:00Z', 'rate_hour'));
      expect(decidePacing(input({ ...day0, counts: { accountSentLastHour: 23 } }))).toEqual(SEND);
      expect(decidePacing(input({ ...day0, counts: { accountSentToday: 120 } }))).toEqual(deferred('2026-05-02T00:30:00Z', 'rate_day'));
      expect(decidePacing(input({ ...day0, counts: { accountSentToday: 119 } }))).toEqual(SEND);
      const halfway = { activeSince: at('2026-04-24T05:00:00Z') }; // day 7 of 14: 60% of 120/h = 72
      expect(decidePacing(input({ ...halfway, counts: { accountSentLastHour: 71 } }))).toEqual(SEND);
      expect(decidePacing(input({ ...halfway, counts: { accountSentLastHour: 72 } }))).toEqual(deferred('2026-05-01T06:15:00Z', 'rate_hour'));
    });
  });

  describe('per-contact caps', () => {
    it('month cap: skips', () => {
      expect(decidePacing(input({ counts: { contactProactiveThisMonth: 8 } }))).toEqual(skipped('contact_month_cap'));
      expect(decidePacing(input({ counts: { contactProactiveThisMonth: 7 } }))).toEqual(SEND);
    });
    it('day cap: defers to the next local day, after its quiet hours', () => {
      expect(decidePacing(input({ counts: { contactProactiveToday: 1 } }))).toEqual(deferred('2026-05-02T00:30:00Z', 'contact_day_cap'));
      const noQuiet = settings({ quietHours: null });
      expect(decidePacing(input({ settings: noQuiet, counts: { contactProactiveToday: 1 } }))).toEqual(deferred('2026-05-01T16:00:00Z', 'contact_day_cap'));
    });
    it('day cap in America/Santiago, where local midnight does not exist on 6 September 2026: the day starts at 01:00', () => {
      const verdict = decidePacing(input({
        timeZone: 'America/Santiago',
        settings: settings({ quietHours: null }),
        now: at('2026-09-05T19:00:00Z'),
        counts: { contactProactiveToday: 1 },
      }));
      expect(verdict).toEqual(deferred('2026-09-06T04:00:00Z', 'contact_day_cap'));
    });
    it('a day cap of 0 can never be met by waiting: skips', () => {
      expect(decidePacing(input({ settings: settings({ perContactPerDay: 0 }) }))).toEqual(skipped('contact_day_cap'));
    });
    it('does not apply to replies or to actions without a contact', () => {
      const full = { contactProactiveToday: 5, contactProactiveThisMonth: 50 };
      expect(decidePacing(input({ proactive: false, counts: full }))).toEqual(SEND);
      expect(decidePacing(input({ kind: 'roomSay', hasContact: false, counts: full }))).toEqual(SEND);
    });
  });

  describe('spacing', () => {
    const now = at('2026-05-01T06:00:00Z');
    it('defers to last send + minGap + random × jitter', () => {
      const last = plus(now, -10 * SECOND);
      expect(decidePacing(input({ counts: { accountLastSentAt: last }, random: () => 0.5 }))).toEqual(deferred('2026-05-01T06:00:25Z', 'spacing'));
      expect(decidePacing(input({ counts: { accountLastSentAt: last }, random: () => 0 }))).toEqual(deferred('2026-05-01T06:00:10Z', 'spacing'));
    });
    it('sends once the gap has passed, at the exact instant', () => {
      expect(decidePacing(input({ counts: { accountLastSentAt: plus(now, -35 * SECOND) } }))).toEqual(SEND);
      expect(decidePacing(input({ counts: { accountLastSentAt: plus(now, -34_999) } }))).toEqual(deferred('2026-05-01T06:00:00.001Z', 'spacing'));
    });
    it('rounds a fractional jitter up to the next millisecond', () => {
      const verdict = decidePacing(input({ counts: { accountLastSentAt: now }, random: () => 0.123_456_789 }));
      expect(verdict).toEqual(deferred('2026-05-01T06:00:23.704Z', 'spacing'));
    });
    it('a gap ending inside quiet hours ends with them', () => {
      const verdict = decidePacing(input({ now: at('2026-05-01T13:29:50Z'), counts: { accountLastSentAt: at('2026-05-01T13:29:45Z') } }));
      expect(verdict).toEqual(deferred('2026-05-02T00:30:00Z', 'spacing'));
    });
    it('draws the jitter once per wait: at the slot it was deferred to, the entry goes without a new draw', () => {
      const last = plus(now, -22 * SECOND); // the slot was drawn as 22 s after the last send: now
      expect(decidePacing(input({ counts: { accountLastSentAt: last }, spacingSlot: now, random: () => 0.9 }))).toEqual(SEND);
      // Exactly the minimum gap after the last send is enough; less is not (a send came in between).
      expect(decidePacing(input({ counts: { accountLastSentAt: plus(now, -20 * SECOND) }, spacingSlot: now }))).toEqual(SEND);
      expect(decidePacing(input({ counts: { accountLastSentAt: plus(now, -19_999) }, spacingSlot: now, random: () => 0 }))).toEqual(deferred('2026-05-01T06:00:00.001Z', 'spacing'));
      expect(decidePacing(input({ counts: { accountLastSentAt: now }, spacingSlot: now, random: () => 0.5 }))).toEqual(deferred('2026-05-01T06:00:35Z', 'spacing'));
      // A slot from a wait before the account ever sent, or one that has not come yet, changes nothing.
      expect(decidePacing(input({ spacingSlot: plus(now, -HOUR) }))).toEqual(SEND);
      expect(decidePacing(input({ counts: { accountLastSentAt: plus(now, -HOUR) }, spacingSlot: plus(now, SECOND) }))).toEqual(SEND);
    });
  });

  describe('random() is called exactly once by a decision that reaches spacing without a slot that holds, never by any other', () => {
    const counting = (overrides: Parameters<typeof input>[0]) => {
      let calls = 0;
      decidePacing(input({ ...overrides, random: () => (calls++, 0.5) }));
      return calls;
    };
    it.each([
      ['send, first ever message', {}, 1],
      ['send after a gap', { counts: { accountLastSentAt: at('2026-05-01T05:00:00Z') } }, 1],
      ['spacing', { counts: { accountLastSentAt: at('2026-05-01T05:59:59Z') } }, 1],
      ['at its spacing slot', { counts: { accountLastSentAt: at('2026-05-01T05:59:30Z') }, spacingSlot: at('2026-05-01T06:00:00Z') }, 0],
      ['at a slot a later send came too close to', { counts: { accountLastSentAt: at('2026-05-01T05:59:59Z') }, spacingSlot: at('2026-05-01T06:00:00Z') }, 1],
      ['reply to an opted-out contact', { optedOut: true, proactive: false }, 1],
      ['opted_out', { optedOut: true }, 0],
      ['tag', { kind: 'tag' as const }, 0],
      ['account_backoff', { backoffUntil: at('2026-05-01T07:00:00Z') }, 0],
      ['quiet_hours', { now: at('2026-05-01T15:00:00Z') }, 0],
      ['rate_minute', { counts: { accountSentLastMinute: 6 } }, 0],
      ['contact_day_cap', { counts: { contactProactiveToday: 1 } }, 0],
      ['contact_month_cap', { counts: { contactProactiveThisMonth: 8 } }, 0],
    ])('%s', (_label, overrides, expected) => {
      expect(counting(overrides)).toBe(expected);
    });
  });
});

describe('decidePacing, precedence', () => {
  const night = at('2026-05-01T15:00:00Z'); // 23:00 in Shanghai
  const backoff = at('2026-05-01T16:00:00Z');
  it.each<[string, Parameters<typeof input>[0], PacingVerdict]>([
    ['opted_out over everything', { optedOut: true, now: night, backoffUntil: backoff, counts: ALL_LIMITS_HIT }, skipped('opted_out')],
    ['opted_out over tag being silent (the rule order of the brief)', { optedOut: true, kind: 'tag' }, skipped('opted_out')],
    ['account_backoff over quiet hours (and ends after them)', { now: night, backoffUntil: backoff, counts: ALL_LIMITS_HIT }, deferred('2026-05-02T00:30:00Z', 'account_backoff')],
    ['account_backoff over limits by day', { backoffUntil: at('2026-05-01T06:30:00Z'), counts: ALL_LIMITS_HIT }, deferred('2026-05-01T06:30:00Z', 'account_backoff')],
    ['quiet_hours over rate limits', { now: night, counts: ALL_LIMITS_HIT }, deferred('2026-05-02T00:30:00Z', 'quiet_hours')],
    ['rate_day over rate_hour over rate_minute', { counts: ALL_LIMITS_HIT }, deferred('2026-05-02T00:30:00Z', 'rate_day')],
    ['rate_hour over rate_minute', { counts: { ...ALL_LIMITS_HIT, accountSentToday: 0 } }, deferred('2026-05-01T06:15:00Z', 'rate_hour')],
    ['rate_minute over caps', { counts: { ...ALL_LIMITS_HIT, accountSentToday: 0, accountSentLastHour: 0 } }, deferred('2026-05-01T06:01:00Z', 'rate_minute')],
    ['month cap over day cap and spacing', { counts: { contactProactiveToday: 5, contactProactiveThisMonth: 50, accountLastSentAt: at('2026-05-01T05:59:59Z') } }, skipped('contact_month_cap')],
    ['day cap over spacing', { counts: { contactProactiveToday: 5, accountLastSentAt: at('2026-05-01T05:59:59Z') } }, deferred('2026-05-02T00:30:00Z', 'contact_day_cap')],
  ])('%s', (_label, overrides, expected) => {
    expect(decidePacing(input(overrides))).toEqual(expected);
  });
});

describe('mergePacing', () => {
  it('takes the smaller cap: a flow can tighten, never loosen', () => {
    const merged = mergePacing(DEFAULT_PACING, { perContactPerDay: 5, perContactPerMonth: 2 });
    expect(merged.perContactPerDay).toBe(1);
    expect(merged.perContactPerMonth).toBe(2);
    expect(mergePacing(settings({ perContactPerDay: 0 }), { perContactPerDay: 3 }).perContactPerDay).toBe(0);
    expect(mergePacing(DEFAULT_PACING).perContactPerMonth).toBe(8);
  });

  it('keeps the account\'s quiet hours next to the flow\'s', () => {
    const merged = mergePacing(DEFAULT_PACING, { quietHours: { from: '12:00', to: '13:30' } });
    expect(merged.quietHours).toEqual({ from: '12:00', to: '13:30' });
    expect(merged.quietWindows).toEqual([{ from: '21:30', to: '08:30' }, { from: '12:00', to: '13:30' }]);
    expect(decidePacing(input({ settings: merged, now: at('2026-05-01T04:10:00Z') }))).toEqual(deferred('2026-05-01T05:30:00Z', 'quiet_hours'));
    expect(decidePacing(input({ settings: merged, now: at('2026-05-01T14:00:00Z') }))).toEqual(deferred('2026-05-02T00:30:00Z', 'quiet_hours'));
    expect(decidePacing(input({ settings: merged, now: at('2026-05-01T06:00:00Z') }))).toEqual(SEND);
  });

  it('chains overlapping windows: 21:30–08:30 then 08:00–10:00 ends at 10:00', () => {
    const merged = mergePacing(DEFAULT_PACING, { quietHours: { from: '08:00', to: '10:00' } });
    expect(decidePacing(input({ settings: merged, now: at('2026-05-01T15:00:00Z') }))).toEqual(deferred('2026-05-02T02:00:00Z', 'quiet_hours'));
  });

  it('skips, with a reason, when the windows together cover the whole day', () => {
    const merged = mergePacing(DEFAULT_PACING, { quietHours: { from: '08:30', to: '21:30' } });
    expect(decidePacing(input({ settings: merged }))).toEqual(skipped('quiet_hours'));
    expect(decidePacing(input({ settings: merged, kind: 'tag' }))).toEqual(SEND);
  });

  it('ignores an empty flow window and keeps windows when merged twice', () => {
    expect(mergePacing(DEFAULT_PACING, { quietHours: { from: '10:00', to: '10:00' } }).quietWindows).toEqual([{ from: '21:30', to: '08:30' }]);
    const twice = mergePacing(mergePacing(DEFAULT_PACING, { quietHours: { from: '12:00', to: '13:30' } }), { quietHours: { from: '12:00', to: '13:30' } });
    expect(twice.quietWindows).toEqual([{ from: '21:30', to: '08:30' }, { from: '12:00', to: '13:30' }]);
    expect(mergePacing(settings({ quietHours: null })).quietWindows).toEqual([]);
  });
});

describe('nextThrottleBackoff and retryDelayMs', () => {
  it('backs off from the configured base, doubling, at most 6 h', () => {
    expect(nextThrottleBackoff(null, DEFAULT_PACING)).toBe(10);
    expect(nextThrottleBackoff(10, DEFAULT_PACING)).toBe(20);
    expect(nextThrottleBackoff(320, DEFAULT_PACING)).toBe(360);
    expect(nextThrottleBackoff(360, DEFAULT_PACING)).toBe(360);
    expect(nextThrottleBackoff(1, DEFAULT_PACING)).toBe(10);
    expect(nextThrottleBackoff(null, settings({ throttleBackoffMinutes: 1440 }))).toBe(1440);
    expect(nextThrottleBackoff(1440, settings({ throttleBackoffMinutes: 1440 }))).toBe(1440);
  });

  it('retries from 30 s, doubling, at most 1 h', () => {
    expect([1, 2, 3, 7, 8, 50].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000]);
    expect(retryDelayMs(0)).toBe(30_000);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────── simulation

const seeded = seededRandom;

interface Item {
  id: number;
  kind: PacingInput['kind'];
  proactive: boolean;
  contact: number | null;
  due: number;
  /** Set when the last deferral was for spacing, as the outbox row's deferred_reason and due_at say. */
  spacingSlot?: Date | null;
}

/** A busy day: 150 customers with two or four proactive messages each, replies, tags, group messages, staff notes. */
function busyDay(start: Date, seed: number): { items: Item[]; optedOut: Set<number> } {
  const random = seeded(seed);
  const items: Item[] = [];
  const anyTime = () => start.getTime() + Math.floor(random() * DAY);
  const add = (kind: Item['kind'], proactive: boolean, contact: number | null) =>
    items.push({ id: items.length, kind, proactive, contact, due: anyTime() });
  for (let contact = 0; contact < 150; contact++) {
    const messages = contact >= 10 && contact < 30 ? 4 : 2;
    for (let i = 0; i < messages; i++) add('say', true, contact);
  }
  for (let i = 0; i < 60; i++) add('say', false, Math.floor(random() * 150));
  for (let i = 0; i < 40; i++) add(i % 2 ? 'tag' : 'untag', i % 4 === 0, Math.floor(random() * 150));
  for (let i = 0; i < 20; i++) add('roomSay', true, null);
  for (let i = 0; i < 10; i++) add('staffNote', false, null);
  return { items, optedOut: new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) };
}

interface SimulationResult {
  log: string[];
  sends: { at: number; item: Item }[];
  skips: { item: Item; reason: string }[];
  steps: number;
}

const dateKeyFormats = new Map<string, Intl.DateTimeFormat>();
/** The local date, computed independently of the module under test. */
function localDate(epochMs: number, timeZone: string): string {
  let format = dateKeyFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateKeyFormats.set(timeZone, format);
  }
  return format.format(epochMs);
}

/**
 * A dispatcher over the policy: always evaluates the earliest-due entry, at max(clock, due); a deferred entry comes
 * back at exactly its `until`. Counts are computed from what was sent, as the store would.
 */
function simulate(options: { timeZone: string; start: Date; settings: PacingSettings; activeSince: Date; seed: number }): SimulationResult {
  const { timeZone, settings: pacing, activeSince } = options;
  const { items, optedOut } = busyDay(options.start, options.seed);
  const random = seeded(options.seed + 1);
  const pending = [...items];
  const messages: { at: number; item: Item; date: string }[] = [];
  const result: SimulationResult = { log: [], sends: [], skips: [], steps: 0 };
  let clock = options.start.getTime();

  while (pending.length > 0) {
    if (++result.steps > 200_000) throw new Error('the simulation does not terminate');
    let next = 0;
    for (let i = 1; i < pending.length; i++) {
      const [a, b] = [pending[i]!, pending[next]!];
      if (a.due < b.due || (a.due === b.due && a.id < b.id)) next = i;
    }
    const item = pending[next]!;
    clock = Math.max(clock, item.due);
    const today = localDate(clock, timeZone);
    const toContact = messages.filter((m) => m.item.proactive && m.item.contact !== null && m.item.contact === item.contact);
    const verdict = decidePacing({
      now: new Date(clock),
      kind: item.kind,
      proactive: item.proactive,
      hasContact: item.contact !== null,
      optedOut: item.contact !== null && optedOut.has(item.contact),
      settings: pacing,
      timeZone,
      activeSince,
      backoffUntil: null,
      counts: {
        accountSentLastMinute: messages.filter((m) => m.at > clock - MINUTE).length,
        accountSentLastHour: messages.filter((m) => m.at > clock - HOUR).length,
        accountSentToday: messages.filter((m) => m.date === today).length,
        contactProactiveToday: toContact.filter((m) => m.date === today).length,
        contactProactiveThisMonth: toContact.filter((m) => m.at > clock - 30 * DAY).length,
        accountLastSentAt: messages.length > 0 ? new Date(messages.at(-1)!.at) : null,
      },
      spacingSlot: item.spacingSlot ?? null,
      random,
    });
    result.log.push(`${item.id}@${clock}:${verdict.action}:${'reason' in verdict ? verdict.reason : ''}:${'until' in verdict ? verdict.until.getTime() : ''}`);
    if (verdict.action === 'defer') {
      expect(verdict.until.getTime(), `entry ${item.id} deferred to the past at ${clock}`).toBeGreaterThan(clock);
      item.due = verdict.until.getTime();
      item.spacingSlot = verdict.reason === 'spacing' ? verdict.until : null;
      continue;
    }
    pending.splice(next, 1);
    if (verdict.action === 'skip') {
      result.skips.push({ item, reason: verdict.reason });
      continue;
    }
    result.sends.push({ at: clock, item });
    // Tags message nobody: the store does not count them as sends.
    if (item.kind !== 'tag' && item.kind !== 'untag') messages.push({ at: clock, item, date: today });
  }
  return result;
}

/** Quiet hours checked with a formatter of their own, not with the module under test. */
function isQuiet(epochMs: number, timeZone: string, windows: { from: string; to: string }[]): boolean {
  const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(epochMs);
  const pad = (t: string) => t.padStart(5, '0');
  return windows.some(({ from, to }) => (pad(from) <= pad(to) ? hhmm >= pad(from) && hhmm < pad(to) : hhmm >= pad(from) || hhmm < pad(to)));
}

function assertPacingHeld(result: SimulationResult, options: { timeZone: string; settings: PacingSettings; activeSince: Date; windows: { from: string; to: string }[] }) {
  const { timeZone, settings: pacing, activeSince, windows } = options;
  const messages = result.sends.filter((s) => s.item.kind !== 'tag' && s.item.kind !== 'untag');
  const limit = (max: number, at: number) => {
    const days = Math.max(0, Math.floor((at - activeSince.getTime()) / DAY));
    return Math.max(1, Math.floor(max * Math.min(1, 0.2 + (0.8 * days) / pacing.rampUpDays) + 1e-9));
  };
  for (const [i, send] of messages.entries()) {
    expect(isQuiet(send.at, timeZone, windows), `entry ${send.item.id} sent in quiet hours at ${new Date(send.at).toISOString()}`).toBe(false);
    const inLast = (ms: number) => messages.filter((m) => m.at > send.at - ms && m.at <= send.at).length;
    expect(inLast(MINUTE)).toBeLessThanOrEqual(limit(pacing.maxPerMinute, send.at));
    expect(inLast(HOUR)).toBeLessThanOrEqual(limit(pacing.maxPerHour, send.at));
    const day = localDate(send.at, timeZone);
    expect(messages.filter((m) => m.at <= send.at && localDate(m.at, timeZone) === day).length).toBeLessThanOrEqual(limit(pacing.maxPerDay, send.at));
    if (i > 0) expect(send.at - messages[i - 1]!.at).toBeGreaterThanOrEqual(pacing.minGapSeconds * SECOND);
  }
  const proactive = messages.filter((m) => m.item.proactive && m.item.contact !== null);
  for (const send of proactive) {
    const mine = proactive.filter((m) => m.item.contact === send.item.contact && m.at <= send.at);
    const day = localDate(send.at, timeZone);
    expect(mine.filter((m) => localDate(m.at, timeZone) === day).length).toBeLessThanOrEqual(pacing.perContactPerDay);
    expect(mine.filter((m) => m.at > send.at - 30 * DAY).length).toBeLessThanOrEqual(pacing.perContactPerMonth);
  }
}

describe('a busy account, simulated until every entry is sent or skipped', () => {
  const cases = [
    { name: 'America/New_York across the spring-forward night', timeZone: NEW_YORK, start: at('2026-03-07T05:00:00Z') },
    { name: 'Asia/Shanghai', timeZone: SHANGHAI, start: at('2026-04-30T16:00:00Z') },
  ];
  it.each(cases)('$name: never in quiet hours, never over a limit or a cap, terminates', ({ timeZone, start }) => {
    const flowPacing = mergePacing(DEFAULT_PACING, { perContactPerMonth: 3, quietHours: { from: '12:00', to: '13:00' } });
    const activeSince = plus(start, -2 * DAY); // ramping up: 31% of the limits on the first day
    const result = simulate({ timeZone, start, settings: flowPacing, activeSince, seed: 7 });

    assertPacingHeld(result, { timeZone, settings: flowPacing, activeSince, windows: flowPacing.quietWindows });
    const total = busyDay(start, 7).items.length;
    expect(result.sends.length + result.skips.length).toBe(total);
    // Only the opted-out contacts' proactive entries and each 4th message of contacts 10–29 are skipped.
    const reasons = new Set(result.skips.map((s) => s.reason));
    expect([...reasons].sort()).toEqual(['contact_month_cap', 'opted_out']);
    expect(result.skips.filter((s) => s.reason === 'contact_month_cap')).toHaveLength(20);
    // It did run into every kind of deferral a busy account meets.
    for (const reason of ['quiet_hours', 'rate_minute', 'rate_hour', 'rate_day', 'contact_day_cap', 'spacing']) {
      expect(result.log.some((line) => line.includes(`:defer:${reason}:`)), reason).toBe(true);
    }
    expect(result.steps).toBeLessThan(100_000);
  });

  it('is deterministic: the same random sequence gives the same verdicts', () => {
    const options = { timeZone: SHANGHAI, start: at('2026-04-30T16:00:00Z'), settings: DEFAULT_PACING, activeSince: at('2026-04-28T16:00:00Z') };
    const first = simulate({ ...options, seed: 42 });
    const again = simulate({ ...options, seed: 42 });
    const other = simulate({ ...options, seed: 43 });
    expect(again.log).toEqual(first.log);
    expect(other.log).not.toEqual(first.log);
  });
});
