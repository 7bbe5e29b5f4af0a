/**
 * The campaigns report: per campaign, its budget and what is left of it, coupons issued and redeemed over the range,
 * and where they were redeemed. Definitions: docs/reports.md#campaigns.
 */
import { Prisma, type PrismaClient } from '../generated/client.ts';
import { inRange, inStores, reportQuery, toCounts, toDate, toNumber, type ReportScope } from './scope.ts';

export interface CampaignReportRow {
  campaignId: string;
  name: string;
  startsAt: Date | null;
  endsAt: Date | null;
  /** Coupons the campaign may issue in all; null: no limit. */
  budget: number | null;
  /** Coupons issued since the campaign began (campaigns.issued_count), whatever the range and stores. */
  issuedTotal: number;
  /** budget − issuedTotal, never below 0; null without a budget. */
  remaining: number | null;
  /** Coupons issued in range (with --store: to customers of the stores' accounts). */
  issued: number;
  /** Redemptions in range (with --store: in those stores), whenever their coupons were issued. */
  redeemed: number;
  /** Of `issued`, those redeemed before the range ended (anywhere). */
  redeemedOfIssued: number;
  /** redeemedOfIssued / issued; null when nothing was issued in range. */
  redemptionRate: number | null;
  /** `redeemed` by the store of redemption, keys sorted. */
  redeemedByStore: Record<string, number>;
}

interface Row {
  id: string;
  name: string;
  starts_at: Date | string | null;
  ends_at: Date | string | null;
  budget: number | null;
  issued_count: number;
  issued: number;
  redeemed_of_issued: number;
  redeemed: number;
  by_store: unknown;
}

/**
 * One statement, two grouped passes: the range's coupons (by issued_at, each with its redemption by the unique
 * coupon id) and the range's redemptions (by at), each grouped by campaign. Listed: campaigns with activity in range
 * and campaigns whose period overlaps it (so a running campaign with nothing issued shows as such).
 */
export async function campaignReport(prisma: PrismaClient, scope: ReportScope): Promise<CampaignReportRow[]> {
  const rows = await reportQuery<Row>(prisma, Prisma.sql`
    WITH issued AS (
      SELECT cp.campaign_id, count(*)::int AS issued, count(r.id) FILTER (WHERE r.at < ${scope.to}::timestamptz)::int AS redeemed_of_issued
        FROM coupons cp
        LEFT JOIN redemptions r ON r.coupon_id = cp.id
        LEFT JOIN contacts ct ON ct.id = cp.contact_id
        LEFT JOIN accounts a ON a.id = ct.account_id
       WHERE ${inRange(Prisma.sql`cp.issued_at`, scope)} AND ${inStores(Prisma.sql`a.store_id`, scope)}
       GROUP BY cp.campaign_id
    ), per_store AS (
      SELECT cp.campaign_id, r.store_id, count(*)::int AS n
        FROM redemptions r JOIN coupons cp ON cp.id = r.coupon_id
       WHERE ${inRange(Prisma.sql`r.at`, scope)} AND ${inStores(Prisma.sql`r.store_id`, scope)}
       GROUP BY cp.campaign_id, r.store_id
    ), redeemed AS (
      SELECT campaign_id, sum(n)::int AS redeemed, jsonb_object_agg(store_id, n) AS by_store FROM per_store GROUP BY campaign_id
    )
    SELECT c.id, c.name, c.starts_at, c.ends_at, c.budget, c.issued_count,
           coalesce(i.issued, 0) AS issued, coalesce(i.redeemed_of_issued, 0) AS redeemed_of_issued,
           coalesce(r.redeemed, 0) AS redeemed, coalesce(r.by_store, '{}'::jsonb) AS by_store
      FROM campaigns c
      LEFT JOIN issued i ON i.campaign_id = c.id
      LEFT JOIN redeemed r ON r.campaign_id = c.id
     WHERE i.issued > 0 OR r.redeemed > 0
        OR ((c.starts_at IS NULL OR c.starts_at < ${scope.to}::timestamptz) AND (c.ends_at IS NULL OR c.ends_at > ${scope.from}::timestamptz))
     ORDER BY c.id COLLATE "C"`);
  return rows.map((row) => {
    const budget = row.budget === null ? null : toNumber(row.budget);
    const issuedTotal = toNumber(row.issued_count);
    const issued = toNumber(row.issued);
    const redeemedOfIssued = toNumber(row.redeemed_of_issued);
    return {
      campaignId: row.id,
      name: row.name,
      startsAt: toDate(row.starts_at),
      endsAt: toDate(row.ends_at),
      budget,
      issuedTotal,
      remaining: budget === null ? null : Math.max(0, budget - issuedTotal),
      issued,
      redeemed: toNumber(row.redeemed),
      redeemedOfIssued,
      redemptionRate: issued === 0 ? null : redeemedOfIssued / issued,
      redeemedByStore: toCounts(row.by_store),
    };
  });
}
