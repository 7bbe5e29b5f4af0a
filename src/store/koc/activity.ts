import type { WindowActivity } from '../../koc/tiers.ts';
import type { Prisma, PrismaClient } from '../generated/client.ts';

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * What the tiers and the leaderboard count, per KOC over a window (from, to]: the points of their ledger rows, and
 * the distinct local days (in `timeZone`) on which they have a ledger row or did something themselves — an inbound
 * interaction (a group message, a chat command) from the contact whose WeCom id is theirs. One query for the points
 * and one for the days, for all the KOCs given.
 */
export async function windowActivity(db: Db, staffIds: readonly string[], from: Date, to: Date, timeZone: string): Promise<Map<string, WindowActivity>> {
  const out = new Map<string, WindowActivity>(staffIds.map((id) => [id, { points: 0, activeDays: 0 }]));
  if (staffIds.length === 0) return out;
  const ids = [...staffIds];
  const points = await db.pointsLedger.groupBy({ by: ['staffId'], where: { staffId: { in: ids }, at: { gt: from, lte: to } }, _sum: { amount: true } });
  for (const row of points) out.get(row.staffId)!.points = row._sum.amount ?? 0;
  const days = await db.$queryRaw<{ staff_id: string; days: number }[]>`
    SELECT d.staff_id, count(DISTINCT d.day)::int AS days FROM (
      SELECT l.staff_id, (l.at AT TIME ZONE ${timeZone}::text)::date AS day
        FROM points_ledger l
       WHERE l.staff_id = ANY(${ids}::text[]) AND l.at > ${from}::timestamptz AND l.at <= ${to}::timestamptz
      UNION
      SELECT s.id, (i.occurred_at AT TIME ZONE ${timeZone}::text)::date
        FROM staff s
        JOIN contacts c ON c.external_id = s.wecom_user_id
        JOIN interactions i ON i.contact_id = c.id
       WHERE s.id = ANY(${ids}::text[]) AND i.direction = 'in'
         AND i.occurred_at > ${from}::timestamptz AND i.occurred_at <= ${to}::timestamptz
    ) d
    GROUP BY d.staff_id`;
  for (const row of days) out.get(row.staff_id)!.activeDays = Number(row.days);
  return out;
}

/** Points earned per KOC over (from, to], for every KOC in the program who has not left (0 for those without). */
export async function kocPoints(db: Db, from: Date, to: Date): Promise<{ staffId: string; name: string; wecomUserId: string; tier: string; points: number; code: string | null }[]> {
  const kocs = await db.kocProfile.findMany({
    where: { staff: { leftAt: null } },
    select: { staffId: true, tier: true, staff: { select: { name: true, wecomUserId: true } }, referralCode: { select: { code: true, disabledAt: true } } },
  });
  const sums = await db.pointsLedger.groupBy({ by: ['staffId'], where: { at: { gt: from, lte: to }, staffId: { in: kocs.map((k) => k.staffId) } }, _sum: { amount: true } });
  const byStaff = new Map(sums.map((s) => [s.staffId, s._sum.amount ?? 0]));
  return kocs.map((k) => ({
    staffId: k.staffId, name: k.staff.name, wecomUserId: k.staff.wecomUserId, tier: k.tier, points: byStaff.get(k.staffId) ?? 0,
    code: k.referralCode && !k.referralCode.disabledAt ? k.referralCode.code : null,
  }));
}
