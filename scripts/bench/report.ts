import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Store } from '../../src/store/openStore.ts';
import { Prisma } from '../../src/store/generated/client.ts';
import { flowReportQuery } from '../../src/store/report/flows.ts';
import { accountActivity, campaignReport, flowReport, kocReport, outboxMetrics, type ReportScope } from '../../src/store/report/index.ts';
import { printBenchHeader, withEmbeddedStore, withFreshPostgres } from './benchStores.ts';

/**
 * `npm run bench:report -- [--scale 1] [--runs 5] [--pg postgresql://…/test] [--only embedded|postgres] [--explain DAYS] [--keep]`: the report
 * queries and the /metrics snapshot on a store holding a year of a 20-account brand, on the embedded store (PGlite
 * in a temp data directory) and on PostgreSQL (a database created for the run and dropped after it). A benchmark,
 * not a test: run it by hand and keep the raw output (docs/bench/report.txt) with the machine it ran on.
 *
 * The year, at --scale 1 (rows spread evenly over 2026): 20 accounts in 5 stores, 40 KOCs, 50,000 contacts (a fifth
 * of them attributed), 300,000 outbox rows (sent, with pending, skipped, failed and in-doubt ones) and 90,000 outbox
 * events, 100,000 inbound messages, 30,000 link clicks, 10,000 coupons, 4,000 redemptions, 20,000 points rows.
 * Each report is timed over the year's last 7 days and its last 90 days (median of --runs, after one warm-up run).
 * `--explain DAYS` also prints the flows report's plan (EXPLAIN ANALYZE) for the last DAYS days; `--keep` leaves the
 * PostgreSQL database in place for a look with psql (drop it by hand).
 */
