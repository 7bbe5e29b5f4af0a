import type { Clock } from '../../domain/types.ts';
import { nextOccurrence } from '../../engine/scheduler.ts';
import { tierAnnouncement, tierFor, tierMove, tierReason } from '../../koc/tiers.ts';
import { parseDuration } from '../../playbook/duration.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import type { TiersDocument } from '../../playbook/schema/documents.ts';
import type { Logger } from '../../shared/logger.ts';
import { windowActivity } from '../../store/koc/activity.ts';
import { kocSchedules, kocsForEvaluation, recordTierChange, tierChangeOf, type KocForEvaluation } from '../../store/koc/tiers.ts';
import type { PrismaClient } from '../../store/generated/client.ts';
import type { DueWork } from '../dueWork.ts';
import type { KocNotes } from './notes.ts';

/**
 * Tier evaluation as scheduled work (a DueWork source). The tiers file's `evaluate` cron is read in each KOC's time
 * zone (their account's): one schedule row per zone in koc_schedules, with its next due instant, so a restart
 * neither skips an evaluation that fell due while kocflow was down (it runs once when kocflow is back) nor runs one
 * twice. The next instant comes from the engine's own cron helper (cron-parser, in the zone).
 *
 * An evaluation at instant T counts each KOC's points and active days over (T − window, T] — the same answer
 * however late it runs — picks the highest tier whose thresholds hold, and records a change (tier_changes, unique
 * per KOC and evaluation, and koc_profiles) with its reason. The KOC is told through the outbox, keyed by KOC and
 * evaluation: an evaluation re-run after a crash re-queues the note it may have lost, and the key makes it one.
 */
const PREFIX = 'tiers:';

export interface TierEvaluationOptions {
  prisma: PrismaClient;
  playbooks: () => PlaybookSet;
  notes: KocNotes;
  clock: Clock;
  logger: Logger;
  /** Replaces the file's `evaluate` (the all-mock demo evaluates every minute). */
  cron?: string;
}

export class TierEvaluation implements DueWork {
  readonly name = 'tiers';
  readonly #o: TierEvaluationOptions;
  #synced: { doc: TiersDocument | undefined } | undefined;

  constructor(options: TierEvaluationOptions) {
    this.#o = options;
  }

  async nextDueAt(): Promise<Date | null> {
    await this.#sync(this.#o.clock.now());
    const [first] = await kocSchedules(this.#o.prisma).list(PREFIX);
    return first?.nextDueAt ?? null;
  }

  async runDue(now: Date): Promise<number> {
    const tiers = await this.#sync(now);
    if (!tiers) return 0;
    const schedules = kocSchedules(this.#o.prisma);
    let changed = 0;
    for (const row of await schedules.list(PREFIX)) {
      if (row.nextDueAt > now) break;
      const evaluation = `${row.key}:${row.nextDueAt.toISOString()}`;
      changed += await this.evaluate(tiers, row.timeZone, row.nextDueAt, evaluation);
      await schedules.advance(row.key, row.nextDueAt, nextOccurrence(row.cron, row.timeZone, now), now);
    }
    return changed;
  }

  /** Evaluates the KOCs of one zone at instant `at`; returns how many changed tier. */
  async evaluate(tiers: TiersDocument, zone: string, at: Date, evaluation: string): Promise<number> {
    const { prisma, notes, logger } = this.#o;
    const kocs = (await kocsForEvaluation(prisma)).filter((k) => notes.zoneOf(k) === zone);
    const windowMs = parseDuration(tiers.window)!;
    const activity = await windowActivity(prisma, kocs.map((k) => k.staffId), new Date(at.getTime() - windowMs), at, zone);
    let changed = 0;
    for (const koc of kocs) {
      const earlier = await tierChangeOf(prisma, koc.staffId, evaluation);
      if (earlier) {
        // This evaluation ran before and changed this KOC; the note may have been lost with the process.
        await this.#announce(tiers, koc, earlier.fromTier, earlier.toTier, earlier.reason, evaluation);
        continue;
      }
      const facts = activity.get(koc.staffId)!;
      const target = tierFor(tiers.tiers, facts);
      if (target.name === koc.tier) continue;
      const reason = tierReason(windowMs, facts);
      if (!(await recordTierChange(prisma, { staffId: koc.staffId, fromTier: koc.tier, toTier: target.name, reason, evaluation, at: this.#o.clock.now() }))) continue;
      changed++;
      logger.info({ staff: koc.staffId, from: koc.tier, to: target.name, points: facts.points, activeDays: facts.activeDays, evaluation }, 'KOC tier changed');
      await this.#announce(tiers, koc, koc.tier, target.name, reason, evaluation);
    }
    logger.info({ zone, evaluation, kocs: kocs.length, changed }, 'tiers evaluated');
    return changed;
  }

  async #announce(tiers: TiersDocument, koc: KocForEvaluation, from: string | null, to: string, reason: string, evaluation: string): Promise<void> {
    const rule = tiers.tiers.find((t) => t.name === to) ?? { name: to, minPoints: 0, minActiveDays: 0 };
    const move = tierMove(tiers.tiers, from, to);
    if (move === 'same') return;
    const text = tierAnnouncement(move, tiers.tiers, from, rule, reason);
    const sent = await this.#o.notes.send(koc, `tier:${koc.staffId}:${evaluation}`, text, this.#o.clock.now());
    if (!sent) this.#o.logger.warn({ staff: koc.staffId }, 'tier change not announced: no account reaches this KOC (give them an account or make them a commander)');
  }

  /** Schedule rows for the zones of today's KOCs, with the file's cron; re-done when the tiers file changes. */
  async #sync(now: Date): Promise<TiersDocument | undefined> {
    const doc = this.#o.playbooks().tiers?.document;
    if (this.#synced && this.#synced.doc === doc) return doc;
    const schedules = kocSchedules(this.#o.prisma);
    const existing = await schedules.list(PREFIX);
    const wanted = new Set<string>();
    if (doc) {
      const cron = this.#o.cron ?? doc.evaluate;
      for (const koc of await kocsForEvaluation(this.#o.prisma)) wanted.add(this.#o.notes.zoneOf(koc));
      for (const zone of wanted) {
        const row = existing.find((r) => r.key === PREFIX + zone);
        if (row && row.cron === cron) continue; // unchanged: keep its stored due instant (a missed one still runs)
        await schedules.put({ key: PREFIX + zone, cron, timeZone: zone, nextDueAt: nextOccurrence(cron, zone, now), lastFiredAt: row?.lastFiredAt ?? null });
        this.#o.logger.info({ zone, cron }, 'tier evaluation scheduled');
      }
    }
    for (const row of existing) if (!wanted.has(row.timeZone)) await schedules.remove(row.key);
    this.#synced = { doc };
    return doc;
  }
}
