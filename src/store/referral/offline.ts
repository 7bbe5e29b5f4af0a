import type { CampaignTerms } from '../../referral/campaigns.ts';
import { newCouponCode } from '../../referral/codes.ts';
import type { PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';
import { syncCampaign } from './campaigns.ts';
import { TRANSACTION_OPTIONS } from './codes.ts';

export interface OfflineIssueInput {
  terms: CampaignTerms;
  count: number;
  expiresAt: Date;
  at: Date;
  /** Names the batch: each coupon's issue key is `cli:<batchId>:<n>` (n from 1), and the audit row's details carry it. */
  batchId: string;
  /** Who asked, for the audit log ("cli"). */
  actor: string;
  /** Makes a coupon code. @default newCouponCode (node:crypto) */
  newCode?: () => string;
}

export interface OfflineCoupon {
  code: string;
  expiresAt: Date;
  allowedStores: string[];
}

export type OfflineIssueResult =
  | { ok: true; coupons: OfflineCoupon[]; issuedCount: number; budget: number | null }
  /** Issuing `count` would exceed the budget: nothing was issued. */
  | { ok: false; reason: 'budget_exceeded'; budget: number; issuedCount: number };

class OverBudget extends Error {
  constructor(readonly budget: number, readonly issuedCount: number) {
    super('over budget');
  }
}

/**
 * Issues `count` single-use coupons with no contact (flyers, tills), all or nothing: the campaign's budget is
 * reserved for the whole batch with one conditional UPDATE (`issued_count + count <= budget`, safe under concurrency
 * with flows issuing at the same time), and the coupons are inserted in the same transaction. A code collision (1 in
 * 78 billion per pair) rolls the batch back and it is drawn again.
 */
export async function issueOfflineCoupons(prisma: PrismaClient, input: OfflineIssueInput): Promise<OfflineIssueResult> {
  const { terms, count } = input;
  const newCode = input.newCode ?? (() => newCouponCode());
  await syncCampaign(prisma, terms);
  for (let attempt = 0; ; attempt++) {
    const codes = new Set<string>();
    while (codes.size < count) codes.add(newCode());
    const coupons = [...codes].map((code) => ({ code, expiresAt: input.expiresAt, allowedStores: terms.allowedStores }));
    try {
      const issued = await prisma.$transaction(async (tx) => {
        const reserved = await tx.$executeRaw`UPDATE campaigns SET issued_count = issued_count + ${count}::int WHERE id = ${terms.id} AND (budget IS NULL OR issued_count + ${count}::int <= budget)`;
        const row = await tx.campaign.findUniqueOrThrow({ where: { id: terms.id }, select: { budget: true, issuedCount: true } });
        if (reserved === 0) throw new OverBudget(row.budget ?? 0, row.issuedCount);
        await tx.coupon.createMany({
          data: coupons.map((c, i) => ({ ...c, campaignId: terms.id, issueKey: `cli:${input.batchId}:${i + 1}`, issuedAt: input.at })),
        });
        await tx.auditLog.create({
          data: { at: input.at, actor: input.actor, action: 'coupon.issue', subject: `campaign:${terms.id}`, details: { batch: input.batchId, count } },
        });
        return row;
      }, TRANSACTION_OPTIONS);
      return { ok: true, coupons, issuedCount: issued.issuedCount, budget: issued.budget };
    } catch (error) {
      if (error instanceof OverBudget) return { ok: false, reason: 'budget_exceeded', budget: error.budget, issuedCount: error.issuedCount };
      if (isUniqueViolation(error) && attempt < 5) continue;
      throw error;
    }
  }
}
