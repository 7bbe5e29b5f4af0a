/**
 * Redemption on both stores: each refusal, the rows a success writes (redemption, coupon status, interaction linked
 * to the contact, the outbox row and the KOC, audit), a retried request answered the same, and exactly one success
 * among 100 concurrent calls — on PostgreSQL through the store's real connection pool.
 */
import { beforeAll, expect, it } from 'vitest';
import { formatCode } from '../../src/referral/codes.ts';
import { redeemCoupon } from '../../src/store/referral/index.ts';
import { rejection } from '../support/errors.ts';
import { describeEachStore } from '../support/stores.ts';
import { ACCOUNT, DAY, newContact, newCoupon, newKoc, seedOrganisation, T0, unique, type TestKoc } from '../support/referral.ts';

describeEachStore('redemption', (ctx) => {
  let zhao: TestKoc;
  let cashier: string;

  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    zhao = await newKoc(ctx.prisma, { name: '赵雪', tier: '核心' });
    cashier = (await ctx.prisma.staff.create({ data: { wecomUserId: unique('guide'), name: '王敏', role: 'guide', storeId: 'sh-001', accountId: null } })).id;
  });

  const at = new Date(T0.getTime() + DAY);

  it('redeems once: the redemption, the coupon\'s status, an interaction linking contact, message and KOC, an audit row', async () => {
    const contact = await newContact(ctx.prisma);
    await ctx.prisma.contact.update({ where: { id: contact.id }, data: { attributedToStaffId: zhao.staffId, attributedAt: T0, attributionReferralCodeId: zhao.codeId } });
    // The message that carried it: a say step with coupon: shares its idempotency key with the coupon's issue key.
    const key = `run:${unique('run')}:0:say`;
    const outbox = await ctx.prisma.outboxEntry.create({
      data: { idempotencyKey: key, accountId: ACCOUNT, kind: 'say', contactId: contact.id, payload: {}, status: 'sent', dueAt: T0, sentAt: T0 },
    });
    const coupon = await newCoupon(ctx.prisma, { contactId: contact.id, allowedStores: ['sh-*'], issueKey: key });

    const result = await redeemCoupon(ctx.prisma, { code: formatCode(coupon.code).toLowerCase(), storeId: 'sh-001', staffId: cashier, channel: 'chat', at });
    expect(result).toEqual({
      ok: true, replay: false,
      redemption: { id: expect.any(String), storeId: 'sh-001', storeName: '上海南京西路店', staffId: cashier, channel: 'chat', requestId: null, at },
      coupon: {
        id: coupon.id, code: coupon.code, campaignId: 'spring', status: 'redeemed', issuedAt: coupon.issuedAt, expiresAt: coupon.expiresAt,
        allowedStores: ['sh-*'], outboxId: outbox.id,
      },
      campaign: { id: 'spring', name: 'spring' },
      contactId: contact.id,
      contact: { id: contact.id, accountId: ACCOUNT, externalId: contact.externalId, name: '王芳' },
      referrer: { staffId: zhao.staffId, name: '赵雪', wecomUserId: zhao.wecomUserId, role: 'ambassador', tier: '核心' },
    });
    expect(await ctx.prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).toMatchObject({ status: 'redeemed', outboxId: outbox.id });
    expect(await ctx.prisma.redemption.findMany({ where: { couponId: coupon.id } })).toHaveLength(1);
    expect(await ctx.prisma.interaction.findMany({ where: { contactId: contact.id }, select: { kind: true, accountId: true, outboxId: true, staffId: true, campaignId: true, occurredAt: true, body: true } })).toEqual([{
      kind: 'redemption', accountId: ACCOUNT, outboxId: outbox.id, staffId: zhao.staffId, campaignId: 'spring', occurredAt: at,
      body: { coupon: coupon.code, redemptionId: result.ok ? result.redemption.id : '', storeId: 'sh-001', channel: 'chat', redeemedBy: cashier, requestId: null },
    }]);
    expect(await ctx.prisma.auditLog.findMany({ where: { subject: `coupon:${coupon.id}` }, select: { actor: true, action: true } })).toEqual([{ actor: `staff:${cashier}`, action: 'coupon.redeem' }]);

    // A report joins redemption → message → KOC.
    const joined = await ctx.prisma.$queryRaw<{ code: string; outbox_kind: string; koc: string }[]>`
      SELECT c.code, o.kind AS outbox_kind, s.name AS koc
        FROM redemptions r JOIN coupons c ON c.id = r.coupon_id
        JOIN interactions i ON i.kind = 'redemption' AND i.body->>'redemptionId' = r.id
        JOIN outbox o ON o.id = i.outbox_id JOIN staff s ON s.id = i.staff_id
       WHERE c.id = ${coupon.id}`;
    expect(joined).toEqual([{ code: coupon.code, outbox_kind: 'say', koc: '赵雪' }]);
  });

  it('refuses a second redemption with when and where the first was: already_redeemed', async () => {
    const coupon = await newCoupon(ctx.prisma, { contactId: (await newContact(ctx.prisma)).id });
    expect(await redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'sh-001', channel: 'api', requestId: 'till-1', at })).toMatchObject({ ok: true });
    expect(await redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'bj-001', channel: 'chat', staffId: cashier, at: new Date(at.getTime() + 60_000) })).toEqual({
      ok: false, reason: 'already_redeemed',
      redemption: { id: expect.any(String), storeId: 'sh-001', storeName: '上海南京西路店', staffId: null, channel: 'api', requestId: 'till-1', at },
    });
  });

  it('answers a retried API request (same request id, same store) with the first success; another request is refused', async () => {
    const coupon = await newCoupon(ctx.prisma, { contactId: (await newContact(ctx.prisma)).id });
    const input = { code: coupon.code, storeId: 'sh-001', channel: 'api' as const, requestId: 'req-42', at };
    const first = await redeemCoupon(ctx.prisma, input);
    const retried = await redeemCoupon(ctx.prisma, { ...input, at: new Date(at.getTime() + 5_000) });
    expect(first).toMatchObject({ ok: true, replay: false });
    expect(retried).toEqual({ ...first, replay: true });
    expect(await redeemCoupon(ctx.prisma, { ...input, requestId: 'req-43' })).toMatchObject({ ok: false, reason: 'already_redeemed' });
    expect(await redeemCoupon(ctx.prisma, { ...input, storeId: 'sh-002-unknown' }).catch((e: { code: string }) => e.code)).toBe('KOC_REDEEM_STORE_UNKNOWN');
    expect(await redeemCoupon(ctx.prisma, { ...input, storeId: 'bj-001' })).toMatchObject({ ok: false, reason: 'already_redeemed' });
    expect(await ctx.prisma.redemption.count({ where: { couponId: coupon.id } })).toBe(1);
    expect(await ctx.prisma.interaction.count({ where: { kind: 'redemption', body: { path: ['coupon'], equals: coupon.code } } })).toBe(1);
  });

  it('refuses unknown codes (not_found, saying whether it was even well-formed), expired, other stores\' and voided coupons', async () => {
    expect(await redeemCoupon(ctx.prisma, { code: 'Q333333333', storeId: 'sh-001', channel: 'api', at })).toEqual({ ok: false, reason: 'not_found', wellFormed: true });
    expect(await redeemCoupon(ctx.prisma, { code: 'Q33333333A', storeId: 'sh-001', channel: 'api', at })).toEqual({ ok: false, reason: 'not_found', wellFormed: false });
    expect(await redeemCoupon(ctx.prisma, { code: '', storeId: 'sh-001', channel: 'api', at })).toEqual({ ok: false, reason: 'not_found', wellFormed: false });

    const expired = await newCoupon(ctx.prisma, { expiresAt: at });
    expect(await redeemCoupon(ctx.prisma, { code: expired.code, storeId: 'sh-001', channel: 'api', at })).toEqual({ ok: false, reason: 'expired', expiresAt: at });
    expect(await redeemCoupon(ctx.prisma, { code: expired.code, storeId: 'sh-001', channel: 'api', at: new Date(at.getTime() - 1) })).toMatchObject({ ok: true });

    const shanghai = await newCoupon(ctx.prisma, { allowedStores: ['sh-*'] });
    expect(await redeemCoupon(ctx.prisma, { code: shanghai.code, storeId: 'bj-001', channel: 'chat', at })).toEqual({ ok: false, reason: 'wrong_store', allowedStores: ['sh-*'] });
    expect(await redeemCoupon(ctx.prisma, { code: shanghai.code, storeId: 'sh-001', channel: 'chat', at })).toMatchObject({ ok: true });

    const voided = await newCoupon(ctx.prisma, { status: 'void', voidReason: 'printed twice' });
    expect(await redeemCoupon(ctx.prisma, { code: voided.code, storeId: 'sh-001', channel: 'chat', at })).toEqual({ ok: false, reason: 'voided', voidReason: 'printed twice' });
    expect(await ctx.prisma.coupon.findUniqueOrThrow({ where: { id: voided.id } })).toMatchObject({ status: 'void' });
  });

  it('redeems an offline coupon (no contact) without an interaction row unless the staff member has an account', async () => {
    const coupon = await newCoupon(ctx.prisma);
    const result = await redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'sh-001', channel: 'api', at });
    expect(result).toMatchObject({ ok: true, contactId: null, contact: null, coupon: { outboxId: null } });
    expect(result.ok && 'referrer' in result).toBe(false);
    expect(await ctx.prisma.interaction.count({ where: { kind: 'redemption', body: { path: ['coupon'], equals: coupon.code } } })).toBe(0);
    expect(await ctx.prisma.auditLog.findMany({ where: { subject: `coupon:${coupon.id}` }, select: { actor: true } })).toEqual([{ actor: 'api' }]);

    const owner = await ctx.prisma.staff.create({ data: { wecomUserId: unique('guide'), name: '李磊', role: 'guide', accountId: ACCOUNT } });
    try {
      const another = await newCoupon(ctx.prisma);
      expect(await redeemCoupon(ctx.prisma, { code: another.code, storeId: 'sh-001', staffId: owner.id, channel: 'chat', at })).toMatchObject({ ok: true });
      expect(await ctx.prisma.interaction.findMany({ where: { kind: 'redemption', body: { path: ['coupon'], equals: another.code } }, select: { accountId: true, contactId: true } })).toEqual([{ accountId: ACCOUNT, contactId: null }]);
    } finally {
      await ctx.prisma.staff.update({ where: { id: owner.id }, data: { accountId: null } });
    }
    expect((await rejection(redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'sh-001', staffId: 'no-such-staff', channel: 'chat', at }))).code).toBe('KOC_REDEEM_STAFF_UNKNOWN');
  });

  it('credits the KOC the coupon was issued under, even when the contact is not (any more) attributed', async () => {
    const coupon = await newCoupon(ctx.prisma, { contactId: (await newContact(ctx.prisma)).id, referralCodeId: zhao.codeId });
    expect(await redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'sh-001', channel: 'api', at })).toMatchObject({ ok: true, referrer: { staffId: zhao.staffId } });
  });

  it('of 100 concurrent redemptions of one code, exactly one succeeds and 99 are already_redeemed', async () => {
    const contact = await newContact(ctx.prisma);
    const coupon = await newCoupon(ctx.prisma, { contactId: contact.id });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      redeemCoupon(ctx.prisma, { code: coupon.code, storeId: i % 2 ? 'sh-001' : 'bj-001', channel: 'api', requestId: `till-${i}`, at })));
    const wins = results.filter((r) => r.ok);
    expect(wins).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already_redeemed')).toHaveLength(99);
    const winner = wins[0]!;
    // Every loser names the winner's redemption.
    for (const r of results) if (!r.ok && r.reason === 'already_redeemed' && winner.ok) expect(r.redemption.id).toBe(winner.redemption.id);
    expect(await ctx.prisma.redemption.count({ where: { couponId: coupon.id } })).toBe(1);
    expect(await ctx.prisma.interaction.count({ where: { contactId: contact.id, kind: 'redemption' } })).toBe(1);
    expect(await ctx.prisma.auditLog.count({ where: { subject: `coupon:${coupon.id}` } })).toBe(1);
    if (ctx.store.kind === 'postgres') {
      // The race was real: the calls ran on several pooled connections at once.
      expect(ctx.store.pool.totalCount).toBeGreaterThan(1);
    }
  });

  it('of 100 concurrent retries of one request, all get the one success (one not a replay)', async () => {
    const coupon = await newCoupon(ctx.prisma, { contactId: (await newContact(ctx.prisma)).id });
    const results = await Promise.all(Array.from({ length: 100 }, () =>
      redeemCoupon(ctx.prisma, { code: coupon.code, storeId: 'sh-001', channel: 'api', requestId: 'same-request', at })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && !r.replay)).toHaveLength(1);
    expect(new Set(results.map((r) => (r.ok ? r.redemption.id : '')))).toHaveProperty('size', 1);
  });
});
