import { createRepositories } from '../store/repositories/index.ts';
import type { PrismaClient } from '../store/types.ts';
import type { KocflowConfig } from './schema.ts';

/**
 * Writes a config's stores, people and accounts into the store, so that contacts, runs, coupons and points can
 * point at them. Idempotent, and it converges: running it again with the same config changes nothing, and with a
 * new config it moves the store to it.
 *
 * - Stores are created or renamed; a store no longer configured stays (redemptions point at it).
 * - Accounts are created (first seen at `at`, where pacing's ramp-up starts) or updated; an account no longer
 *   configured gets status "disabled" and comes back "active" when it is configured again.
 * - Guides and ambassadors are created or updated by WeCom user id. The account a person owns (not an assistant
 *   account) is linked to them. Someone no longer configured is marked as left, their account unlinked.
 *   A `tier` gives a new KOC their starting tier only.
 * - Ops people are not written: the staff table is the KOC program's people, and an ops member in it would
 *   receive the tasks and notes that playbooks send to "all staff". Who may command a bot is read from the config.
 */
export interface SyncResult {
  stores: number;
  accounts: number;
  staff: number;
  /** People marked as left because the config no longer lists them. */
  staffLeft: number;
  /** Accounts disabled because the config no longer lists them. */
  accountsDisabled: number;
  /** KOC profiles created with a starting tier. */
  kocProfilesCreated: number;
  /** When kocflow first saw each configured account, by account id: pass to accountProfiles. */
  firstSeen: Map<string, Date>;
}

export async function syncConfigToStore(prisma: PrismaClient, config: KocflowConfig, at: Date): Promise<SyncResult> {
  const repos = createRepositories(prisma);
  for (const store of config.stores) await repos.stores.upsert({ id: store.id, name: store.name });

  for (const account of config.accounts) {
    await repos.accounts.upsert({
      id: account.id,
      displayName: account.name,
      role: account.role,
      storeId: account.store ?? null,
      timeZone: account.timeZone,
      createdAt: at,
    });
  }
  const { disabled } = await repos.accounts.syncEnabled(config.accounts.map((a) => a.id));

  const people = config.staff.filter((s) => s.role !== 'ops');
  const spelling = new Map(people.map((s) => [s.id.toLowerCase(), s.id]));
  /** account id → the WeCom user id of the person who owns it as their own bot. */
  const owners = new Map<string, string>();
  for (const account of config.accounts) {
    const owner = account.owner === undefined ? undefined : spelling.get(account.owner.toLowerCase());
    if (owner !== undefined && account.role !== 'assistant') owners.set(account.id, owner);
  }
  const ownedBy = new Map([...owners].map(([accountId, owner]) => [owner, accountId]));

  await repos.staff.releaseAccounts(owners);
  const staffLeft = await repos.staff.markLeftExcept(people.map((s) => s.id), at);
  let kocProfilesCreated = 0;
  for (const person of people) {
    const row = await repos.staff.upsert({
      wecomUserId: person.id,
      name: person.name,
      role: person.role === 'guide' ? 'guide' : 'ambassador',
      storeId: person.store ?? null,
      accountId: ownedBy.get(person.id) ?? null,
    });
    if (person.tier !== undefined && (await repos.staff.ensureKocProfile(row.id, person.tier, at))) kocProfilesCreated++;
  }

  const configured = new Set(config.accounts.map((a) => a.id));
  const firstSeen = new Map(
    (await repos.accounts.list()).filter((row) => configured.has(row.id)).map((row) => [row.id, row.createdAt] as const),
  );
  return {
    stores: config.stores.length,
    accounts: config.accounts.length,
    staff: people.length,
    staffLeft,
    accountsDisabled: disabled,
    kocProfilesCreated,
    firstSeen,
  };
}
