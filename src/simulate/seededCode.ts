import { CODE_ALPHABET, normalizeCode } from '../referral/codes.ts';

/**
 * A code in the referral alphabet from a seeded generator: `prefix`, `length` characters and a valid check
 * character. Coupons as rewards.ts makes them are `seededCode(random, 8, 'Q')`.
 */
export function seededCode(random: () => number, length: number, prefix: string): string {
  let body = '';
  for (let i = 0; i < length; i++) body += CODE_ALPHABET[Math.floor(random() * CODE_ALPHABET.length)];
  // The check character is the one that makes the code valid: found through the same function that checks input.
  for (const check of CODE_ALPHABET) {
    const code = normalizeCode(`${prefix}${body}${check}`, prefix);
    if (code) return code;
  }
  throw new Error(`no check character for ${body}`); // unreachable: one of the 23 characters is the check
}
