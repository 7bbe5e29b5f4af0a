import { inspect } from 'node:util';
import type { AccountConfig, Endpoint } from './schema.ts';

/**
 * Which puppet an account runs on, given the environment. The token is read here and handed to the bot only:
 * it never appears in a message or hint, and the returned object prints and serialises without it, so passing
 * it to a logger by mistake leaks nothing.
 */
export type ResolvedPuppet =
  | { kind: 'mock' }
  | { kind: 'service'; token: string; endpoint?: Endpoint }
  | { kind: 'error'; code: `KOC_${string}`; message: string; hint: string };

export function resolvePuppet(account: Pick<AccountConfig, 'id' | 'puppet' | 'tokenEnv' | 'endpoint'>, env: Readonly<Record<string, string | undefined>>): ResolvedPuppet {
  if (account.puppet === 'mock') return { kind: 'mock' };
  // A token pasted with a trailing newline (echo … > .env) is the same token.
  const token = account.tokenEnv === undefined ? '' : (env[account.tokenEnv] ?? '').trim();
  if (token !== '') return serviceWith(token, account.endpoint);
  if (account.puppet === 'auto') return { kind: 'mock' };
  const variable = account.tokenEnv;
  return {
    kind: 'error',
    code: 'KOC_PUPPET_TOKEN_MISSING',
    message: variable === undefined
      ? `account ${account.id} has puppet: service but no tokenEnv`
      : `account ${account.id} has puppet: service but the environment variable ${variable} is ${variable in env ? 'empty' : 'not set'}`,
    hint: variable === undefined
      ? 'add tokenEnv: <VARIABLE NAME> to the account in kocflow.yaml and set that variable to its puppet-service token'
      : `set ${variable} to the account's puppet-service token before starting kocflow, or use puppet: auto to run it on the mock until then`,
  };
}

function serviceWith(token: string, endpoint: Endpoint | undefined): ResolvedPuppet {
  const shown = { kind: 'service', token: '[redacted]', ...(endpoint ? { endpoint } : {}) };
  const resolved = { kind: 'service' as const, token, ...(endpoint ? { endpoint: { ...endpoint } } : {}) };
  Object.defineProperties(resolved, {
    toJSON: { value: () => shown, enumerable: false },
    [inspect.custom]: { value: () => shown, enumerable: false },
  });
  return resolved;
}
