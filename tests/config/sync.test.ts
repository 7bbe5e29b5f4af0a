import { expect, it } from 'vitest';
import { demoConfig, loadConfigText, syncConfigToStore, type KocflowConfig } from '../../src/config/index.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { describeEachStore } from '../support/stores.ts';

const T0 = new Date('2026-11-20T02:00:00.000Z');
const T1 = new Date('2026-11-25T02:00:00.000Z');

function config(text: string): KocflowConfig {
  const { config, diagnostics } = loadConfigText('kocflow.yaml', text);
  if (!config) throw new Error(JSON.stringify(diagnostics));
  return config;
}

describeEachStore('syncConfigToStore', (ctx) => {
  const repos = () => createRepositories(ctx.prisma);

  it('writes stores, accounts and the KOC program\'s people; is idempotent', async () => {
    const store = await ctx.freshStore();
    const demo = demoConfig();
    const first = await syncConfigToStore(store.prisma, demo, T0);
    expect(first).toMatchObject({ stores: 2, accounts: 3, staff: 3, staffLeft: 0, accountsDisabled: 0, kocProfilesCreated: 3 });
    expect([...first.firstSeen]).toEqual([['guide-li', T0], ['guide-wang', T0], ['koc-zhao', T0]]);

    const snapshot = async () => {
      const { stores, accounts, staff } = createRepositories(store.prisma);
      return {
        stores: (await stores.list()).map((s) => [s.id, s.name]),
        accounts: (await accounts.list()).map((a) => [a.id, a.displayName, a.role, a.storeId, a.timeZone, a.status, a.createdAt.toISOString()]),
        staff: (await staff.list({ includeLeft: true })).map((s) => [s.wecomUserId, s.name, s.role, s.storeId, s.accountId, s.leftAt]),
        koc: (await store.prisma.kocProfile.findMany({ include: { staff: true }, orderBy: { staffId: 'asc' } })).map((k) => [k.staff.wecomUserId, k.tier]).sort(),
      };
    };
    const before = await snapshot();
    expect(before).toEqual({
      stores: [['bj-001', '北京三里屯店'], ['sh-001', '上海南京西路店']],
      accounts: [
        ['guide-li', '导购小李', 'guide', 'bj-001', 'Asia/Shanghai', 'active', T0.toISOString()],
        ['guide-wang', '导购小王', 'guide', 'sh-001', 'Asia/Shanghai', 'active', T0.toISOString()],
        ['koc-zhao', '推荐官小赵', 'ambassador', 'sh-001', 'Asia/Shanghai', 'active', T0.toISOString()],
      ],
      // The ops member (ChenJing) is not written: the staff table is the KOC program's people.
      staff: [
        ['LiLei', '李磊', 'guide', 'bj-001', 'guide-li', null],
        ['WangMin', '王敏', 'guide', 'sh-001', 'guide-wang', null],
        ['ZhaoXue', '赵雪', 'ambassador', 'sh-001', 'koc-zhao', null],
      ],
      koc: [['LiLei', '普通'], ['WangMin', '潜力'], ['ZhaoXue', '核心']],
    });

    const again = await syncConfigToStore(store.prisma, demoConfig(), T1);
    expect(again).toMatchObject({ staffLeft: 0, accountsDisabled: 0, kocProfilesCreated: 0 });
    expect([...again.firstSeen]).toEqual([...first.firstSeen]); // first seen stays: the ramp-up does not restart
    expect(await snapshot()).toEqual(before);
  });

  it('follows a changed file: renames, a new owner, people who left, accounts removed and back, tiers only at the start', async () => {
    const store = await ctx.freshStore();
    await syncConfigToStore(store.prisma, demoConfig(), T0);
    await store.prisma.kocProfile.updateMany({ where: { staff: { wecomUserId: 'WangMin' } }, data: { tier: '核心' } }); // promoted since

    // guide-wang moves from WangMin (who leaves) to a new guide; koc-zhao is removed; 李磊 is renamed; tiers change.
    const changed = config(`
stores:
  - { id: sh-001, name: 上海南京西路旗舰店 }
  - { id: bj-001, name: 北京三里屯店 }
staff:
  - { id: LiLei, name: 李磊磊, role: guide, store: bj-001, tier: 核心 }
  - { id: SunLi, name: 孙丽, role: guide, store: sh-001, tier: 普通 }
  - { id: ZhaoXue, name: 赵雪, role: ambassador, store: sh-001 }
  - { id: ChenJing, name: 陈静, role: ops }
accounts:
  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: SunLi }
  - { id: guide-li, name: 导购小李, role: guide, store: bj-001, owner: LiLei, timeZone: Asia/Urumqi }
`);
    const result = await syncConfigToStore(store.prisma, changed, T1);
    expect(result).toMatchObject({ stores: 2, accounts: 2, staff: 3, staffLeft: 1, accountsDisabled: 1, kocProfilesCreated: 1 });
    expect([...result.firstSeen]).toEqual([['guide-li', T0], ['guide-wang', T0]]);

    const { stores, accounts, staff } = createRepositories(store.prisma);
    expect((await stores.list()).map((s) => s.name)).toEqual(['北京三里屯店', '上海南京西路旗舰店']);
    expect((await accounts.list()).map((a) => [a.id, a.status, a.timeZone])).toEqual([
      ['guide-li', 'active', 'Asia/Urumqi'],
      ['guide-wang', 'active', 'Asia/Shanghai'],
      ['koc-zhao', 'disabled', 'Asia/Shanghai'],
    ]);
    expect((await staff.list({ includeLeft: true })).map((s) => [s.wecomUserId, s.name, s.accountId, s.leftAt?.toISOString() ?? null])).toEqual([
      ['LiLei', '李磊磊', 'guide-li', null],
      ['SunLi', '孙丽', 'guide-wang', null],
      ['WangMin', '王敏', null, T1.toISOString()],
      ['ZhaoXue', '赵雪', null, null],
    ]);
    const tiers = await store.prisma.kocProfile.findMany({ include: { staff: true } });
    expect(tiers.map((k) => [k.staff.wecomUserId, k.tier]).sort()).toEqual([['LiLei', '普通'], ['SunLi', '普通'], ['WangMin', '核心'], ['ZhaoXue', '核心']]);

    // Everything back as it was: the account is active again, WangMin is back and owns guide-wang again.
    const back = await syncConfigToStore(store.prisma, demoConfig(), T1);
    expect(back).toMatchObject({ staffLeft: 1, accountsDisabled: 0 }); // SunLi leaves
    expect((await accounts.list()).map((a) => [a.id, a.status])).toEqual([['guide-li', 'active'], ['guide-wang', 'active'], ['koc-zhao', 'active']]);
    expect((await staff.list()).map((s) => [s.wecomUserId, s.accountId])).toEqual([['LiLei', 'guide-li'], ['WangMin', 'guide-wang'], ['ZhaoXue', 'koc-zhao']]);
  });

  it('keeps a person\'s row when the file spells their WeCom id in another case', async () => {
    await syncConfigToStore(ctx.prisma, demoConfig(), T0);
    const before = await repos().staff.getByWecomUserId('WangMin');
    const respelt = demoConfig();
    respelt.staff[0]!.id = 'wangmin';
    respelt.accounts[0]!.owner = 'wangmin';
    await syncConfigToStore(ctx.prisma, respelt, T1);
    const after = await repos().staff.getByWecomUserId('WANGMIN');
    expect(after).toMatchObject({ id: before!.id, wecomUserId: 'wangmin', accountId: 'guide-wang', leftAt: null });
    expect((await repos().staff.list({ includeLeft: true })).filter((s) => s.name === '王敏')).toHaveLength(1);
  });

  it('an assistant account is not linked to its owner', async () => {
    const store = await ctx.freshStore();
    const withHelper = demoConfig();
    withHelper.accounts.push({ ...withHelper.accounts[0]!, id: 'helper', name: '品牌助手', role: 'assistant', store: undefined, owner: 'ZhaoXue' });
    await syncConfigToStore(store.prisma, withHelper, T0);
    const zhao = await createRepositories(store.prisma).staff.getByWecomUserId('ZhaoXue');
    expect(zhao?.accountId).toBe('koc-zhao');
  });
});
