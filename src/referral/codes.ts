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

// ─────────────────────────────────────────────────────────────────────────────────── the two kinds of code

/**
 * A KOC's exclusive referral code: `K` + 6 random characters + the check character, e.g. `K7QX9MAF` (23^6 ≈ 148
 * million bodies). Shown to people as `K7QX-9MAF`; typed in any case, with or without the dash or spaces.
 */
export const REFERRAL_CODE = { prefix: 'K', length: 6 } as const;
/** A single-use coupon code: `Q` + 8 random characters + the check character (23^8 ≈ 78 billion bodies). */
export const COUPON_CODE = { prefix: 'Q', length: 8 } as const;

/** Total characters of a code of this kind: prefix, body and check character. */
function codeLength(kind: { prefix: string; length: number }): number {
  return kind.prefix.length + kind.length + 1;
}

/** A new referral code (node:crypto unless `pick` is given). */
export function newReferralCode(pick?: (n: number) => number): string {
  return generateCode(REFERRAL_CODE.length, REFERRAL_CODE.prefix, pick);
}

/** A new coupon code (node:crypto unless `pick` is given). */
export function newCouponCode(pick?: (n: number) => number): string {
  return generateCode(COUPON_CODE.length, COUPON_CODE.prefix, pick);
}

/** A referral code as typed (any case, spaces, dashes) → its stored form, or undefined when it is not one. */
export function normalizeReferralCode(input: string): string | undefined {
  const code = normalizeCode(input.normalize('NFKC'), REFERRAL_CODE.prefix);
  return code?.length === codeLength(REFERRAL_CODE) ? code : undefined;
}

/** A coupon code as typed (any case, spaces, dashes) → its stored form, or undefined when it is not one. */
export function normalizeCouponCode(input: string): string | undefined {
  const code = normalizeCode(input.normalize('NFKC'), COUPON_CODE.prefix);
  return code?.length === codeLength(COUPON_CODE) ? code : undefined;
}

/** How people see a code: groups of four joined by dashes, e.g. `K7QX-9MAF`, `Q7KX-4M9A-TF`. */
export function formatCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

// ─────────────────────────────────────────────────────────────────────────────────── codes in free text

/** What `findReferralCode` found in a text. */
export type FoundCode = { code: string } | { typo: true };

/**
 * Characters that may sit inside a code as people write it (`K7QX-9MAF`, `k7qx 9maf`, `K7QX—9MAF`). After NFKC, the
 * full-width forms a Chinese keyboard produces (`Ｋ７ＱＸ－９ＭＡＦ`, the ideographic space) are these too.
 */
const SEPARATOR = /^[\s\-‐‑–—_·]{1,3}$/u;
/** Runs of letters and digits, and what lies between them. */
const PIECES = /[A-Za-z0-9]+/g;

/**
 * Finds a referral code in free text — a friend request's greeting ("朋友推荐的 K7QX-9MAF"), a chat message — in any
 * case and with spaces or dashes inside it. Returns the first well-formed code with a valid check character;
 * `{ typo: true }` when the text holds something that looks like a referral code but is not a valid one (a wrong or
 * missing character, two swapped characters), so the bot can ask the customer to check it instead of crediting
 * someone else; undefined when there is nothing code-like.
 *
 * "Looks like a code": the prefix `K` at the start of a word, then letters and digits (possibly split by single
 * separators) of the code's length give or take one, with at least one digit or written in upper case — so
 * ordinary words ("kindness") are not taken for typos.
 */
export function findReferralCode(text: string): FoundCode | undefined {
  const normalized = text.normalize('NFKC');
  const pieces: { text: string; start: number; end: number }[] = [];
  for (const match of normalized.matchAll(PIECES)) pieces.push({ text: match[0], start: match.index, end: match.index + match[0].length });
  const length = codeLength(REFERRAL_CODE);
  let typo = false;
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i]!.text[0]!.toUpperCase() !== REFERRAL_CODE.prefix) continue;
    let joined = '';
    for (let j = i; j < pieces.length; j++) {
      if (j > i && !SEPARATOR.test(normalized.slice(pieces[j - 1]!.end, pieces[j]!.start))) break;
      joined += pieces[j]!.text;
      if (joined.length > length + 1) break;
      if (joined.length === length) {
        const code = normalizeReferralCode(joined);
        if (code) return { code };
      }
      if (joined.length >= length - 1 && looksLikeCode(joined)) typo = true;
    }
  }
  return typo ? { typo: true } : undefined;
}

function looksLikeCode(candidate: string): boolean {
  return /\d/.test(candidate) || candidate === candidate.toUpperCase();
}
