/**
 * PIPL: `kocflow forget` erases one customer from every table they appear in, keeps anonymous counts, and writes an
 * audit row; the retention purge deletes old interactions. On both stores, in-process and through the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newCouponCode } from '../../src/referral/codes.ts';
import type { Store } from '../../src/store/openStore.ts';
import { forgetContact, forgottenExternalId, nextPurgeAt, purgeInteractions } from '../../src/store/privacy.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { RetentionWork } from '../../src/runtime/retention.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { kocflow } from '../support/cli.ts';
import { ACCOUNT, DAY, T0, newKoc, seedOrganisation, unique } from '../support/referral.ts';
import { describeEachStore, cliStore } from '../support/stores.ts';

const PHONE = '13812345678';
const NAME = '隐私测试王小明';

/** Every kind of row a customer leaves, as the product writes them; returns the ids. */
async function seedCustomer(prisma: PrismaClient) {
  await seedOrganisation(prisma);
  const koc = await newKoc(prisma);
  const externalId = unique('wm-private');
  const other = await prisma.contact.create({ data: { accountId: ACCOUNT, externalId: unique('wm-other'), name: '别人', firstSeenAt: T0 } });
  const contact = await prisma.contact.create({
    data: { accountId: ACCOUNT, externalId, name: NAME, alias: `${NAME}-alias`, phone: PHONE, attributes: { birthday: '1990-01-01', note: NAME }, firstSeenAt: T0 },
  });
  await prisma.contactTag.createMany({ data: [{ contactId: contact.id, tag: '新客', source: 'flow' }, { contactId: contact.id, tag: 'VIP', source: 'staff' }, { contactId: other.id, tag: '新客', source: 'flow' }] });
  const room = await prisma.room.create({ data: { accountId: ACCOUNT, externalId: `${unique('room')}@chatroom`, topic: '车友会' } });
  await prisma.roomMember.createMany({ data: [
    { roomId: room.id, memberExternalId: externalId, inviterExternalId: other.externalId },
    { roomId: room.id, memberExternalId: unique('wm-friend'), inviterExternalId: externalId },
  ] });
  await prisma.interaction.createMany({ data: [
    { occurredAt: T0, direction: 'in', kind: 'friend.added', accountId: ACCOUNT, contactId: contact.id, body: { hello: `我是${NAME} ${PHONE}` } },
    { occurredAt: T0, direction: 'in', kind: 'message', accountId: ACCOUNT, contactId: contact.id, roomId: room.id, body: { text: `电话 ${PHONE}` } },
    { occurredAt: T0, direction: 'in', kind: 'room.joined', accountId: ACCOUNT, roomId: room.id, body: { inviter: externalId } },
    { occurredAt: T0, direction: 'in', kind: 'message', accountId: ACCOUNT, contactId: other.id, body: { text: 'hello' } },
  ] });
  const campaign = await prisma.campaign.upsert({ where: { id: 'privacy' }, create: { id: 'privacy', name: '隐私券' }, update: {} });
  const version = await prisma.playbookVersion.create({ data: { flowId: 'welcome', contentHash: unique('h'), sourcePath: 'x.yaml', definition: {} } });
  const run = await prisma.flowRun.create({ data: { flowId: 'welcome', playbookVersionId: version.id, accountId: ACCOUNT, subjectKind: 'contact', subjectId: contact.id, status: 'waiting', wakeAt: new Date(T0.getTime() + DAY), state: { vars: { name: NAME } } } });
  const sent = await prisma.outboxEntry.create({ data: { idempotencyKey: unique('k'), accountId: ACCOUNT, runId: run.id, kind: 'say', contactId: contact.id, recipientExternalId: externalId, payload: { text: `${NAME}您好` }, status: 'sent', dueAt: T0, sentAt: T0 } });
  const pending = await prisma.outboxEntry.create({ data: { idempotencyKey: unique('k'), accountId: ACCOUNT, runId: run.id, kind: 'say', contactId: contact.id, recipientExternalId: externalId, payload: { text: `${NAME} 明天见` }, status: 'pending', dueAt: new Date(T0.getTime() + DAY) } });
  await prisma.outboxEntry.create({ data: { idempotencyKey: unique('k'), accountId: ACCOUNT, kind: 'roomSay', roomId: room.id, payload: { text: `欢迎 @${NAME} 加入车友会`, mentions: [externalId] }, status: 'sent', dueAt: T0, sentAt: T0 } });
  await prisma.interaction.create({ data: { occurredAt: T0, direction: 'out', kind: 'roomSay', accountId: ACCOUNT, roomId: room.id, body: { text: `欢迎 @${NAME}` } } });
  const otherSend = await prisma.outboxEntry.create({ data: { idempotencyKey: unique('k'), accountId: ACCOUNT, kind: 'say', contactId: other.id, recipientExternalId: other.externalId, payload: { text: 'hi' }, status: 'pending', dueAt: T0 } });
  const coupon = await prisma.coupon.create({ data: { code: newCouponCode(), campaignId: campaign.id, contactId: contact.id, referralCodeId: koc.codeId, expiresAt: new Date(T0.getTime() + 30 * DAY) } });
  await prisma.coupon.update({ where: { id: coupon.id }, data: { status: 'redeemed' } });
  await prisma.redemption.create({ data: { couponId: coupon.id, storeId: 'sh-001', channel: 'api', at: T0 } });
  await prisma.fissionInvite.create({ data: { campaignId: campaign.id, accountId: ACCOUNT, roomId: room.id, inviteeExternalId: externalId, inviteeContactId: contact.id, inviterExternalId: other.externalId, inviterContactId: other.id, joinedAt: T0, countsAt: T0 } });
  return { contact, other, externalId, room, run, sent, pending, otherSend, coupon };
}