const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    pg: { type: 'string', default: process.env.KOCFLOW_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    only: { type: 'string' },
    explain: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const SCALE = Number(args.scale);
const RUNS = Number(args.runs);
if (!(SCALE > 0) || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('--scale must be a positive number and --runs a whole number of at least 1');
  process.exit(2);
}
const n = (count: number) => Math.max(1, Math.round(count * SCALE));
const COUNTS = {
  contacts: n(50_000), outbox: n(300_000), inbound: n(100_000), clicks: n(30_000), coupons: n(10_000), redemptions: n(4_000), ledger: n(20_000),
};
const YEAR_START = '2026-01-01T00:00:00Z';
const YEAR_SECONDS = 365 * 86_400;
const END = new Date('2027-01-01T00:00:00Z');
const NOW = new Date('2026-12-31T12:00:00Z');

/** `column` spread over the year: row g of `total` at YEAR_START + g/total of the year. */
const spread = (g: string, total: number) => `(timestamptz '${YEAR_START}' + (${g}::float8 * ${YEAR_SECONDS / total}) * interval '1 second')`;

async function seed(store: Store): Promise<void> {
  const run = (sql: string) => store.prisma.$executeRawUnsafe(sql);
  const c = COUNTS;
  await run(`INSERT INTO stores (id, name, updated_at) SELECT 'st-' || g, '门店' || g, now() FROM generate_series(0, 4) g`);
  await run(`INSERT INTO accounts (id, display_name, role, store_id, updated_at, created_at)
             SELECT 'acc-' || g, '导购' || g, 'guide', 'st-' || (g % 5), now(), timestamptz '${YEAR_START}' FROM generate_series(0, 19) g`);
  await run(`INSERT INTO staff (id, wecom_user_id, name, role, store_id, updated_at) SELECT 'staff-' || g, 'Koc' || g, '推荐官' || g, 'ambassador', 'st-' || (g % 5), now() FROM generate_series(0, 39) g`);
  await run(`INSERT INTO referral_codes (id, code, staff_id) SELECT 'code-' || g, 'CODE' || g, 'staff-' || g FROM generate_series(0, 39) g`);
  await run(`INSERT INTO koc_profiles (staff_id, tier, points_balance, referral_code_id, updated_at) SELECT 'staff-' || g, '普通', 0, 'code-' || g, now() FROM generate_series(0, 39) g`);
  await run(`INSERT INTO contacts (id, account_id, external_id, name, first_seen_at, updated_at, attributed_to_staff_id, attribution_referral_code_id, attributed_at, opted_out_at)
             SELECT 'c-' || g, 'acc-' || (g % 20), 'ext-' || g, '客户' || g, ${spread('g', c.contacts)}, now(),
                    CASE WHEN g % 5 = 0 THEN 'staff-' || (g % 40) END, CASE WHEN g % 5 = 0 THEN 'code-' || (g % 40) END,
                    CASE WHEN g % 5 = 0 THEN ${spread('g', c.contacts)} END, CASE WHEN g % 100 = 7 THEN ${spread('g', c.contacts)} + interval '3 days' END
               FROM generate_series(0, ${c.contacts - 1}) g`);
  await run(`INSERT INTO campaigns (id, name, budget, issued_count, updated_at) VALUES ('bench', '基准', ${c.coupons * 2}, ${c.coupons}, now())`);
  // Outbox: the contact of row g is c-(g mod contacts), on the same account (contacts is a multiple of 20 at scale 1).
  await run(`INSERT INTO outbox (idempotency_key, account_id, run_id, step_index, flow_id, kind, mode, proactive, contact_id, payload, status, due_at, sent_at,
                                 skip_reason, deferred_reason, created_at, updated_at)
             SELECT 'b:' || g, 'acc-' || ((g % ${c.contacts}) % 20), 'run-' || g, g % 3, 'flow-' || (g % 8), 'say', 'auto', true, 'c-' || (g % ${c.contacts}), '{}'::jsonb,
                    s.status::"OutboxStatus", t, CASE WHEN s.status = 'sent' THEN t + interval '1 minute' END,
                    CASE WHEN s.status = 'skipped' THEN 'contact_month_cap' END, CASE WHEN g % 4 = 0 THEN 'quiet_hours' END, t, t
               FROM generate_series(0, ${c.outbox - 1}) g
              CROSS JOIN LATERAL (SELECT ${spread('g', c.outbox)} AS t,
                                         CASE WHEN g % 50 = 0 THEN 'skipped' WHEN g % 97 = 0 THEN 'failed' WHEN g % 499 = 0 THEN 'in_doubt'
                                              WHEN g > ${c.outbox - 200} THEN 'pending' ELSE 'sent' END AS status) s`);
  await run(`INSERT INTO outbox_events (outbox_id, at, decision, reason)
             SELECT id, due_at, 'deferred', (ARRAY['quiet_hours', 'rate_minute', 'spacing', 'contact_day_cap'])[1 + (id % 4)::int] FROM outbox WHERE id % 4 = 0`);
  await run(`INSERT INTO outbox_events (outbox_id, at, decision, reason) SELECT id, due_at, status::text, coalesce(skip_reason, 'error') FROM outbox WHERE status IN ('skipped', 'failed', 'in_doubt')`);
  await run(`INSERT INTO interactions (occurred_at, direction, kind, account_id, contact_id, body)
             SELECT ${spread('g', c.inbound)} + interval '2 hours', 'in', 'message', 'acc-' || ((g * 3 % ${c.contacts}) % 20), 'c-' || (g * 3 % ${c.contacts}), '{}'::jsonb
               FROM generate_series(0, ${c.inbound - 1}) g`);
  await run(`INSERT INTO link_clicks (code, at, source_hash) SELECT 'CODE' || (g % 40), ${spread('g', c.clicks)}, 'h' FROM generate_series(0, ${c.clicks - 1}) g`);
  await run(`INSERT INTO coupons (id, code, campaign_id, contact_id, referral_code_id, status, issued_at, expires_at, updated_at)
             SELECT 'k-' || g, 'Q' || g, 'bench', 'c-' || (g * 5 % ${c.contacts}), 'code-' || (g % 40), CASE WHEN g < ${c.redemptions} THEN 'redeemed' ELSE 'issued' END::"CouponStatus",
                    ${spread('g', c.coupons)}, ${spread('g', c.coupons)} + interval '30 days', now()
               FROM generate_series(0, ${c.coupons - 1}) g`);
  await run(`INSERT INTO redemptions (id, coupon_id, store_id, channel, at)
             SELECT 'r-' || g, 'k-' || g, 'st-' || (g % 5), 'api', ${spread('g', c.coupons)} + interval '2 days' FROM generate_series(0, ${c.redemptions - 1}) g`);
  await run(`INSERT INTO points_ledger (staff_id, amount, reason, source_kind, source_id, at)
             SELECT 'staff-' || (g % 40), 10, 'bench', 'bench', g::text, ${spread('g', c.ledger)} FROM generate_series(0, ${c.ledger - 1}) g`);
  if (store.kind === 'postgres') await run('ANALYZE');
}

async function time(fn: () => Promise<unknown>): Promise<string> {
  await fn(); // warm-up
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = await fn();
    ms.push(performance.now() - started);
    rows = Array.isArray(result) ? result.length : 1;
  }
  ms.sort((a, b) => a - b);
  return `median ${ms[Math.floor(ms.length / 2)]!.toFixed(0).padStart(5)} ms (min ${ms[0]!.toFixed(0)}, max ${ms.at(-1)!.toFixed(0)}), ${rows} rows`;
}

