/**
 * The report queries on a seeded week (tests/support/reportScenario.ts), on both stores: the same exact numbers from
 * PGlite and PostgreSQL, the range's edges (a row at --to's end is out, one a millisecond before it in), and --store.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadReport, parseReportOptions, type LoadedReport } from '../../src/report/index.ts';
import { accountActivity, campaignReport, flowReport, kocReport, matchStores } from '../../src/store/report/index.ts';
import { FROM, FROM_DATE, NOW, TO, TO_DATE, ZONE, seedReportScenario, type Scenario } from '../support/reportScenario.ts';
import { describeEachStore } from '../support/stores.ts';

const ALL = { from: FROM, to: TO, storeIds: null };
const SH = { from: FROM, to: TO, storeIds: ['sh-001', 'sh-002'] };

describeEachStore('report queries', (ctx) => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await seedReportScenario(ctx.prisma);
  });

  it('koc: the funnel per KOC, with rows just outside the range left out; a KOC who left without activity is not listed', async () => {
    const rows = await kocReport(ctx.prisma, ALL);
    const funnel = rows.map((r) => [r.wecomUserId, r.name, r.storeId, r.tier, r.clicks, r.adds, r.couponsIssued, r.couponsRedeemed, r.points, r.pointsBalance]);
    expect(funnel).toEqual([
      // clicks: 4 in the week (one at TO − 1 ms), not the one at FROM − 1 ms nor at TO; adds: c1, c2 (c0 before, c3 at TO);
      // coupons: k1, k2 (k0 before); redeemed: k0 and k1 (k2 at TO); points 10 + 20 − 5 (100 before).
      ['ZhaoXue', '赵雪', 'sh-001', '核心', 4, 2, 2, 2, 25, 125],
      ['SmithJo', 'Smith, "Jo"', 'bj-001', '普通', 2, 1, 1, 1, 0, 0], // redeemed at TO − 1 ms: in
      ['WangMin', '王敏', 'sh-001', '潜力', 1, 1, 0, 0, 0, 0],
      ['LiLei', '李磊', 'bj-001', '普通', 0, 0, 0, 0, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({ staffId: scenario.staff.zhao, role: 'ambassador', leftAt: null });
    expect((await kocReport(ctx.prisma, SH)).map((r) => r.wecomUserId)).toEqual(['ZhaoXue', 'WangMin']);
    // One day only: 2026-12-02 (c1 attributed, k1 issued, k0 redeemed, 10 points, one click).
    const day = { from: new Date(FROM.getTime() + 86_400_000), to: new Date(FROM.getTime() + 2 * 86_400_000), storeIds: null };
    expect((await kocReport(ctx.prisma, day))[0]).toMatchObject({ wecomUserId: 'ZhaoXue', clicks: 1, adds: 1, couponsIssued: 1, couponsRedeemed: 1, points: 10 });
  });

  it('flows: per flow and step, sent / deferred / skipped by reason / failed / in doubt / replies within 24 h / opt-outs', async () => {
    expect(await flowReport(ctx.prisma, ALL)).toEqual([
      {
        flowId: 'new-customer-7d', stepIndex: 0, kinds: 'say', sent: 4, messagesSent: 4,
        // e2 and e3 deferred in the week (e3 twice, for two reasons); e10's deferral at FROM − 1 ms is outside.
        deferred: 2, deferredByReason: { quiet_hours: 1, rate_minute: 1, spacing: 1 },
        skipped: 0, skippedByReason: {}, failed: 0, inDoubt: 0,
        replied: 1, // e1 (2 h later); c2's message came 24 h 29 min after e2; c4's only message was 退订
        optOuts: 1, // c4, 8 h after e3
      },
      {
        flowId: 'new-customer-7d', stepIndex: 1, kinds: '', sent: 0, messagesSent: 0, // e6 was sent at TO
        deferred: 0, deferredByReason: {}, skipped: 2, skippedByReason: { contact_month_cap: 1, opted_out: 1 },
        failed: 1, inDoubt: 1, replied: 0, optOuts: 0,
      },
      {
        flowId: 'new-customer-7d', stepIndex: 2, kinds: 'tag', sent: 2, messagesSent: 0, // tags: no replies, no opt-outs
        deferred: 0, deferredByReason: {}, skipped: 0, skippedByReason: {}, failed: 0, inDoubt: 0, replied: 0, optOuts: 0,
      },
      {
        flowId: 'weekly-news', stepIndex: 0, kinds: 'roomSay', sent: 1, messagesSent: 1, deferred: 1, deferredByReason: { quiet_hours: 1 },
        skipped: 0, skippedByReason: {}, failed: 0, inDoubt: 0, replied: 1, optOuts: 0, // a member answered in the room
      },
      {
        flowId: null, stepIndex: null, kinds: 'say', sent: 1, messagesSent: 1, // the opt-out confirmation
        deferred: 0, deferredByReason: {}, skipped: 0, skippedByReason: {}, failed: 0, inDoubt: 0, replied: 0, optOuts: 0,
      },
    ]);
    const beijing = await flowReport(ctx.prisma, { ...ALL, storeIds: ['bj-001'] });
    expect(beijing.map((r) => [r.flowId, r.stepIndex, r.sent])).toEqual([['weekly-news', 0, 1]]);
  });

  it('campaigns: budget, issued, remaining, redeemed by store and the rate; an overlapping campaign with nothing is listed, a later one not', async () => {
    const rows = await campaignReport(ctx.prisma, ALL);
    expect(rows.map((r) => r.campaignId)).toEqual(['autumn', 'flyer', 'spring']); // winter starts in January
    expect(rows[2]).toEqual({
      campaignId: 'spring', name: '春季推荐有礼', startsAt: new Date('2026-10-31T16:00:00.000Z'), endsAt: new Date('2027-03-31T16:00:00.000Z'),
      budget: 100, issuedTotal: 4, remaining: 96,
      issued: 3, // k1, k2, k5 (k0 before)
      redeemed: 3, // k0 (sh-002), k1 (sh-001), k5 at TO − 1 ms (bj-001); k2 at TO is out
      redeemedOfIssued: 2, redemptionRate: 2 / 3,
      redeemedByStore: { 'bj-001': 1, 'sh-001': 1, 'sh-002': 1 },
    });
    expect(rows[1]).toMatchObject({ campaignId: 'flyer', budget: 5, issuedTotal: 3, remaining: 2, issued: 3, redeemed: 1, redemptionRate: 1 / 3, redeemedByStore: { 'bj-001': 1 } });
    expect(rows[0]).toMatchObject({ campaignId: 'autumn', budget: null, remaining: null, issued: 0, redeemed: 0, redemptionRate: null, redeemedByStore: {} });
    // Shanghai: coupons to the Shanghai accounts' customers, redemptions in Shanghai stores; offline coupons have no store.
    const sh = await campaignReport(ctx.prisma, SH);
    expect(sh.find((r) => r.campaignId === 'spring')).toMatchObject({ issued: 2, redeemed: 2, redeemedOfIssued: 1, redemptionRate: 0.5, redeemedByStore: { 'sh-001': 1, 'sh-002': 1 } });
    expect(sh.find((r) => r.campaignId === 'flyer')).toMatchObject({ issued: 0, redeemed: 0, issuedTotal: 3 });
  });

  it('accounts: status, sends today as pacing counts them, pending, deferred, in doubt; limits from kocflow.yaml with the ramp-up', async () => {
    expect(await accountActivity(ctx.prisma, ALL, NOW)).toEqual([
      {
        accountId: 'guide-li', name: '导购小李', role: 'guide', storeId: 'bj-001', timeZone: ZONE, status: 'paused', paused: true,
        firstSeenAt: FROM, lastSeenAt: null, backoffUntil: null, sentToday: 0, lastSentAt: new Date('2026-12-03T02:00:00.000Z'),
        sentInRange: 1, pending: 0, deferred: 0, inDoubt: 0, failedInRange: 0,
      },
      {
        accountId: 'guide-wang', name: '导购小王', role: 'guide', storeId: 'sh-001', timeZone: ZONE, status: 'active', paused: false,
        firstSeenAt: FROM, lastSeenAt: null, backoffUntil: null,
        sentToday: 1, lastSentAt: TO, // e6, sent at local midnight of NOW's day
        sentInRange: 7, pending: 2, deferred: 1, inDoubt: 1, failedInRange: 1,
      },
    ]);
    const report = await load('accounts');
    expect(report.kind === 'accounts' && report.rows.map((r) => [r.accountId, r.dailyLimit, r.maxPerDay, r.configured])).toEqual([
      ['guide-li', 360, 600, true], // first seen 7 days before NOW: 20% + 80% × 7/14 of 600
      ['guide-wang', 50, 50, true], // activeSince 2026-01-05: ramped up
    ]);
  });

  it('--store takes an id or a pattern; one that matches nothing is KOC_REPORT_STORE_UNKNOWN with a suggestion', async () => {
    expect((await matchStores(ctx.prisma, 'sh-*')).ids).toEqual(['sh-001', 'sh-002']);
    expect((await matchStores(ctx.prisma, 'bj-001')).ids).toEqual(['bj-001']);
    await expect(matchStores(ctx.prisma, 'sh-01')).rejects.toMatchObject({ code: 'KOC_REPORT_STORE_UNKNOWN', message: 'no store matches --store "sh-01" (did you mean "sh-001"?)' });
    await expect(matchStores(ctx.prisma, 'gz-*')).rejects.toMatchObject({ code: 'KOC_REPORT_STORE_UNKNOWN', hint: expect.stringContaining('bj-001, sh-001, sh-002') });
  });

  async function load(kind: string, store?: string): Promise<LoadedReport> {
    const request = parseReportOptions({ kind, from: FROM_DATE, to: TO_DATE, ...(store ? { store } : {}) }, { timeZone: ZONE, now: NOW });
    return loadReport(ctx.prisma, request, { config: scenario.config, env: {}, now: NOW });
  }
});
