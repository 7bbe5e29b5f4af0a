import { generateCode } from '../referral/codes.ts';

/** A code in the referral alphabet, with its check character, from a seeded generator (so a simulation reproduces). */
export function seededCode(random: () => number, length: number, prefix: string): string {
  return generateCode(length, prefix, (n) => Math.floor(random() * n));
}
