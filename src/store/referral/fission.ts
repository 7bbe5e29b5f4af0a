import { randomUUID } from 'node:crypto';
import type { CampaignDocument } from '../../playbook/schema/documents.ts';
import { campaignTerms } from '../../referral/campaigns.ts';
import { decideFissionJoin, fissionCampaignsFor, fissionTerms, type FissionRefusal } from '../../referral/fission.ts';
import type { PrismaClient } from '../generated/client.ts';
import { creditPoints } from '../koc/points.ts';
import { syncCampaign } from './campaigns.ts';
import { TRANSACTION_OPTIONS } from './codes.ts';

/**
 * Fission invites on the store (the rules: src/referral/fission.ts). A join writes one `fission_invites` row per
 * matching campaign (unique per campaign and invitee, so a re-join or a second inviter finds the first row and is
 * refused) and one interaction row (`fission_invite`, or `fission_refused` with the reason). Rows count once the
 * invitee stayed `minStay` (`settleDueFissionInvites`, run by the engine driver's tick) or settle as `left`.
 */
export interface FissionJoin {
  accountId: string;
  timeZone: string;
  at: Date;
  /** The stored room (its row id) and its topic. */
  room: { id: string; topic: string };
  invitee: { externalId: string; contactId: string; isStaff: boolean };
  /** The inviter as WeCom reported them; `staffId` when they are staff in the KOC program, else `contactId`. */
  inviter?: { externalId: string; staffId?: string; contactId?: string };
}

export type FissionJoinOutcome = { campaignId: string } & ({ ok: true; countsAt: Date } | { ok: false; reason: FissionRefusal });

export async function recordFissionJoin(prisma: PrismaClient, campaigns: Iterable<CampaignDocument>, join: FissionJoin): Promise<FissionJoinOutcome[]> {
  const outcomes: FissionJoinOutcome[] = [];
  for (const { doc, terms, period } of fissionCampaignsFor(campaigns, join.room.topic, join.timeZone)) {
    const decision = decideFissionJoin({
      at: join.at, period, terms, inviteeExternalId: join.invitee.externalId, inviteeIsStaff: join.invitee.isStaff, inviterExternalId: join.inviter?.externalId,
    });
    const row = {
      occurredAt: join.at, direction: 'in' as const, accountId: join.accountId, contactId: join.invitee.contactId, roomId: join.room.id,
      staffId: join.inviter?.staffId ?? null, campaignId: doc.id,
    };
    await syncCampaign(prisma, campaignTerms(doc, join.timeZone));
    if (!decision.ok) {
      if (decision.reason !== 'no_inviter') {
        await prisma.interaction.create({ data: { ...row, kind: 'fission_refused', body: { reason: decision.reason, inviter: join.inviter?.externalId ?? null } } });
      }
      outcomes.push({ campaignId: doc.id, ok: false, reason: decision.reason });
      continue;
    }
    const inviter = join.inviter!;
    const id = randomUUID();
    const accepted = await prisma.$transaction(async (tx) => {
      // ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL that would abort the transaction.
      const { count } = await tx.fissionInvite.createMany({
        data: [{
          id, campaignId: doc.id, accountId: join.accountId, roomId: join.room.id, inviteeExternalId: join.invitee.externalId, inviteeContactId: join.invitee.contactId,
          inviterExternalId: inviter.externalId, inviterStaffId: inviter.staffId ?? null, inviterContactId: inviter.staffId ? null : inviter.contactId ?? null,
          joinedAt: join.at, countsAt: decision.countsAt,
        }],
        skipDuplicates: true,
      });
      await tx.interaction.create({
        data: count === 1
          ? { ...row, kind: 'fission_invite', body: { invite: id, inviter: inviter.externalId, countsAt: decision.countsAt.toISOString() } }
          : { ...row, kind: 'fission_refused', body: { reason: 'already_invited', inviter: inviter.externalId } },
      });
      return count === 1;
    }, TRANSACTION_OPTIONS);
    outcomes.push(accepted ? { campaignId: doc.id, ok: true, countsAt: decision.countsAt } : { campaignId: doc.id, ok: false, reason: 'already_invited' });
  }
  return outcomes;
}

