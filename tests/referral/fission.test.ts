/**
 * Fission invites on both stores: the rules a brand relies on not to pay twice (re-joins, second inviters,
 * self-invites, colleagues, members who leave early), points per counted invite for a KOC, and the goal for a
 * customer — raised once the last needed invitee stayed, and the same after a crash between the steps.
 */
import { expect, it } from 'vitest';
import { nextFissionDueAt, recordFissionJoin, recordFissionLeave, settleDueFissionInvites, type FissionGoal } from '../../src/store/referral/fission.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { describeEachStore } from '../support/stores.ts';
import { ACCOUNT, campaignSet, DAY, newContact, newKoc, seedOrganisation, T0, unique } from '../support/referral.ts';

const HOUR = 3_600_000;
const CLUB = {
  'campaigns/club.yaml': `kind: campaign
id: club
name: 车友会拉新
coupon: { title: 入群礼券, value: 满200减20, validDays: 14 }
startsOn: 2026-12-01
fission: { room: { topic: "车友会*" }, goal: 3, minStay: 1d, pointsPerInvite: 5 }
`,
};
const set = campaignSet(CLUB);
const campaigns = () => [...set.campaigns.values()].map((c) => c.document);
const campaignDoc = (id: string) => set.campaigns.get(id)?.document;

async function club(prisma: PrismaClient, topic = '车友会3群') {
  await seedOrganisation(prisma);
  return prisma.room.create({ data: { accountId: ACCOUNT, externalId: unique('room'), topic } });
}

function joiner(prisma: PrismaClient, room: { id: string; topic: string }) {
  return async (invitee: { id: string; externalId: string }, inviter: { externalId: string; staffId?: string; contactId?: string } | undefined, at: Date, isStaff = false) =>
    recordFissionJoin(prisma, campaigns(), {
      accountId: ACCOUNT, timeZone: 'Asia/Shanghai', at, room: { id: room.id, topic: room.topic },
      invitee: { externalId: invitee.externalId, contactId: invitee.id, isStaff }, ...(inviter ? { inviter } : {}),
    });
}

