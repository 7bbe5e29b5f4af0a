import type { AccountConfig } from './schema.ts';

/**
 * Who may command a bot in chat: its owner and its commanders. Staff ids are WeCom user ids, which WeCom
 * compares without case, so a message from "wangmin" is WangMin's.
 */
export function mayCommand(account: Pick<AccountConfig, 'owner' | 'commanders'>, wecomUserId: string): boolean {
  const who = wecomUserId.toLowerCase();
  return account.owner?.toLowerCase() === who || account.commanders.some((c) => c.toLowerCase() === who);
}
