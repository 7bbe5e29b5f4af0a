import { expect, it } from 'vitest';
import { formatCode, newReferralCode } from '../../src/referral/codes.ts';
import { CAMPAIGN_FILES, LOOP_FLOWS } from '../support/referral.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * The closed loop through real bots on the mock puppet: a customer adds the guide with a KOC's code in the
 * greeting, is credited to the KOC and gets a coupon in chat; the guide redeems it with /redeem; the KOC gets
 * points. 10:00 in Shanghai, inside the spring campaign.
 */
const START = new Date('2026-12-05T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
const WELCOME = `id: welcome
trigger: { on: friend.added }
steps:
  - say: "您好，我是小林"
`;

const worlds = stoppedAfterEach();

describeEachStore('the referral loop in chat', (ctx) => {
  it('code in the greeting → credited → coupon in chat → /redeem at the till → points for the KOC from the campaign; twice is refused', async () => {
    const store = await ctx.freshStore();
    // A KOC with an exclusive code (kocflow.yaml's staff become these rows at start).
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    const staff = await store.prisma.staff.create({ data: { wecomUserId: 'koc-zhao', name: '赵雪', role: 'ambassador', storeId: 'sh-01' } });
    const code = await store.prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id } });
    await store.prisma.kocProfile.create({ data: { staffId: staff.id, tier: '核心', referralCodeId: code.id } });
    const w = await runtimeWorld(store, { files: { ...CAMPAIGN_FILES, ...LOOP_FLOWS, 'welcome.yaml': WELCOME }, start: START });
    worlds.push(w);
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const amy = w.customer('王芳');

    w.mocks().puppet.receiveFriendship(amy.contact, `你好，朋友推荐的 ${formatCode(code.code).toLowerCase()}`);
    await w.waitForHandled(1);
    expect(w.handled[0]!.runsStarted).toBe(2); // the welcome and, through code.sent, the referral arrival
    await w.runUntil(later(10));
    expect(amy.received[0]).toBe('您好，我是小林');
    expect(amy.received[1]).toMatch(/^欢迎！您是 赵雪 推荐来的朋友，送您一张券：Q[0-9A-Z]+$/);
    const coupon = amy.received[1]!.split('：')[1]!;
    const contact = await store.prisma.contact.findFirstOrThrow({ where: { externalId: amy.id } });
    expect(contact.attributedToStaffId).toBe(staff.id);

    lin.say(`/redeem ${coupon.toLowerCase()}`);
    await w.waitForHandled(2);
    expect(lin.received[0]).toBe(`核销成功：春季推荐有礼（${coupon}），上海南京西路店，推荐人：赵雪。`);
    await w.runUntil(later(20));
    const points = await store.prisma.pointsLedger.findMany({ where: { staffId: staff.id }, orderBy: { id: 'asc' } });
    // The coupon.redeemed flow thanks the customer with the coupon's wording from the campaign and the store.
    expect(amy.received[2]).toBe('感谢在上海南京西路店使用推荐礼券（满300减50）');
    // The campaign pays the KOC itself (referrerReward: 10 when the customer arrived, 20 for the sale).
    expect(points.map((p) => [p.amount, p.sourceKind])).toEqual([[10, 'referral'], [20, 'redemption']]);

    lin.say(`/redeem ${coupon}`);
    await w.waitForHandled(3);
    expect(lin.received[1]).toMatch(/^这张券已于 12-05 10:\d\d 在 上海南京西路店 核销过，不能重复使用。$/);
    expect(await store.prisma.redemption.count()).toBe(1);
  });

  it('a code with a wrong check character is not credited: the customer is asked to check it', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    const staff = await store.prisma.staff.create({ data: { wecomUserId: 'koc-zhao', name: '赵雪', role: 'ambassador', storeId: 'sh-01' } });
    const code = await store.prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id } });
    await store.prisma.kocProfile.create({ data: { staffId: staff.id, tier: '核心', referralCodeId: code.id } });
    const w = await runtimeWorld(store, { files: { ...CAMPAIGN_FILES, ...LOOP_FLOWS }, start: START });
    worlds.push(w);
    const bob = w.customer('李强');
    // Change the last (check) character to another letter of the alphabet.
    const typo = code.code.slice(0, -1) + (code.code.endsWith('Q') ? 'R' : 'Q');
    bob.say(`推荐码 ${typo}`);
    await w.waitForHandled(1);
    await w.runUntil(later(5));
    expect(bob.received).toEqual(['这个推荐码好像不太对，麻烦核对一下再发一次（大小写都可以）。']);
    expect((await store.prisma.contact.findFirstOrThrow({ where: { externalId: bob.id } })).attributedToStaffId).toBeNull();
  });
});
