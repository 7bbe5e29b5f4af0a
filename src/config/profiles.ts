import type { Instant } from '../domain/types.ts';
import type { AccountProfile } from '../engine/ports.ts';
import { startOfLocalDay, zoneOffsetMs } from '../engine/localTime.ts';
import { pacingSettings } from '../engine/pacing/settings.ts';
import { resolvePuppet, type ResolvedPuppet } from './puppet.ts';
import type { AccountConfig, KocflowConfig } from './schema.ts';

/**
 * The accounts of a config as the engine sees them. `activeSince` drives pacing's ramp-up, so it must not move
 * on every restart: the file's `activeSince` wins; otherwise the day kocflow first saw the account, which the
 * store keeps (syncConfigToStore returns it); otherwise `now`, for a run without a store (it ramps up as new).
 */
export interface ProfileSources {
  now: Instant;
  /** When each account was first seen, by account id (from syncConfigToStore). */
  firstSeen?: ReadonlyMap<string, Instant>;
}

export function accountProfiles(config: KocflowConfig, sources: ProfileSources): AccountProfile[] {
  const storeNames = new Map(config.stores.map((s) => [s.id, s.name]));
  return config.accounts.map((account) => ({
    id: account.id,
    name: account.name,
    role: account.role,
    storeId: account.store ?? null,
    storeName: account.store === undefined ? '' : (storeNames.get(account.store) ?? ''),
    timeZone: account.timeZone,
    // The schema already merged the file's overrides into the defaults; parsing again gives each profile its own copy.
    pacing: pacingSettings.parse(account.pacing ?? {}),
    ownerStaffExternalId: account.owner ?? null,
    activeSince: activeSince(account, sources),
  }));
}

/**
 * The accounts as `kocflow start` runs them in this environment: each profile with the puppet it resolves to, and
 * for an account on the mock puppet the config's `demo.pacing` on top of its own (a simulated WeChat cannot be
 * banned). `kocflow report accounts` reads its limits from here, so it shows what the running product enforces.
 */
export function accountProfilesAsRun(
  config: KocflowConfig,
  sources: ProfileSources & { env: Readonly<Record<string, string | undefined>> },
): { config: AccountConfig; profile: AccountProfile; puppet: ResolvedPuppet }[] {
  const profiles = accountProfiles(config, sources);
  return config.accounts.map((account, i) => {
    const profile = profiles[i]!;
    const puppet = resolvePuppet(account, sources.env);
    if (puppet.kind === 'mock') Object.assign(profile.pacing, config.demo.pacing);
    return { config: account, profile, puppet };
  });
}

function activeSince(account: AccountConfig, sources: ProfileSources): Instant {
  if (account.activeSince !== undefined) return startOfLocalDate(account.activeSince, account.timeZone);
  return sources.firstSeen?.get(account.id) ?? sources.now;
}

/** The first instant of a local calendar date `YYYY-MM-DD` in a zone. */
function startOfLocalDate(date: string, timeZone: string): Instant {
  const noonAsUtc = Date.parse(`${date}T12:00:00Z`);
  return startOfLocalDay(new Date(noonAsUtc - zoneOffsetMs(noonAsUtc, timeZone)), timeZone);
}
