/**
 * ensureReferralCodes on both stores: every KOC gets one current code, once, even when several processes run it at
 * the same time; codes are well-formed and unique; a code already taken is drawn again.
 */
import { expect, it } from 'vitest';
import { newReferralCode, normalizeReferralCode } from '../../src/referral/codes.ts';
import { ensureReferralCodes, referralCodeOf } from '../../src/store/referral/index.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { describeEachStore } from '../support/stores.ts';
import { seedOrganisation, T0, unique } from '../support/referral.ts';

/** `n` KOCs without codes, one guide outside the program, one KOC who left. */
async function staffWithoutCodes(prisma: PrismaClient, n: number) {
  await seedOrganisation(prisma);
  const kocs: string[] = [];
  for (let i = 0; i < n; i++) {
    const staff = await prisma.staff.create({ data: { wecomUserId: unique('koc'), name: `KOC ${i}`, role: i % 2 ? 'guide' : 'ambassador' } });
    await prisma.kocProfile.create({ data: { staffId: staff.id, tier: '普通' } });
    kocs.push(staff.id);
  }
  const outsider = await prisma.staff.create({ data: { wecomUserId: unique('guide'), name: '李磊', role: 'guide' } });
  const left = await prisma.staff.create({ data: { wecomUserId: unique('left'), name: '走了', role: 'ambassador', leftAt: T0 } });
  await prisma.kocProfile.create({ data: { staffId: left.id, tier: '普通' } });
  return { kocs, outsider: outsider.id, left: left.id };
}

describeEachStore('ensureReferralCodes', (ctx) => {
  it('gives every KOC one well-formed, unique code; nobody else; a second run changes nothing', async () => {
    const store = await ctx.freshStore();
    const { kocs, outsider, left } = await staffWithoutCodes(store.prisma, 12);
    expect(await ensureReferralCodes(store.prisma, T0)).toEqual({ created: 12, existing: 0, collisions: 0 });
    const profiles = await store.prisma.kocProfile.findMany({ where: { staffId: { in: kocs } }, include: { referralCode: true } });
    const codes = profiles.map((p) => p.referralCode!.code);
    expect(new Set(codes).size).toBe(12);
    for (const p of profiles) {
      expect(normalizeReferralCode(p.referralCode!.code)).toBe(p.referralCode!.code);
      expect(p.referralCode!.staffId).toBe(p.staffId);
      expect(p.referralCode!.createdAt).toEqual(T0);
      expect(await referralCodeOf(store.prisma, p.staffId)).toBe(p.referralCode!.code);
    }
    expect(await store.prisma.referralCode.count({ where: { staffId: { in: [outsider, left] } } })).toBe(0);
    expect(await referralCodeOf(store.prisma, outsider)).toBeUndefined();

    expect(await ensureReferralCodes(store.prisma, T0)).toEqual({ created: 0, existing: 12, collisions: 0 });
    expect(await store.prisma.referralCode.count()).toBe(12);
  });

  it('under a race of five runs at once, each KOC ends with exactly one code (the losers roll theirs back)', async () => {
    const store = await ctx.freshStore();
    const { kocs } = await staffWithoutCodes(store.prisma, 20);
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureReferralCodes(store.prisma, T0)));
    expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(20);
    expect(results.every((r) => r.created + r.existing === 20)).toBe(true);
    expect(await store.prisma.referralCode.count()).toBe(20);
    const profiles = await store.prisma.kocProfile.findMany({ where: { staffId: { in: kocs } } });
    expect(profiles.every((p) => p.referralCodeId !== null)).toBe(true);
    expect(new Set(profiles.map((p) => p.referralCodeId)).size).toBe(20);
  });

  it('draws again when a code is taken (a collision), and replaces a disabled current code', async () => {
    const store = await ctx.freshStore();
    const { kocs } = await staffWithoutCodes(store.prisma, 2);
    const taken = newReferralCode();
    const fresh = [taken, taken, newReferralCode(), newReferralCode()];
    const result = await ensureReferralCodes(store.prisma, T0, { newCode: () => fresh.shift()! });
    expect(result).toEqual({ created: 2, existing: 0, collisions: 1 });
    expect(fresh).toHaveLength(1);

    await store.prisma.referralCode.updateMany({ where: { staffId: kocs[0]! }, data: { disabledAt: T0 } });
    expect(await referralCodeOf(store.prisma, kocs[0]!)).toBeUndefined();
    expect(await ensureReferralCodes(store.prisma, T0)).toMatchObject({ created: 1, existing: 1 });
    const current = await referralCodeOf(store.prisma, kocs[0]!);
    expect(current).toBeDefined();
    expect(await store.prisma.referralCode.count({ where: { staffId: kocs[0]! } })).toBe(2);
  });

  it('gives up after too many collisions in a row, with the database error', async () => {
    const store = await ctx.freshStore();
    await staffWithoutCodes(store.prisma, 2);
    const same = newReferralCode();
    await expect(ensureReferralCodes(store.prisma, T0, { newCode: () => same, maxCollisions: 3 })).rejects.toMatchObject({ code: 'P2002' });
  });
});
