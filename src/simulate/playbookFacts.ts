import type { PlaybookSet } from '../playbook/model.ts';

/**
 * What the synthetic world takes from the playbooks it is run against, so that customers do things the flows
 * react to: the keywords they type, the group topics they join, the tags ops set, the referral campaign of the
 * codes they send, the KOC tiers. With the sample playbooks: 多少钱/价格/优惠, 车友会*, VIP*, VIP, spring-referral,
 * 普通/潜力/核心. A folder without such triggers still gets the fallbacks, which simply start no flow.
 */
export interface PlaybookFacts {
  /** Words of private `message.keyword` triggers, sorted. */
  keywords: string[];
  /** Room topic globs named by room triggers, room audiences and inviteToRoom steps, sorted. */
  roomTopics: string[];
  /** The subset customers get into by invitation (inviteToRoom steps): they do not join those on their own. */
  inviteTopics: string[];
  /** Tags whose addition starts a flow, sorted; and those whose removal does. */
  tagsAdded: string[];
  tagsRemoved: string[];
  /** The campaign referral codes are sent under: the first with referral rewards, else the first code.sent trigger's. */
  referralCampaign: string | null;
  /** Tiers, lowest first, with the points they need. */
  tiers: { name: string; minPoints: number }[];
}

const FALLBACK_KEYWORDS = ['价格', '多少钱'];
const FALLBACK_ROOMS = ['车友会*', 'VIP*'];
const FALLBACK_TIERS = [{ name: '普通', minPoints: 0 }, { name: '潜力', minPoints: 100 }, { name: '核心', minPoints: 500 }];

export function playbookFacts(set: PlaybookSet): PlaybookFacts {
  const keywords = new Set<string>();
  const roomTopics = new Set<string>();
  const tagsAdded = new Set<string>();
  const tagsRemoved = new Set<string>();
  const inviteTopics = new Set<string>();
  let codeCampaign: string | null = null;
  for (const flow of set.flows.values()) {
    const doc = flow.document;
    if (!doc.enabled) continue;
    const trigger = doc.trigger;
    if ('cron' in trigger) {
      if (trigger.audience?.rooms) roomTopics.add(trigger.audience.rooms.topic);
    } else if (trigger.on === 'message.keyword') {
      if (trigger.in !== 'room') for (const k of trigger.keywords ?? []) keywords.add(k);
    } else if (trigger.on === 'room.joined' || trigger.on === 'room.left') {
      if (trigger.room) roomTopics.add(trigger.room.topic);
    } else if (trigger.on === 'tag.added') {
      tagsAdded.add(trigger.tag);
    } else if (trigger.on === 'tag.removed') {
      tagsRemoved.add(trigger.tag);
    } else if (trigger.on === 'code.sent') {
      codeCampaign ??= trigger.campaign ?? null;
    }
    for (const step of doc.steps) {
      if ('inviteToRoom' in step) inviteTopics.add(step.inviteToRoom.topic);
    }
  }
  const referral = [...set.campaigns.values()].find((c) => c.document.referrerReward !== undefined)?.document.id ?? null;
  for (const topic of inviteTopics) roomTopics.add(topic);
  const tiers = set.tiers?.document.tiers.map((t) => ({ name: t.name, minPoints: t.minPoints })) ?? [];
  return {
    keywords: keywords.size > 0 ? sorted(keywords) : FALLBACK_KEYWORDS,
    roomTopics: roomTopics.size > 0 ? sorted(roomTopics) : FALLBACK_ROOMS,
    inviteTopics: roomTopics.size > 0 ? sorted(inviteTopics) : FALLBACK_ROOMS.filter((t) => t.startsWith('VIP')),
    tagsAdded: sorted(tagsAdded),
    tagsRemoved: sorted(tagsRemoved),
    referralCampaign: referral ?? codeCampaign,
    tiers: tiers.length > 0 ? tiers : FALLBACK_TIERS,
  };
}

function sorted(values: Set<string>): string[] {
  return [...values].sort();
}
