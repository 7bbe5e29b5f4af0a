import type { Prisma, PrismaClient } from '../generated/client.ts';

/**
 * A KOC's results over a window, for /stats: customers who arrived with their code, coupons issued under it,
 * coupons of theirs redeemed, points earned, and their balance.
 */
export interface KocResults {
  arrivals: number;
  coupons: number;
  redemptions: number;
  points: number;
  balance: number;
}

export async function kocResults(prisma: PrismaClient, staffId: string, from: Date, to: Date): Promise<KocResults> {
  const window = { gt: from, lte: to };
  const [arrivals, coupons, redemptions, points, profile] = await Promise.all([
    prisma.interaction.count({ where: { kind: 'referral_arrival', staffId, occurredAt: window } }),
    prisma.coupon.count({ where: { referralCode: { staffId }, issuedAt: window } }),
    prisma.interaction.count({ where: { kind: 'redemption', staffId, occurredAt: window } }),
    prisma.pointsLedger.aggregate({ where: { staffId, at: window }, _sum: { amount: true } }),
    prisma.kocProfile.findUnique({ where: { staffId }, select: { pointsBalance: true } }),
  ]);
  return { arrivals, coupons, redemptions, points: points._sum.amount ?? 0, balance: profile?.pointsBalance ?? 0 };
}

/** The person behind a WeCom user id, with their KOC standing (null profile: not in the KOC program). */
export async function staffByWecomId(prisma: PrismaClient, wecomUserId: string) {
  return prisma.staff.findFirst({
    where: { wecomUserId, leftAt: null },
    select: { id: true, name: true, role: true, wecomUserId: true, accountId: true, koc: { select: { tier: true, pointsBalance: true } } },
  });
}

export type StaffWithKoc = NonNullable<Awaited<ReturnType<typeof staffByWecomId>>>;

// ─────────────────────────────────────────────────────────────────────────────────────────── feedback

/** `/feedback …`: one row in the ops queue, with the KOC's standing when they wrote. */
export async function addFeedback(prisma: PrismaClient, input: { staffId: string; accountId: string; text: string; context: Prisma.InputJsonValue; at: Date }): Promise<{ id: string }> {
  return prisma.feedback.create({ data: { staffId: input.staffId, accountId: input.accountId, text: input.text, context: input.context, createdAt: input.at, updatedAt: input.at }, select: { id: true } });
}

export async function openFeedback(prisma: PrismaClient, limit = 100) {
  return prisma.feedback.findMany({
    where: { status: 'open' },
    include: { staff: { select: { name: true, wecomUserId: true } } },
    orderBy: { createdAt: 'asc' },
    take: limit,
  });
}
