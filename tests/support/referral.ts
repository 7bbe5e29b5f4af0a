import { newCouponCode, newReferralCode } from '../../src/referral/codes.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { loadFiles } from './playbooks.ts';

/**
 * A small organisation for the referral tests: two stores, one guide account, KOCs with codes, and campaign files.
 * Tests in one describeEachStore block share the database, so every helper makes rows with fresh ids.
 */

/** 2026-12-05 10:00 in Shanghai: inside the spring campaign. */
export const T0 = new Date('2026-12-05T02:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const ACCOUNT = 'guide-wang';

export const CAMPAIGN_FILES = {
  'campaigns/spring.yaml': `kind: campaign
id: spring
name: 春季推荐有礼
coupon: { title: 推荐礼券, value: 满300减50, validDays: 30, stores: ["sh-*"] }
startsOn: 2026-12-01
endsOn: 2027-03-31
budget: 1000
attributionWindow: 7d
referrerReward: { onArrival: 10, onRedeem: 20 }
`,
  'campaigns/tight.yaml': `kind: campaign
id: tight
name: 限量券
coupon: { title: 限量券, value: 满100减10, validDays: 7 }
budget: 1
`,
  'campaigns/winter.yaml': `kind: campaign
id: winter
name: 冬季
coupon: { title: 冬季券, value: 满100减20, validDays: 10 }
startsOn: 2027-01-01
endsOn: 2027-02-28
`,
};

export function campaignSet(extra: Record<string, string> = {}) {
  const loaded = loadFiles({ ...CAMPAIGN_FILES, ...extra });
  if (!loaded.ok) throw new Error(`test playbooks have errors: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.set;
}

let seq = 0;
export function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${seq}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Stores sh-001 and bj-001 and the guide account guide-wang (owned by nobody in particular). Idempotent. */
export async function seedOrganisation(prisma: PrismaClient): Promise<void> {
  await prisma.store.upsert({ where: { id: 'sh-001' }, create: { id: 'sh-001', name: '上海南京西路店' }, update: {} });
  await prisma.store.upsert({ where: { id: 'bj-001' }, create: { id: 'bj-001', name: '北京三里屯店' }, update: {} });
  await prisma.account.upsert({
    where: { id: ACCOUNT },
    create: { id: ACCOUNT, displayName: '导购小王', role: 'guide', storeId: 'sh-001', timeZone: 'Asia/Shanghai' },
    update: {},
  });
}

export interface TestKoc {
  staffId: string;
  wecomUserId: string;
  name: string;
  code: string;
  codeId: string;
}

/** A KOC with a current referral code (the store's rows as ensureReferralCodes leaves them). */
export async function newKoc(
  prisma: PrismaClient,
  options: { name?: string; role?: 'guide' | 'ambassador'; tier?: string; leftAt?: Date; disabledAt?: Date } = {},
): Promise<TestKoc> {
  const wecomUserId = unique('koc');
  const name = options.name ?? '赵雪';
  const staff = await prisma.staff.create({
    data: { wecomUserId, name, role: options.role ?? 'ambassador', storeId: 'sh-001', leftAt: options.leftAt ?? null },
  });
  const code = await prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id, disabledAt: options.disabledAt ?? null } });
  await prisma.kocProfile.create({ data: { staffId: staff.id, tier: options.tier ?? '核心', referralCodeId: code.id } });
  return { staffId: staff.id, wecomUserId, name, code: code.code, codeId: code.id };
}

/** A customer of guide-wang, first seen at `firstSeenAt` (default T0). */
export async function newContact(prisma: PrismaClient, options: { firstSeenAt?: Date; externalId?: string; name?: string } = {}) {
  return prisma.contact.create({
    data: { accountId: ACCOUNT, externalId: options.externalId ?? unique('wm'), name: options.name ?? '王芳', firstSeenAt: options.firstSeenAt ?? T0 },
  });
}

/** A coupon row as a flow or the CLI leaves it (the campaign row must exist: syncCampaign or an attribution). */
export async function newCoupon(
  prisma: PrismaClient,
  options: {
    campaignId?: string; contactId?: string | null; expiresAt?: Date; allowedStores?: string[]; status?: 'issued' | 'void'; voidReason?: string;
    issueKey?: string; referralCodeId?: string;
  } = {},
) {
  const campaignId = options.campaignId ?? 'spring';
  await prisma.campaign.upsert({ where: { id: campaignId }, create: { id: campaignId, name: campaignId }, update: {} });
  return prisma.coupon.create({
    data: {
      code: newCouponCode(), campaignId, contactId: options.contactId ?? null, issuedAt: new Date(T0.getTime() - DAY),
      expiresAt: options.expiresAt ?? new Date(T0.getTime() + 30 * DAY), allowedStores: options.allowedStores ?? [],
      status: options.status ?? 'issued', voidReason: options.voidReason ?? null, issueKey: options.issueKey ?? null,
      referralCodeId: options.referralCodeId ?? null,
    },
  });
}

// ─────────────────────────────────────────────────────────────────────────────────────────── the whole loop

export const LOOP_FLOWS = {
  'referral/arrival.yaml': `id: referral-arrival
trigger: { on: code.sent, campaign: spring }
steps:
  - say: "欢迎！您是 {{referrer.name}} 推荐来的朋友，送您一张券：{{coupon.code}}"
    coupon: { campaign: spring }
`,
  'referral/thanks.yaml': `id: coupon-thanks
trigger: { on: coupon.redeemed }
steps:
  - tag: [已购买]
  - say: "感谢在{{redemption.store}}使用{{coupon.title}}（{{coupon.value}}）"
`,
};

/**
 * The closed loop as the bots and the engine will run it, on a real engine with a fake channel and clock: a KOC's
 * code in a friend request → attribution → the code.sent flow sends a coupon → the coupon is redeemed in a store →
 * the campaign pays the KOC (referrerReward) on arrival and on redemption. What the wiring must do is spelled out here, step by step.
 */
export async function runClosedLoop(store: import('../../src/store/openStore.ts').Store) {
  const { engineWorld, guideAccount } = await import('./engine.ts');
  const { createReferrals } = await import('../../src/store/referral/index.ts');
  const { findReferralCode, formatCode } = await import('../../src/referral/codes.ts');
  const { referralCampaignAt } = await import('../../src/referral/campaigns.ts');
  const { prisma } = store;
  await seedOrganisation(prisma);
  const koc = await newKoc(prisma, { name: '赵雪', role: 'ambassador', tier: '核心' });
  const account = guideAccount({ id: 'sh-guide-1', storeId: 'sh-001', storeName: '上海南京西路店' });
  const world = await engineWorld(store, { files: { ...CAMPAIGN_FILES, ...LOOP_FLOWS }, accounts: [account], start: T0 });
  const set = campaignSet(LOOP_FLOWS);
  const referrals = createReferrals(prisma, { playbooks: () => set });

  // 1. A customer adds the guide with the KOC's code in the greeting (the engine stores the contact).
  const hello = `朋友推荐的 ${formatCode(koc.code).toLowerCase()}`;
  await world.event({ kind: 'friend.added', accountId: account.id, eventId: 'friendship:f-1', contact: { externalId: 'wm-amy', name: '王芳' }, hello });
  const contact = await prisma.contact.findUniqueOrThrow({ where: { accountId_externalId: { accountId: account.id, externalId: 'wm-amy' } } });
  // 2. The bot finds the code, attributes the contact under the running referral campaign, and raises code.sent.
  const found = findReferralCode(hello);
  if (!found || !('code' in found)) throw new Error('no code found');
  const campaignId = referralCampaignAt([...set.campaigns.values()].map((c) => c.document), world.clock.now(), account.timeZone);
  const attribution = await referrals.attribute(contact.id, found.code, { ...(campaignId ? { campaignId } : {}), at: world.clock.now(), eventId: 'friendship:f-1' });
  if (!attribution.ok) throw new Error(`not attributed: ${attribution.reason}`);
  await world.event({
    kind: 'code.sent', accountId: account.id, eventId: 'code:friendship:f-1', contact: { externalId: 'wm-amy', name: '王芳' }, code: attribution.code,
    ...(attribution.campaignId ? { campaignId: attribution.campaignId } : {}), referrerName: attribution.koc.name,
  });
  await world.runUntil(new Date(T0.getTime() + HOUR));
  const coupon = await prisma.coupon.findFirstOrThrow({ where: { contactId: contact.id } });
  // 3. The customer redeems it at the till a day later; the till raises coupon.redeemed for the engine.
  world.clock.set(new Date(T0.getTime() + DAY));
  const redeemed = await referrals.redeemCoupon({ code: formatCode(coupon.code), storeId: 'sh-001', channel: 'api', requestId: 'till-7:1001', at: world.clock.now() });
  if (!redeemed.ok || !redeemed.contact) throw new Error('not redeemed');
  await world.event({
    kind: 'coupon.redeemed', accountId: redeemed.contact.accountId, eventId: `redemption:${redeemed.redemption.id}`,
    contact: { externalId: redeemed.contact.externalId }, couponCode: redeemed.coupon.code, campaignId: redeemed.campaign.id, storeName: redeemed.redemption.storeName,
  });
  await world.runUntil(new Date(T0.getTime() + DAY + HOUR));
  return { world, koc, contact, coupon, attribution, redeemed, account };
}
