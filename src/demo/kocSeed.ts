import type { TiersDocument } from '../playbook/schema/documents.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { creditPoints } from '../store/koc/points.ts';

/**
 * The demo's KOC history, so a demo shows the KOC program within a minute: each KOC gets ledger rows on past days
 * (source "demo") that hold the tier they start in — and the first KOC in the lowest tier enough for the next one,
 * so the real tier evaluation (every minute in an all-mock demo) promotes them and announces it. Nothing is faked
 * after that: the evaluator reads these rows like any other. Keyed per KOC and day, so a second start adds nothing.
 * Only for an all-mock demo (never on a store with real accounts).
 */
export async function seedDemoKocHistory(prisma: PrismaClient, tiers: TiersDocument, now: Date): Promise<{ staffId: string; target: string }[]> {
  const ladder = tiers.tiers;
  const kocs = await prisma.kocProfile.findMany({ where: { staff: { leftAt: null } }, select: { staffId: true, tier: true }, orderBy: { staffId: 'asc' } });
  const position = (tier: string) => Math.max(0, ladder.findIndex((t) => t.name === tier));
  const lowest = Math.min(...kocs.map((k) => position(k.tier)));
  const climber = kocs.find((k) => position(k.tier) === lowest && lowest + 1 < ladder.length);
  const seeded: { staffId: string; target: string }[] = [];
  for (const koc of kocs) {
    const target = ladder[koc === climber ? position(koc.tier) + 1 : position(koc.tier)]!;
    const days = Math.max(1, target.minActiveDays);
    const perDay = Math.ceil(target.minPoints / days) + 5;
    for (let i = 1; i <= days; i++) {
      await creditPoints(prisma, {
        staffId: koc.staffId, amount: perDay, reason: '演示：历史积分', sourceKind: 'demo', sourceId: `demo-seed:${target.name}:${i}`,
        at: new Date(now.getTime() - i * 86_400_000 + 3_600_000),
      });
    }
    seeded.push({ staffId: koc.staffId, target: target.name });
  }
  return seeded;
}
