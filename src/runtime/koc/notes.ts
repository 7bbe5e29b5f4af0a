import type { EngineStore } from '../../engine/ports.ts';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import { reachAccount, type ReachableAccount } from '../../koc/reach.ts';

/**
 * Notes to a KOC (tier announcements, task reminders, review results) go through the outbox as staff notes from the
 * account the KOC talks to, each with an idempotency key: written twice, sent once; lost by a crash, never.
 */
export interface KocRef {
  staffId: string;
  wecomUserId: string;
  accountId: string | null;
}

export class KocNotes {
  readonly #store: Pick<EngineStore, 'enqueue'>;
  readonly #accounts: () => readonly ReachableAccount[];

  constructor(store: Pick<EngineStore, 'enqueue'>, accounts: () => readonly ReachableAccount[]) {
    this.#store = store;
    this.#accounts = accounts;
  }

  /** The account notes to this KOC come from, or undefined. */
  accountOf(koc: Pick<KocRef, 'wecomUserId' | 'accountId'>): ReachableAccount | undefined {
    return reachAccount(koc, this.#accounts());
  }

  /** The KOC's time zone: their account's, else the default (Asia/Shanghai). */
  zoneOf(koc: Pick<KocRef, 'wecomUserId' | 'accountId'>): string {
    return this.accountOf(koc)?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /** false: no account reaches this KOC (nothing is queued). */
  async send(koc: KocRef, key: string, text: string, at: Date, images?: string[]): Promise<boolean> {
    const account = this.accountOf(koc);
    if (!account) return false;
    await this.#store.enqueue([{
      idempotencyKey: key, accountId: account.id, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: false,
      contactId: null, roomId: null, dueAt: at,
      action: { kind: 'staffNote', accountId: account.id, staffExternalId: koc.wecomUserId, text, ...(images && images.length > 0 ? { images } : {}) },
    }], at);
    return true;
  }
}

/** The accounts as kocflow.yaml or the runtime describes them, for reachAccount. */
export function reachableAccounts(accounts: readonly { id: string; role: ReachableAccount['role']; timeZone: string; owner?: string | null; commanders?: readonly string[] }[]): ReachableAccount[] {
  return accounts.map((a) => ({ id: a.id, role: a.role, timeZone: a.timeZone, owner: a.owner ?? null, commanders: a.commanders ?? [] }));
}
