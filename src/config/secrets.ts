import type { YamlPath } from '../playbook/yamlSource.ts';
import { isObject } from '../playbook/zodIssues.ts';

/**
 * Tokens never sit in kocflow.yaml: an account names the environment variable that holds its token (`tokenEnv`).
 * People still paste the token itself, so this pass runs before anything else reads the file and takes such
 * values out of it: no later message can quote them (not zod's "found text …", not a "did you mean").
 */

/** An environment variable name as `tokenEnv` must be written. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Whether a value looks like a token rather than a variable name: puppet-service tokens start with `puppet_`,
 * random ones mix lower case and digits; names are upper case with `_` between words.
 */
export function looksLikeToken(value: string): boolean {
  if (/^puppet_/i.test(value)) return true;
  if (/[a-z]/.test(value)) return true;
  return value.length >= 20 && /\d/.test(value) && !value.includes('_');
}

/** The variable name to suggest for an account: guide-wang → KOCFLOW_TOKEN_GUIDE_WANG. */
export function suggestedTokenEnv(accountId: unknown): string {
  const base = typeof accountId === 'string' ? accountId.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') : '';
  return base ? `KOCFLOW_TOKEN_${base}` : 'KOCFLOW_TOKEN_GUIDE_WANG';
}

/** Keys of an account other than tokenEnv that hold a token (token:, puppetToken:, WECHATY_PUPPET_SERVICE_TOKEN: …). */
const TOKEN_KEY = /token/i;

export type SecretPush = (path: YamlPath, code: string, message: string, target?: 'value' | 'key') => void;

/**
 * Reports tokens written into the file and returns a copy of the file's value without them. A screened
 * `tokenEnv` is replaced by a placeholder name, unique per account, so the rest of the checks run without
 * reporting the same account's tokenEnv again (missing, shared).
 */
export function screenTokens(value: Record<string, unknown>, push: SecretPush): Record<string, unknown> {
  const accounts = value.accounts;
  if (!Array.isArray(accounts)) return value;
  const screened = accounts.map((raw, i) => {
    if (!isObject(raw)) return raw;
    const account: Record<string, unknown> = { ...raw };
    const suggestion = suggestedTokenEnv(account.id);
    const fix = `put the token in an environment variable, e.g. ${suggestion}, write \`tokenEnv: ${suggestion}\`, and rotate the token if this file was ever shared or committed`;
    for (const key of Object.keys(account)) {
      const held = account[key];
      // Any other key is an unknown key, reported without its value; this one also says where the token goes.
      if (key === 'tokenEnv' || !TOKEN_KEY.test(key) || typeof held !== 'string' || !looksLikeToken(held)) continue;
      push(['accounts', i, key], 'KOC_CONFIG_TOKEN_IN_FILE', `"${key}" holds a token in the file; tokens never sit in kocflow.yaml: ${fix}`, 'key');
      delete account[key];
    }
    if (!('tokenEnv' in account) || account.tokenEnv === undefined) return account;
    const tokenEnv = account.tokenEnv;
    const placeholder = `SCREENED_TOKEN_ENV_${i}`;
    if (typeof tokenEnv !== 'string') {
      push(['accounts', i, 'tokenEnv'], 'KOC_CONFIG_TOKEN_ENV_INVALID', `tokenEnv is the name of an environment variable, written as text such as ${suggestion}; found ${kindOf(tokenEnv)}`);
      account.tokenEnv = placeholder;
    } else if (looksLikeToken(tokenEnv)) {
      push(['accounts', i, 'tokenEnv'], 'KOC_CONFIG_TOKEN_IN_FILE', `tokenEnv holds what looks like a token, not the name of an environment variable (names are upper-case letters, digits and _); tokens never sit in kocflow.yaml: ${fix}`);
      account.tokenEnv = placeholder;
    } else if (!ENV_NAME.test(tokenEnv)) {
      push(['accounts', i, 'tokenEnv'], 'KOC_CONFIG_TOKEN_ENV_INVALID', `tokenEnv is not an environment variable name: use upper-case letters, digits and _, not starting with a digit, e.g. ${suggestion}`);
      account.tokenEnv = placeholder;
    }
    return account;
  });
  return { ...value, accounts: screened };
}

/** The kind of a value, never the value. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'an empty value';
  if (typeof value === 'object') return 'a map of keys';
  return `a ${typeof value}`;
}
