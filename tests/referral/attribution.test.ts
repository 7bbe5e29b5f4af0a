/**
 * Attribution on both stores: each refusal reason, first touch wins (also under a race), the window, the contact's
 * fields and the interaction row written together, and a redelivered event answered as the first time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decideAttribution } from '../../src/referral/attribution.ts';
import { formatCode } from '../../src/referral/codes.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import type { ReferralService } from '../../src/referral/ports.ts';
import { rejection } from '../support/errors.ts';
import { describeEachStore } from '../support/stores.ts';
import { ACCOUNT, campaignSet, DAY, newContact, newKoc, seedOrganisation, T0, type TestKoc } from '../support/referral.ts';

describeEachStore('attribution', (ctx) => {
  let referrals: ReferralService;
  let zhao: TestKoc;
  let wang: TestKoc;

  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    const set = campaignSet();
    referrals = createReferrals(ctx.prisma, { playbooks: () => set });
    zhao = await newKoc(ctx.prisma, { name: '赵雪', role: 'ambassador', tier: '核心' });
    wang = await newKoc(ctx.prisma, { name: '王敏', role: 'guide', tier: '潜力' });
  });

  const interactions = (contactId: string) =>
    ctx.prisma.interaction.findMany({ where: { contactId }, orderBy: { id: 'asc' }, select: { kind: true, direction: true, accountId: true, staffId: true, campaignId: true, body: true, occurredAt: true, eventId: true } });

  it('credits the contact to the code\'s KOC: the contact\'s fields and one interaction row, and the KOC for code.sent', async () => {
    const contact = await newContact(ctx.prisma);
    const result = await referrals.attribute(contact.id, formatCode(zhao.code).toLowerCase(), { campaignId: 'spring', at: T0 });
    expect(result).toEqual({
      ok: true, code: zhao.code, campaignId: 'spring', attributedAt: T0,
      koc: { staffId: zhao.staffId, name: '赵雪', wecomUserId: zhao.wecomUserId, role: 'ambassador', tier: '核心' },
    });
    const row = await ctx.prisma.contact.findUniqueOrThrow({ where: { id: contact.id } });
    expect(row).toMatchObject({ attributedToStaffId: zhao.staffId, attributedAt: T0, attributionCampaignId: 'spring', attributionReferralCodeId: zhao.codeId });
    expect(await interactions(contact.id)).toEqual([
      { kind: 'referral_arrival', direction: 'in', accountId: ACCOUNT, staffId: zhao.staffId, campaignId: 'spring', body: { code: zhao.code }, occurredAt: T0, eventId: null },
    ]);
    // The campaign's row carries the file's budget and local dates (the end is midnight after endsOn, Shanghai).
    expect(await ctx.prisma.campaign.findUniqueOrThrow({ where: { id: 'spring' } })).toMatchObject({
      name: '春季推荐有礼', budget: 1000, startsAt: new Date('2026-11-30T16:00:00.000Z'), endsAt: new Date('2027-03-31T16:00:00.000Z'),
    });
  });

  it('first touch wins: a second code — another KOC\'s or the same — is refused with who holds the contact', async () => {
    const contact = await newContact(ctx.prisma);
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: T0 })).toMatchObject({ ok: true });
    const later = new Date(T0.getTime() + DAY);
    const other = await referrals.attribute(contact.id, wang.code, { campaignId: 'spring', at: later });
    expect(other).toEqual({
      ok: false, reason: 'already_attributed',
      koc: expect.objectContaining({ staffId: wang.staffId, name: '王敏', tier: '潜力' }),
      holder: { koc: expect.objectContaining({ staffId: zhao.staffId }), attributedAt: T0 },
    });
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: later })).toMatchObject({ ok: false, reason: 'already_attributed', holder: { koc: { staffId: zhao.staffId } } });
    expect((await ctx.prisma.contact.findUniqueOrThrow({ where: { id: contact.id } })).attributedToStaffId).toBe(zhao.staffId);
    expect((await interactions(contact.id)).map((r) => [r.kind, (r.body as { reason?: string }).reason ?? null, r.staffId])).toEqual([
      ['referral_arrival', null, zhao.staffId],
      ['referral_refused', 'already_attributed', wang.staffId],
      ['referral_refused', 'already_attributed', zhao.staffId],
    ]);
  });

  it('first touch wins under a race: ten KOCs\' codes at once for one contact, exactly one credited', async () => {
    const kocs = await Promise.all(Array.from({ length: 10 }, (_, i) => newKoc(ctx.prisma, { name: `KOC${i}` })));
    const contact = await newContact(ctx.prisma);
    const results = await Promise.all(kocs.map((k) => referrals.attribute(contact.id, k.code, { campaignId: 'spring', at: T0 })));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already_attributed')).toHaveLength(9);
    const row = await ctx.prisma.contact.findUniqueOrThrow({ where: { id: contact.id } });
    expect(row.attributedToStaffId).toBe(winners[0]!.ok ? winners[0]!.koc.staffId : null);
    const rows = await interactions(contact.id);
    expect(rows.filter((r) => r.kind === 'referral_arrival')).toHaveLength(1);
    expect(rows.filter((r) => r.kind === 'referral_refused')).toHaveLength(9);
  });

  it('refuses codes that do not exist, are malformed or mistyped: unknown_code', async () => {
    const contact = await newContact(ctx.prisma);
    const typo = zhao.code.slice(0, -1) + (zhao.code.endsWith('3') ? '4' : '3');
    for (const text of ['K3333333', typo, 'hello', '']) {
      expect(await referrals.attribute(contact.id, text, { campaignId: 'spring', at: T0 }), text).toEqual({ ok: false, reason: 'unknown_code' });
    }
    const rows = await interactions(contact.id);
    expect(rows.map((r) => r.kind)).toEqual(['referral_refused', 'referral_refused', 'referral_refused', 'referral_refused']);
    expect(rows[0]).toMatchObject({ staffId: null, campaignId: 'spring', body: { code: null, reason: 'unknown_code' } });
    expect((await ctx.prisma.contact.findUniqueOrThrow({ where: { id: contact.id } })).attributedToStaffId).toBeNull();
  });

  it('refuses a disabled code, a code of a KOC who left, and of someone no longer in the program: disabled_code', async () => {
    const disabled = await newKoc(ctx.prisma, { disabledAt: T0 });
    const left = await newKoc(ctx.prisma, { leftAt: T0 });
    const dropped = await newKoc(ctx.prisma);
    await ctx.prisma.kocProfile.delete({ where: { staffId: dropped.staffId } });
    for (const koc of [disabled, left, dropped]) {
      const contact = await newContact(ctx.prisma);
      expect(await referrals.attribute(contact.id, koc.code, { campaignId: 'spring', at: T0 })).toMatchObject({ ok: false, reason: 'disabled_code', koc: { staffId: koc.staffId } });
    }
  });

  it('refuses a KOC\'s own code from their own WeChat (any case): self_referral', async () => {
    const contact = await newContact(ctx.prisma, { externalId: zhao.wecomUserId.toUpperCase() });
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: T0 })).toMatchObject({ ok: false, reason: 'self_referral' });
    expect(await interactions(contact.id)).toEqual([expect.objectContaining({ kind: 'referral_refused', staffId: zhao.staffId, body: { code: zhao.code, reason: 'self_referral' } })]);
  });

  it('counts a code only within the attribution window of the contact\'s arrival (7 days here, 30 by default): outside_window', async () => {
    const recent = await newContact(ctx.prisma, { firstSeenAt: new Date(T0.getTime() - 7 * DAY) });
    expect(await referrals.attribute(recent.id, zhao.code, { campaignId: 'spring', at: T0 })).toMatchObject({ ok: true });
    const old = await newContact(ctx.prisma, { firstSeenAt: new Date(T0.getTime() - 7 * DAY - 1) });
    expect(await referrals.attribute(old.id, zhao.code, { campaignId: 'spring', at: T0 })).toMatchObject({ ok: false, reason: 'outside_window' });
    // Without a campaign: the default 30 days.
    const month = await newContact(ctx.prisma, { firstSeenAt: new Date(T0.getTime() - 29 * DAY) });
    expect(await referrals.attribute(month.id, zhao.code, { at: T0 })).toMatchObject({ ok: true, campaignId: null });
    const older = await newContact(ctx.prisma, { firstSeenAt: new Date(T0.getTime() - 31 * DAY) });
    expect(await referrals.attribute(older.id, zhao.code, { at: T0 })).toMatchObject({ ok: false, reason: 'outside_window' });
  });

  it('refuses outside the campaign\'s dates (local days) and for an unknown campaign', async () => {
    const contact = await newContact(ctx.prisma, { firstSeenAt: new Date('2027-03-31T10:00:00Z') });
    // 2027-03-31 23:59 in Shanghai is still in; 2027-04-01 00:00 is not.
    const lastMinute = new Date('2027-03-31T15:59:00.000Z');
    expect(decideAttribution({
      at: lastMinute, contact: { externalId: 'x', firstSeenAt: lastMinute, attributedToStaffId: null },
      code: { staffId: 's', wecomUserId: 'k', disabledAt: null, staffLeftAt: null, isKoc: true },
      campaign: { startsAt: null, endsAt: new Date('2027-03-31T16:00:00.000Z'), attributionWindowMs: DAY, budget: null, issuedCount: 0 },
    })).toEqual({ ok: true });
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: new Date('2027-03-31T16:00:00.000Z') })).toMatchObject({ ok: false, reason: 'campaign_ended' });
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'winter', at: T0 })).toMatchObject({ ok: false, reason: 'campaign_not_started' });
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'no-such', at: T0 })).toMatchObject({ ok: false, reason: 'unknown_campaign' });
    expect((await interactions(contact.id)).map((r) => [r.campaignId, (r.body as { reason: string }).reason])).toEqual([
      ['spring', 'campaign_ended'], ['winter', 'campaign_not_started'], [null, 'unknown_campaign'],
    ]);
  });

  it('refuses when the campaign has issued its whole budget: budget_exhausted', async () => {
    await ctx.prisma.campaign.upsert({ where: { id: 'tight' }, create: { id: 'tight', name: '限量券', budget: 1, issuedCount: 1 }, update: { issuedCount: 1 } });
    const contact = await newContact(ctx.prisma);
    expect(await referrals.attribute(contact.id, zhao.code, { campaignId: 'tight', at: T0 })).toMatchObject({ ok: false, reason: 'budget_exhausted' });
  });

  it('answers a redelivered event as the first time, with one interaction row', async () => {
    const contact = await newContact(ctx.prisma);
    const first = await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: T0, eventId: 'message:m-1' });
    const again = await referrals.attribute(contact.id, zhao.code, { campaignId: 'spring', at: new Date(T0.getTime() + 1000), eventId: 'message:m-1' });
    expect(first).toMatchObject({ ok: true });
    expect(again).toEqual(first);
    const refused = await referrals.attribute(contact.id, wang.code, { campaignId: 'spring', at: T0, eventId: 'message:m-2' });
    expect(await referrals.attribute(contact.id, wang.code, { campaignId: 'spring', at: T0, eventId: 'message:m-2' })).toEqual(refused);
    expect(refused).toMatchObject({ ok: false, reason: 'already_attributed', holder: { koc: { staffId: zhao.staffId }, attributedAt: T0 } });
    // The same event delivered twice at once: both get the one answer.
    const racing = await Promise.all([1, 2, 3].map(() => referrals.attribute(contact.id, wang.code, { campaignId: 'spring', at: T0, eventId: 'message:m-3' })));
    expect(racing.every((r) => !r.ok && r.reason === 'already_attributed')).toBe(true);
    expect((await interactions(contact.id)).map((r) => r.eventId)).toEqual(['referral:message:m-1', 'referral:message:m-2', 'referral:message:m-3']);
  });

  it('throws KOC_CONTACT_NOT_FOUND for a contact id that is not stored', async () => {
    expect((await rejection(referrals.attribute('no-such-contact', zhao.code, { at: T0 }))).code).toBe('KOC_CONTACT_NOT_FOUND');
  });
});

describe('decideAttribution order', () => {
  it('checks the code before the contact, the contact before the campaign, the window before the budget', () => {
    const base = {
      at: T0,
      contact: { externalId: 'wm-1', firstSeenAt: T0, attributedToStaffId: null },
      code: { staffId: 's1', wecomUserId: 'koc-1', disabledAt: null, staffLeftAt: null, isKoc: true },
      campaign: { startsAt: null, endsAt: null, attributionWindowMs: DAY, budget: 1, issuedCount: 1 },
    };
    expect(decideAttribution({ ...base, code: undefined })).toEqual({ ok: false, reason: 'unknown_code' });
    expect(decideAttribution({ ...base, contact: { ...base.contact, attributedToStaffId: 's2' } })).toEqual({ ok: false, reason: 'already_attributed' });
    expect(decideAttribution({ ...base, contact: { ...base.contact, firstSeenAt: new Date(T0.getTime() - 2 * DAY) } })).toEqual({ ok: false, reason: 'outside_window' });
    expect(decideAttribution(base)).toEqual({ ok: false, reason: 'budget_exhausted' });
    expect(decideAttribution({ ...base, campaign: { ...base.campaign, issuedCount: 0 } })).toEqual({ ok: true });
    expect(decideAttribution({ ...base, campaign: undefined })).toEqual({ ok: false, reason: 'unknown_campaign' });
  });
});
