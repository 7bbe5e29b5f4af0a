import type { AccountDirectory, AccountProfile } from '../engine/ports.ts';

/**
 * The accounts the engine sees: their profiles from configuration, and whether staff paused their proactive SOPs
 * (kept in the store's accounts.status, so a pause survives a restart).
 */
export class RuntimeAccounts implements AccountDirectory {
  readonly #profiles = new Map<string, AccountProfile>();

  constructor(profiles: AccountProfile[]) {
    for (const profile of profiles) this.#profiles.set(profile.id, { ...profile });
  }

  list(): AccountProfile[] {
    return [...this.#profiles.values()];
  }

  get(accountId: string): AccountProfile | undefined {
    return this.#profiles.get(accountId);
  }

  /** Returns false when the account was already in that state (or is unknown). */
  setPaused(accountId: string, pausedAt: Date | null): boolean {
    const profile = this.#profiles.get(accountId);
    if (!profile || (profile.pausedAt != null) === (pausedAt !== null)) return false;
    profile.pausedAt = pausedAt;
    return true;
  }
}
