import type { PlaybookSet } from '../../playbook/model.ts';
import type { ReferralService } from '../../referral/ports.ts';
import type { PrismaClient } from '../generated/client.ts';
import { attributeContact } from './attribution.ts';
import { ensureReferralCodes, referralCodeOf, type EnsureCodesOptions } from './codes.ts';
import { redeemCoupon } from './redemption.ts';

/**
 * The referral and coupon loop on the store (src/referral/ports.ts says what each call does). Campaign rules come
 * from the playbooks as they are now (`playbooks()`, hot-reloaded by the caller); budgets and counts from the store.
 */
export interface ReferralsOptions {
  playbooks: () => PlaybookSet;
  codes?: EnsureCodesOptions;
}

export function createReferrals(prisma: PrismaClient, options: ReferralsOptions): ReferralService {
  return {
    ensureReferralCodes: (at) => ensureReferralCodes(prisma, at, options.codes),
    referralCodeOf: (staffId) => referralCodeOf(prisma, staffId),
    attribute: (contactId, code, attributeOptions) =>
      attributeContact(prisma, (id) => options.playbooks().campaigns.get(id)?.document, contactId, code, attributeOptions),
    redeemCoupon: (input) => redeemCoupon(prisma, input, (id) => options.playbooks().campaigns.get(id)?.document),
  };
}

export { attributeContact } from './attribution.ts';
export { syncCampaign } from './campaigns.ts';
export { ensureReferralCodes, referralCodeOf, type EnsureCodesOptions } from './codes.ts';
export { couponHistory, type CouponHistory } from './history.ts';
export { issueOfflineCoupons, type OfflineCoupon, type OfflineIssueInput, type OfflineIssueResult } from './offline.ts';
export { redeemCoupon } from './redemption.ts';