/** The whole database as text: nothing of the person may be left anywhere. */
async function everything(prisma: PrismaClient): Promise<string> {
  const tables = ['contacts', 'contact_tags', 'interactions', 'room_members', 'coupons', 'fission_invites', 'outbox', 'flow_runs', 'redemptions', 'audit_log'];
  const dump: unknown[] = [];
  for (const table of tables) dump.push(await prisma.$queryRawUnsafe(`SELECT * FROM ${table}`));
  return JSON.stringify(dump, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

describeEachStore('privacy: forget and retention', (ctx) => {
  it('forget erases the customer from every table, keeps anonymous counts, and audits it', async () => {
    const prisma = ctx.prisma;
    const seeded = await seedCustomer(prisma);
    expect(await everything(prisma)).toContain(PHONE);

    const at = new Date(T0.getTime() + 2 * DAY);
    const result = await forgetContact(prisma, { externalId: seeded.externalId, accountId: ACCOUNT }, { actor: 'cli', at });
    expect(result.alreadyForgotten).toBe(false);

    const dump = await everything(prisma);
    expect(dump).not.toContain(PHONE);
    expect(dump).not.toContain(NAME);
    expect(dump).not.toContain(seeded.externalId);

    const contact = await prisma.contact.findUniqueOrThrow({ where: { id: seeded.contact.id } });
    expect(contact).toMatchObject({ name: null, alias: null, phone: null, attributes: {}, externalId: forgottenExternalId(seeded.contact.id), forgottenAt: at });
    expect(await prisma.contactTag.count({ where: { contactId: seeded.contact.id } })).toBe(0);
    expect(await prisma.contactTag.count({ where: { contactId: seeded.other.id } })).toBe(1);
    // Counts stay: interactions, the coupon and its redemption, the invite, the sends.
    expect(await prisma.interaction.count({ where: { contactId: seeded.contact.id } })).toBe(2);
    expect(await prisma.coupon.findUniqueOrThrow({ where: { id: seeded.coupon.id } })).toMatchObject({ status: 'redeemed', contactId: seeded.contact.id });
    expect(await prisma.redemption.count({ where: { couponId: seeded.coupon.id } })).toBe(1);
    expect(await prisma.fissionInvite.count({ where: { inviteeContactId: seeded.contact.id } })).toBe(1);
    expect(await prisma.roomMember.count({ where: { roomId: seeded.room.id } })).toBe(2);
    // The pending send never goes; the sent one keeps its row (its idempotency key) without its text.
    expect(await prisma.outboxEntry.findUniqueOrThrow({ where: { id: seeded.pending.id } })).toMatchObject({ status: 'skipped', skipReason: 'contact_forgotten', payload: { forgotten: true } });
    expect(await prisma.outboxEntry.findUniqueOrThrow({ where: { id: seeded.sent.id } })).toMatchObject({ status: 'sent', payload: { forgotten: true } });
    expect(await prisma.outboxEntry.findUniqueOrThrow({ where: { id: seeded.otherSend.id } })).toMatchObject({ status: 'pending', payload: { text: 'hi' } });
    expect(await prisma.flowRun.findUniqueOrThrow({ where: { id: seeded.run.id } })).toMatchObject({ status: 'stopped', state: {} });
    // Another customer's data is untouched.
    expect(await prisma.contact.findUniqueOrThrow({ where: { id: seeded.other.id } })).toMatchObject({ name: '别人' });
    expect(await prisma.interaction.count({ where: { contactId: seeded.other.id, body: { equals: { text: 'hello' } } } })).toBe(1);

    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.forget', subject: `contact:${seeded.contact.id}` } });
    expect(audit).toMatchObject({ actor: 'cli', at });
    expect(audit.details).toMatchObject({ accountId: ACCOUNT, counts: { tags: 2, interactions: 2, roomInteractions: 1, outboxSkipped: 1, outbox: 2, runsStopped: 1, coupons: 1 } });

    // Twice: nothing left to erase, still audited; the old WeCom id no longer finds anyone.
    const again = await forgetContact(prisma, { contactId: seeded.contact.id }, { actor: 'cli', at });
    expect(again.alreadyForgotten).toBe(true);
    await expect(forgetContact(prisma, { externalId: seeded.externalId }, { actor: 'cli', at })).rejects.toMatchObject({ code: 'KOC_CONTACT_NOT_FOUND' });
  });

  it('retention deletes interactions older than N days, keeps the rest, and audits the purge', async () => {
    const store = await ctx.freshStore();
    const prisma = store.prisma;
    await seedOrganisation(prisma);
    expect(await nextPurgeAt(prisma, 30)).toBeNull();
    const rows = [40, 31, 29, 1].map((daysAgo) => ({ occurredAt: new Date(T0.getTime() - daysAgo * DAY), direction: 'in' as const, kind: 'message', accountId: ACCOUNT, body: { text: `${daysAgo}` } }));
    await prisma.interaction.createMany({ data: rows });
    expect(await nextPurgeAt(prisma, 30)).toEqual(new Date(T0.getTime() - 10 * DAY + 1));
    const result = await purgeInteractions(prisma, { days: 30, now: T0, actor: 'system', batchSize: 1 });
    expect(result.interactions).toBe(2);
    expect((await prisma.interaction.findMany({ orderBy: { occurredAt: 'asc' } })).map((r) => r.body)).toEqual([{ text: '29' }, { text: '1' }]);
    expect(await prisma.auditLog.findFirstOrThrow({ where: { action: 'interactions.purge' } })).toMatchObject({ actor: 'system', details: { deleted: 2, days: 30 } });
    expect((await purgeInteractions(prisma, { days: 30, now: T0, actor: 'system' })).interactions).toBe(0);
    await expect(purgeInteractions(prisma, { days: 0, now: T0, actor: 'system' })).rejects.toMatchObject({ code: 'KOC_RETENTION_INVALID' });
  });

  it('the retention setting runs as scheduled work of kocflow start: due when the oldest interaction ages out', async () => {
    const store = await ctx.freshStore();
    const prisma = store.prisma;
    await seedOrganisation(prisma);
    const work = new RetentionWork({ prisma, interactionsDays: 7, logger: silentLogger() });
    expect(await work.nextDueAt()).toBeNull();
    await prisma.interaction.create({ data: { occurredAt: T0, direction: 'in', kind: 'message', accountId: ACCOUNT, body: { text: 'old' } } });
    const due = await work.nextDueAt();
    expect(due).toEqual(new Date(T0.getTime() + 7 * DAY + 1));
    expect(await work.runDue(new Date(due!.getTime() - 2))).toBe(0);
    expect(await work.runDue(due!)).toBe(1);
    expect(await work.nextDueAt()).toBeNull();
  });

  let work: string;
  let env: NodeJS.ProcessEnv;
  let open: () => Promise<Store>;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kocflow-forget-'));
    ({ env, open } = await cliStore(ctx, work));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('kocflow forget and kocflow purge on the CLI: clear usage errors, the contact erased, no personal data printed', async () => {
    let seeded: Awaited<ReturnType<typeof seedCustomer>>;
    const store = await open();
    try {
      seeded = await seedCustomer(store.prisma);
    } finally {
      await store.close();
    }
    const run = (...args: string[]) => kocflow(args, { cwd: work, env });
    expect(await run('forget')).toMatchObject({ code: 2, stderr: expect.stringContaining('KOC_CLI_USAGE name exactly one customer') });
    expect(await run('forget', '--contact', 'x', '--external-id', 'y')).toMatchObject({ code: 2 });
    expect(await run('forget', '--contact', "'; DROP TABLE contacts; --")).toMatchObject({ code: 2, stderr: expect.stringContaining('--contact is not an id') });
    expect(await run('forget', '--external-id', 'nobody')).toMatchObject({ code: 2, stderr: expect.stringContaining('KOC_CONTACT_NOT_FOUND') });

    const forgot = await run('forget', '--external-id', seeded.externalId, '--account', ACCOUNT);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toMatch(new RegExp(`^contact ${seeded.contact.id} \\(account ${ACCOUNT}\\) forgotten: 2 tags removed, 3 interactions and 2 sends scrubbed \\(1 pending skipped\\), 1 runs stopped; 1 coupons kept as anonymous counts\\. Audit: contact\\.forget\\n$`));
    expect(forgot.stdout + forgot.stderr).not.toContain(PHONE);
    expect(forgot.stdout + forgot.stderr).not.toContain(NAME);

    expect(await run('purge')).toMatchObject({ code: 2, stderr: expect.stringContaining('no retention is set') });
    expect(await run('purge', '--days', '0')).toMatchObject({ code: 2 });
    const purged = await run('purge', '--days', '1');
    expect(purged).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+ interactions before .* deleted \(retention 1 days\)\n$/) });

    const after = await open();
    try {
      const dump = await everything(after.prisma);
      expect(dump).not.toContain(PHONE);
      expect(dump).not.toContain(NAME);
      // The seeded rows lie in the future of the machine's clock or not: only the forget is certain to be audited.
      expect(await after.prisma.auditLog.count({ where: { action: 'contact.forget' } })).toBe(1);
    } finally {
      await after.close();
    }
  });
});