async function measure(name: string, store: Store): Promise<void> {
  console.log(`[${name}]`);
  const started = performance.now();
  await seed(store);
  console.log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s: ${Object.entries(COUNTS).map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ')}`);
  for (const days of [7, 90]) {
    const scope: ReportScope = { from: new Date(END.getTime() - days * 86_400_000), to: END, storeIds: null };
    console.log(`  last ${days} days:`);
    console.log(`    koc        ${await time(() => kocReport(store.prisma, scope))}`);
    console.log(`    flows      ${await time(() => flowReport(store.prisma, scope))}`);
    console.log(`    campaigns  ${await time(() => campaignReport(store.prisma, scope))}`);
    console.log(`    accounts   ${await time(() => accountActivity(store.prisma, scope, NOW))}`);
    const sh: ReportScope = { ...scope, storeIds: ['st-0'] };
    console.log(`    flows, one store of five  ${await time(() => flowReport(store.prisma, sh))}`);
  }
  console.log(`  /metrics snapshot (whole history)  ${await time(() => outboxMetrics(store.prisma, NOW))}`);
  if (args.explain) {
    const scope: ReportScope = { from: new Date(END.getTime() - Number(args.explain) * 86_400_000), to: END, storeIds: null };
    let plan: Record<string, string>[] = [];
    for (let i = 0; i < 3; i++) plan = await store.prisma.$queryRaw<Record<string, string>[]>(Prisma.sql`EXPLAIN (ANALYZE, COSTS OFF) ${flowReportQuery(scope)}`);
    console.log(`  flows, last ${args.explain} days, EXPLAIN ANALYZE (the third run):`);
    for (const row of plan) console.log(`    ${Object.values(row)[0]}`);
  }
}

printBenchHeader('kocflow report benchmark (scripts/bench/report.ts)', [`scale:    ${SCALE}, ${RUNS} runs per measurement`]);
if (!args.only || args.only === 'embedded') await withEmbeddedStore('report', (store) => measure('embedded (PGlite, new data directory)', store));
console.log('');
if (!args.only || args.only === 'postgres') {
  await withFreshPostgres(args.pg, (store, { name, version }) => measure(`postgres (PostgreSQL ${version} on loopback, database ${name}, analyzed after seeding, dropped after the run)`, store), { keep: args.keep });
}
