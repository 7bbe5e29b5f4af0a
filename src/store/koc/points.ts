import type { Prisma, PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';

/**
 * The points ledger: every credit or debit is one append-only row, and `koc_profiles.points_balance` is a cache of
 * their sum kept in the same transaction. The unique (staff, source kind, source id) makes each source event pay
 * at most once, whichever path (a flow step, the referral loop, a fission invite, a task approval, an ops grant)
 * reports it and however often.
 *
 * Source kinds in use: "flow_step" (awardPoints, keyed by run and step), "referral" (a referred customer arrived,
 * keyed by campaign and contact), "redemption" (the referred customer's coupon was redeemed, keyed by coupon),
 * "room_invite" (a counted fission invitee, keyed by the invite row), "task", "participation", "grant".
 */
export interface PointsCredit {
  staffId: string;
  /** Positive earns, negative corrects or spends. */
  amount: number;
  /** Shown to the KOC and in reports, e.g. 推荐新客. */
  reason: string;
  sourceKind: string;
  sourceId: string;
  at: Date;
}

/** Appends one ledger row and moves the balance, in a transaction of its own. False: this source already paid. */
export async function creditPoints(prisma: PrismaClient, credit: PointsCredit): Promise<boolean> {
  if (credit.amount === 0) return false;
  try {
    await prisma.$transaction((tx) => write(tx, credit));
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return false; // this source already paid
  }
}

/**
 * The same inside a caller's interactive transaction (a redemption, an attribution), so the points and the event
 * that earned them commit together. It looks before it writes: a duplicate insert would abort the caller's
 * transaction on PostgreSQL. (A concurrent duplicate still fails on the unique index and the caller retries.)
 */
export async function creditPointsIn(tx: Prisma.TransactionClient, credit: PointsCredit): Promise<boolean> {
  if (credit.amount === 0 || (await alreadyCredited(tx, credit))) return false;
  await write(tx, credit);
  return true;
}

async function write(tx: Prisma.TransactionClient, credit: PointsCredit): Promise<void> {
  await tx.pointsLedger.create({
    data: { staffId: credit.staffId, amount: credit.amount, reason: credit.reason, sourceKind: credit.sourceKind, sourceId: credit.sourceId, at: credit.at },
  });
  await tx.kocProfile.updateMany({ where: { staffId: credit.staffId }, data: { pointsBalance: { increment: credit.amount } } });
}

export async function alreadyCredited(db: PrismaClient | Prisma.TransactionClient, credit: Pick<PointsCredit, 'staffId' | 'sourceKind' | 'sourceId'>): Promise<boolean> {
  const row = await db.pointsLedger.findUnique({
    where: { staffId_sourceKind_sourceId: { staffId: credit.staffId, sourceKind: credit.sourceKind, sourceId: credit.sourceId } },
    select: { id: true },
  });
  return row !== null;
}
