import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, generateCode, normalizeCode } from '../../src/referral/codes.ts';

describe('codes', () => {
  it('are unique-looking, use no look-alike characters, and validate', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => generateCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) {
      expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{9}$`));
      expect(normalizeCode(code)).toBe(code);
      expect(normalizeCode(` ${code.toLowerCase().slice(0, 4)}-${code.toLowerCase().slice(4)} `)).toBe(code);
    }
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL2Z5S8BUV]/);
  });

  it('reject every single-character typo and every swap of neighbours', () => {
    const code = generateCode();
    for (let i = 0; i < code.length; i++) {
      for (const c of CODE_ALPHABET) {
        if (c === code[i]) continue;
        expect(normalizeCode(code.slice(0, i) + c + code.slice(i + 1))).toBeUndefined();
      }
      if (i + 1 < code.length && code[i] !== code[i + 1]) {
        expect(normalizeCode(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2))).toBeUndefined();
      }
    }
  });
});
