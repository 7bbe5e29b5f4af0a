import { campaignPeriodProblem, DEFAULT_ATTRIBUTION_WINDOW_MS } from './campaigns.ts';

/**
 * Who gets credit for a customer: the rules, as one pure function over the facts the store read. The store
 * (src/store/referral/attribution.ts) reads the facts, calls this, and writes the outcome atomically; a race between
 * two codes for one contact is settled there by a conditional update, and the loser is decided again by these rules.
 *
 * The rules, in the order they are checked (the first that applies is the answer):
 * 1. `unknown_code`: the text is not a well-formed referral code, or no such code is stored.
 * 2. `disabled_code`: the code was disabled, its KOC left, or is no longer in the KOC program.
 * 3. `self_referral`: the contact is the KOC (its WeCom id is the KOC's WeCom user id).
 * 4. `already_attributed`: the contact is already credited — to another KOC or to this one, earlier. First touch
 *    wins, for good.
 * 5. `unknown_campaign`: a campaign was named that the playbooks do not define.
 * 6. `campaign_not_started` / `campaign_ended`: outside the campaign's `startsOn`–`endsOn` (local dates).
 * 7. `outside_window`: the contact first appeared longer ago than the campaign's attribution window (default 30
 *    days): a code sent by a long-standing customer is not a referral.
 * 8. `budget_exhausted`: the campaign issued its whole coupon budget.
 */
export const ATTRIBUTION_REFUSALS = [
  'unknown_code',
  'disabled_code',
  'self_referral',
  'already_attributed',
  'unknown_campaign',
  'campaign_not_started',
  'campaign_ended',
  'outside_window',
  'budget_exhausted',
] as const;

export type AttributionRefusal = (typeof ATTRIBUTION_REFUSALS)[number];

export interface AttributionFacts {
  at: Date;
  contact: {
    externalId: string;
    firstSeenAt: Date;
    /** Who the contact is credited to already, if anyone. */
    attributedToStaffId: string | null;
  };
  /** The stored code and its KOC; undefined when no such code exists (or the text was not a code). */
  code:
    | {
        staffId: string;
        /** The KOC's WeCom user id. */
        wecomUserId: string;
        disabledAt: Date | null;
        staffLeftAt: Date | null;
        /** Whether the staff member has a KOC profile. */
        isKoc: boolean;
      }
    | undefined;
  /**
   * The campaign the code is sent under: null when none was named; undefined when one was named that does not
   * exist. `issuedCount` is the store's count of coupons issued so far.
   */
  campaign:
    | { startsAt: Date | null; endsAt: Date | null; attributionWindowMs: number; budget: number | null; issuedCount: number }
    | null
    | undefined;
}

export type AttributionDecision = { ok: true } | { ok: false; reason: AttributionRefusal };

export function decideAttribution(f: AttributionFacts): AttributionDecision {
  const code = f.code;
  if (!code) return refuse('unknown_code');
  if (code.disabledAt !== null || code.staffLeftAt !== null || !code.isKoc) return refuse('disabled_code');
  if (f.contact.externalId.toLowerCase() === code.wecomUserId.toLowerCase()) return refuse('self_referral');
  if (f.contact.attributedToStaffId !== null) return refuse('already_attributed');
  if (f.campaign === undefined) return refuse('unknown_campaign');
  if (f.campaign) {
    const period = campaignPeriodProblem(f.campaign, f.at);
    if (period) return refuse(period);
  }
  const window = f.campaign?.attributionWindowMs ?? DEFAULT_ATTRIBUTION_WINDOW_MS;
  if (f.at.getTime() - f.contact.firstSeenAt.getTime() > window) return refuse('outside_window');
  if (f.campaign && f.campaign.budget !== null && f.campaign.issuedCount >= f.campaign.budget) return refuse('budget_exhausted');
  return { ok: true };
}

function refuse(reason: AttributionRefusal): AttributionDecision {
  return { ok: false, reason };
}
