import type { RewardsPort } from '../engine/ports.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import { endOfLocalDate } from '../engine/localTime.ts';
import { campaignPeriodProblem, campaignTerms } from '../referral/campaigns.ts';
import { newCouponCode as randomCouponCode } from '../referral/codes.ts';
import type { PrismaClient } from './generated/client.ts';
import { isUniqueViolation } from './prismaErrors.ts';
import { creditPoints } from './koc/points.ts';
import { offerTask as offerKocTask } from './koc/tasks.ts';
import { syncCampaign } from './referral/campaigns.ts';

/**
 * Coupons, points and task offers as flow steps use them, on the store. Each operation carries the step's key and
 * is idempotent on it (a unique column), so a step re-run after a crash issues no second coupon and pays no second
 * time. Campaign budgets are enforced with one conditional UPDATE, safe under concurrency on both stores.
 */
export interface RewardsOptions {
  /** Makes a coupon code. @default newCouponCode(): Q, 8 random characters (node:crypto) and a check character */
  newCouponCode?: () => string;
  /** The KOC leaderboard for recognition flows (the runtime's KOC program). */
  leaderboard?: RewardsPort['leaderboard'];
}

export function createRewards(prisma: PrismaClient, playbooks: () => PlaybookSet, options: RewardsOptions = {}): RewardsPort {
  const newCouponCode = options.newCouponCode ?? (() => randomCouponCode());
  return {
    async issueCoupon({ campaignId, contactId, key, at, timeZone }) {
      const existing = await prisma.coupon.findUnique({ where: { issueKey: key } });
      if (existing) return { ok: true, coupon: view(existing, campaignId, playbooks()) };
      const campaign = playbooks().campaigns.get(campaignId)?.document;
      if (!campaign) return { ok: false, reason: 'campaign_unknown' };
      // startsOn/endsOn are local dates in the account's zone; the row gets the dates too (reports, the CLI).
      const terms = campaignTerms(campaign, timeZone);
      const period = campaignPeriodProblem(terms, at);
      if (period) return { ok: false, reason: period };
      await syncCampaign(prisma, terms);
      const held = await prisma.coupon.count({ where: { campaignId, contactId, status: { not: 'void' } } });
      if (held >= campaign.perCustomer) return { ok: false, reason: 'per_customer_limit' };
      const reserved = await prisma.$executeRaw`UPDATE campaigns SET issued_count = issued_count + 1 WHERE id = ${campaign.id} AND (budget IS NULL OR issued_count < budget)`;
      if (reserved === 0) return { ok: false, reason: 'budget_exhausted' };
      const expiresAt = campaign.coupon.validUntil
        ? endOfLocalDate(campaign.coupon.validUntil, timeZone)
        : new Date(at.getTime() + (campaign.coupon.validDays ?? 14) * 86_400_000);
      // The KOC the customer is credited to: the coupon is issued under their code (reports count coupons per KOC).
      const contact = await prisma.contact.findUnique({ where: { id: contactId }, select: { accountId: true, attributionReferralCodeId: true, attributedToStaffId: true } });
      try {
        // The coupon and its interaction row together: reports count coupons issued per KOC and campaign from either.
        const coupon = await prisma.$transaction(async (tx) => {
          const row = await tx.coupon.create({
            data: {
              code: newCouponCode(), campaignId, contactId, issueKey: key, issuedAt: at, expiresAt, allowedStores: campaign.coupon.stores ?? [],
              referralCodeId: contact?.attributionReferralCodeId ?? null,
            },
          });
          if (contact) {
            await tx.interaction.create({
              data: {
                occurredAt: at, direction: 'out', kind: 'coupon_issued', accountId: contact.accountId, contactId, campaignId,
                staffId: contact.attributionReferralCodeId ? contact.attributedToStaffId : null, body: { coupon: row.code, issueKey: key },
              },
            });
          }
          return row;
        });
        return { ok: true, coupon: view(coupon, campaignId, playbooks()) };
      } catch (error) {
        await prisma.$executeRaw`UPDATE campaigns SET issued_count = issued_count - 1 WHERE id = ${campaign.id}`;
        if (!isUniqueViolation(error)) throw error;
        const raced = await prisma.coupon.findUnique({ where: { issueKey: key } });
        if (!raced) throw error;
        return { ok: true, coupon: view(raced, campaignId, playbooks()) };
      }
    },

    async awardPoints({ staff, amount, reason, key, at }) {
      const row = 'id' in staff
        ? await prisma.staff.findUnique({ where: { id: staff.id }, select: { id: true } })
        : await prisma.staff.findUnique({ where: { wecomUserId: staff.externalId }, select: { id: true } });
      if (!row) return { ok: false, reason: 'not_a_koc' };
      await creditPoints(prisma, { staffId: row.id, amount, reason, sourceKind: 'flow_step', sourceId: key, at }); // false: this step already paid
      return { ok: true };
    },

    async offerTask({ taskId, staffId, at, timeZone }) {
      const task = playbooks().tasks.get(taskId)?.document;
      if (!task) return { ok: false, reason: 'task_unknown' };
      const staff = await prisma.staff.findUnique({ where: { id: staffId }, select: { role: true, koc: { select: { tier: true } } } });
      if (!staff) return { ok: false, reason: 'not_a_koc' };
      const offer = await offerKocTask(prisma, task, { staffId, role: staff.role, tier: staff.koc?.tier ?? null }, at, timeZone);
      return offer.ok ? { ok: true, number: offer.number, title: task.title, points: task.points, dueAt: offer.dueAt } : offer;
    },

    ...(options.leaderboard ? { leaderboard: options.leaderboard } : {}),
  };
}

function view(coupon: { code: string; expiresAt: Date }, campaignId: string, set: PlaybookSet) {
  const campaign = set.campaigns.get(campaignId)?.document;
  return { code: coupon.code, title: campaign?.coupon.title ?? campaignId, value: campaign?.coupon.value ?? '', expiresAt: coupon.expiresAt };
}
