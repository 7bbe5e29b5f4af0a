/**
 * How kocflow reaches a KOC in chat: a staff note from a bot account the KOC talks to. In order: the account they
 * own (a guide's or ambassador's own bot), an account whose owner they are in kocflow.yaml, an account they may
 * command, the first assistant account (ambassadors talk to the brand's assistant bot). None: they cannot be
 * reached, and notes to them are not sent (logged).
 */
export interface ReachableAccount {
  id: string;
  role: 'guide' | 'ambassador' | 'assistant';
  timeZone: string;
  /** The owner's WeCom user id. */
  owner: string | null;
  commanders: readonly string[];
}

export function reachAccount(koc: { wecomUserId: string; accountId: string | null }, accounts: readonly ReachableAccount[]): ReachableAccount | undefined {
  const id = koc.wecomUserId.toLowerCase();
  return (
    accounts.find((a) => a.id === koc.accountId)
    ?? accounts.find((a) => a.owner?.toLowerCase() === id)
    ?? accounts.find((a) => a.commanders.some((c) => c.toLowerCase() === id))
    ?? accounts.find((a) => a.role === 'assistant')
  );
}
