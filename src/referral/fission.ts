import type { CampaignDocument } from '../playbook/schema/documents.ts';
import { parseDuration } from '../playbook/duration.ts';
import { topicMatches } from '../engine/accountMatch.ts';
import { campaignPeriodProblem, campaignTerms } from './campaigns.ts';

/**
 * Fission (裂变): "invite N friends into our group, get a coupon". The rules for one room join, as a pure function
 * over the facts the store read; src/store/referral/fission.ts reads them and writes the outcome.
 *
 * A join counts toward a campaign whose `fission.room.topic` matches the room, inside the campaign's dates, when
 * (checked in this order, the first refusal is the answer):
 * 1. `no_inviter`: WeCom reported no inviter (joined by QR code or link): nobody to credit.
 * 2. `self_invite`: the inviter is the invitee.
 * 3. `staff_invitee`: the invitee is staff: colleagues filling a group earn nothing.
 * 4. `campaign_not_started` / `campaign_ended`: outside `startsOn`–`endsOn`.
 * 5. `already_invited` (decided by the store's unique row): the invitee was invited into this campaign's groups
 *    before, by anyone — re-joining, or being re-invited by a friend, is never counted twice.
 * An accepted join is `pending` until the invitee stayed `minStay`; leaving earlier settles it as `left`.
 */
export const FISSION_REFUSALS = ['no_inviter', 'self_invite', 'staff_invitee', 'campaign_not_started', 'campaign_ended', 'already_invited'] as const;
export type FissionRefusal = (typeof FISSION_REFUSALS)[number];

export interface FissionTerms {
  campaignId: string;
  topic: string;
  goal: number;
  minStayMs: number;
  pointsPerInvite: number;
}

export interface FissionJoinFacts {
  at: Date;
  /** The campaign's dates in the account's zone. */
  period: { startsAt: Date | null; endsAt: Date | null };
  terms: FissionTerms;
  inviteeExternalId: string;
  inviteeIsStaff: boolean;
  inviterExternalId: string | undefined;
}

export type FissionJoinDecision = { ok: true; countsAt: Date } | { ok: false; reason: Exclude<FissionRefusal, 'already_invited'> };

export function decideFissionJoin(facts: FissionJoinFacts): FissionJoinDecision {
  if (!facts.inviterExternalId) return { ok: false, reason: 'no_inviter' };
  if (facts.inviterExternalId === facts.inviteeExternalId) return { ok: false, reason: 'self_invite' };
  if (facts.inviteeIsStaff) return { ok: false, reason: 'staff_invitee' };
  const period = campaignPeriodProblem(facts.period, facts.at);
  if (period) return { ok: false, reason: period };
  return { ok: true, countsAt: new Date(facts.at.getTime() + facts.terms.minStayMs) };
}

/** The schema's default minimum stay (1 day). */
export const DEFAULT_MIN_STAY_MS = 86_400_000;

export function fissionTerms(doc: CampaignDocument): FissionTerms | undefined {
  if (!doc.fission) return undefined;
  return {
    campaignId: doc.id,
    topic: doc.fission.room.topic,
    goal: doc.fission.goal,
    minStayMs: parseDuration(doc.fission.minStay) ?? DEFAULT_MIN_STAY_MS,
    pointsPerInvite: doc.fission.pointsPerInvite,
  };
}

/** The fission campaigns a room with this topic takes part in, with their dates in `timeZone`. */
export function fissionCampaignsFor(campaigns: Iterable<CampaignDocument>, topic: string, timeZone: string) {
  const found: { doc: CampaignDocument; terms: FissionTerms; period: { startsAt: Date | null; endsAt: Date | null } }[] = [];
  for (const doc of campaigns) {
    const terms = fissionTerms(doc);
    if (!terms || !topicMatches(terms.topic, topic)) continue;
    const { startsAt, endsAt } = campaignTerms(doc, timeZone);
    found.push({ doc, terms, period: { startsAt, endsAt } });
  }
  return found;
}
