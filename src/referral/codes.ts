import { randomInt } from 'node:crypto';

/**
 * Codes people read aloud and type: referral codes and coupon codes. Upper-case, no look-alike characters
 * (0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V are out), random from node:crypto, and a final check character so a typo is
 * rejected instead of crediting someone else. Case-insensitive on input.
 */
export const CODE_ALPHABET = '34679ACDEFGHJKMNPQRTWXY';
const N = CODE_ALPHABET.length; // 23: prime, so the weighted check catches every single-character error and every swap

function checkChar(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 1) * CODE_ALPHABET.indexOf(body[i]!);
  return CODE_ALPHABET[sum % N]!;
}

/**
 * A new code: `length` random characters plus one check character, optionally after a prefix. `pick` draws an index
 * below n: node:crypto by default; `simulate` passes a seeded one so its codes reproduce.
 */
export function generateCode(length = 8, prefix = '', pick: (n: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < length; i++) body += CODE_ALPHABET[pick(N)];
  return prefix + body + checkChar(body);
}

/** Upper-cases, strips spaces and dashes; the code if well-formed with a valid check character, else undefined. */
export function normalizeCode(input: string, prefix = ''): string | undefined {
  const text = input.toUpperCase().replace(/[\s-]/g, '');
  if (!text.startsWith(prefix)) return undefined;
  const code = text.slice(prefix.length);
  if (code.length < 4 || [...code].some((c) => !CODE_ALPHABET.includes(c))) return undefined;
  const body = code.slice(0, -1);
  return checkChar(body) === code.slice(-1) ? prefix + code : undefined;
}
