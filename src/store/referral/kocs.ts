import type { KocSummary } from '../../referral/ports.ts';
import type { PrismaClient } from '../generated/client.ts';

/** What a KocSummary is read from. */
export const KOC_SELECT = { id: true, name: true, wecomUserId: true, role: true, leftAt: true, koc: { select: { tier: true } } } as const;

export function kocSummary(staff: { id: string; name: string; wecomUserId: string; role: 'guide' | 'ambassador'; koc: { tier: string } | null }): KocSummary {
  return { staffId: staff.id, name: staff.name, wecomUserId: staff.wecomUserId, role: staff.role, tier: staff.koc?.tier ?? null };
}

export async function loadKoc(prisma: PrismaClient, staffId: string | null | undefined): Promise<KocSummary | undefined> {
  if (!staffId) return undefined;
  const staff = await prisma.staff.findUnique({ where: { id: staffId }, select: KOC_SELECT });
  return staff ? kocSummary(staff) : undefined;
}