/** A member left a room: their invites still waiting to count there settle as `left`. Returns how many. */
export async function recordFissionLeave(prisma: PrismaClient, leave: { accountId: string; roomId: string; memberExternalId: string; contactId: string; at: Date }): Promise<number> {
  const waiting = await prisma.fissionInvite.findMany({
    where: { roomId: leave.roomId, inviteeExternalId: leave.memberExternalId, status: 'pending', countsAt: { gt: leave.at } },
    select: { id: true, campaignId: true, inviterStaffId: true },
  });
  let settled = 0;
  for (const invite of waiting) {
    await prisma.$transaction(async (tx) => {
      const { count } = await tx.fissionInvite.updateMany({ where: { id: invite.id, status: 'pending' }, data: { status: 'left', settledAt: leave.at } });
      if (count === 0) return;
      settled++;
      await tx.interaction.create({
        data: {
          occurredAt: leave.at, direction: 'in', kind: 'fission_left', accountId: leave.accountId, contactId: leave.contactId, roomId: leave.roomId,
          staffId: invite.inviterStaffId, campaignId: invite.campaignId, body: { invite: invite.id },
        },
      });
    }, TRANSACTION_OPTIONS);
  }
  return settled;
}

/** A customer inviter reached a campaign's goal: what the `fission.goal` event is raised with. */
export interface FissionGoal {
  campaignId: string;
  accountId: string;
  roomId: string;
  inviterContactId: string;
  /** Counted invites, this one included. */
  invites: number;
  goal: number;
}

export interface SettleOptions {
  /** Raised before the invite that reached the goal is marked counted, so a crash in between raises it again (the
   *  engine ignores an event id it has seen: the reward is issued once). */
  onGoal(goal: FissionGoal): Promise<void>;
  /** @default 200 */
  batch?: number;
}

/**
 * Counts the invites whose invitee stayed long enough (`countsAt` ≤ now, still pending): a KOC inviter gets the
 * campaign's `pointsPerInvite` (one ledger row per invite), a customer inviter moves toward the goal. Every step is
 * idempotent (points by the invite's id, the goal by its event id, the count by a conditional update), so a crash
 * anywhere just repeats the step. Returns how many invites were counted.
 */
export async function settleDueFissionInvites(prisma: PrismaClient, campaigns: (id: string) => CampaignDocument | undefined, now: Date, options: SettleOptions): Promise<number> {
  const due = await prisma.fissionInvite.findMany({
    where: { status: 'pending', countsAt: { lte: now } },
    orderBy: { countsAt: 'asc' },
    take: options.batch ?? 200,
  });
  let counted = 0;
  for (const invite of due) {
    const doc = campaigns(invite.campaignId);
    const terms = doc ? fissionTerms(doc) : undefined;
    if (invite.inviterStaffId && terms && terms.pointsPerInvite > 0) {
      await creditPoints(prisma, {
        staffId: invite.inviterStaffId, amount: terms.pointsPerInvite, reason: `${doc!.name}：邀请入群`, sourceKind: 'room_invite', sourceId: invite.id, at: invite.countsAt,
      });
    }
    if (invite.inviterContactId && terms) {
      const before = await prisma.fissionInvite.count({ where: { campaignId: invite.campaignId, inviterContactId: invite.inviterContactId, status: 'counted' } });
      if (before + 1 >= terms.goal) {
        await options.onGoal({ campaignId: invite.campaignId, accountId: invite.accountId, roomId: invite.roomId, inviterContactId: invite.inviterContactId, invites: before + 1, goal: terms.goal });
      }
    }
    await prisma.$transaction(async (tx) => {
      const { count } = await tx.fissionInvite.updateMany({ where: { id: invite.id, status: 'pending' }, data: { status: 'counted', settledAt: now } });
      if (count === 0) return;
      counted++;
      await tx.interaction.create({
        data: {
          occurredAt: now, direction: 'in', kind: 'fission_counted', accountId: invite.accountId, contactId: invite.inviteeContactId, roomId: invite.roomId,
          staffId: invite.inviterStaffId, campaignId: invite.campaignId, body: { invite: invite.id, inviter: invite.inviterExternalId },
        },
      });
    }, TRANSACTION_OPTIONS);
  }
  return counted;
}

/** When the next pending invite counts, or null when none waits. */
export async function nextFissionDueAt(prisma: PrismaClient): Promise<Date | null> {
  const next = await prisma.fissionInvite.findFirst({ where: { status: 'pending' }, orderBy: { countsAt: 'asc' }, select: { countsAt: true } });
  return next?.countsAt ?? null;
}
