import { z } from 'zod';

/**
 * Per-account pacing: safe by default, overridable per account (kocflow.yaml) and tightened per flow (playbook
 * `pacing:`). Puppet-based sending has no published limits and bans follow bursts, so the defaults are
 * conservative: a few messages a minute, one proactive message per customer per day, nothing at night.
 */
const timeOfDay = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'write HH:MM, e.g. 21:30');

export const pacingSettings = z.strictObject({
  maxPerMinute: z.number().int().min(1).max(600).default(6).describe('Sends per account per minute.'),
  maxPerHour: z.number().int().min(1).max(10_000).default(120).describe('Sends per account per hour.'),
  maxPerDay: z.number().int().min(1).max(100_000).default(600).describe('Sends per account per local day.'),
  perContactPerDay: z.number().int().min(0).max(50).default(1).describe('Proactive messages to one customer per local day; more are deferred to the next day. 0: none (they are skipped).'),
  perContactPerMonth: z.number().int().min(0).max(500).default(8).describe('Proactive messages to one customer in a rolling 30 days; more are skipped (recorded with the reason). 0: none.'),
  quietHours: z
    .strictObject({ from: timeOfDay, to: timeOfDay })
    .nullable()
    .default({ from: '21:30', to: '08:30' })
    .describe('No sends in [from, to) local time, which may cross midnight (from = to or null: no quiet hours). Replies and staff notes wait too; tags do not. Sends are deferred to the end of the window.'),
  minGapSeconds: z.number().min(0).max(3600).default(20).describe('At least this long between two sends of an account.'),
  jitterSeconds: z.number().min(0).max(3600).default(30).describe('Plus a random 0..jitter seconds, so sends do not look scripted.'),
  rampUpDays: z.number().int().min(0).max(90).default(14).describe('A new account\'s per-minute, per-hour and per-day limits grow from 20% to 100% over this many days, one step a day (never below 1).'),
  throttleBackoffMinutes: z.number().min(1).max(360).default(10).describe('When WeCom or the puppet throttles: pause the account this long, doubling on repeats.'),
  maxAttempts: z.number().int().min(1).max(20).default(5).describe('Tries for a send that fails with a retryable error before it is marked failed.'),
});

export type PacingSettings = z.infer<typeof pacingSettings>;
export type PacingOverrides = z.input<typeof pacingSettings>;

export const DEFAULT_PACING: PacingSettings = pacingSettings.parse({});
