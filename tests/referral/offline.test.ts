/**
 * Coupons for offline use on both stores: all or nothing within the budget, also when batches race, and their
 * expiry as printed ("valid until <date>": the end of that local day).
 */
import { describe, expect, it } from 'vitest';
import { campaignTerms, offlineCouponExpiry, startOfLocalDate } from '../../src/referral/campaigns.ts';
import { newCouponCode, normalizeCouponCode } from '../../src/referral/codes.ts';
import { issueOfflineCoupons } from '../../src/store/referral/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { campaignSet, T0 } from '../support/referral.ts';

const set = campaignSet({
  'campaigns/flyer.yaml': `kind: campaign
id: flyer
name: 传单券
coupon: { title: 传单券, value: 满100减10, validDays: 10, stores: ["sh-*", "bj-001"] }
budget: 10
`,
  'campaigns/open.yaml': `kind: campaign
id: open
name: 不限量
coupon: { title: 券, value: 满100减5, validUntil: 2027-01-31 }
`,
});
const terms = (id: string) => campaignTerms(set.campaigns.get(id)!.document, 'Asia/Shanghai');

describeEachStore('offline coupons', (ctx) => {
  it('issues a batch within the budget: well-formed unique codes, issue keys naming the batch, the count reserved, an audit row', async () => {
    const store = await ctx.freshStore();
    const expiresAt = new Date('2026-12-15T16:00:00.000Z');
    const result = await issueOfflineCoupons(store.prisma, { terms: terms('flyer'), count: 4, expiresAt, at: T0, batchId: 'b1', actor: 'cli' });
    expect(result).toMatchObject({ ok: true, issuedCount: 4, budget: 10 });
    if (!result.ok) return;
    expect(new Set(result.coupons.map((c) => c.code)).size).toBe(4);
    for (const c of result.coupons) {
      expect(normalizeCouponCode(c.code)).toBe(c.code);
      expect(c).toMatchObject({ expiresAt, allowedStores: ['sh-*', 'bj-001'] });
    }
    const rows = await store.prisma.coupon.findMany({ orderBy: { issueKey: 'asc' } });
    expect(rows.map((r) => [r.issueKey, r.contactId, r.status, r.issuedAt])).toEqual([1, 2, 3, 4].map((n) => [`cli:b1:${n}`, null, 'issued', T0]));
    expect(await store.prisma.campaign.findUniqueOrThrow({ where: { id: 'flyer' } })).toMatchObject({ budget: 10, issuedCount: 4 });
    expect(await store.prisma.auditLog.findMany({ select: { actor: true, action: true, subject: true, details: true } })).toEqual([
      { actor: 'cli', action: 'coupon.issue', subject: 'campaign:flyer', details: { batch: 'b1', count: 4 } },
    ]);
  });

  it('issues none when the budget cannot cover the batch, and exactly fills it when batches race', async () => {
    const store = await ctx.freshStore();
    const base = { terms: terms('flyer'), expiresAt: new Date(T0.getTime() + 86_400_000), at: T0, actor: 'cli' };
    expect(await issueOfflineCoupons(store.prisma, { ...base, count: 11, batchId: 'too-many' })).toEqual({ ok: false, reason: 'budget_exceeded', budget: 10, issuedCount: 0 });
    expect(await store.prisma.coupon.count()).toBe(0);
    // Five batches of 3 against a budget of 10: three fit, two are refused whole.
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => issueOfflineCoupons(store.prisma, { ...base, count: 3, batchId: `race-${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok)).toHaveLength(2);
    expect(await store.prisma.coupon.count()).toBe(9);
    expect(await store.prisma.campaign.findUniqueOrThrow({ where: { id: 'flyer' } })).toMatchObject({ issuedCount: 9 });
    expect(await issueOfflineCoupons(store.prisma, { ...base, count: 1, batchId: 'last' })).toMatchObject({ ok: true, issuedCount: 10 });
    expect(await issueOfflineCoupons(store.prisma, { ...base, count: 1, batchId: 'one-more' })).toEqual({ ok: false, reason: 'budget_exceeded', budget: 10, issuedCount: 10 });
    // A campaign without a budget issues any number.
    expect(await issueOfflineCoupons(store.prisma, { ...base, terms: terms('open'), count: 500, batchId: 'open' })).toMatchObject({ ok: true, issuedCount: 500, budget: null });
  });

  it('draws the batch again when a code is taken: the first attempt, its reservation included, is rolled back', async () => {
    const store = await ctx.freshStore();
    const first = await issueOfflineCoupons(store.prisma, { terms: terms('open'), count: 1, expiresAt: T0, at: T0, batchId: 'a', actor: 'cli' });
    if (!first.ok) throw new Error('not issued');
    const taken = first.coupons[0]!.code;
    const drawn = [taken, newCouponCode(), newCouponCode(), newCouponCode()];
    const result = await issueOfflineCoupons(store.prisma, { terms: terms('open'), count: 2, expiresAt: T0, at: T0, batchId: 'b', actor: 'cli', newCode: () => drawn.shift()! });
    expect(result).toMatchObject({ ok: true, issuedCount: 3 });
    expect(drawn).toHaveLength(0);
    expect(await store.prisma.coupon.count()).toBe(3);
    expect(await store.prisma.auditLog.count()).toBe(2);
  });
});

describe('offline coupon expiry', () => {
  const shanghai = 'Asia/Shanghai';
  it('runs to the end of the local day: --expires-days, else validUntil, else validDays', () => {
    const at = new Date('2026-12-05T17:00:00.000Z'); // 2026-12-06 01:00 in Shanghai
    expect(offlineCouponExpiry(terms('flyer'), at, shanghai, 3)).toEqual(new Date('2026-12-09T16:00:00.000Z')); // end of 12-09 local
    expect(offlineCouponExpiry(terms('flyer'), at, shanghai)).toEqual(new Date('2026-12-16T16:00:00.000Z')); // validDays 10
    expect(offlineCouponExpiry(terms('open'), at, shanghai)).toEqual(new Date('2027-01-31T16:00:00.000Z')); // validUntil
    expect(offlineCouponExpiry(terms('open'), at, shanghai, 1)).toEqual(new Date('2026-12-07T16:00:00.000Z'));
    expect(startOfLocalDate('2026-12-01', shanghai)).toEqual(new Date('2026-11-30T16:00:00.000Z'));
    expect(startOfLocalDate('2026-03-08', 'America/New_York')).toEqual(new Date('2026-03-08T05:00:00.000Z'));
  });
});
