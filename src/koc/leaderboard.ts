/**
 * The leaderboard, pure: KOCs ranked by the points they earned in the leaderboard window. Ties share a rank
 * (1, 2, 2, 4), and are listed by name so the order is stable.
 */
export interface Standing {
  staffId: string;
  name: string;
  points: number;
  tier: string;
}

export function rankStandings<T extends Standing>(standings: readonly T[]): (T & { rank: number })[] {
  const sorted = [...standings].sort((a, b) => b.points - a.points || a.name.localeCompare(b.name, 'zh-CN') || a.staffId.localeCompare(b.staffId));
  let rank = 0;
  return sorted.map((s, i) => {
    if (i === 0 || s.points !== sorted[i - 1]!.points) rank = i + 1;
    return { ...s, rank };
  });
}
