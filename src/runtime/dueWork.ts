import type { Clock } from '../domain/types.ts';
import type { TickStats } from '../engine/engine.ts';
import type { Logger } from '../shared/logger.ts';
import type { DrivenEngine } from './engineDriver.ts';

/**
 * Time-based work of the domain services beside the engine's own (fission invites that count once an invitee
 * stayed long enough; later tier evaluations, task reminders and expiries). Like the engine, each source keeps
 * what is due in the store, so a restart loses nothing, and tells the driver when it next has work.
 *
 * Sources run inside the driver's tick, under the engine lock: one that raises an engine event calls the engine
 * directly (not through the inbound handler, which would wait for the lock it is already holding).
 */
export interface DueWork {
  /** For logs: "fission", "tiers", … */
  readonly name: string;
  /** Does what is due at `now`; returns how many things it did (0 when nothing was due). */
  runDue(now: Date): Promise<number>;
  /** The earliest instant this source has work, or null when it has none. */
  nextDueAt(): Promise<Date | null>;
}

export type DrivenTickStats = TickStats & { dueWork?: number };

/**
 * The engine and the sources as one thing the driver ticks. A failing source is logged and retried at its next
 * tick; it never stops the engine's sends (and the engine's failure still fails the tick, as before).
 */
export function withDueWork(engine: DrivenEngine, sources: readonly DueWork[], clock: Clock, logger: Logger): DrivenEngine {
  if (sources.length === 0) return engine;
  return {
    async tick() {
      const stats: DrivenTickStats = await engine.tick();
      let done = 0;
      for (const source of sources) {
        try {
          done += await source.runDue(clock.now());
        } catch (error) {
          logger.error({ err: error, work: source.name }, 'scheduled work failed; it is tried again at the next tick');
        }
      }
      return { ...stats, dueWork: done };
    },
    async nextDueAt() {
      let next = await engine.nextDueAt();
      for (const source of sources) {
        let due: Date | null;
        try {
          due = await source.nextDueAt();
        } catch (error) {
          logger.error({ err: error, work: source.name }, 'could not read when scheduled work is next due');
          due = new Date(clock.now().getTime() + 60_000);
        }
        if (due && (!next || due < next)) next = due;
      }
      return next;
    },
  };
}
