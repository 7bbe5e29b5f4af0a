import type { AccountPacing, ContactPacing, PacingCounts, PacingSnapshot } from '../ports.ts';

/**
 * Pacing state for one dispatch batch, in memory, so the dispatcher asks the store once per batch instead of once
 * per entry.
 *
 * Why the counts stay exact: the store's snapshot counts sends over windows ending at `now`, and a batch runs at one
 * `now`. Every send the batch makes is stored with sentAt = now, which lies inside every window (the last minute,
 * hour, local day and 30 days all end at `now`, inclusive), so adding it here gives what the store would count after
 * it. A send that is planned but not yet performed is counted too, and taken back (`count(entry, -1)`) when it turns
 * out not to be sent; the dispatcher relies only on verdicts that such a take-back cannot change.
 */
export class PacingLedger {
  readonly #now: Date;
  readonly #accounts = new Map<string, AccountPacing & { sentInBatch: number }>();
  readonly #contacts = new Map<string, ContactPacing>();

  constructor(snapshot: PacingSnapshot, now: Date) {
    this.#now = now;
    for (const [id, account] of snapshot.accounts) this.#accounts.set(id, { ...account, sentInBatch: 0 });
    for (const [id, contact] of snapshot.contacts) this.#contacts.set(id, { ...contact });
  }

  counts(accountId: string, contactId: string | null): PacingCounts {
    const account = this.#account(accountId);
    const contact = contactId === null ? undefined : this.#contacts.get(contactId);
    return {
      accountSentLastMinute: account.sentLastMinute,
      accountSentLastHour: account.sentLastHour,
      accountSentToday: account.sentToday,
      contactProactiveToday: contact?.proactiveToday ?? 0,
      contactProactiveThisMonth: contact?.proactiveThisMonth ?? 0,
      // The snapshot's latest send is at or before now, so any send of this batch is the latest.
      accountLastSentAt: account.sentInBatch > 0 ? this.#now : account.lastSentAt,
    };
  }

  backoffUntil(accountId: string): Date | null {
    return this.#account(accountId).backoffUntil;
  }

  /**
   * +1 for a send (planned or made), −1 to take back a planned one that was not made. Counted as the store counts:
   * every sent entry for its account, proactive ones for their contact.
   */
  count(entry: { accountId: string; contactId: string | null; proactive: boolean }, delta: 1 | -1): void {
    const account = this.#account(entry.accountId);
    account.sentLastMinute += delta;
    account.sentLastHour += delta;
    account.sentToday += delta;
    account.sentInBatch += delta;
    if (!entry.proactive || entry.contactId === null) return;
    let contact = this.#contacts.get(entry.contactId);
    if (!contact) {
      contact = { proactiveToday: 0, proactiveThisMonth: 0 };
      this.#contacts.set(entry.contactId, contact);
    }
    contact.proactiveToday += delta;
    contact.proactiveThisMonth += delta;
  }

  /** The length of the account's last back-off while throttles repeat; null when its last send went through. */
  backoffMinutes(accountId: string): number | null {
    return this.#account(accountId).backoffMinutes;
  }

  /** The account was throttled: as setAccountBackoff, a back-off only ever extends. */
  backOff(accountId: string, until: Date, minutes: number): void {
    const account = this.#account(accountId);
    if (account.backoffUntil === null || account.backoffUntil < until) account.backoffUntil = until;
    account.backoffMinutes = Math.max(account.backoffMinutes ?? 0, minutes);
  }

  /** A send went through: as endBackoffStreak. */
  endBackoffStreak(accountId: string): void {
    this.#account(accountId).backoffMinutes = null;
  }

  #account(accountId: string): AccountPacing & { sentInBatch: number } {
    let account = this.#accounts.get(accountId);
    if (!account) {
      account = { sentLastMinute: 0, sentLastHour: 0, sentToday: 0, lastSentAt: null, backoffUntil: null, backoffMinutes: null, sentInBatch: 0 };
      this.#accounts.set(accountId, account);
    }
    return account;
  }
}
