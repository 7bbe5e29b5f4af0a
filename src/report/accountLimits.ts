/**
 * The daily send limit each account runs under, resolved the way `kocflow start` resolves it: kocflow.yaml's pacing
 * over the defaults, the demo's pacing for an account on the mock puppet in this environment, and the ramp-up of a
 * new account (from its `activeSince`, else the day the store first saw it) at `now`.
 */
import { accountProfilesAsRun } from '../config/profiles.ts';
import type { KocflowConfig } from '../config/schema.ts';
import { accountLimitsAt } from '../engine/pacing/policy.ts';
import type { AccountActivityRow } from '../store/report/index.ts';
import type { AccountReportRow } from './views.ts';

export function withLimits(
  rows: AccountActivityRow[],
  config: KocflowConfig,
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
): AccountReportRow[] {
  const firstSeen = new Map(rows.map((row) => [row.accountId, row.firstSeenAt]));
  const run = new Map(accountProfilesAsRun(config, { now, firstSeen, env }).map((a) => [a.profile.id, a.profile]));
  return rows.map((row) => {
    const profile = run.get(row.accountId);
    if (!profile) return { ...row, configured: false, dailyLimit: null, maxPerDay: null };
    return {
      ...row,
      configured: true,
      dailyLimit: accountLimitsAt(profile.pacing, profile.activeSince, now).perDay,
      maxPerDay: profile.pacing.maxPerDay,
    };
  });
}
