import type { PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';

/**
 * Tier changes and the schedule rows of tier evaluations. A change is one transaction: the tier_changes row (unique
 * per KOC and evaluation) and the profile's tier, moved only from the tier the evaluation read. An evaluation that
 * runs again after a crash finds its row and changes nothing twice.
 */
export interface KocForEvaluation {
  staffId: string;
  wecomUserId: string;
  name: string;
  accountId: string | null;
  tier: string;
}

export async function kocsForEvaluation(prisma: PrismaClient): Promise<KocForEvaluation[]> {
  const rows = await prisma.kocProfile.findMany({
    where: { staff: { leftAt: null } },
    select: { staffId: true, tier: true, staff: { select: { wecomUserId: true, name: true, accountId: true } } },
    orderBy: { staffId: 'asc' },
  });
  return rows.map((r) => ({ staffId: r.staffId, tier: r.tier, wecomUserId: r.staff.wecomUserId, name: r.staff.name, accountId: r.staff.accountId }));
}

export interface TierChangeInput {
  staffId: string;
  fromTier: string;
  toTier: string;
  reason: string;
  /** "tiers:<zone>:<instant>": the evaluation that decided it. */
  evaluation: string;
  at: Date;
}

/** true: changed now; false: this evaluation changed this KOC before, or their tier moved meanwhile. */
export async function recordTierChange(prisma: PrismaClient, change: TierChangeInput): Promise<boolean> {
  try {
    return await prisma.$transaction(async (tx) => {
      await tx.tierChange.create({
        data: { staffId: change.staffId, fromTier: change.fromTier, toTier: change.toTier, reason: change.reason, evaluation: change.evaluation, at: change.at },
      });
      const moved = await tx.kocProfile.updateMany({ where: { staffId: change.staffId, tier: change.fromTier }, data: { tier: change.toTier, tierChangedAt: change.at } });
      if (moved.count === 0) throw new TierMovedMeanwhile();
      return true;
    });
  } catch (error) {
    if (error instanceof TierMovedMeanwhile || isUniqueViolation(error)) return false;
    throw error;
  }
}

class TierMovedMeanwhile extends Error {}

export async function tierChangeOf(prisma: PrismaClient, staffId: string, evaluation: string) {
  return prisma.tierChange.findUnique({ where: { staffId_evaluation: { staffId, evaluation } } });
}

// ─────────────────────────────────────────────────────────────────────────────────── schedule rows

export interface KocScheduleRow {
  key: string;
  cron: string;
  timeZone: string;
  nextDueAt: Date;
  lastFiredAt: Date | null;
}

export function kocSchedules(prisma: PrismaClient) {
  return {
    list(prefix: string): Promise<KocScheduleRow[]> {
      return prisma.kocSchedule.findMany({ where: { key: { startsWith: prefix } }, orderBy: { nextDueAt: 'asc' } });
    },
    async put(row: KocScheduleRow): Promise<void> {
      await prisma.kocSchedule.upsert({ where: { key: row.key }, create: row, update: row });
    },
    async remove(key: string): Promise<void> {
      await prisma.kocSchedule.deleteMany({ where: { key } });
    },
    /** Moves a fired schedule on, only from the due instant that fired (a second process that fired it too changes nothing). */
    async advance(key: string, fired: Date, next: Date, at: Date): Promise<boolean> {
      const { count } = await prisma.kocSchedule.updateMany({ where: { key, nextDueAt: fired }, data: { nextDueAt: next, lastFiredAt: at } });
      return count === 1;
    },
  };
}
