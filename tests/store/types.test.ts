/**
 * The column types the schema relies on behave the same on both stores through both driver adapters:
 * timestamptz instants (exact, whatever the server's time zone), enums, BigInt identities, text[], Json, UUIDv7 ids,
 * and interactive transactions.
 */
import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('column types', (ctx) => {
  it('stores the exact instant, whatever the server time zone (the postgres test database runs in Asia/Shanghai)', async () => {
    await ctx.prisma.account.create({ data: { id: 'tz-acct', displayName: 'tz', role: 'guide' } });
    const at = new Date('2026-03-08T23:30:15.123Z'); // 07:30:15.123 on 9 March in Shanghai
    const row = await ctx.prisma.interaction.create({
      data: { occurredAt: at, direction: 'in', kind: 'message', accountId: 'tz-acct', body: { text: 'hi' } },
    });
    const read = await ctx.prisma.interaction.findUniqueOrThrow({ where: { id: row.id } });
    expect(read.occurredAt.toISOString()).toBe(at.toISOString());

    // Not just symmetric: the database itself holds that instant.
    const [db] = await ctx.prisma.$queryRaw<{ ms: string; session_tz: string }[]>`
      SELECT (extract(epoch FROM occurred_at) * 1000)::bigint::text AS ms, current_setting('TimeZone') AS session_tz
        FROM interactions WHERE id = ${row.id}`;
    expect(Number(db!.ms)).toBe(at.getTime());
    expect(db!.session_tz).toBe('UTC');
    if (ctx.kind === 'postgres') {
      const settings = await ctx.prisma.$queryRaw<{ setting: string }[]>`
        SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
         WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      expect(settings.map((s) => s.setting)).toContain('TimeZone=Asia/Shanghai');
    }

    // Range filters compare instants too.
    const found = await ctx.prisma.interaction.count({
      where: { accountId: 'tz-acct', occurredAt: { gte: new Date('2026-03-08T23:30:15.123Z'), lt: new Date('2026-03-08T23:30:15.124Z') } },
    });
    expect(found).toBe(1);
  });

  it('round-trips enums, BigInt ids, text arrays, Json and generated UUIDv7 ids', async () => {
    await ctx.prisma.account.create({ data: { id: 'types-acct', displayName: '助手', role: 'assistant' } });
    const a = await ctx.prisma.outboxEntry.create({
      data: {
        idempotencyKey: 'types-1',
        accountId: 'types-acct',
        kind: 'moment',
        mode: 'assist',
        status: 'in_doubt',
        payload: { text: '春季新品 🌸', images: ['a.jpg', 'b.jpg'], visibleTo: { tags: ['VIP'] }, n: 1.5, ok: true, none: null },
        dueAt: new Date('2026-12-01T12:00:00.000Z'),
      },
    });
    const b = await ctx.prisma.outboxEntry.create({
      data: { idempotencyKey: 'types-2', accountId: 'types-acct', kind: 'say', payload: [], dueAt: new Date() },
    });
    expect(typeof a.id).toBe('bigint');
    expect(b.id).toBeGreaterThan(a.id);
    expect(a.payload).toEqual({ text: '春季新品 🌸', images: ['a.jpg', 'b.jpg'], visibleTo: { tags: ['VIP'] }, n: 1.5, ok: true, none: null });
    expect(await ctx.prisma.outboxEntry.count({ where: { status: 'in_doubt', mode: 'assist' } })).toBe(1);
    expect(await ctx.prisma.outboxEntry.findUnique({ where: { id: a.id } })).toMatchObject({ kind: 'moment' });

    await ctx.prisma.campaign.create({ data: { id: 'types-campaign', name: 'c' } });
    const coupon = await ctx.prisma.coupon.create({
      data: { code: 'TYPES1', campaignId: 'types-campaign', expiresAt: new Date('2027-01-01T00:00:00Z'), allowedStores: ['sh-001', 'sh-002'] },
    });
    expect(coupon.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(coupon.allowedStores).toEqual(['sh-001', 'sh-002']);
    expect(coupon.status).toBe('issued');
    expect(await ctx.prisma.coupon.count({ where: { allowedStores: { has: 'sh-002' } } })).toBe(1);
    const anyStore = await ctx.prisma.coupon.create({
      data: { code: 'TYPES2', campaignId: 'types-campaign', expiresAt: new Date('2027-01-01T00:00:00Z') },
    });
    expect(anyStore.allowedStores).toEqual([]);

    const contact = await ctx.prisma.contact.create({ data: { accountId: 'types-acct', externalId: 'wm-1', name: '张三' } });
    expect(contact.attributes).toEqual({});
    const task = await ctx.prisma.kocTask.create({ data: { id: 'types-task', title: '发一条朋友圈' } });
    const staff = await ctx.prisma.staff.create({ data: { wecomUserId: 'types-wx', name: 'K', role: 'ambassador' } });
    const assignment = await ctx.prisma.taskAssignment.create({ data: { taskId: task.id, staffId: staff.id } });
    expect(assignment.number).toBeGreaterThan(0);
    expect(assignment.status).toBe('offered');
  });

  it('rolls back an interactive transaction that throws', async () => {
    await expect(
      ctx.prisma.$transaction(async (tx) => {
        await tx.store.create({ data: { id: 'tx-store', name: 'rolled back' } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await ctx.prisma.store.findUnique({ where: { id: 'tx-store' } })).toBeNull();

    await ctx.prisma.$transaction(async (tx) => {
      await tx.store.create({ data: { id: 'tx-store', name: 'committed' } });
    });
    expect(await ctx.prisma.store.findUnique({ where: { id: 'tx-store' } })).toMatchObject({ name: 'committed' });
  });
});
