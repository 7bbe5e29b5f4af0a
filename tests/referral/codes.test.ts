import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET, findReferralCode, formatCode, newCouponCode, newReferralCode, normalizeCouponCode, normalizeReferralCode,
} from '../../src/referral/codes.ts';

/** Every single-character substitution and every swap of neighbours of `code`, except the prefix. */
function typosOf(code: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < code.length; i++) {
    for (const c of CODE_ALPHABET) if (c !== code[i]) out.push(code.slice(0, i) + c + code.slice(i + 1));
    if (i + 1 < code.length && code[i] !== code[i + 1]) out.push(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2));
  }
  return out;
}

describe('referral and coupon codes', () => {
  it('have their shape: K + 7 (referral), Q + 9 (coupon), from the alphabet without look-alikes', () => {
    for (let i = 0; i < 500; i++) {
      const referral = newReferralCode();
      const coupon = newCouponCode();
      expect(referral).toMatch(new RegExp(`^K[${CODE_ALPHABET}]{7}$`));
      expect(coupon).toMatch(new RegExp(`^Q[${CODE_ALPHABET}]{9}$`));
      expect(normalizeReferralCode(referral)).toBe(referral);
      expect(normalizeCouponCode(coupon)).toBe(coupon);
      // One kind is never taken for the other.
      expect(normalizeCouponCode(referral)).toBeUndefined();
      expect(normalizeReferralCode(coupon)).toBeUndefined();
    }
  });

  it('are drawn at random: repeats among 20,000 referral codes as rare as chance makes them, every character used', () => {
    // 23^6 ≈ 148 million bodies: 20,000 draws repeat about n²/2N ≈ 1.35 times (the birthday bound), which is why the
    // store retries a code that is taken. More than 10 would mean the draw is not uniform (chance: below 1 in 10^6).
    const codes = Array.from({ length: 20_000 }, () => newReferralCode());
    expect(codes.length - new Set(codes).size).toBeLessThanOrEqual(10);
    for (let position = 1; position <= 6; position++) {
      const counts = new Map<string, number>();
      for (const code of codes) counts.set(code[position]!, (counts.get(code[position]!) ?? 0) + 1);
      expect(counts.size).toBe(CODE_ALPHABET.length);
      // 20,000 / 23 ≈ 870 each; ±25% is more than 7 standard deviations.
      for (const n of counts.values()) expect(Math.abs(n - 20_000 / 23)).toBeLessThan(870 * 0.25);
    }
  });

  it('are read in any case, with spaces, dashes and full-width characters', () => {
    expect(normalizeReferralCode('K7QX9MAF')).toBe('K7QX9MAF');
    expect(normalizeReferralCode(' k7qx-9maf ')).toBe('K7QX9MAF');
    expect(normalizeReferralCode('K7 QX 9M AF')).toBe('K7QX9MAF');
    expect(normalizeReferralCode('Ｋ７ＱＸ－９ＭＡＦ')).toBe('K7QX9MAF');
    expect(normalizeCouponCode('q7kx-4m9a-tf')).toBe('Q7KX4M9ATF');
    expect(formatCode('K7QX9MAF')).toBe('K7QX-9MAF');
    expect(formatCode('Q7KX4M9ATF')).toBe('Q7KX-4M9A-TF');
  });

  it('reject every single-character typo and every swap of neighbours (the check character)', () => {
    for (const code of [newReferralCode(), newReferralCode(), 'K7QX9MAF']) {
      for (const typo of typosOf(code)) expect(normalizeReferralCode(typo), typo).toBeUndefined();
    }
    for (const typo of typosOf(newCouponCode())) expect(normalizeCouponCode(typo), typo).toBeUndefined();
  });
});

describe('findReferralCode', () => {
  it('finds a code in a friend request greeting or a chat message, however it is written', () => {
    for (const text of [
      'K7QX9MAF',
      '朋友推荐的 K7QX-9MAF',
      '朋友推荐的K7QX9MAF谢谢',
      '我的推荐码是 k7qx 9maf ，请问怎么用',
      'code: K7QX—9MAF!',
      '推荐码：Ｋ７ＱＸ－９ＭＡＦ',
      'https://example.com/r/K7QX9MAF',
    ]) {
      expect(findReferralCode(text), text).toEqual({ code: 'K7QX9MAF' });
    }
  });

  it('takes the first valid code when there are several, and a valid one after a typo', () => {
    expect(findReferralCode('K7QX9MAF or K7QX9MAG?')).toEqual({ code: 'K7QX9MAF' });
    expect(findReferralCode('K7QX9MAG, sorry: K7QX9MAF')).toEqual({ code: 'K7QX9MAF' });
  });

  it('reports a code-like text that fails the check character as a typo, never as someone else\'s code', () => {
    const code = newReferralCode();
    for (const typo of typosOf(code)) {
      expect(findReferralCode(`朋友推荐的 ${typo}`), typo).toEqual({ typo: true });
      // In lower case, a typo without a digit reads like a word: nothing is found. It is never taken for a code.
      const lower = findReferralCode(`朋友推荐的 ${formatCode(typo).toLowerCase()}`);
      expect(lower, typo).toEqual(/\d/.test(typo) ? { typo: true } : undefined);
    }
    expect(findReferralCode('推荐码 K7QX9MA')).toEqual({ typo: true }); // one character missing
    expect(findReferralCode('推荐码 K7QX9MAFF')).toEqual({ typo: true }); // one too many
    expect(findReferralCode('推荐码 K7QX0MAF')).toEqual({ typo: true }); // a look-alike: 0 is not in the alphabet
  });

  it('finds nothing in ordinary text', () => {
    for (const text of ['你好，请问这件多少钱？', 'kindness is free', 'My KFC order 1234', 'K5', '退订', '', 'Q7KX4M9ATF']) {
      expect(findReferralCode(text), text).toBeUndefined();
    }
  });
});
