import type { TiersDocument } from '../playbook/schema/documents.ts';
import { topicMatches } from '../engine/accountMatch.ts';

/**
 * Participation points, pure: a KOC's message in a group earns `pointsPerMessage`, if it is at least `minChars`
 * long (after trimming) and in a group the rule covers, until the KOC reached `dailyCap` participation points
 * that local day. Returns the points to credit (0: nothing).
 */
export type ParticipationRule = TiersDocument['participation'];

export function participationPoints(rule: ParticipationRule, message: { text: string; roomTopic: string }, earnedToday: number): number {
  if (rule.pointsPerMessage <= 0) return 0;
  if ([...message.text.trim()].length < rule.minChars) return 0;
  if (rule.rooms !== undefined && !topicMatches(rule.rooms, message.roomTopic)) return 0;
  return Math.max(0, Math.min(rule.pointsPerMessage, rule.dailyCap - earnedToday));
}
