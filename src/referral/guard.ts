import type { Clock } from '../domain/types.ts';
import type { RedemptionResult } from './ports.ts';

/**
 * Guessing protection for coupon codes: a source (a till's API key, a staff member in chat, an IP) that tries too
 * many codes that do not exist is locked out for a while. A coupon code has 23^8 ≈ 78 billion bodies, so guessing
 * is hopeless at 10 tries per 10 minutes; the guard makes sure nobody gets to try faster.
 *
 * Policy, by default: 10 unknown codes from one source within a sliding 10 minutes lock it for 15 minutes from the
 * 10th. Only unknown codes count (`not_found`): a real coupon that is expired, redeemed or for another store is a
 * customer's problem, not a guess. A success does not reset the count (finding one valid code among many guesses
 * must not buy more guesses). When a lockout ends, the source starts from zero.
 *
 * Pure and in memory: the clock is injected, nothing is stored (a restart forgets lockouts; one process answers a
 * source, the web API and the chat command each keep their own). Memory is bounded by `maxSources`.
 */
export interface RedemptionGuardOptions {
  clock: Clock;
  /** Unknown codes one source may try within `windowMs`; the next lookup after that many is refused. @default 10 */
  maxFailures?: number;
  /** @default 10 minutes */
  windowMs?: number;
  /** How long a source is locked after reaching `maxFailures`. @default 15 minutes */
  lockoutMs?: number;
  /** Sources remembered at most; the least recently active unlocked ones are forgotten first. @default 10,000 */
  maxSources?: number;
}

export type GuardVerdict =
  /** `remaining`: unknown codes this source may still try before the lockout. */
  | { allowed: true; remaining: number }
  | { allowed: false; until: Date; retryAfterMs: number };

interface SourceState {
  /** Instants (ms) of unknown-code attempts within the window, oldest first. */
  failures: number[];
  lockedUntil: number | null;
}

export class RedemptionGuard {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #lockoutMs: number;
  readonly #maxSources: number;
  /** In order of last activity (re-inserted on each failure). */
  readonly #sources = new Map<string, SourceState>();

  constructor(options: RedemptionGuardOptions) {
    this.#clock = options.clock;
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#lockoutMs = options.lockoutMs ?? 15 * 60_000;
    this.#maxSources = options.maxSources ?? 10_000;
  }

  /** May this source look a code up now? Ask before every redemption attempt. */
  check(source: string): GuardVerdict {
    const now = this.#clock.now().getTime();
    const state = this.#current(source, now);
    if (state?.lockedUntil != null) return { allowed: false, until: new Date(state.lockedUntil), retryAfterMs: state.lockedUntil - now };
    return { allowed: true, remaining: this.#maxFailures - (state?.failures.length ?? 0) };
  }

  /** Records an attempt with a code that does not exist; returns the verdict for the source's next attempt. */
  recordFailure(source: string): GuardVerdict {
    const now = this.#clock.now().getTime();
    const state = this.#current(source, now) ?? { failures: [], lockedUntil: null };
    if (state.lockedUntil === null) {
      state.failures.push(now);
      if (state.failures.length >= this.#maxFailures) state.lockedUntil = now + this.#lockoutMs;
    }
    this.#sources.delete(source);
    this.#sources.set(source, state);
    this.#evict(now);
    return this.check(source);
  }

  /** Records a redemption's outcome: only `not_found` counts against the source. */
  record(source: string, result: Pick<RedemptionResult, 'ok'> & { reason?: string }): GuardVerdict {
    return !result.ok && result.reason === 'not_found' ? this.recordFailure(source) : this.check(source);
  }

  /** Lifts a lockout and forgets the source's failures (ops, after checking who it was). */
  reset(source: string): void {
    this.#sources.delete(source);
  }

  /** Sources remembered now (for tests and metrics). */
  get size(): number {
    return this.#sources.size;
  }

  /** The source's state at `now`, with expired failures and an ended lockout dropped; undefined when clean. */
  #current(source: string, now: number): SourceState | undefined {
    const state = this.#sources.get(source);
    if (!state) return undefined;
    if (state.lockedUntil !== null && now >= state.lockedUntil) {
      this.#sources.delete(source);
      return undefined;
    }
    while (state.failures.length > 0 && state.failures[0]! <= now - this.#windowMs) state.failures.shift();
    if (state.lockedUntil === null && state.failures.length === 0) {
      this.#sources.delete(source);
      return undefined;
    }
    return state;
  }

  #evict(now: number): void {
    if (this.#sources.size <= this.#maxSources) return;
    for (const source of [...this.#sources.keys()]) {
      if (this.#sources.size <= this.#maxSources) return;
      const state = this.#current(source, now);
      if (state && state.lockedUntil === null) this.#sources.delete(source);
    }
    // Only locked sources are left and still too many: the oldest go, lockouts and all.
    for (const source of this.#sources.keys()) {
      if (this.#sources.size <= this.#maxSources) return;
      this.#sources.delete(source);
    }
  }
}
