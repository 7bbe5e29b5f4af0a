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

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Appends one ledger row and moves the balance. Returns false when this source already paid (nothing changes).
 * Inside a caller's interactive transaction pass `tx`: a duplicate then aborts that transaction on PostgreSQL, so
 * callers that must not abort check `alreadyCredited` first (same transaction, same answer).
 */
export async function creditPoints(db: Db, credit: PointsCredit): Promise<boolean> {
  if (credit.amount === 0) return false;
  const write = async (tx: Prisma.TransactionClient) => {
    await tx.pointsLedger.create({
      data: { staffId: credit.staffId, amount: credit.amount, reason: credit.reason, sourceKind: credit.sourceKind, sourceId: credit.sourceId, at: credit.at },
    });
    await tx.kocProfile.updateMany({ where: { staffId: credit.staffId }, data: { pointsBalance: { increment: credit.amount } } });
  };
  try {
    // A transaction client has $transaction too in Prisma 7 (nested transactions, which the PGlite adapter cannot
    // do: no savepoints); only the full client has $connect.
    if ('$connect' in db) await (db as PrismaClient).$transaction(write);
    else {
      if (await alreadyCredited(db, credit)) return false;
      await write(db);
    }
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return false; // this source already paid
  }
}

export async function alreadyCredited(db: Db, credit: Pick<PointsCredit, 'staffId' | 'sourceKind' | 'sourceId'>): Promise<boolean> {
  const row = await db.pointsLedger.findUnique({
    where: { staffId_sourceKind_sourceId: { staffId: credit.staffId, sourceKind: credit.sourceKind, sourceId: credit.sourceId } },
    select: { id: true },
  });
  return row !== null;
}
