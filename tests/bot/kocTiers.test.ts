import { expect, it } from 'vitest';
import { TierEvaluation } from '../../src/runtime/koc/tierEvaluation.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { creditPoints } from '../../src/store/koc/points.ts';
import { guideAccount } from '../support/engine.ts';
import { addKoc, KOC_FILES } from '../support/koc.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * A KOC's path 普通 → 潜力 → 核心 and back down, on a fake clock, through the real runtime: the tiers file's
 * evaluation runs Mondays at 09:00 Shanghai time (a DueWork source), counts points and active days over 30 days,
 * records each change with its reason and announces it to the KOC in chat. Starts Monday 2026-12-07 10:00.
 */
const START = new Date('2026-12-07T02:00:00Z');
/** 12:00 Shanghai on the day `days` after 2026-12-07. */
const noonOf = (days: number) => new Date(Date.UTC(2026, 11, 7 + days, 4, 0, 0));
/** 09:00 Shanghai (the evaluation) on the day `days` after 2026-12-07. */
const nineOf = (days: number) => new Date(Date.UTC(2026, 11, 7 + days, 1, 0, 0));

const worlds = stoppedAfterEach();

describeEachStore('KOC tiers', (ctx) => {
  it('普通 → 潜力 → 核心 as points and active days grow, announced with the reason; quiet weeks demote; history kept', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    await store.prisma.account.create({ data: { id: 'sh-guide-1', displayName: '小林', role: 'guide', storeId: 'sh-01' } });
    const { staff } = await addKoc(store.prisma, { wecomUserId: 'staff-lin', name: '林导购', role: 'guide', tier: '普通', accountId: 'sh-guide-1' });
    const w = await runtimeWorld(store, { files: KOC_FILES, start: START, accounts: [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }) }], staff: [{ id: 'staff-lin', name: '林导购' }] });
    worlds.push(w);
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const grant = (day: number, amount: number) => creditPoints(store.prisma, { staffId: staff.id, amount, reason: '测试', sourceKind: 'grant', sourceId: `d${day}`, at: noonOf(day) });
    const tierOf = async () => (await store.prisma.kocProfile.findUniqueOrThrow({ where: { staffId: staff.id } })).tier;

    // 120 points on four days, and a chat command on a fifth: 潜力 needs 100 points and 4 active days.
    for (const day of [1, 2, 3, 4]) await grant(day, 30);
    await w.runUntil(noonOf(5));
    lin.say('/stats');
    await w.waitForHandled(1);
    await w.runUntil(new Date(nineOf(7).getTime() - 1));
    expect(await tierOf()).toBe('普通'); // not evaluated before Monday 09:00
    await w.runUntil(new Date(nineOf(7).getTime() + 60_000));
    expect(await tierOf()).toBe('潜力');
    expect(lin.received.at(-1)).toBe('🎉 恭喜！你的 KOC 等级升为「潜力」（30 天内 120 分、活跃 5 天）。\n潜力权益：新品优先体验\n发 /stats 看本周数据，/tasks 看可接的任务。');

    // Seven more days of 60: 540 points on 12 days → 核心 the next Monday.
    for (let day = 7; day < 14; day++) await grant(day, 60);
    await w.runUntil(new Date(nineOf(14).getTime() + 60_000));
    expect(await tierOf()).toBe('核心');
    expect(lin.received.at(-1)).toBe('🎉 恭喜！你的 KOC 等级升为「核心」（30 天内 540 分、活跃 12 天）。\n核心权益：新品内测、季度表彰\n发 /stats 看本周数据，/tasks 看可接的任务。');

    // Nothing more. Four weeks on, the window holds 420 points on 8 days: 潜力; a week later 120 on 2: 普通.
    await w.runUntil(new Date(nineOf(35).getTime() + 60_000));
    expect(await tierOf()).toBe('潜力');
    expect(lin.received.at(-1)).toBe('你的 KOC 等级调整为「潜力」（30 天内 420 分、活跃 8 天；保持「核心」需要 500 分、活跃 10 天）。多参与群里互动、接任务，很快就能回来！');
    await w.runUntil(new Date(nineOf(42).getTime() + 60_000));
    expect(await tierOf()).toBe('普通');

    const history = await store.prisma.tierChange.findMany({ where: { staffId: staff.id }, orderBy: { at: 'asc' } });
    expect(history.map((h) => [h.fromTier, h.toTier, h.reason, h.evaluation])).toEqual([
      ['普通', '潜力', '30 天内 120 分、活跃 5 天', `tiers:Asia/Shanghai:${nineOf(7).toISOString()}`],
      ['潜力', '核心', '30 天内 540 分、活跃 12 天', `tiers:Asia/Shanghai:${nineOf(14).toISOString()}`],
      // 12-28 and 01-04: still 核心 (the window held enough).
      ['核心', '潜力', '30 天内 420 分、活跃 8 天', `tiers:Asia/Shanghai:${nineOf(35).toISOString()}`],
      ['潜力', '普通', '30 天内 120 分、活跃 2 天', `tiers:Asia/Shanghai:${nineOf(42).toISOString()}`],
    ]);
    // One announcement per change, each through the outbox once.
    const notes = await store.prisma.outboxEntry.findMany({ where: { idempotencyKey: { startsWith: 'tier:' } } });
    expect(notes.map((n) => n.status)).toEqual(['sent', 'sent', 'sent', 'sent']);

    // The same evaluation again (a crash before its schedule moved on) changes nobody and queues nothing new.
    const again = new TierEvaluation({ prisma: store.prisma, playbooks: () => w.set, notes: w.runtime.koc.notes, clock: w.clock, logger: silentLogger() });
    expect(await again.evaluate(w.set.tiers!.document, 'Asia/Shanghai', nineOf(42), `tiers:Asia/Shanghai:${nineOf(42).toISOString()}`)).toBe(0);
    expect(await store.prisma.tierChange.count()).toBe(4);
    expect(await store.prisma.outboxEntry.count({ where: { idempotencyKey: { startsWith: 'tier:' } } })).toBe(4);
  });

  it('a restart neither skips an evaluation that fell due while kocflow was down nor runs one twice', async () => {
    const store = await ctx.freshStore();
    await store.prisma.account.create({ data: { id: 'sh-guide-1', displayName: '小林', role: 'guide' } });
    const { staff } = await addKoc(store.prisma, { wecomUserId: 'staff-lin', name: '林导购', role: 'guide', tier: '普通', accountId: 'sh-guide-1' });
    for (const day of [1, 2, 3, 4]) await creditPoints(store.prisma, { staffId: staff.id, amount: 30, reason: '测试', sourceKind: 'grant', sourceId: `d${day}`, at: noonOf(day) });
    const w = await runtimeWorld(store, { files: KOC_FILES, start: START, accounts: [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }) }], staff: [{ id: 'staff-lin', name: '林导购' }] });
    worlds.push(w);
    expect(await w.runtime.nextDueAt()).toEqual(nineOf(7)); // the schedule row, in the store
    await w.stop();
    worlds.pop();

    // Down over Monday 09:00; back on Tuesday: the missed evaluation runs once, as of Monday 09:00.
    const clock = new FakeClock(nineOf(8));
    const tiers = () => w.set;
    const first = new TierEvaluation({ prisma: store.prisma, playbooks: tiers, notes: w.runtime.koc.notes, clock, logger: silentLogger() });
    expect(await first.nextDueAt()).toEqual(nineOf(7));
    expect(await first.runDue(clock.now())).toBe(1);
    expect(await first.nextDueAt()).toEqual(nineOf(14));
    const second = new TierEvaluation({ prisma: store.prisma, playbooks: tiers, notes: w.runtime.koc.notes, clock, logger: silentLogger() });
    expect(await second.runDue(clock.now())).toBe(0);
    const changes = await store.prisma.tierChange.findMany();
    expect(changes.map((c) => [c.toTier, c.evaluation])).toEqual([['潜力', `tiers:Asia/Shanghai:${nineOf(7).toISOString()}`]]);
  });
});
