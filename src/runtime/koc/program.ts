import type { ChannelEvent } from '../../domain/channel.ts';
import type { Clock } from '../../domain/types.ts';
import { startOfLocalDay } from '../../engine/localTime.ts';
import type { EngineStore, LeaderboardEntry } from '../../engine/ports.ts';
import { rankStandings } from '../../koc/leaderboard.ts';
import { participationPoints } from '../../koc/participation.ts';
import type { ReachableAccount } from '../../koc/reach.ts';
import { parseDuration } from '../../playbook/duration.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import { formatCode } from '../../referral/codes.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PrismaClient } from '../../store/generated/client.ts';
import { kocPoints } from '../../store/koc/activity.ts';
import { creditPoints } from '../../store/koc/points.ts';
import type { DueWork } from '../dueWork.ts';
import { createKocCommandServices } from './commandServices.ts';
import { KocNotes } from './notes.ts';
import { TaskDeadlines } from './taskDeadlines.ts';
import { TierEvaluation } from './tierEvaluation.ts';

/**
 * The KOC program in the running product: tier evaluation and task deadlines as scheduled work, participation
 * points from group messages, the leaderboard for recognition flows, and the services of the KOC chat commands.
 * Everything it keeps is in the store; it holds only the wiring.
 */
export interface KocProgramOptions {
  prisma: PrismaClient;
  store: EngineStore;
  playbooks: () => PlaybookSet;
  /** The accounts KOCs are reached on (src/koc/reach.ts). */
  accounts: readonly ReachableAccount[];
  clock: Clock;
  logger: Logger;
  /** Where tracking links live: `<linkBase>/r/<code>`. None: /code shows no link. */
  linkBase?: string;
  /** Replaces the tiers file's `evaluate` cron (the all-mock demo evaluates every minute). */
  evaluateCron?: string;
  /** Raises an engine event (`/tag` raises tag.added), under the engine lock the caller holds. */
  handleEvent(event: ChannelEvent): Promise<unknown>;
}

const DEFAULT_LEADERBOARD = { window: '7d', size: 10 };

export class KocProgram {
  readonly notes: KocNotes;
  readonly dueWork: DueWork[];
  readonly #o: KocProgramOptions;

  constructor(options: KocProgramOptions) {
    this.#o = options;
    this.notes = new KocNotes(options.store, () => options.accounts);
    const common = { prisma: options.prisma, playbooks: options.playbooks, notes: this.notes, clock: options.clock, logger: options.logger };
    this.dueWork = [
      new TierEvaluation({ ...common, ...(options.evaluateCron ? { cron: options.evaluateCron } : {}) }),
      new TaskDeadlines(common),
    ];
  }

  /** The leaderboard's window (ms) and size, from the tiers file. */
  leaderboardSettings(): { windowMs: number; size: number } {
    const board = this.#o.playbooks().tiers?.document.leaderboard ?? DEFAULT_LEADERBOARD;
    return { windowMs: parseDuration(board.window)!, size: board.size };
  }

  referralLink(code: string): string | undefined {
    return this.#o.linkBase ? `${this.#o.linkBase.replace(/\/+$/, '')}/r/${formatCode(code.replace(/[-\s]/g, ''))}` : undefined;
  }

  /** Every KOC ranked by points earned over the leaderboard window ending at `at`. */
  async leaderboard(at: Date): Promise<{ size: number; windowMs: number; entries: (LeaderboardEntry & { wecomUserId: string })[] }> {
    const { windowMs, size } = this.leaderboardSettings();
    const standings = await kocPoints(this.#o.prisma, new Date(at.getTime() - windowMs), at);
    const entries = rankStandings(standings).map((s) => ({
      staffId: s.staffId, rank: s.rank, name: s.name, points: s.points, tier: s.tier, wecomUserId: s.wecomUserId,
      code: s.code ? formatCode(s.code) : '', link: s.code ? (this.referralLink(s.code) ?? '') : '',
    }));
    return { size, windowMs, entries };
  }

  /**
   * After the engine handled an event: a KOC's message in a group earns participation points (the tiers file's
   * `participation`), capped per local day. Keyed by the message, so a redelivered message pays once.
   */
  async afterEvent(event: ChannelEvent): Promise<number> {
    if (event.kind !== 'message' || !event.room || event.media) return 0;
    const rule = this.#o.playbooks().tiers?.document.participation;
    if (!rule || rule.pointsPerMessage <= 0) return 0;
    const staff = await this.#o.store.findStaffByExternalId(event.contact.externalId);
    if (!staff || staff.tier === null) return 0;
    const now = this.#o.clock.now();
    const zone = this.#o.accounts.find((a) => a.id === event.accountId)?.timeZone ?? this.notes.zoneOf({ wecomUserId: staff.externalId, accountId: staff.accountId });
    const today = await this.#o.prisma.pointsLedger.aggregate({
      where: { staffId: staff.id, sourceKind: 'participation', at: { gte: startOfLocalDay(now, zone) } },
      _sum: { amount: true },
    });
    const amount = participationPoints(rule, { text: event.text, roomTopic: event.room.topic }, today._sum.amount ?? 0);
    if (amount <= 0) return 0;
    const paid = await creditPoints(this.#o.prisma, {
      staffId: staff.id, amount, reason: '群内互动', sourceKind: 'participation', sourceId: `${event.accountId}:${event.room.externalId}:${event.eventId}`, at: now,
    });
    if (paid) this.#o.logger.debug({ staff: staff.id, account: event.accountId, amount }, 'participation points');
    return 0;
  }

  commandServices() {
    return createKocCommandServices(this, this.#o);
  }
}
