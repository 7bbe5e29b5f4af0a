import { expect, it } from 'vitest';
import { KocError } from '../../src/shared/errors.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('repositories', (ctx) => {
  const repos = () => createRepositories(ctx.prisma);

  it('accounts: upsert creates, updates configured fields, keeps runtime fields, and lists by role and store', async () => {
    const { stores, accounts } = repos();
    await stores.upsert({ id: 'sh-001', name: '上海一店' });
    await stores.upsert({ id: 'sh-001', name: '上海南京路店' });
    await stores.upsert({ id: 'bj-001', name: '北京一店' });
    expect((await stores.list()).map((s) => [s.id, s.name])).toEqual([
      ['bj-001', '北京一店'],
      ['sh-001', '上海南京路店'],
    ]);

    const created = await accounts.upsert({ id: 'guide-wang', displayName: '导购小王', role: 'guide', storeId: 'sh-001' });
    expect(created).toMatchObject({ timeZone: 'Asia/Shanghai', status: 'active', lastSeenAt: null });
    const seenAt = new Date('2026-11-25T02:00:00.000Z');
    await accounts.markSeen('guide-wang', seenAt);

    const updated = await accounts.upsert({
      id: 'guide-wang',
      displayName: '导购王敏',
      role: 'guide',
      storeId: 'bj-001',
      timeZone: 'Asia/Urumqi',
    });
    expect(updated).toMatchObject({ displayName: '导购王敏', storeId: 'bj-001', timeZone: 'Asia/Urumqi' });
    expect(updated.lastSeenAt?.toISOString()).toBe(seenAt.toISOString());

    await accounts.upsert({ id: 'assistant', displayName: '品牌助手', role: 'assistant' });
    await accounts.upsert({ id: 'guide-li', displayName: '导购小李', role: 'guide', storeId: 'sh-001' });
    expect((await accounts.list()).map((a) => a.id)).toEqual(['assistant', 'guide-li', 'guide-wang']);
    expect((await accounts.list({ role: 'guide' })).map((a) => a.id)).toEqual(['guide-li', 'guide-wang']);
    expect((await accounts.list({ role: 'guide', storeId: 'sh-001' })).map((a) => a.id)).toEqual(['guide-li']);
    expect(await accounts.get('nobody')).toBeNull();
  });

  it('accounts: a store that is not configured is a KocError', async () => {
    const error = await repos()
      .accounts.upsert({ id: 'guide-x', displayName: 'x', role: 'guide', storeId: 'no-such-store' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(KocError);
    expect((error as KocError).code).toBe('KOC_ACCOUNT_STORE_UNKNOWN');
  });

  it('staff: one owner per account; an account moves only after it is released; people leave and come back', async () => {
    const { stores, accounts, staff } = repos();
    await stores.upsert({ id: 'gz-001', name: '广州天河城店' });
    await accounts.upsert({ id: 'guide-gz', displayName: '导购小周', role: 'guide', storeId: 'gz-001' });
    const zhou = await staff.upsert({ wecomUserId: 'ZhouJie', name: '周杰', role: 'guide', storeId: 'gz-001', accountId: 'guide-gz' });
    expect(zhou).toMatchObject({ accountId: 'guide-gz', leftAt: null });

    const taken = await staff
      .upsert({ wecomUserId: 'WuFang', name: '吴芳', role: 'guide', storeId: 'gz-001', accountId: 'guide-gz' })
      .then(() => undefined, (e: unknown) => e);
    expect(taken).toBeInstanceOf(KocError);
    expect((taken as KocError).code).toBe('KOC_STAFF_ACCOUNT_TAKEN');

    expect(await staff.releaseAccounts(new Map([['guide-gz', 'WuFang']]))).toBe(1);
    await staff.upsert({ wecomUserId: 'WuFang', name: '吴芳', role: 'guide', storeId: 'gz-001', accountId: 'guide-gz' });
    expect(await staff.releaseAccounts(new Map([['guide-gz', 'wufang']]))).toBe(0); // WeCom ids ignore case

    const left = new Date('2026-11-25T02:00:00.000Z');
    const others = (await staff.list()).map((s) => s.wecomUserId).filter((id) => id !== 'ZhouJie');
    expect(await staff.markLeftExcept(others, left)).toBe(1);
    expect((await staff.getByWecomUserId('zhoujie'))?.leftAt?.toISOString()).toBe(left.toISOString());
    expect((await staff.list()).some((s) => s.wecomUserId === 'ZhouJie')).toBe(false);
    await staff.upsert({ wecomUserId: 'ZhouJie', name: '周杰', role: 'ambassador' });
    expect(await staff.getByWecomUserId('ZhouJie')).toMatchObject({ leftAt: null, role: 'ambassador', accountId: null });

    expect(await staff.ensureKocProfile(zhou.id, '普通', left)).toBe(true);
    expect(await staff.ensureKocProfile(zhou.id, '核心', left)).toBe(false);
  });

  it('playbook versions: recorded once per content hash, also when loaded concurrently', async () => {
    const { playbookVersions } = repos();
    const v1 = {
      flowId: 'new-customer-7d',
      contentHash: 'a'.repeat(64),
      sourcePath: 'sop-playbooks/journeys/new-customer.yaml',
      definition: { steps: [{ say: '您好' }, { wait: '1d', at: '10:00' }] },
    };
    const first = await playbookVersions.record(v1);
    expect(first.created).toBe(true);
    expect(first.version.definition).toEqual(v1.definition);

    const again = await playbookVersions.record(v1);
    expect(again).toMatchObject({ created: false, version: { id: first.version.id } });

    const v2 = { ...v1, contentHash: 'b'.repeat(64), definition: { steps: [] } };
    const concurrent = await Promise.all([playbookVersions.record(v2), playbookVersions.record(v2), playbookVersions.record(v2)]);
    expect(concurrent.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(concurrent.map((r) => r.version.id)).size).toBe(1);

    expect(await playbookVersions.get(first.version.id)).toMatchObject({ contentHash: v1.contentHash });
    expect(await playbookVersions.getByHash('new-customer-7d', v2.contentHash)).toMatchObject({ id: concurrent[0]!.version.id });
    expect(await playbookVersions.getByHash('new-customer-7d', 'c'.repeat(64))).toBeNull();
    expect((await playbookVersions.latest('new-customer-7d'))?.contentHash).toBe(v2.contentHash);
    expect(await playbookVersions.latest('unknown-flow')).toBeNull();
  });

  it('audit log: appends and lists newest first, filtered', async () => {
    const { auditLog } = repos();
    const a = await auditLog.append({
      actor: 'cli',
      action: 'contact.forget',
      subject: 'contact:c-1',
      details: { tables: ['contacts', 'interactions'], rows: 12 },
      at: new Date('2026-11-20T01:00:00.000Z'),
    });
    const b = await auditLog.append({ actor: 'api:till-7', action: 'coupon.redeem', subject: 'coupon:K7QX' });
    await auditLog.append({ actor: 'system', action: 'playbooks.reload', at: new Date('2026-11-19T00:00:00.000Z') });
    expect(typeof a.id).toBe('bigint');
    expect(b.id).toBeGreaterThan(a.id);
    expect(b.details).toEqual({});
    expect(b.subject).toBe('coupon:K7QX');

    expect((await auditLog.list()).map((e) => e.action)).toEqual(['coupon.redeem', 'contact.forget', 'playbooks.reload']);
    expect(await auditLog.list({ action: 'contact.forget' })).toEqual([
      expect.objectContaining({ actor: 'cli', details: { tables: ['contacts', 'interactions'], rows: 12 } }),
    ]);
    expect((await auditLog.list({ since: new Date('2026-11-19T12:00:00.000Z') })).map((e) => e.action)).toEqual([
      'coupon.redeem',
      'contact.forget',
    ]);
    expect(await auditLog.list({ limit: 1 })).toHaveLength(1);
    expect(await auditLog.list({ subject: 'coupon:K7QX', actor: 'cli' })).toEqual([]);
  });
});
