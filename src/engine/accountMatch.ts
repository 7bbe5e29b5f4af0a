import type { FlowDocument } from '../playbook/schema/documents.ts';
import { globToRegExp } from '../playbook/glob.ts';
import type { AccountProfile } from './ports.ts';

/** Whether a flow's `accounts:` selector takes this account; every listed filter must hold. */
export function accountMatches(selector: FlowDocument['accounts'], account: AccountProfile): boolean {
  if (!selector) return true;
  if (selector.roles && !selector.roles.includes(account.role)) return false;
  if (selector.ids && !selector.ids.includes(account.id)) return false;
  if (selector.stores) {
    const store = account.storeId ?? '';
    if (!selector.stores.some((pattern) => globToRegExp(pattern).test(store))) return false;
  }
  return true;
}

export function topicMatches(pattern: string | undefined, topic: string): boolean {
  return pattern === undefined || globToRegExp(pattern).test(topic);
}
