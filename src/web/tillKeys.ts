import { createHash, timingSafeEqual } from 'node:crypto';
import { KocError } from '../shared/errors.ts';

/**
 * The tills' API keys, from one environment variable (never from a file): `name:secret` pairs separated by commas,
 * e.g. `till-sh-001:3b7c…,till-bj-001:9f2e…`. The name identifies the till in logs, audit rows and rate limits;
 * the secret is only ever compared, by hash and in constant time.
 */
export interface TillKeys {
  /** The key's name when `secret` is one of the keys. */
  identify(secret: string): string | undefined;
  readonly size: number;
}

const MIN_SECRET = 16;

export function parseTillKeys(value: string | undefined, variable: string): TillKeys {
  const keys: { name: string; hash: Buffer }[] = [];
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const name = colon > 0 ? part.slice(0, colon).trim() : '';
    const secret = colon > 0 ? part.slice(colon + 1).trim() : '';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name) || secret.length < MIN_SECRET) {
      throw new KocError('KOC_API_KEYS_INVALID', `${variable} must hold name:secret pairs separated by commas, each secret at least ${MIN_SECRET} characters`, {
        hint: `e.g. ${variable}=till-sh-001:$(openssl rand -hex 24)`,
      });
    }
    keys.push({ name, hash: digest(secret) });
  }
  return {
    size: keys.length,
    identify(secret) {
      const hash = digest(secret);
      let found: string | undefined;
      // Every key is compared, so the time taken does not say which one nearly matched.
      for (const key of keys) if (timingSafeEqual(key.hash, hash)) found ??= key.name;
      return found;
    },
  };
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
