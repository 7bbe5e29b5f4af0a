import { didYouMean } from '../playbook/suggest.ts';
import type { YamlPath } from '../playbook/yamlSource.ts';
import type { KocflowConfig } from './schema.ts';

/**
 * Checks between the keys of kocflow.yaml, after each has its right form: ids are unique, every store and staff
 * id named exists, tokens are not shared, and a person owns at most one bot of their own.
 */
export type LinkPush = (path: YamlPath, code: string, message: string, severity?: 'error' | 'warning') => void;

/** Where a path of the file is, for messages that point at another place ("line 3 has it already"). */
export type LineOf = (path: YamlPath) => number | undefined;

export function linkConfig(config: KocflowConfig, push: LinkPush, lineOf: LineOf = () => undefined): void {
  const unique = (ids: string[], list: string, noun: string, key?: (id: string) => string) =>
    uniqueIds(ids, list, noun, push, lineOf, key);
  const storeIds = unique(config.stores.map((s) => s.id), 'stores', 'store');
  // WeCom user ids are case-insensitive: WangMin and wangmin are one person.
  const staffIds = unique(config.staff.map((s) => s.id), 'staff', 'staff', (id) => id.toLowerCase());
  unique(config.accounts.map((a) => a.id), 'accounts', 'account');

  const storeNames = config.stores.map((s) => s.id);
  const staffNames = config.staff.map((s) => s.id);
  const checkStore = (path: YamlPath, store: string) => {
    if (!storeIds.has(store)) {
      push(path, 'KOC_CONFIG_UNKNOWN_REF', `unknown store "${store}"${didYouMean(store, storeNames)}; stores are listed under stores:`);
    }
  };
  const checkStaff = (path: YamlPath, staff: string) => {
    if (!staffIds.has(staff.toLowerCase())) {
      push(path, 'KOC_CONFIG_UNKNOWN_REF', `unknown staff id "${staff}"${didYouMean(staff, staffNames)}; people are listed under staff:`);
      return false;
    }
    return true;
  };

  config.staff.forEach((person, i) => {
    if (person.store !== undefined) checkStore(['staff', i, 'store'], person.store);
    else if (person.role === 'guide') push(['staff', i], 'KOC_CONFIG_MISSING_KEY', `missing key "store": guide ${person.id} works in a store`);
  });

  const tokenEnvOwner = new Map<string, string>();
  /** Person (lower-cased id) → the account of their own they own: Staff.accountId holds one. */
  const ownBot = new Map<string, string>();
  const staffById = new Map<string, (typeof config.staff)[number]>();
  for (const person of config.staff) if (!staffById.has(person.id.toLowerCase())) staffById.set(person.id.toLowerCase(), person);
  config.accounts.forEach((account, i) => {
    const at = (key: string): YamlPath => ['accounts', i, key];
    if (account.store !== undefined) checkStore(at('store'), account.store);
    else if (account.role === 'guide') push(['accounts', i], 'KOC_CONFIG_MISSING_KEY', `missing key "store": guide account ${account.id} belongs to a store`);

    if (account.owner === undefined) {
      if (account.role !== 'assistant') {
        push(['accounts', i], 'KOC_CONFIG_MISSING_KEY', `missing key "owner": the staff id of the person who gets ${account.id}'s assist task cards`);
      }
    } else if (checkStaff(at('owner'), account.owner) && account.role !== 'assistant') {
      const person = staffById.get(account.owner.toLowerCase())!;
      if (person.role !== 'ops') {
        const other = ownBot.get(person.id.toLowerCase());
        if (other !== undefined) {
          push(at('owner'), 'KOC_CONFIG_OWNER_CONFLICT', `${person.id} already owns account ${other}; a guide or ambassador owns one bot of their own (an assistant account can have any owner)`);
        } else {
          ownBot.set(person.id.toLowerCase(), account.id);
        }
      }
    }
    account.commanders.forEach((commander, j) => checkStaff(['accounts', i, 'commanders', j], commander));

    if (account.tokenEnv === undefined) {
      if (account.puppet === 'service') {
        push(['accounts', i], 'KOC_CONFIG_MISSING_KEY', `missing key "tokenEnv": puppet: service needs the name of the environment variable that holds ${account.id}'s token`);
      }
    } else {
      const other = tokenEnvOwner.get(account.tokenEnv);
      if (other !== undefined) {
        push(at('tokenEnv'), 'KOC_CONFIG_DUPLICATE_TOKEN_ENV', `account ${other} already uses ${account.tokenEnv}; each account logs in with its own token, so give this one its own variable`);
      } else {
        tokenEnvOwner.set(account.tokenEnv, account.id);
      }
    }

    if (account.endpoint !== undefined && (account.puppet === 'mock' || account.tokenEnv === undefined)) {
      const why = account.puppet === 'mock' ? 'puppet: mock never connects to it' : 'without tokenEnv the account always runs on the mock';
      push(at('endpoint'), 'KOC_CONFIG_ENDPOINT_UNUSED', `endpoint is not used: ${why}`, 'warning');
    }
  });
}

/**
 * The ids of a list, reporting each repeat at its id with where the first one is; returns the set of ids as
 * compared through `key` (identity, or lower case for WeCom user ids).
 */
function uniqueIds(
  ids: string[],
  list: string,
  noun: string,
  push: LinkPush,
  lineOf: LineOf,
  key: (id: string) => string = (id) => id,
): Set<string> {
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    const k = key(id);
    const earlier = first.get(k);
    if (earlier === undefined) {
      first.set(k, i);
      return;
    }
    const line = lineOf([list, earlier, 'id']);
    const where = line === undefined ? `${list}[${earlier}]` : `line ${line}`;
    const spelling = ids[earlier] === id ? '' : ` as "${ids[earlier]}" (WeCom user ids ignore case)`;
    push([list, i, 'id'], 'KOC_CONFIG_DUPLICATE_ID', `duplicate ${noun} id "${id}": ${where} has it already${spelling}`);
  });
  return new Set(first.keys());
}
