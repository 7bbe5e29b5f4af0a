/**
 * The exactly-once guarantees the product relies on are unique constraints in the store, on both stores:
 * the outbox idempotency key, one redemption per coupon, one ledger row per (staff, source).
 */
import { expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/store/prismaErrors.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { describeEachStore } from '../support/stores.ts';

let seq = 0;
/** Ids unique within the block's shared database. */
function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${seq}`;
}

async function account(prisma: PrismaClient): Promise<string> {
  const id = unique('acct');
  await prisma.account.create({ data: { id, displayName: '导购小王', role: 'guide' } });
  return id;
}

function outboxRow(accountId: string, idempotencyKey: string, text = '您好') {
  return {
    idempotencyKey,
    accountId,
    kind: 'say',
    contactId: 'c-1',
    payload: { text },
    dueAt: new Date('2026-12-01T02:00:00.000Z'),
  };
}

async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  return {
    fulfilled: results
      .filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === 'fulfilled')
      .map((r) => r.value),
    rejected: results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown),
  };
}

describeEachStore('exactly-once constraints', (ctx) => {
  it('refuses a second outbox entry with the same idempotency key', async () => {
    const accountId = await account(ctx.prisma);
    const key = unique('run-1:step-2:contact-c1:occ-0');
    const first = await ctx.prisma.outboxEntry.create({ data: outboxRow(accountId, key) });
    expect(typeof first.id).toBe('bigint');
    expect(first.status).toBe('pending');

    const again = await ctx.prisma.outboxEntry.create({ data: outboxRow(accountId, key, 'different text') }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(again)).toBe(true);
    expect(await ctx.prisma.outboxEntry.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it('makes an upsert or createMany with an existing key a no-op that keeps the first entry', async () => {
    const accountId = await account(ctx.prisma);
    const key = unique('run-2:step-0:room-r1:occ-0');
    const first = await ctx.prisma.outboxEntry.create({ data: outboxRow(accountId, key, 'first') });

    const upserted = await ctx.prisma.outboxEntry.upsert({
      where: { idempotencyKey: key },
      create: outboxRow(accountId, key, 'second'),
      update: {},
    });
    expect(upserted.id).toBe(first.id);
    expect(upserted.payload).toEqual({ text: 'first' });

    const inserted = await ctx.prisma.outboxEntry.createMany({
      data: [outboxRow(accountId, key, 'third'), outboxRow(accountId, unique('other-key'))],
      skipDuplicates: true,
    });
    expect(inserted.count).toBe(1);
    expect(await ctx.prisma.outboxEntry.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it('lets exactly one of several concurrent inserts of the same key win', async () => {
    const accountId = await account(ctx.prisma);
    const key = unique('run-3:step-1:contact-c9:occ-0');
    const { fulfilled, rejected } = await settle(
      Array.from({ length: 6 }, (_, i) => ctx.prisma.outboxEntry.create({ data: outboxRow(accountId, key, `try ${i}`) })),
    );
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(5);
    for (const error of rejected) expect(isUniqueViolation(error)).toBe(true);
  });

  it('redeems a coupon once, however many tills try at the same time', async () => {
    const storeId = unique('sh');
    const campaignId = unique('welcome-2026');
    await ctx.prisma.store.create({ data: { id: storeId, name: '上海一店' } });
    await ctx.prisma.campaign.create({ data: { id: campaignId, name: '新客券', budget: 100 } });
    const coupon = await ctx.prisma.coupon.create({
      data: {
        code: unique('K7QX'),
        campaignId,
        expiresAt: new Date('2026-12-31T15:59:59.000Z'),
        allowedStores: [storeId],
      },
    });
    const { fulfilled, rejected } = await settle(
      Array.from({ length: 5 }, (_, i) =>
        ctx.prisma.redemption.create({
          data: { couponId: coupon.id, storeId, channel: i % 2 === 0 ? 'api' : 'chat', requestId: `req-${i}` },
        }),
      ),
    );
    expect(fulfilled).toHaveLength(1);
    for (const error of rejected) expect(isUniqueViolation(error)).toBe(true);
  });

  it('pays one points-ledger event once', async () => {
    const staff = await ctx.prisma.staff.create({
      data: { wecomUserId: unique('wx-koc'), name: '李娜', role: 'ambassador' },
    });
    const entry = { staffId: staff.id, amount: 20, reason: '推荐核销', sourceKind: 'redemption', sourceId: 'coupon-1' };
    await ctx.prisma.pointsLedger.create({ data: entry });
    const again = await ctx.prisma.pointsLedger.create({ data: entry }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(again)).toBe(true);
    const total = await ctx.prisma.pointsLedger.aggregate({ where: { staffId: staff.id }, _sum: { amount: true } });
    expect(total._sum.amount).toBe(20);
  });

  it('starts one flow run per (flow, subject, occurrence)', async () => {
    const accountId = await account(ctx.prisma);
    const version = await ctx.prisma.playbookVersion.create({
      data: { flowId: 'new-customer-7d', contentHash: unique('hash'), sourcePath: 'journeys/new-customer.yaml', definition: {} },
    });
    const run = {
      flowId: 'new-customer-7d',
      playbookVersionId: version.id,
      accountId,
      subjectKind: 'contact' as const,
      subjectId: unique('contact'),
    };
    const { fulfilled, rejected } = await settle([
      ctx.prisma.flowRun.create({ data: run }),
      ctx.prisma.flowRun.create({ data: run }),
    ]);
    expect(fulfilled).toHaveLength(1);
    expect(isUniqueViolation(rejected[0])).toBe(true);
    // Another occurrence of the same flow for the same subject is a new run.
    await expect(ctx.prisma.flowRun.create({ data: { ...run, occurrenceKey: '2026-12-01' } })).resolves.toMatchObject({
      status: 'running',
      stepIndex: 0,
    });
  });
});
