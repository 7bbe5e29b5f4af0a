import { describe, expect, it } from 'vitest';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { rejection } from '../support/errors.ts';

describe('till API keys', () => {
  it('identifies a till by its secret, and nothing else', () => {
    const keys = parseTillKeys(' till-sh:aaaaaaaaaaaaaaaaaaaa , till-bj:bbbbbbbbbbbbbbbbbbbb ', 'KOCFLOW_TILL_KEYS');
    expect(keys.size).toBe(2);
    expect(keys.identify('bbbbbbbbbbbbbbbbbbbb')).toBe('till-bj');
    expect(keys.identify('aaaaaaaaaaaaaaaaaaaa')).toBe('till-sh');
    expect(keys.identify('aaaaaaaaaaaaaaaaaaab')).toBeUndefined();
    expect(keys.identify('')).toBeUndefined();
    expect(parseTillKeys(undefined, 'KOCFLOW_TILL_KEYS').size).toBe(0);
  });

  it('refuses a malformed value with the fix, never echoing the secret', async () => {
    for (const value of ['just-a-secret-without-a-name', 'till:short', ':aaaaaaaaaaaaaaaaaaaa', 'bad name:aaaaaaaaaaaaaaaaaaaa']) {
      const error = await rejection(Promise.resolve().then(() => parseTillKeys(value, 'KOCFLOW_TILL_KEYS')));
      expect(error.code).toBe('KOC_API_KEYS_INVALID');
      expect(error.message).not.toContain('aaaaaaaa');
      expect(error.message).not.toContain('secret-without');
    }
  });
});
