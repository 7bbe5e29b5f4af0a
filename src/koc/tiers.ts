import type { TiersDocument } from '../playbook/schema/documents.ts';

/**
 * Tier rules, pure: which tier a KOC's activity in the window earns, whether that is a promotion or a demotion,
 * and the words a KOC and ops see about it. The store reads the activity; the runtime schedules the evaluation.
 *
 * Glossary: the *window* is the tiers file's rolling period (default 30 days) ending at the evaluation; *points*
 * are the sum of the KOC's ledger rows in it; *active days* are the distinct local days in it on which the KOC
 * earned or lost points or did something themselves (a message in a group, a chat command).
 */
export type TierRule = TiersDocument['tiers'][number];

export interface WindowActivity {
  points: number;
  activeDays: number;
}

/** The highest tier whose thresholds both hold (tiers go from the lowest to the highest); the lowest otherwise. */
export function tierFor(ladder: readonly TierRule[], activity: WindowActivity): TierRule {
  let earned = ladder[0]!;
  for (const tier of ladder) {
    if (activity.points >= tier.minPoints && activity.activeDays >= tier.minActiveDays) earned = tier;
  }
  return earned;
}

export type TierMove = 'promotion' | 'demotion' | 'same';

/** A tier the ladder no longer has counts as below the lowest one: any earned tier is then a promotion. */
export function tierMove(ladder: readonly TierRule[], from: string | null, to: string): TierMove {
  if (from === to) return 'same';
  const position = (name: string | null) => ladder.findIndex((t) => t.name === name);
  return position(to) > position(from) ? 'promotion' : 'demotion';
}

/** "30 天" for 30 days; hours below a day. */
export function windowWords(windowMs: number): string {
  const days = windowMs / 86_400_000;
  if (Number.isInteger(days)) return `${days} 天`;
  return `${Math.round(windowMs / 3_600_000)} 小时`;
}

/** The reason kept in tier_changes and shown to the KOC: "30 天内 520 分、活跃 12 天". */
export function tierReason(windowMs: number, activity: WindowActivity): string {
  return `${windowWords(windowMs)}内 ${activity.points} 分、活跃 ${activity.activeDays} 天`;
}

/** What the KOC is told: a promotion with the new tier's perks; a demotion with what the old tier needs. */
export function tierAnnouncement(move: Exclude<TierMove, 'same'>, ladder: readonly TierRule[], from: string | null, to: TierRule, reason: string): string {
  if (move === 'promotion') {
    const perks = to.perks ? `\n${to.name}权益：${to.perks}` : '';
    return `🎉 恭喜！你的 KOC 等级升为「${to.name}」（${reason}）。${perks}\n发 /stats 看本周数据，/tasks 看可接的任务。`;
  }
  const previous = ladder.find((t) => t.name === from);
  const need = previous ? `；保持「${previous.name}」需要 ${previous.minPoints} 分、活跃 ${previous.minActiveDays} 天` : '';
  return `你的 KOC 等级调整为「${to.name}」（${reason}${need}）。多参与群里互动、接任务，很快就能回来！`;
}
