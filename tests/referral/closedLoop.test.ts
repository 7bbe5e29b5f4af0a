/**
 * The closed loop end to end on both stores, on the real engine: code in a greeting → attribution → coupon sent by a
 * flow under the KOC's code → redeemed at a till → the KOC paid by the campaign; and the coupon's
 * history joins it all back together.
 */
import { expect, it } from 'vitest';
import { couponHistory } from '../../src/store/referral/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { DAY, runClosedLoop, T0 } from '../support/referral.ts';

describeEachStore('the closed loop', (ctx) => {
  it('from a KOC\'s code in a friend request to the redemption it caused, and the points it paid', async () => {
    const store = await ctx.freshStore();
    const { world, koc, contact, coupon, attribution, redeemed } = await runClosedLoop(store);
    const { prisma } = store;
    expect(attribution).toMatchObject({ ok: true, campaignId: 'spring', koc: { staffId: koc.staffId, tier: '核心' } });

    // The welcome went out with the coupon and the KOC's name; the coupon is issued under the KOC's code.
    const sent = world.texts().filter((t) => t.to === 'wm-amy' && t.kind === 'say');
    expect(sent).toEqual([
      expect.objectContaining({ kind: 'say', text: `欢迎！您是 赵雪 推荐来的朋友，送您一张券：${coupon.code}` }),
      // The coupon.redeemed run knows the coupon's wording from its campaign, and the store.
      expect.objectContaining({ kind: 'say', text: '感谢在上海南京西路店使用推荐礼券（满300减50）' }),
    ]);
    expect(coupon).toMatchObject({ campaignId: 'spring', referralCodeId: koc.codeId, allowedStores: ['sh-*'] });
    const message = await prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: coupon.issueKey! } });
    expect(message).toMatchObject({ kind: 'say', status: 'sent', contactId: contact.id });

    // Redeemed once, linked to the message and the KOC; the campaign paid the referrer (referrerReward: 10 on
    // arrival, 20 on redemption), each once, and the balance follows the ledger.
    expect(redeemed).toMatchObject({ ok: true, referrer: { staffId: koc.staffId }, coupon: { outboxId: message.id } });
    expect(await prisma.interaction.findFirstOrThrow({ where: { kind: 'redemption', contactId: contact.id } })).toMatchObject({ outboxId: message.id, staffId: koc.staffId, campaignId: 'spring' });
    expect(await prisma.pointsLedger.findMany({ where: { staffId: koc.staffId }, orderBy: { id: 'asc' }, select: { amount: true, reason: true, sourceKind: true, sourceId: true } })).toEqual([
      { amount: 10, reason: '春季推荐有礼：推荐新客', sourceKind: 'referral', sourceId: `spring:${contact.id}` },
      { amount: 20, reason: '春季推荐有礼：推荐客户核销', sourceKind: 'redemption', sourceId: coupon.id },
    ]);
    expect((await prisma.kocProfile.findUniqueOrThrow({ where: { staffId: koc.staffId } })).pointsBalance).toBe(30);

    // The interaction log tells the story in order.
    const kinds = (await prisma.interaction.findMany({ where: { contactId: contact.id }, orderBy: { id: 'asc' }, select: { kind: true } })).map((r) => r.kind);
    expect(kinds).toEqual(['friend.added', 'referral_arrival', 'code.sent', 'coupon_issued', 'say', 'redemption', 'coupon.redeemed', 'tag', 'say']);
    expect(await prisma.interaction.findFirstOrThrow({ where: { kind: 'coupon_issued', contactId: contact.id } })).toMatchObject({ staffId: koc.staffId, campaignId: 'spring', direction: 'out' });

    const history = await couponHistory(prisma, coupon.code.toLowerCase());
    expect(history).toMatchObject({
      coupon: { code: coupon.code, status: 'redeemed' },
      campaign: { id: 'spring', name: '春季推荐有礼', budget: 1000, issuedCount: 1 },
      issuedBy: { via: 'flow', flowId: 'referral-arrival', step: 0, accountId: 'sh-guide-1' },
      contact: { id: contact.id, name: '王芳' },
      attribution: { koc: { staffId: koc.staffId }, at: T0, code: koc.code, campaignId: 'spring' },
      referrer: { staffId: koc.staffId },
      message: { outboxId: message.id, kind: 'say', status: 'sent' },
      redemption: { storeId: 'sh-001', storeName: '上海南京西路店', channel: 'api', requestId: 'till-7:1001', at: new Date(T0.getTime() + DAY), staff: null },
    });
  });
});
