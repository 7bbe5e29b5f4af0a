import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChannelEvent } from '../../src/domain/channel.ts';
import { formatCode } from '../../src/referral/codes.ts';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import { createWebServer } from '../../src/web/server.ts';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { T0, campaignSet, newContact, newCoupon, seedOrganisation } from '../support/referral.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * The till API and the tracking links under malformed, oversized and hostile input: every answer is a 4xx with a
 * KOC code in `{ error: { code, message } }` (never a 500, never a stack trace), prototype-pollution keys are
 * refused, and nothing is stored half-way: the coupon stays issued until a clean request redeems it once.
 */
const SECRET = 'a-till-secret-of-32-characters!!';

describeEachStore('the web API under hostile input', (ctx) => {
  let app: FastifyInstance;
  const raised: ChannelEvent[] = [];
  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    const clock = new FakeClock(T0);
    const set = campaignSet();
    app = createWebServer({
      referrals: createReferrals(ctx.prisma, { playbooks: () => set }), guard: new RedemptionGuard({ clock, maxFailures: 1_000 }),
      tillKeys: parseTillKeys(`till-1:${SECRET}`, 'KOCFLOW_TILL_KEYS'), stores: new Set(['sh-001']),
      raise: async (event) => void raised.push(event), prisma: ctx.prisma, clock, logger: silentLogger(),
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/redemptions', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json', ...headers }, payload });

  it('refuses every hostile body with a 4xx and a KOC code; the coupon is redeemed once, by the clean request only', async () => {
    const contact = await newContact(ctx.prisma);
    const coupon = await newCoupon(ctx.prisma, { contactId: contact.id });
    const code = formatCode(coupon.code);
    const bodies: string[] = [
      '{"__proto__": {"polluted": true}, "code": "x", "store": "sh-001"}',
      `{"constructor": {"prototype": {"polluted": true}}, "code": "${code}", "store": "sh-001"}`,
      `{"code": "${code}", "store": "sh-001", "extra": 1}`,
      `{"code": "${code}", "store": "sh-001", "staff": "a\\u0000b"}`,
      `{"code": "${code}", "store": "sh-001", "requestId": "\\u0000"}`,
      `{"code": "${code}\\u0000", "store": "sh-001"}`,
      `{"code": "${code}", "store": "sh-001\\u0000"}`,
      `{"code": "${code}", "store": "sh-001", "staff": "\\ud800"}`,
      `{"code": ${JSON.stringify('Q'.repeat(65))}, "store": "sh-001"}`,
      `{"code": "${code}", "store": "${'s'.repeat(20_000)}"}`,
      `{"code": {"$ne": null}, "store": "sh-001"}`,
      `{"code": ["${code}"], "store": "sh-001"}`,
      `{"code": 12345, "store": "sh-001"}`,
      `{"code": "{{coupon.code}}", "store": "sh-001"}`,
      `{"code": "' OR 1=1 --", "store": "sh-001"}`,
      `{"code": "😀😀😀", "store": "sh-001"}`,
      '[]', 'null', '"string"', '{', '{"code":', '\u0000', '',
      '{"a":'.repeat(5_000),
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.statusCode, `${body.slice(0, 80)} → ${response.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, body.slice(0, 80)).toBeLessThan(500);
      const json = response.json() as { error: { code: string; message: string } };
      expect(json.error.code).toMatch(/^KOC_[A-Z_]+$/);
      expect(response.body).not.toMatch(/\n\s+at |node_modules|prisma/i);
    }
    // Wrong content types and a body over the limit.
    expect((await post(`code=${code}&store=sh-001`, { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(415);
    expect((await post(JSON.stringify({ code, store: 'sh-001', requestId: 'x'.repeat(100_000) }))).statusCode).toBe(413);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    expect(await ctx.prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).toMatchObject({ status: 'issued' });
    expect(await ctx.prisma.redemption.count({ where: { couponId: coupon.id } })).toBe(0);
    const clean = await post(JSON.stringify({ code, store: 'sh-001', requestId: 'clean-1' }));
    expect(clean.statusCode, clean.body).toBe(200);
    expect(await ctx.prisma.redemption.count({ where: { couponId: coupon.id } })).toBe(1);
  });

  it('tracking links with hostile codes answer 404 pages, never a 500', async () => {
    for (const path of ['/r/%00', '/r/__proto__', '/r/constructor', `/r/${'x'.repeat(5_000)}`, '/r/%E0%A4%A', '/r/..%2F..%2Fetc%2Fpasswd', '/r/%3Cscript%3E', '/r/{{x}}/qr']) {
      const response = await app.inject({ method: 'GET', url: path });
      expect(response.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, path).toBeLessThan(500);
      expect(response.body).not.toContain('<script>');
    }
  });
});
