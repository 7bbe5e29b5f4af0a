import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { formatCode } from '../../src/referral/codes.ts';
import { creditPoints } from '../../src/store/koc/points.ts';
import { guideAccount } from '../support/engine.ts';
import { addKoc, KOC_TIERS } from '../support/koc.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * Recognition: the sample weekly leaderboard flows (sop-playbooks/koc/weekly-*.yaml) on Sunday 20:00 — the
 * leaderboard in the 车友会 group ({{#each leaderboard}}) and each KOC's own rank, tier, points and link in private
 * ({{staff.rank}} …), ranked by the points of the last 7 days. Starts Friday 2026-12-11 10:00 Shanghai.
 */
const START = new Date('2026-12-11T02:00:00Z');
const SUNDAY_2005 = new Date('2026-12-13T12:06:00Z');
const sample = (file: string) => readFileSync(new URL(`../../sop-playbooks/koc/${file}`, import.meta.url), 'utf8');

const worlds = stoppedAfterEach();

describeEachStore('KOC recognition', (ctx) => {
  it('the weekly leaderboard goes to the group and each KOC hears their own place', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    await store.prisma.account.create({ data: { id: 'sh-guide-1', displayName: '小林', role: 'guide', storeId: 'sh-01' } });
    const lin = await addKoc(store.prisma, { wecomUserId: 'staff-lin', name: '林导购', role: 'guide', tier: '潜力', accountId: 'sh-guide-1' });
    const zhou = await addKoc(store.prisma, { wecomUserId: 'staff-zhou', name: '周大使', tier: '核心' });
    const give = (staffId: string, amount: number, id: string, at: Date) => creditPoints(store.prisma, { staffId, amount, reason: '测试', sourceKind: 'grant', sourceId: id, at });
    await give(zhou.staff.id, 80, 'z1', new Date('2026-12-10T04:00:00Z'));
    await give(lin.staff.id, 45, 'l1', new Date('2026-12-09T04:00:00Z'));
    await give(lin.staff.id, 500, 'l-old', new Date('2026-11-20T04:00:00Z')); // before the 7-day window: no rank, still in the balance

    const w = await runtimeWorld(store, {
      files: { 'koc/tiers.yaml': KOC_TIERS, 'weekly-leaderboard.yaml': sample('weekly-leaderboard.yaml'), 'weekly-standing.yaml': sample('weekly-standing.yaml') },
      start: START, accounts: [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }) }], staff: [{ id: 'staff-lin', name: '林导购' }],
      runtime: { koc: { linkBase: 'https://koc.example.com' } },
    });
    worlds.push(w);
    const linChat = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const amy = w.customer('王芳');
    const club = w.room('车友会1群', [amy]);
    w.mocks().mocker.ContactMock.load(amy.id).say('大家好呀').to(club.room); // the store knows a room once it saw it
    await w.waitForHandled(1);
    await w.runUntil(SUNDAY_2005);

    expect(club.received.map((m) => m.text).slice(1)).toEqual(['🏆 本周推荐官积分榜\n1. 周大使（核心）80 分\n2. 林导购（潜力）45 分\n感谢大家的分享和推荐！']);
    // On a guide's account the staff audience is its owner: Lin hears her place (Zhou would on his own account).
    expect(linChat.received).toEqual([`林导购，本周你排第 2 名（潜力，累计 545 分）。专属链接：https://koc.example.com/r/${formatCode(lin.code)}`]);
  });
});
