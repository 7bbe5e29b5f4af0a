import { Prisma, type PrismaClient } from '../generated/client.ts';
import { kocReport } from '../report/koc.ts';

/**
 * The dashboard's chart data, aggregated in SQL: the referral funnel (link clicks → customers added with a code →
 * coupons issued → coupons redeemed) by campaign and by KOC, and sends per local day. The KOC funnel is `kocflow report koc`'s
 * query (src/store/report/); the campaign funnel adds clicks and adds, which the campaigns report does not have.
 */
export interface FunnelRow {
  key: string;
  label: string;
  clicks: number;
  adds: number;
  coupons: number;
  redeemed: number;
}

const NONE = '(none)';

/** By campaign since `from`. Clicks count toward the campaign of the code clicked (codes without one: "(none)"). */
export async function funnelByCampaign(prisma: PrismaClient, from: Date): Promise<FunnelRow[]> {
  const rows = await prisma.$queryRaw<{ key: string | null; label: string | null; step: string; n: number }[]>(Prisma.sql`
    WITH steps AS (
      SELECT rc.campaign_id AS key, 'clicks' AS step, count(*)::int AS n
        FROM link_clicks lc JOIN referral_codes rc ON rc.code = lc.code
       WHERE lc.at >= ${from}::timestamptz GROUP BY 1
      UNION ALL
      SELECT attribution_campaign_id, 'adds', count(*)::int FROM contacts
       WHERE attributed_at >= ${from}::timestamptz GROUP BY 1
      UNION ALL
      SELECT campaign_id, 'coupons', count(*)::int FROM coupons WHERE issued_at >= ${from}::timestamptz GROUP BY 1
      UNION ALL
      SELECT c.campaign_id, 'redeemed', count(*)::int
        FROM redemptions r JOIN coupons c ON c.id = r.coupon_id
       WHERE r.at >= ${from}::timestamptz GROUP BY 1
    )
    SELECT s.key, cp.name AS label, s.step, s.n FROM steps s LEFT JOIN campaigns cp ON cp.id = s.key`);
  return pivot(rows);
}

/**
 * By KOC since `from`: the same numbers as `kocflow report koc` (one definition: src/store/report/koc.ts), KOCs
 * with no activity left out.
 */
export async function funnelByKoc(prisma: PrismaClient, from: Date, to: Date): Promise<FunnelRow[]> {
  const rows = await kocReport(prisma, { from, to, storeIds: null });
  return rows
    .filter((r) => r.clicks + r.adds + r.couponsIssued + r.couponsRedeemed > 0)
    .map((r) => ({ key: r.staffId, label: r.name, clicks: r.clicks, adds: r.adds, coupons: r.couponsIssued, redeemed: r.couponsRedeemed }))
    .sort((a, b) => b.clicks + b.adds - (a.clicks + a.adds) || a.label.localeCompare(b.label));
}

function pivot(rows: { key: string | null; label: string | null; step: string; n: number }[]): FunnelRow[] {
  const byKey = new Map<string, FunnelRow>();
  for (const row of rows) {
    const key = row.key ?? NONE;
    const entry = byKey.get(key) ?? { key, label: row.label ?? key, clicks: 0, adds: 0, coupons: 0, redeemed: 0 };
    if (row.step === 'clicks' || row.step === 'adds' || row.step === 'coupons' || row.step === 'redeemed') entry[row.step] += Number(row.n);
    byKey.set(key, entry);
  }
  return [...byKey.values()].sort((a, b) => b.clicks + b.adds - (a.clicks + a.adds) || a.label.localeCompare(b.label));
}

/** Messages sent per local day (in `timeZone`) from `from` to `to`, every day present (0 when none). */
export async function sendsPerDay(prisma: PrismaClient, input: { from: Date; to: Date; timeZone: string }): Promise<{ date: string; sends: number }[]> {
  const rows = await prisma.$queryRaw<{ date: string; n: number }[]>(Prisma.sql`
    SELECT to_char(sent_at AT TIME ZONE ${input.timeZone}, 'YYYY-MM-DD') AS date, count(*)::int AS n
      FROM outbox
     WHERE status = 'sent' AND sent_at >= ${input.from}::timestamptz AND sent_at < ${input.to}::timestamptz
     GROUP BY 1 ORDER BY 1`);
  const counts = new Map(rows.map((r) => [r.date, Number(r.n)]));
  const days: { date: string; sends: number }[] = [];
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: input.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const seen = new Set<string>();
  // Hour steps: every local day is met whatever the zone's offset.
  for (let t = input.from.getTime(); t < input.to.getTime(); t += 3_600_000) {
    const date = fmt.format(new Date(t));
    if (seen.has(date)) continue;
    seen.add(date);
    days.push({ date, sends: counts.get(date) ?? 0 });
  }
  return days;
}
