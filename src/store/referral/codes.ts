import type { EnsureCodesResult } from '../../referral/ports.ts';
import { newReferralCode } from '../../referral/codes.ts';
import type { PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';

export interface EnsureCodesOptions {
  /** Makes a referral code. @default newReferralCode (node:crypto) */
  newCode?: () => string;
  /** Collisions tolerated per KOC before giving up (each draws a new code). @default 5 */
  maxCollisions?: number;
}

/** Thrown inside a transaction to roll it back: another process gave this KOC a code first. */
class AlreadyGiven extends Error {}

/** Long enough for a transaction to wait its turn on PGlite's single connection or a busy pool. */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;

/**
 * Gives every KOC (a staff member who has not left and has a KOC profile) without a current, enabled referral code a
 * new one, and makes it their current code (`koc_profiles.referral_code_id`). Idempotent. Safe under a race:
 * - two processes giving the same KOC a code: each inserts its code and moves the profile from the value it read
 *   (no code, or a disabled one) in one transaction; the second's conditional update finds the profile moved and
 *   rolls its code back, so the KOC ends with exactly one;
 * - two KOCs drawing the same code (1 in 148 million): the unique index refuses the second, which draws again.
 */
export async function ensureReferralCodes(prisma: PrismaClient, at: Date, options: EnsureCodesOptions = {}): Promise<EnsureCodesResult> {
  const newCode = options.newCode ?? (() => newReferralCode());
  const maxCollisions = options.maxCollisions ?? 5;
  const kocs = await prisma.kocProfile.findMany({
    where: { staff: { leftAt: null } },
    select: { staffId: true, referralCodeId: true, referralCode: { select: { disabledAt: true } } },
    orderBy: { staffId: 'asc' },
  });
  const result: EnsureCodesResult = { created: 0, existing: 0, collisions: 0 };
  for (const koc of kocs) {
    if (koc.referralCodeId !== null && koc.referralCode?.disabledAt === null) {
      result.existing++;
      continue;
    }
    for (let collisions = 0; ; collisions++) {
      try {
        await prisma.$transaction(async (tx) => {
          const code = await tx.referralCode.create({ data: { code: newCode(), staffId: koc.staffId, createdAt: at }, select: { id: true } });
          const moved = await tx.kocProfile.updateMany({
            where: { staffId: koc.staffId, referralCodeId: koc.referralCodeId },
            data: { referralCodeId: code.id },
          });
          if (moved.count === 0) throw new AlreadyGiven();
        }, TRANSACTION_OPTIONS);
        result.created++;
      } catch (error) {
        if (error instanceof AlreadyGiven) {
          result.existing++;
        } else if (isUniqueViolation(error) && collisions < maxCollisions) {
          result.collisions++;
          continue;
        } else {
          throw error;
        }
      }
      break;
    }
  }
  return result;
}

/** A KOC's current referral code, if they have an enabled one. */
export async function referralCodeOf(prisma: PrismaClient, staffId: string): Promise<string | undefined> {
  const profile = await prisma.kocProfile.findUnique({ where: { staffId }, select: { referralCode: { select: { code: true, disabledAt: true } } } });
  const code = profile?.referralCode;
  return code && code.disabledAt === null ? code.code : undefined;
}
