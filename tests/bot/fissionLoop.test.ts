import { expect, it } from 'vitest';
import { newReferralCode } from '../../src/referral/codes.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * Fission through real bots on the mock puppet: a customer invites friends into a car-club group; those who stay an
 * hour count, one who leaves early does not; at the goal the customer gets the campaign's coupon in chat, once. A
 * KOC who invites is paid per invitee who stayed. 10:00 in Shanghai, inside the campaign.
 */
const START = new Date('2026-12-05T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
const FILES = {
  'campaigns/club.yaml': `kind: campaign
id: club
name: 车友会拉新
coupon: { title: 入群礼券, value: 满200减20, validDays: 14 }
startsOn: 2026-12-01
fission: { room: { topic: "车友会*" }, goal: 2, minStay: 1h, pointsPerInvite: 5 }
`,
  'reward.yaml': `id: fission-reward
trigger: { on: fission.goal, campaign: club }
steps:
  - say: "谢谢您邀请 {{fission.invites}} 位朋友加入{{room.topic}}！送您{{coupon.title}}：{{coupon.code}}"
    coupon: { campaign: club }
`,
};

const worlds = stoppedAfterEach();

describeEachStore('fission in a group chat', (ctx) => {
  it('friends who stay count, one who leaves early does not; the goal gives the inviter a coupon in chat once; a KOC is paid per invitee', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    const staff = await store.prisma.staff.create({ data: { wecomUserId: 'koc-zhao', name: '赵雪', role: 'ambassador', storeId: 'sh-01' } });
    const code = await store.prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id } });
    await store.prisma.kocProfile.create({ data: { staffId: staff.id, tier: '核心', referralCodeId: code.id } });
    const w = await runtimeWorld(store, { files: FILES, start: START });
    worlds.push(w);
    const amy = w.customer('王芳');
    const zhao = w.customer('赵雪', undefined, 'koc-zhao');
    const [bo, carl, dan, eve, fay] = ['李波', '赵磊', '孙丹', '周伊', '吴菲'].map((name) => w.customer(name));
    const club = w.room('车友会3群', [amy, zhao]);

    club.room.add(bo!.contact).by(amy.contact);
    club.room.add(carl!.contact).by(amy.contact);
    club.room.add(eve!.contact).by(zhao.contact);
    club.room.add(fay!.contact).by(zhao.contact);
    await w.waitForHandled(4);
    await w.runUntil(later(10));
    // carl leaves after ten minutes and is re-invited: neither counts; dan's join brings amy to the goal.
    club.room.remove(carl!.contact).by(w.mocks().self);
    await w.waitForHandled(5);
    club.room.add(carl!.contact).by(amy.contact);
    await w.waitForHandled(6);
    await w.runUntil(later(30));
    expect(amy.received).toEqual([]); // one of two so far
    club.room.add(dan!.contact).by(amy.contact);
    await w.waitForHandled(7);
    await w.runUntil(later(100));

    expect(amy.received).toHaveLength(1);
    expect(amy.received[0]).toMatch(/^谢谢您邀请 2 位朋友加入车友会3群！送您入群礼券：Q[0-9A-Z]+$/);
    const coupon = await store.prisma.coupon.findFirstOrThrow({ where: { campaignId: 'club' }, include: { contact: true } });
    expect(coupon.contact?.externalId).toBe(amy.id);
    // The goal's event is logged once, however many more invitees count later.
    await store.prisma.fissionInvite.updateMany({ where: { inviteeExternalId: bo!.id }, data: { status: 'pending' } });
    await w.runUntil(later(200));
    expect(amy.received).toHaveLength(1);
    expect(await store.prisma.interaction.count({ where: { kind: 'fission.goal' } })).toBe(1);

    const statuses = Object.fromEntries((await store.prisma.fissionInvite.findMany()).map((r) => [r.inviteeExternalId, r.status]));
    expect(statuses).toEqual({ [bo!.id]: 'counted', [carl!.id]: 'left', [dan!.id]: 'counted', [eve!.id]: 'counted', [fay!.id]: 'counted' });
    const points = await store.prisma.pointsLedger.findMany({ where: { staffId: staff.id }, select: { amount: true, sourceKind: true } });
    expect(points).toEqual([{ amount: 5, sourceKind: 'room_invite' }, { amount: 5, sourceKind: 'room_invite' }]);
    expect(zhao.received).toEqual([]); // KOCs are not messaged per invite
  });
});
