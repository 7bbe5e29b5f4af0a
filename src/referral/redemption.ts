import { globToRegExp } from '../playbook/glob.ts';

/**
 * Whether a coupon may be redeemed: the rules as one pure function over the coupon as the store read it. Exactly-once
 * is not decided here but by the store (src/store/referral/redemption.ts): a conditional update of the coupon from
 * `issued` and the unique `redemptions.coupon_id`, so of any number of concurrent calls one wins and the others are
 * decided again by these rules, with the winner's redemption in the facts.
 *
 * In order: `not_found` (no such coupon, or not a well-formed code), `already_redeemed` (unless it is the same
 * request again — same request id, same store — which gets the first answer back), `voided`, `expired` (at or after
 * `expiresAt`), `wrong_store` (the store matches none of `allowedStores`; empty = every store).
 */
export const REDEMPTION_REFUSALS = ['not_found', 'already_redeemed', 'voided', 'expired', 'wrong_store'] as const;

export type RedemptionRefusal = (typeof REDEMPTION_REFUSALS)[number];

export interface RedemptionFacts {
  at: Date;
  storeId: string;
  requestId: string | undefined;
  coupon:
    | {
        status: 'issued' | 'redeemed' | 'expired' | 'void';
        expiresAt: Date;
        allowedStores: readonly string[];
        redemption: { storeId: string; requestId: string | null } | null;
      }
    | undefined;
}

export type RedemptionDecision =
  | { ok: true; replay: false }
  /** The same request (request id and store) already redeemed this coupon: answer as the first time. */
  | { ok: true; replay: true }
  | { ok: false; reason: RedemptionRefusal };

export function decideRedemption(f: RedemptionFacts): RedemptionDecision {
  const coupon = f.coupon;
  if (!coupon) return { ok: false, reason: 'not_found' };
  if (coupon.redemption) {
    const same = f.requestId !== undefined && coupon.redemption.requestId === f.requestId && coupon.redemption.storeId === f.storeId;
    return same ? { ok: true, replay: true } : { ok: false, reason: 'already_redeemed' };
  }
  if (coupon.status === 'void') return { ok: false, reason: 'voided' };
  if (coupon.status === 'redeemed') return { ok: false, reason: 'already_redeemed' };
  if (coupon.status === 'expired' || f.at.getTime() >= coupon.expiresAt.getTime()) return { ok: false, reason: 'expired' };
  if (!storeAllowed(coupon.allowedStores, f.storeId)) return { ok: false, reason: 'wrong_store' };
  return { ok: true, replay: false };
}

/** Whether a store id matches a coupon's store patterns (`sh-*`); an empty list allows every store. */
export function storeAllowed(allowedStores: readonly string[], storeId: string): boolean {
  return allowedStores.length === 0 || allowedStores.some((pattern) => globToRegExp(pattern).test(storeId));
}
