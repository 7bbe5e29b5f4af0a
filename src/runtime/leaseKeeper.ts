import type { Mutex } from 'async-mutex';
import type { LeaseStore, ProcessRole } from '../store/cluster/leases.ts';
import type { Logger } from '../shared/logger.ts';
import { realTimers, type Timers } from '../shared/timers.ts';

/**
 * Keeps this process's account leases (several processes on PostgreSQL; docs/scaling.md). Every `renewEveryMs`:
 * beat the heartbeat, renew the leases held (one that another process took over is lost: its bot stops), then
 * take a fair share — ceil(accounts / live bot processes) — of the accounts nobody holds, and give back what is
 * above it, so a process that joins gets work and one that dies loses it within `ttlMs + renewEveryMs`.
 *
 * Order on a gain: the lease is won, the account's rows still `sending` under the previous owner become in_doubt
 * (`onTakenOver`), the bot starts (`onGained`), and only then are its sends dispatched here (`owned()`). On a loss
 * or a release: the account leaves `owned()` first, then the tick in flight finishes (the mutex), then the bot stops
 * and, for a release, the lease row is deleted.
 *
 * `owned()` also goes empty by itself when renewals have failed for longer than the lease could still be valid
 * (the database unreachable): this process then stops dispatching before another could take the accounts over.
 * The claim statement checks the lease in the database too (src/store/engine/outbox.ts), so this is a second fence.
 */
export interface LeaseKeeperOptions {
  leases: LeaseStore;
  processId: string;
  role: ProcessRole;
  /** Every configured account (the same list in every process). */
  accounts: readonly string[];
  /** @default 20 s */
  ttlMs?: number;
  /** @default 5 s */
  renewEveryMs?: number;
  /** Serialises with engine ticks. */
  mutex: Mutex;
  logger: Logger;
  timers?: Timers;
  now?: () => number;
  onTakenOver(accounts: string[]): Promise<void>;
  onGained(accounts: string[]): Promise<void>;
  onLost(accounts: string[]): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 20_000;
export const DEFAULT_LEASE_RENEW_MS = 5_000;

export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  readonly #ttl: number;
  readonly #every: number;
  readonly #timers: Timers;
  readonly #now: () => number;
  #owned = new Set<string>();
  /** Local time of the last renewal that reached the database. */
  #renewedAt = 0;
  #timer: ReturnType<Timers['setTimeout']> | undefined;
  #cycle: Promise<void> | undefined;
  #stopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
    this.#ttl = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#every = options.renewEveryMs ?? DEFAULT_LEASE_RENEW_MS;
    this.#timers = options.timers ?? realTimers;
    this.#now = options.now ?? Date.now;
  }

  /** The accounts this process may dispatch for now. */
  owned(): string[] {
    if (this.#owned.size === 0) return [];
    // Renewals failing: stop before the leases could have expired in the database (a renewal period of margin).
    if (this.#now() - this.#renewedAt > this.#ttl - this.#every) return [];
    return [...this.#owned].sort();
  }

  /** Runs the first cycle (so the process has its share when this resolves), then one every renewEveryMs. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#runCycle();
    this.#schedule();
  }

  /** One cycle now (tests; also what the timer runs). */
  cycle(): Promise<void> {
    return this.#runCycle();
  }

  /** Stops renewing, stops the bots of the accounts held, releases their leases and the heartbeat. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    await this.#cycle;
    const held = [...this.#owned];
    this.#owned.clear();
    await this.#o.mutex.runExclusive(async () => {}); // the tick in flight settles its sends
    if (held.length > 0) await this.#o.onLost(held);
    const { leases, processId, logger } = this.#o;
    try {
      await leases.release(processId, held);
      await leases.forget(processId);
      if (held.length > 0) logger.info({ process: processId, accounts: held }, 'account leases released');
    } catch (error) {
      logger.warn({ process: processId, err: error }, 'could not release the account leases: they expire by themselves');
    }
  }

  /** The next cycle starts renewEveryMs after this one started (a slow cycle does not stretch the period). */
  #schedule(delay = this.#every): void {
    if (this.#stopped) return;
    this.#timer = this.#timers.setTimeout(() => {
      const started = this.#now();
      this.#runCycle().finally(() => this.#schedule(Math.max(0, this.#every - (this.#now() - started))));
    }, delay);
  }

  #runCycle(): Promise<void> {
    this.#cycle ??= this.#doCycle()
      .catch((error: unknown) => this.#o.logger.error({ process: this.#o.processId, err: error }, 'account lease cycle failed; trying again'))
      .finally(() => { this.#cycle = undefined; });
    return this.#cycle;
  }

  async #doCycle(): Promise<void> {
    const { leases, processId, role, accounts, logger, mutex } = this.#o;
    const started = this.#now();
    await leases.heartbeat(processId, role, this.#ttl);
    const renewed = new Set(await leases.renew(processId, [...this.#owned], this.#ttl));
    this.#renewedAt = started;
    const lost = [...this.#owned].filter((id) => !renewed.has(id));
    if (lost.length > 0) {
      for (const id of lost) this.#owned.delete(id);
      logger.warn({ process: processId, accounts: lost }, 'account leases lost to another process: their bots stop here');
      await mutex.runExclusive(async () => {});
      await this.#o.onLost(lost);
    }
    if (this.#stopped) return;

    const live = Math.max(1, await leases.liveBotProcesses());
    const share = Math.ceil(accounts.length / live);
    if (this.#owned.size < share) {
      const candidates = accounts.filter((id) => !this.#owned.has(id));
      const won = await leases.acquire(processId, candidates, share - this.#owned.size, this.#ttl);
      if (won.length > 0) {
        await this.#o.onTakenOver(won);
        await this.#o.onGained(won);
        for (const id of won) this.#owned.add(id);
        logger.info({ process: processId, accounts: won, live, share }, 'account leases taken');
      }
    } else if (this.#owned.size > share) {
      // Another process joined: give back the excess (the last in order), so it can take them at once.
      const excess = [...this.#owned].sort().slice(share);
      for (const id of excess) this.#owned.delete(id);
      await mutex.runExclusive(async () => {});
      await this.#o.onLost(excess);
      await leases.release(processId, excess);
      logger.info({ process: processId, accounts: excess, live, share }, 'account leases given back for balance');
    }
  }
}
