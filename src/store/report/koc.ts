/**
 * The KOC report: per KOC, the referral funnel (link clicks → adds → coupons issued → redeemed) and points over the
 * range, with the current tier and balance. Definitions: docs/reports.md#koc.
 */
import { Prisma, type PrismaClient } from '../generated/client.ts';
import { inRange, inStores, reportQuery, toDate, toNumber, type ReportScope } from './scope.ts';

export interface KocReportRow {
  staffId: string;
  /** The KOC's WeCom user id. */
  wecomUserId: string;
  name: string;
  role: 'guide' | 'ambassador';
  storeId: string | null;
  /** Tier id from koc_profiles (now, not at the end of the range). */
  tier: string;
  /** When the person left; they are listed only when the range saw activity of theirs. */
  leftAt: Date | null;
  /** link_clicks on any of the KOC's referral codes (current or old), `at` in range. */
  clicks: number;
  /** Contacts whose attribution code is one of the KOC's, attributed in range. */
  adds: number;
  /** Coupons issued under one of the KOC's codes (coupons.referral_code_id), issued in range. */
  couponsIssued: number;
  /** Redemptions in range of coupons issued under one of the KOC's codes, whenever those were issued. */
  couponsRedeemed: number;
  /** Sum of points_ledger amounts in range (corrections are negative). */
  points: number;
  /** koc_profiles.points_balance now. */
  pointsBalance: number;
}

interface Row {
  staff_id: string;
  wecom_user_id: string;
  name: string;
  role: 'guide' | 'ambassador';
  store_id: string | null;
  tier: string;
  left_at: Date | string | null;
  points_balance: number;
  clicks: number;
  adds: number;
  coupons_issued: number;
  coupons_redeemed: number;
  points: number;
}

/**
 * One statement. Per KOC, clicks, adds and points are index range scans (link_clicks(code, at) per code,
 * contacts(attributed_to_staff_id, attributed_at), points_ledger(staff_id, at)); coupons and redemptions have no
 * index by referral code, so each is one grouped pass over the range's rows (coupons by issued_at, redemptions by at),
 * joined to the KOCs by code. A contact's attribution fields are written together (src/store/referral/attribution.ts),
 * so the staff id narrows by index and the code check keeps the definition exact.
 *
 * Order: most redemptions, adds, clicks first; ties by name byte-wise (COLLATE "C": PostgreSQL's default collation
 * and PGlite's differ, and both stores must list the same rows in the same order).
 */
export async function kocReport(prisma: PrismaClient, scope: ReportScope): Promise<KocReportRow[]> {
  const rows = await reportQuery<Row>(prisma, Prisma.sql`
    WITH k AS (
      SELECT s.id, s.wecom_user_id, s.name, s.role::text AS role, s.store_id, s.left_at, p.tier, p.points_balance
        FROM koc_profiles p JOIN staff s ON s.id = p.staff_id
       WHERE ${inStores(Prisma.sql`s.store_id`, scope)}
    ), codes AS (
      SELECT rc.id, rc.code, rc.staff_id FROM referral_codes rc WHERE rc.staff_id IN (SELECT id FROM k)
    ), issued AS (
      SELECT codes.staff_id, count(*)::int AS n
        FROM coupons cp JOIN codes ON codes.id = cp.referral_code_id
       WHERE ${inRange(Prisma.sql`cp.issued_at`, scope)}
       GROUP BY codes.staff_id
    ), redeemed AS (
      SELECT codes.staff_id, count(*)::int AS n
        FROM redemptions r JOIN coupons cp ON cp.id = r.coupon_id JOIN codes ON codes.id = cp.referral_code_id
       WHERE ${inRange(Prisma.sql`r.at`, scope)}
       GROUP BY codes.staff_id
    ), funnel AS (
      SELECT k.*,
             (SELECT count(*) FROM codes JOIN link_clicks lc ON lc.code = codes.code
               WHERE codes.staff_id = k.id AND ${inRange(Prisma.sql`lc.at`, scope)})::int AS clicks,
             (SELECT count(*) FROM contacts c JOIN codes ON codes.id = c.attribution_referral_code_id
               WHERE c.attributed_to_staff_id = k.id AND codes.staff_id = k.id AND ${inRange(Prisma.sql`c.attributed_at`, scope)})::int AS adds,
             coalesce(issued.n, 0) AS coupons_issued,
             coalesce(redeemed.n, 0) AS coupons_redeemed,
             (SELECT coalesce(sum(pl.amount), 0) FROM points_ledger pl
               WHERE pl.staff_id = k.id AND ${inRange(Prisma.sql`pl.at`, scope)})::int AS points
        FROM k
        LEFT JOIN issued ON issued.staff_id = k.id
        LEFT JOIN redeemed ON redeemed.staff_id = k.id
    )
    SELECT id AS staff_id, wecom_user_id, name, role, store_id, tier, left_at, points_balance, clicks, adds, coupons_issued, coupons_redeemed, points
      FROM funnel
     WHERE left_at IS NULL OR clicks + adds + coupons_issued + coupons_redeemed > 0 OR points <> 0
     ORDER BY coupons_redeemed DESC, adds DESC, clicks DESC, name COLLATE "C", wecom_user_id COLLATE "C"`);
  return rows.map((row) => ({
    staffId: row.staff_id,
    wecomUserId: row.wecom_user_id,
    name: row.name,
    role: row.role,
    storeId: row.store_id,
    tier: row.tier,
    leftAt: toDate(row.left_at),
    clicks: toNumber(row.clicks),
    adds: toNumber(row.adds),
    couponsIssued: toNumber(row.coupons_issued),
    couponsRedeemed: toNumber(row.coupons_redeemed),
    points: toNumber(row.points),
    pointsBalance: toNumber(row.points_balance),
  }));
}
