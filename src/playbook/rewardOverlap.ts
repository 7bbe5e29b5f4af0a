import type { CampaignDocument } from './schema/documents.ts';
import type { LoadedFlow, Located } from './model.ts';

/**
 * Finds flow steps that pay a referrer or inviter points that a campaign already pays by itself: `referrerReward`
 * (paid when a referred customer arrives and when their coupon is redeemed) and `fission.pointsPerInvite` (paid per
 * invitee who stayed). A flow that also has `awardPoints: { to: referrer | inviter }` for the same event pays twice.
 * A warning: ops may mean a bonus, but more often it is a flow written before the campaign paid by itself.
 */
export interface RewardOverlap {
  flow: LoadedFlow;
  stepIndex: number;
  message: string;
}

export function findRewardOverlaps(flows: Iterable<LoadedFlow>, campaigns: Iterable<Located<CampaignDocument>>): RewardOverlap[] {
  const docs = [...campaigns].map((c) => c.document);
  const found: RewardOverlap[] = [];
  for (const flow of flows) {
    const trigger = flow.document.trigger;
    if ('cron' in trigger) continue;
    flow.document.steps.forEach((step, stepIndex) => {
      if (!('awardPoints' in step)) return;
      const to = step.awardPoints.to;
      let payer: { campaign: CampaignDocument; what: string } | undefined;
      if (to === 'referrer' && (trigger.on === 'code.sent' || trigger.on === 'coupon.redeemed')) {
        const key = trigger.on === 'code.sent' ? 'onArrival' : 'onRedeem';
        const campaign = docs.find((c) => (trigger.campaign === undefined || trigger.campaign === c.id) && (c.referrerReward?.[key] ?? 0) > 0);
        if (campaign) payer = { campaign, what: `${campaign.referrerReward![key]} points (referrerReward.${key})` };
      } else if (to === 'inviter' && trigger.on === 'room.joined') {
        const topic = trigger.room?.topic;
        const campaign = docs.find((c) => c.fission && c.fission.pointsPerInvite > 0 && (topic === undefined || topic === c.fission.room.topic));
        if (campaign) payer = { campaign, what: `${campaign.fission!.pointsPerInvite} points per invitee who stays ${campaign.fission!.minStay} (fission.pointsPerInvite)` };
      }
      if (payer) {
        found.push({
          flow, stepIndex,
          message: `campaign "${payer.campaign.id}" already pays the ${to} ${payer.what}; this step pays again: remove it, or set the campaign's amount to 0 if the flow should decide`,
        });
      }
    });
  }
  return found;
}
