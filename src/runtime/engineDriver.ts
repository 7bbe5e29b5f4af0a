import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Mutex } from 'async-mutex';
import type { Clock } from '../domain/types.ts';
import type { TickStats } from '../engine/engine.ts';
import type { Logger } from '../shared/logger.ts';
import { realTimers, type Timers } from '../shared/timers.ts';

/**
 * Drives the engine in production: a tick when something is due, then sleep until the next due instant (which the
 * store knows, so a restart loses nothing: there is no in-memory schedule to lose). An inbound event, a reload or a
 * command kicks it awake early. The sleep is capped so work written by another process or an ops tool is seen soon.
 */
export interface DrivenEngine {
  /** `dueWork`: how many things the domain services' scheduled work did in this tick (src/runtime/dueWork.ts). */
  tick(): Promise<TickStats & { dueWork?: number }>;
  nextDueAt(): Promise<Date | null>;
}

export interface EngineDriverOptions {
  clock: Clock;
  logger: Logger;
  /** Engine work is serialised with event handling (one store connection on PGlite; no interleaved runs). */
  mutex: Mutex;
  timers?: Timers;
  /** @default 30 s */
  maxSleepMs?: number;
  /** Called after every tick (the live log's counters, tests). */
  onTick?(stats: TickStats): void;
}


export class EngineDriver {
  readonly #engine: DrivenEngine;
  readonly #options: EngineDriverOptions;
  readonly #timers: Timers;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #kicked = false;
  #wake: (() => void) | undefined;
  #failures = 0;

  constructor(engine: DrivenEngine, options: EngineDriverOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  start(): void {
    this.#stopped = false;
    this.#loop ??= this.#run();
  }

  /** Something may be due now (an event was handled, a command changed the outbox): tick soon. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Finishes the tick in flight (sends already claimed are completed and settled), then stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(): Promise<void> {
    const { clock, logger, mutex } = this.#options;
    while (!this.#stopped) {
      this.#kicked = false;
      let waitMs: number;
      try {
        const stats = await mutex.runExclusive(async () => {
          await yieldToEventLoop(); // as for inbound events: queued work must not run back to back without a break
          return this.#engine.tick();
        });
        this.#options.onTick?.(stats);
        const next = await mutex.runExclusive(() => this.#engine.nextDueAt());
        this.#failures = 0;
        const busy = stats.sent + stats.deferred + stats.skipped + stats.failed + stats.retried + stats.runsAdvanced + stats.runsStarted + (stats.dueWork ?? 0) > 0;
        waitMs = next === null ? Infinity : next.getTime() - clock.now().getTime();
        // Something is due yet this tick moved nothing (e.g. a row another process holds): do not spin on it.
        if (!busy && waitMs <= 0) waitMs = 1000;
      } catch (error) {
        this.#failures++;
        waitMs = Math.min(60_000, 1000 * 2 ** Math.min(this.#failures - 1, 6));
        logger.error({ err: error, failures: this.#failures, retryInMs: waitMs }, 'engine tick failed; trying again');
      }
      if (this.#stopped) break;
      if (this.#kicked || waitMs <= 0) continue;
      await this.#sleep(Math.min(waitMs, this.#options.maxSleepMs ?? 30_000));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(() => done(), ms);
      const done = () => {
        this.#timers.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
    });
  }
}