describeEachStore('fission invites', (ctx) => {
  it('counts each invitee once: re-joins, second inviters, self-invites, colleagues and early leavers do not count', async () => {
    const store = await ctx.freshStore();
    const { prisma } = store;
    const room = await club(prisma);
    const join = joiner(prisma, room);
    const amy = await newContact(prisma, { name: '王芳' });
    const [b, c, d, e] = await Promise.all([1, 2, 3, 4].map(() => newContact(prisma)));
    const inviter = { externalId: amy.externalId, contactId: amy.id };

    expect(await join(b!, inviter, T0)).toEqual([{ campaignId: 'club', ok: true, countsAt: new Date(T0.getTime() + DAY) }]);
    expect(await join(c!, inviter, T0)).toMatchObject([{ ok: true }]);
    expect(await join(amy, inviter, T0)).toEqual([{ campaignId: 'club', ok: false, reason: 'self_invite' }]);
    expect(await join(d!, inviter, T0, true)).toEqual([{ campaignId: 'club', ok: false, reason: 'staff_invitee' }]);
    expect(await join(e!, undefined, T0)).toEqual([{ campaignId: 'club', ok: false, reason: 'no_inviter' }]);
    // b leaves after 12 hours and re-joins, invited by someone else: still the first invitation, and it left.
    expect(await recordFissionLeave(prisma, { accountId: ACCOUNT, roomId: room.id, memberExternalId: b!.externalId, contactId: b!.id, at: new Date(T0.getTime() + 12 * HOUR) })).toBe(1);
    expect(await join(b!, { externalId: e!.externalId, contactId: e!.id }, new Date(T0.getTime() + 13 * HOUR))).toEqual([{ campaignId: 'club', ok: false, reason: 'already_invited' }]);
    // A room whose topic is not the campaign's takes no part.
    const other = await club(prisma, '新品体验群');
    expect(await joiner(prisma, other)(e!, inviter, T0)).toEqual([]);

    const goals: FissionGoal[] = [];
    const onGoal = async (goal: FissionGoal) => { goals.push(goal); };
    expect(await settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + DAY - 1), { onGoal })).toBe(0);
    expect(await nextFissionDueAt(prisma)).toEqual(new Date(T0.getTime() + DAY));
    expect(await settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + DAY), { onGoal })).toBe(1);
    expect(await nextFissionDueAt(prisma)).toBeNull();
    expect(goals).toEqual([]); // one of three

    const rows = await prisma.fissionInvite.findMany({ orderBy: { joinedAt: 'asc' }, select: { inviteeContactId: true, status: true } });
    expect(rows).toEqual(expect.arrayContaining([{ inviteeContactId: b!.id, status: 'left' }, { inviteeContactId: c!.id, status: 'counted' }]));
    expect(rows).toHaveLength(2);
    const kinds = (await prisma.interaction.findMany({ where: { campaignId: 'club' }, orderBy: { id: 'asc' }, select: { kind: true, body: true } }))
      .map((r) => `${r.kind}${(r.body as { reason?: string }).reason ? `:${(r.body as { reason: string }).reason}` : ''}`);
    expect(kinds).toEqual(['fission_invite', 'fission_invite', 'fission_refused:self_invite', 'fission_refused:staff_invitee', 'fission_left', 'fission_refused:already_invited', 'fission_counted']);
  });

  it('a customer who reaches the goal is raised once; a crash between raising and counting raises the same goal again', async () => {
    const store = await ctx.freshStore();
    const { prisma } = store;
    const room = await club(prisma);
    const join = joiner(prisma, room);
    const amy = await newContact(prisma, { name: '王芳' });
    const inviter = { externalId: amy.externalId, contactId: amy.id };
    const friends = await Promise.all([1, 2, 3, 4].map(() => newContact(prisma)));
    for (const [i, friend] of friends.slice(0, 3).entries()) await join(friend, inviter, new Date(T0.getTime() + i * HOUR));

    const goals: FissionGoal[] = [];
    // The first attempt dies right after raising the goal (before the third invite is marked counted).
    let crash = true;
    const failing = async (goal: FissionGoal) => {
      goals.push(goal);
      if (crash) { crash = false; throw new Error('killed'); }
    };
    await expect(settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + 3 * DAY), { onGoal: failing })).rejects.toThrow('killed');
    expect(await prisma.fissionInvite.count({ where: { status: 'counted' } })).toBe(2);
    expect(await settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + 3 * DAY), { onGoal: failing })).toBe(1);
    const goal = { campaignId: 'club', accountId: ACCOUNT, roomId: room.id, inviterContactId: amy.id, invites: 3, goal: 3 };
    expect(goals).toEqual([goal, goal]); // the same goal (the engine ignores the repeated event id)
    expect(await prisma.interaction.count({ where: { kind: 'fission_counted' } })).toBe(3);
    // Nothing is paid in points to a customer.
    expect(await prisma.pointsLedger.count()).toBe(0);
  });

  it('a KOC inviter earns pointsPerInvite for each invitee who stayed, once per invitee, also when settling runs twice', async () => {
    const store = await ctx.freshStore();
    const { prisma } = store;
    const room = await club(prisma);
    const join = joiner(prisma, room);
    const koc = await newKoc(prisma, { name: '赵雪' });
    const inviter = { externalId: koc.wecomUserId, staffId: koc.staffId };
    const [b, c] = await Promise.all([newContact(prisma), newContact(prisma)]);
    await join(b!, inviter, T0);
    await join(c!, inviter, T0);
    const onGoal = async () => { throw new Error('no goal for staff'); };
    expect(await settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + DAY), { onGoal })).toBe(2);
    // As if the process died after paying but before marking: the rows are pending again.
    await prisma.fissionInvite.updateMany({ data: { status: 'pending', settledAt: null } });
    expect(await settleDueFissionInvites(prisma, campaignDoc, new Date(T0.getTime() + DAY), { onGoal })).toBe(2);
    const ledger = await prisma.pointsLedger.findMany({ where: { staffId: koc.staffId }, select: { amount: true, reason: true, sourceKind: true } });
    expect(ledger).toEqual([
      { amount: 5, reason: '车友会拉新：邀请入群', sourceKind: 'room_invite' },
      { amount: 5, reason: '车友会拉新：邀请入群', sourceKind: 'room_invite' },
    ]);
    expect((await prisma.kocProfile.findUniqueOrThrow({ where: { staffId: koc.staffId } })).pointsBalance).toBe(10);
  });

  it('joins before the campaign starts do not count', async () => {
    const store = await ctx.freshStore();
    const { prisma } = store;
    const room = await club(prisma);
    const [amy, b] = await Promise.all([newContact(prisma), newContact(prisma)]);
    const early = new Date('2026-11-30T02:00:00Z'); // 10:00 on Nov 30 in Shanghai; the campaign starts on Dec 1
    expect(await joiner(prisma, room)(b!, { externalId: amy!.externalId, contactId: amy!.id }, early)).toEqual([{ campaignId: 'club', ok: false, reason: 'campaign_not_started' }]);
    expect(await prisma.fissionInvite.count()).toBe(0);
  });
});
