import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ChannelEvent } from '../../src/domain/channel.ts';
import { formatCode } from '../../src/referral/codes.ts';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import { createWebServer } from '../../src/web/server.ts';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { DAY, T0, campaignSet, newContact, newCoupon, newKoc, seedOrganisation } from '../support/referral.ts';
import { describeEachStore } from '../support/stores.ts';

/** The tills' redemption API and the tracking links, through Fastify (inject) and, for the race, a real socket. */
const SECRET = 'a-till-secret-of-32-characters!!';
const KEY = `Bearer ${SECRET}`;

describeEachStore('the web API', (ctx) => {
  let app: FastifyInstance;
  let clock: FakeClock;
  const raised: ChannelEvent[] = [];

  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    clock = new FakeClock(T0);
    const set = campaignSet();
    app = createWebServer({
      referrals: createReferrals(ctx.prisma, { playbooks: () => set }), guard: new RedemptionGuard({ clock }),
      tillKeys: parseTillKeys(`till-1:${SECRET}`, 'KOCFLOW_TILL_KEYS'), stores: new Set(['sh-001', 'bj-001']),
      raise: async (event) => void raised.push(event), prisma: ctx.prisma, clock, logger: silentLogger(),
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const redeem = (body: unknown, authorization = KEY) =>
    app.inject({ method: 'POST', url: '/api/redemptions', headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  it('refuses without a valid key, a malformed body, and an unknown store, with KOC codes', async () => {
    expect((await redeem({ code: 'x', store: 'sh-001' }, 'Bearer wrong')).json()).toMatchObject({ error: { code: 'KOC_API_UNAUTHORIZED' } });
    expect((await redeem({ code: 'x', store: 'sh-001' }, '')).statusCode).toBe(401);
    const bad = await redeem({ code: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'KOC_API_INVALID', issues: [{ path: 'store' }] } });
    const broken = await app.inject({ method: 'POST', url: '/api/redemptions', headers: { authorization: KEY, 'content-type': 'application/json' }, payload: '{"code": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('KOC_API_BAD_REQUEST');
    expect((await redeem({ code: 'x', store: 'gz-009' })).json()).toMatchObject({ error: { code: 'KOC_API_STORE_UNKNOWN' } });
  });

  it('redeems once: 200 with the referrer and a coupon.redeemed event, then 409; a retried request id gets the same 200', async () => {
    const koc = await newKoc(ctx.prisma, { name: '赵雪' });
    const contact = await newContact(ctx.prisma);
    await ctx.prisma.contact.update({ where: { id: contact.id }, data: { attributedToStaffId: koc.staffId, attributedAt: T0, attributionReferralCodeId: koc.codeId } });
    const coupon = await newCoupon(ctx.prisma, { contactId: contact.id, referralCodeId: koc.codeId });
    const first = await redeem({ code: formatCode(coupon.code).toLowerCase(), store: 'sh-001', requestId: 'r-1' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ ok: true, replay: false, coupon: { code: formatCode(coupon.code) }, redemption: { store: 'sh-001' }, referrer: { name: '赵雪' } });
    expect(raised.at(-1)).toMatchObject({ kind: 'coupon.redeemed', accountId: 'guide-wang', contact: { externalId: contact.externalId }, couponCode: coupon.code });
    const again = await redeem({ code: coupon.code, store: 'sh-001', requestId: 'r-1' });
    expect(again.json()).toMatchObject({ ok: true, replay: true });
    const twice = await redeem({ code: coupon.code, store: 'sh-001' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ error: { code: 'KOC_COUPON_ALREADY_REDEEMED', redeemedIn: '上海南京西路店' } });
    expect(raised.filter((e) => e.kind === 'coupon.redeemed' && e.couponCode === coupon.code)).toHaveLength(1);
  });

  it('expired (410), other store (422) and unknown (404) codes get distinct errors; guessing locks the till out (429)', async () => {
    const expired = await newCoupon(ctx.prisma, { expiresAt: new Date(T0.getTime() - DAY) });
    expect((await redeem({ code: expired.code, store: 'sh-001' })).statusCode).toBe(410);
    const shOnly = await newCoupon(ctx.prisma, { allowedStores: ['sh-*'] });
    const wrong = await redeem({ code: shOnly.code, store: 'bj-001' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ error: { code: 'KOC_COUPON_WRONG_STORE', allowedStores: ['sh-*'] } });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await redeem({ code: `Q${String(i).padStart(7, '0')}`, store: 'sh-001' })).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    const locked = await redeem({ code: shOnly.code, store: 'sh-001' });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    clock.set(new Date(clock.now().getTime() + 16 * 60_000)); // the lockout (15 min) is over
    expect((await redeem({ code: shOnly.code, store: 'sh-001' })).statusCode).toBe(200);
  });

  it('100 concurrent requests over a real socket for one code: exactly one 200 and 99 409s', async () => {
    const coupon = await newCoupon(ctx.prisma);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const responses = await Promise.all(Array.from({ length: 100 }, () => fetch(`${address}/api/redemptions`, {
        method: 'POST', headers: { authorization: KEY, 'content-type': 'application/json' }, body: JSON.stringify({ code: coupon.code, store: 'sh-001' }),
      })));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(99);
      expect(await ctx.prisma.redemption.count({ where: { couponId: coupon.id } })).toBe(1);
    } finally {
      await app.close();
    }
  });
}, { kinds: ['embedded', 'postgres'] });

describeEachStore('tracking links', (ctx) => {
  let app: FastifyInstance;
  // kocflow.yaml's staff[].landing, as `start` passes it: the demo's QR image, and a text with markup in it.
  const QR_FILE = fileURLToPath(new URL('../../demo/koc-zhao-qr.png', import.meta.url));
  const landings = new Map<string, { text?: string; qrFile?: string }>();
  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    const clock = new FakeClock(T0);
    app = createWebServer({
      referrals: createReferrals(ctx.prisma, { playbooks: () => campaignSet() }), guard: new RedemptionGuard({ clock }),
      tillKeys: parseTillKeys('', 'KOCFLOW_TILL_KEYS'), stores: new Set(), raise: async () => {}, prisma: ctx.prisma, clock, logger: silentLogger(),
      landing: (id) => landings.get(id),
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('/r/CODE logs the click and shows the KOC, escaped; a mistyped or unknown code is a 404 and logs nothing', async () => {
    const koc = await newKoc(ctx.prisma, { name: '<script>alert(1)</script>' });
    const page = await app.inject({ method: 'GET', url: `/r/${formatCode(koc.code).toLowerCase()}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 推荐您添加我们的导购');
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain(formatCode(koc.code));
    const typo = koc.code.slice(0, -1) + (koc.code.endsWith('Q') ? 'R' : 'Q');
    expect((await app.inject({ method: 'GET', url: `/r/${typo}` })).statusCode).toBe(404);
    const clicks = await ctx.prisma.linkClick.findMany({ where: { code: koc.code } });
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.sourceHash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('/r/CODE shows the KOC\'s own words and add-me QR code from kocflow.yaml; the image is served without counting a click', async () => {
    const koc = await newKoc(ctx.prisma, { name: '赵雪' });
    const plain = await newKoc(ctx.prisma, { name: '钱多' });
    landings.set(koc.wecomUserId, { text: '欢迎来店里试驾 <b>周末</b>', qrFile: QR_FILE });
    const page = await app.inject({ method: 'GET', url: `/r/${koc.code}` });
    expect(page.body).toContain('<p>欢迎来店里试驾 &lt;b&gt;周末&lt;/b&gt;</p>');
    expect(page.body).toContain(`<img src="/r/${koc.code}/qr" alt="赵雪 的企业微信二维码" width="240">`);
    expect(page.body).toContain('长按识别二维码添加，在招呼语里写上推荐码');
    const image = await app.inject({ method: 'GET', url: `/r/${koc.code.toLowerCase()}/qr` });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(readFileSync(QR_FILE))).toBe(true);
    expect(await ctx.prisma.linkClick.count({ where: { code: koc.code } })).toBe(1);
    // A KOC without a landing: the plain page, and no image.
    const other = await app.inject({ method: 'GET', url: `/r/${plain.code}` });
    expect(other.body).not.toContain('<img');
    expect(other.body).toContain('添加好友时，在招呼语里写上推荐码');
    expect((await app.inject({ method: 'GET', url: `/r/${plain.code}/qr` })).statusCode).toBe(404);
    // A configured file that went missing: 404, not a crash.
    landings.set(plain.wecomUserId, { qrFile: `${QR_FILE}.gone` });
    expect((await app.inject({ method: 'GET', url: `/r/${plain.code}/qr` })).statusCode).toBe(404);
  });
});
