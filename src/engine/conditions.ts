import type { Condition } from '../playbook/schema/conditions.ts';

/** What a condition can look at: the subject's tags and attributes, its referral, the inviter, the KOC tier. */
export interface ConditionFacts {
  tags: readonly string[];
  attributes: Record<string, unknown>;
  referred: boolean;
  /** room.joined: who invited the member. */
  invitedBy: 'koc' | 'staff' | 'customer' | null;
  /** The staff subject's tier, or the contact's referrer's tier. */
  tier: string | null;
  optedOut: boolean;
}

export function conditionHolds(condition: Condition, facts: ConditionFacts): boolean {
  if (condition.tagged && !condition.tagged.every((t) => facts.tags.includes(t))) return false;
  if (condition.taggedAny && !condition.taggedAny.some((t) => facts.tags.includes(t))) return false;
  if (condition.notTagged && condition.notTagged.some((t) => facts.tags.includes(t))) return false;
  if (condition.attributes) {
    for (const [key, value] of Object.entries(condition.attributes)) if (facts.attributes[key] !== value) return false;
  }
  if (condition.referred !== undefined && condition.referred !== facts.referred) return false;
  if (condition.invitedBy !== undefined && condition.invitedBy !== 'anyone' && condition.invitedBy !== facts.invitedBy) return false;
  if (condition.invitedBy === 'anyone' && facts.invitedBy === null) return false;
  if (condition.tier && (facts.tier === null || !condition.tier.includes(facts.tier))) return false;
  if (condition.optedOut !== undefined && condition.optedOut !== facts.optedOut) return false;
  if (condition.any && !condition.any.some((inner) => conditionHolds(inner, facts))) return false;
  return true;
}
