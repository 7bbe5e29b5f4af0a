import type { CampaignTerms } from '../../referral/campaigns.ts';
import type { PrismaClient } from '../generated/client.ts';

/**
 * A campaign file's name, budget and dates, written into the `campaigns` table (which coupons, attributions and
 * reports point at). `issued_count` is the store's own and never written from the file. Returns the row as stored.
 */
export async function syncCampaign(
  prisma: PrismaClient,
  terms: Pick<CampaignTerms, 'id' | 'name' | 'budget' | 'startsAt' | 'endsAt'>,
): Promise<{ id: string; budget: number | null; issuedCount: number }> {
  const fields = { name: terms.name, budget: terms.budget, startsAt: terms.startsAt, endsAt: terms.endsAt };
  return prisma.campaign.upsert({
    where: { id: terms.id },
    create: { id: terms.id, ...fields },
    update: fields,
    select: { id: true, budget: true, issuedCount: true },
  });
}
