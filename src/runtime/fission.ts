import type { ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import type { AccountDirectory, EngineStore } from '../engine/ports.ts';
import { formatLocal } from '../playbook/templates/helpers.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import type { Logger } from '../shared/logger.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { nextFissionDueAt, recordFissionJoin, recordFissionLeave, settleDueFissionInvites, type FissionGoal, type FissionJoinOutcome } from '../store/referral/fission.ts';
import type { DueWork } from './dueWork.ts';

/**
 * Fission on the bots' side: room joins and leaves in a fission campaign's groups become invites (after the engine
 * stored the room and the member), and invites that stayed long enough count in the engine driver's tick: a KOC
 * inviter is paid per invitee, a customer inviter who reaches the goal gets the `fission.goal` trigger (once).
 */
export interface FissionOptions {
  prisma: PrismaClient;
  store: EngineStore;
  /** The engine itself, not the inbound handler: goals are raised inside the driver's tick, under the engine lock. */
  engine: { handleEvent(event: ChannelEvent): Promise<{ runsStarted: number }> };
  accounts: AccountDirectory;
  playbooks: () => PlaybookSet;
  clock: Clock;
  logger: Logger;
  /** Told each outcome (the live log). */
  onOutcome?(accountId: string, line: string): void;
}

export class Fission implements DueWork {
  readonly name = 'fission';
  readonly #o: FissionOptions;

  constructor(options: FissionOptions) {
    this.#o = options;
  }

  /** Called after the engine handled `event`. Starts no runs itself (returns 0). */
  async afterEvent(event: ChannelEvent): Promise<number> {
    if (event.kind !== 'room.joined' && event.kind !== 'room.left') return 0;
    const { prisma, store, clock } = this.#o;
    const account = this.#o.accounts.get(event.accountId);
    if (!account) return 0;
    const campaigns = [...this.#o.playbooks().campaigns.values()].map((c) => c.document);
    if (!campaigns.some((c) => c.fission)) return 0;
    const now = clock.now();
    const room = await store.ensureRoom(account.id, event.room, now);
    const member = await store.ensureContact(account.id, event.member, now);
    if (event.kind === 'room.left') {
      const left = await recordFissionLeave(prisma, { accountId: account.id, roomId: room.id, memberExternalId: event.member.externalId, contactId: member.id, at: now });
      if (left > 0) this.#tell(account.id, `✧ fission: a member left ${event.room.topic} before counting; the invite does not count`);
      return 0;
    }
    let inviter: { externalId: string; staffId?: string; contactId?: string } | undefined;
    if (event.inviter) {
      const staff = await store.findStaffByExternalId(event.inviter.externalId);
      inviter = staff
        ? { externalId: event.inviter.externalId, staffId: staff.id }
        : { externalId: event.inviter.externalId, contactId: (await store.ensureContact(account.id, event.inviter, now)).id };
    }
    const inviteeIsStaff = (await store.findStaffByExternalId(event.member.externalId)) !== undefined;
    const outcomes = await recordFissionJoin(prisma, campaigns, {
      accountId: account.id, timeZone: account.timeZone, at: now, room: { id: room.id, topic: event.room.topic },
      invitee: { externalId: event.member.externalId, contactId: member.id, isStaff: inviteeIsStaff }, ...(inviter ? { inviter } : {}),
    });
    for (const outcome of outcomes) {
      if (outcome.ok || outcome.reason !== 'no_inviter') this.#tell(account.id, describe(outcome, account.timeZone));
    }
    return 0;
  }

  runDue(now: Date): Promise<number> {
    const set = this.#o.playbooks();
    return settleDueFissionInvites(this.#o.prisma, (id) => set.campaigns.get(id)?.document, now, { onGoal: (goal) => this.#raiseGoal(goal, now) });
  }

  nextDueAt(): Promise<Date | null> {
    return nextFissionDueAt(this.#o.prisma);
  }

  async #raiseGoal(goal: FissionGoal, now: Date): Promise<void> {
    const { prisma } = this.#o;
    const [contact, room] = await Promise.all([
      prisma.contact.findUniqueOrThrow({ where: { id: goal.inviterContactId }, select: { externalId: true, name: true } }),
      prisma.room.findUniqueOrThrow({ where: { id: goal.roomId }, select: { externalId: true, topic: true } }),
    ]);
    // The event id makes the reward once per inviter and campaign: the engine ignores an event id it has seen.
    const { runsStarted } = await this.#o.engine.handleEvent({
      kind: 'fission.goal', accountId: goal.accountId, eventId: `fission-goal:${goal.campaignId}:${goal.inviterContactId}`, at: now,
      contact: { externalId: contact.externalId, ...(contact.name ? { name: contact.name } : {}) }, room: { externalId: room.externalId, topic: room.topic },
      campaignId: goal.campaignId, invites: goal.invites, goal: goal.goal,
    });
    this.#o.logger.info({ account: goal.accountId, campaign: goal.campaignId, contact: goal.inviterContactId, runsStarted }, 'fission goal reached');
    this.#tell(goal.accountId, `✧ fission: a customer reached the goal of ${goal.campaignId} (${goal.invites}/${goal.goal} invitees stayed)`);
  }

  #tell(accountId: string, line: string): void {
    try {
      this.#o.onOutcome?.(accountId, line);
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'fission listener failed (ignored)');
    }
  }
}

function describe(outcome: FissionJoinOutcome, timeZone: string): string {
  if (outcome.ok) return `✧ fission: invite into ${outcome.campaignId} counts at ${formatLocal(outcome.countsAt, 'MM-DD HH:mm', timeZone)} if the member stays`;
  return `✧ fission: not counted for ${outcome.campaignId}: ${outcome.reason.replace(/_/g, ' ')}`;
}
