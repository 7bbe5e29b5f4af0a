import type { Instant } from '../domain/types.ts';
import type { AttributionRefusal } from './attribution.ts';
import type { RedemptionRefusal } from './redemption.ts';

/**
 * The referral and coupon loop as the bots, the engine and the web API call it. `src/store/referral/` implements it
 * on the store (`createReferrals`); everything here is plain data.
 *
 * Glossary
 * - KOC: a guide or ambassador with a KOC profile. Each has one current exclusive referral code (`K7QX-9MAF`).
 * - attribution: crediting a customer (a contact) to the KOC whose code brought them; first touch wins.
 * - coupon: a single-use code (`Q…`) of a campaign, issued to a contact by a flow or printed for offline use.
 * - redemption: the one use of a coupon, in a store, by chat (`/redeem`) or by a till through the API.
 */

/** A KOC as the engine's `code.sent` variables and the bots' answers need it. */
export interface KocSummary {
  staffId: string;
  name: string;
  /** The KOC's WeCom user id. */
  wecomUserId: string;
  role: 'guide' | 'ambassador';
  /** Tier id from the tiers file; null when the staff member has no KOC profile (any more). */
  tier: string | null;
}

export interface EnsureCodesResult {
  /** KOCs given a code by this call. */
  created: number;
  /** KOCs that already had one. */
  existing: number;
  /** Code collisions retried (a new random code was drawn). */
  collisions: number;
}

export interface AttributeOptions {
  /** The campaign the code is sent under (its window, period and budget apply); none: the default window only. */
  campaignId?: string;
  at: Instant;
  /**
   * The inbound event that carried the code (message or friend request id). With it, a redelivered event gets the
   * first answer back instead of `already_attributed`.
   */
  eventId?: string;
}

export type AttributionResult =
  | {
      ok: true;
      /** The KOC now credited with the contact. */
      koc: KocSummary;
      /** The code in its stored form. */
      code: string;
      campaignId: string | null;
      attributedAt: Instant;
    }
  | {
      ok: false;
      reason: AttributionRefusal;
      /** The code's KOC, when the code exists. */
      koc?: KocSummary;
      /** already_attributed: who holds the contact, since when. */
      holder?: { koc: KocSummary; attributedAt: Instant };
    };

export interface RedeemInput {
  /** The coupon code as typed or scanned: any case, spaces and dashes allowed. */
  code: string;
  /** The store where it is redeemed (a configured store id). */
  storeId: string;
  /** The staff member redeeming it (chat), if known. */
  staffId?: string;
  channel: 'chat' | 'api';
  /** The till's request id: the same request again gets the same success answer. */
  requestId?: string;
  at: Instant;
}

export interface RedeemedCoupon {
  id: string;
  code: string;
  campaignId: string;
  status: 'issued' | 'redeemed' | 'expired' | 'void';
  issuedAt: Instant;
  expiresAt: Instant;
  allowedStores: string[];
  /** The outbox row of the message that carried the coupon to the customer, when one did. */
  outboxId: bigint | null;
}

export interface RedemptionRecord {
  id: string;
  storeId: string;
  storeName: string;
  staffId: string | null;
  channel: 'chat' | 'api';
  requestId: string | null;
  at: Instant;
}

export type RedemptionResult =
  | {
      ok: true;
      /** True when this answers a repeated request (same request id and store) that had already succeeded. */
      replay: boolean;
      redemption: RedemptionRecord;
      coupon: RedeemedCoupon;
      campaign: { id: string; name: string };
      /** The customer who held it; null for coupons issued for offline use. */
      contactId: string | null;
      /** Enough of the contact to raise the engine's `coupon.redeemed` event. */
      contact: { id: string; accountId: string; externalId: string; name: string | null } | null;
      /** The KOC credited with the sale: the referral code the coupon was issued under, else the contact's. */
      referrer?: KocSummary;
    }
  | { ok: false; reason: 'not_found'; /** false: not even a well-formed coupon code (a typo). */ wellFormed: boolean }
  | { ok: false; reason: 'already_redeemed'; redemption: RedemptionRecord }
  | { ok: false; reason: 'expired'; expiresAt: Instant }
  | { ok: false; reason: 'wrong_store'; allowedStores: string[] }
  | { ok: false; reason: 'voided'; voidReason: string | null };

export type { AttributionRefusal, RedemptionRefusal };

/** What `createReferrals` returns. */
export interface ReferralService {
  /** Gives every KOC without a current referral code one. Idempotent; safe when several processes run it at once. */
  ensureReferralCodes(at: Instant): Promise<EnsureCodesResult>;
  /** A KOC's current referral code (for `/code`), by staff id; undefined when they have none. */
  referralCodeOf(staffId: string): Promise<string | undefined>;
  /** Credits a contact to the KOC of `code` (see src/referral/attribution.ts for the rules). */
  attribute(contactId: string, code: string, options: AttributeOptions): Promise<AttributionResult>;
  /** Redeems a coupon exactly once (see src/referral/redemption.ts). */
  redeemCoupon(input: RedeemInput): Promise<RedemptionResult>;
}
