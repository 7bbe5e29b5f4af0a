import type { ActionMeta, ActionResult, Channel, OutboundAction, OutboundKind } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';

/**
 * A Channel that records what would have been delivered, for `simulate` and the engine's tests. It behaves like
 * a puppet where it matters to the engine: capabilities per account, and failures on demand (throttling,
 * retryable errors, a crash mid-send).
 */
export interface DeliveredAction {
  at: Date;
  action: OutboundAction;
  meta: ActionMeta;
}

export type FailureScript = (action: OutboundAction, attempt: number) => ActionResult | 'throw' | undefined;

export class FakeChannel implements Channel {
  readonly delivered: DeliveredAction[] = [];
  readonly #clock: Clock;
  readonly #unsupported: Set<OutboundKind>;
  #failures: FailureScript | undefined;
  #attempts = 0;

  constructor(clock: Clock, options: { unsupported?: OutboundKind[] } = {}) {
    this.#clock = clock;
    this.#unsupported = new Set(options.unsupported ?? []);
  }

  /** Scripts failures: return a result to fail with, 'throw' to crash mid-send, or undefined to deliver. */
  failWith(script: FailureScript | undefined): void {
    this.#failures = script;
  }

  supports(_accountId: string, kind: OutboundKind): boolean {
    return !this.#unsupported.has(kind);
  }

  /** Accounts whose bot is down: their sends are deferred as account_offline. */
  readonly offline = new Set<string>();

  available(accountId: string): boolean {
    return !this.offline.has(accountId);
  }

  async perform(action: OutboundAction, meta: ActionMeta): Promise<ActionResult> {
    this.#attempts++;
    const failure = this.#failures?.(action, this.#attempts);
    if (failure === 'throw') throw new Error('connection reset during send');
    if (failure) return failure;
    this.delivered.push({ at: this.#clock.now(), action, meta });
    return { ok: true, externalMessageId: `fake-${this.delivered.length}` };
  }
}

/** A clock that moves only when told to: tests and `simulate` jump it to the next due instant. */
export class FakeClock implements Clock {
  #now: Date;
  constructor(start: Date) {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  set(instant: Date): void {
    if (instant.getTime() < this.#now.getTime()) throw new Error(`the fake clock does not go back (${instant.toISOString()} < ${this.#now.toISOString()})`);
    this.#now = new Date(instant);
  }
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
}
