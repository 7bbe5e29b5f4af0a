import { endOfLocalDate, localDateKey, startOfLocalDay, zoneOffsetMs } from '../engine/localTime.ts';
import { parseDuration } from '../playbook/duration.ts';
import type { CampaignDocument } from '../playbook/schema/documents.ts';

/**
 * A campaign file's rules as instants and numbers: what attribution, issuing and the CLI decide with. Calendar dates
 * (`startsOn`, `endsOn`, `coupon.validUntil`) are local dates in a time zone (the contact's account's, or the
 * configuration's for the CLI): a campaign "until 3月31日" ends at midnight after March 31 there.
 */
export interface CampaignTerms {
  id: string;
  name: string;
  couponTitle: string;
  couponValue: string;
  /** Most coupons the campaign issues in total; null = unlimited. */
  budget: number | null;
  perCustomer: number;
  /** The first instant of `startsOn`; null = no start date. */
  startsAt: Date | null;
  /** The first instant after `endsOn` (exclusive); null = no end date. */
  endsAt: Date | null;
  /** A referral code counts for a contact this long after the contact first appeared (first touch wins). */
  attributionWindowMs: number;
  /** Store id patterns where its coupons may be redeemed; empty = any store. */
  allowedStores: string[];
  /** `coupon.validDays`, when the file gives it. */
  validDays: number | null;
  /** The first instant after `coupon.validUntil`, when the file gives it. */
  validUntil: Date | null;
  /** The campaign rewards referrers (`referrerReward`): codes sent without a campaign are credited under it. */
  rewardsReferrers: boolean;
}

/** The schema's default attribution window (30 days), also used when a code is sent without a campaign. */
export const DEFAULT_ATTRIBUTION_WINDOW_MS = 30 * 86_400_000;

/** The first instant of the local calendar date `YYYY-MM-DD` in a zone. */
export function startOfLocalDate(date: string, timeZone: string): Date {
  const noonAsUtc = Date.parse(`${date}T12:00:00Z`);
  return startOfLocalDay(new Date(noonAsUtc - zoneOffsetMs(noonAsUtc, timeZone)), timeZone);
}

export function campaignTerms(doc: CampaignDocument, timeZone: string): CampaignTerms {
  return {
    id: doc.id,
    name: doc.name,
    couponTitle: doc.coupon.title,
    couponValue: doc.coupon.value,
    budget: doc.budget ?? null,
    perCustomer: doc.perCustomer,
    startsAt: doc.startsOn ? startOfLocalDate(doc.startsOn, timeZone) : null,
    endsAt: doc.endsOn ? endOfLocalDate(doc.endsOn, timeZone) : null,
    attributionWindowMs: parseDuration(doc.attributionWindow) ?? DEFAULT_ATTRIBUTION_WINDOW_MS,
    allowedStores: doc.coupon.stores ?? [],
    validDays: doc.coupon.validDays ?? null,
    validUntil: doc.coupon.validUntil ? endOfLocalDate(doc.coupon.validUntil, timeZone) : null,
    rewardsReferrers: doc.referrerReward !== undefined,
  };
}

/**
 * When a coupon issued at `at` for offline use (flyers, tills) expires: at the end of the local day `days` days from
 * today when given (`--expires-days`), else at the end of the campaign's `validUntil` date, else at the end of the
 * local day `validDays` (default 14, as for flows) days from today. Printed coupons read "valid until <date>", so
 * they run to the end of that day.
 */
export function offlineCouponExpiry(terms: CampaignTerms, at: Date, timeZone: string, days?: number): Date {
  if (days === undefined && terms.validUntil) return terms.validUntil;
  const lastDay = localDateKey(new Date(at.getTime() + (days ?? terms.validDays ?? 14) * 86_400_000), timeZone);
  return endOfLocalDate(lastDay, timeZone);
}

/** Why a campaign cannot take a referral or issue coupons at `at`, or undefined when it can. */
export function campaignPeriodProblem(terms: Pick<CampaignTerms, 'startsAt' | 'endsAt'>, at: Date): 'campaign_not_started' | 'campaign_ended' | undefined {
  if (terms.startsAt && at.getTime() < terms.startsAt.getTime()) return 'campaign_not_started';
  if (terms.endsAt && at.getTime() >= terms.endsAt.getTime()) return 'campaign_ended';
  return undefined;
}

/**
 * The campaign a referral code sent without one is credited under: the first (by id) campaign that rewards
 * referrers (`referrerReward`) and runs at `at`; undefined when none does.
 */
export function referralCampaignAt(campaigns: Iterable<CampaignDocument>, at: Date, timeZone: string): string | undefined {
  const running = [...campaigns]
    .map((doc) => campaignTerms(doc, timeZone))
    .filter((t) => t.rewardsReferrers && campaignPeriodProblem(t, at) === undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return running[0]?.id;
}
