import { WechatyBuilder, type Wechaty, type impls } from 'wechaty';
import type { ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import type { Logger } from '../shared/logger.ts';
import { realTimers, type Timers } from '../shared/timers.ts';
import { friendAddedEvent, messageEvent, roomJoinEvents, roomLeaveEvents } from './events.ts';
import type { PuppetHandle } from './puppetHandle.ts';

/**
 * One account's bot: a Wechaty instance, its status, and reconnecting with back-off. Everything a puppet does is
 * untrusted here (STACK-NOTES): `start()` resolves even when the puppet failed, an 'error' event without a
 * listener or a throwing handler kills the process, so every handler is guarded and login is awaited with a
 * timeout. A bot never throws out of start(): it reports `failed` or `reconnecting` and tries again itself.
 */

export type BotState = 'starting' | 'waiting_for_scan' | 'logged_in' | 'reconnecting' | 'failed' | 'stopped';

export interface BotStatus {
  state: BotState;
  since: Date;
  /** Why it is reconnecting or failed, in words for ops (no tokens). */
  reason?: string;
  /** While waiting for a scan: the QR code's text (the terminal and the dashboard render it). */
  qr?: string;
  /** Reconnect attempts since the last login. */
  attempt?: number;
  nextAttemptAt?: Date;
  /** Once logged in: who the bot is. */
  self?: { externalId: string; name: string };
}

export interface BotHooks {
  /** An inbound event for the engine (or the staff command router). Errors are caught and logged by the bot. */
  onEvent(event: ChannelEvent): Promise<void>;
  /** Whether to accept a friend request on this account (a playbook may say not to). */
  acceptsFriendRequests(accountId: string): boolean;
  onStatus?(accountId: string, status: BotStatus): void;
}

export type BotTimers = Timers;

export interface AccountBotOptions {
  account: { id: string; name: string };
  /** Makes a fresh puppet for each (re)connect. A thrown KocError with `retryable: false` fails the bot for good. */
  makePuppet: () => Promise<PuppetHandle>;
  hooks: BotHooks;
  logger: Logger;
  clock: Clock;
  timers?: BotTimers;
  /** How long to wait for a login or a QR code after start or logout before reconnecting. @default 60 s */
  loginTimeoutMs?: number;
  /** Reconnect delays double from `baseMs` up to `maxMs`. @default 1 s … 5 min */
  backoff?: { baseMs: number; maxMs: number };
}


export class AccountBot {
  readonly accountId: string;
  readonly #options: AccountBotOptions;
  readonly #timers: BotTimers;
  readonly #log: Logger;
  #status: BotStatus;
  #bot: Wechaty | undefined;
  #handle: PuppetHandle | undefined;
  #attempt = 0;
  #timer: unknown;
  #stopping = false;
  /** Bumped on every (re)connect, so late events and timers of a replaced Wechaty are ignored. */
  #generation = 0;

  constructor(options: AccountBotOptions) {
    this.accountId = options.account.id;
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
    this.#log = options.logger.child({ account: this.accountId });
    this.#status = { state: 'starting', since: options.clock.now() };
  }

  status(): BotStatus {
    return this.#status;
  }

  /** The logged-in Wechaty, or undefined while the account cannot act. */
  wechaty(): Wechaty | undefined {
    return this.#status.state === 'logged_in' ? this.#bot : undefined;
  }

  puppet(): PuppetHandle | undefined {
    return this.#handle;
  }

  async start(): Promise<void> {
    this.#stopping = false;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#clearTimer();
    await this.#teardown();
    this.#setStatus({ state: 'stopped' });
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    this.#setStatus({ state: 'starting', ...(this.#attempt > 0 ? { attempt: this.#attempt } : {}) });
    try {
      const handle = await this.#options.makePuppet();
      if (generation !== this.#generation || this.#stopping) {
        await handle.dispose();
        return;
      }
      this.#handle = handle;
      // No `name`: with one, Wechaty writes <name>.memory-card.json into the working directory.
      const bot = WechatyBuilder.build({ puppet: handle.puppet as never });
      this.#bot = bot;
      this.#listen(bot, generation);
      await bot.start();
      if (!bot.puppet.state.active()) throw new Error('the puppet did not start');
      handle.autoLogin?.(this.#options.account.name);
      this.#armLoginTimeout(generation, 'no login and no QR code');
    } catch (error) {
      if (generation !== this.#generation) return;
      const retryable = (error as { retryable?: boolean }).retryable !== false;
      const reason = messageOf(error);
      if (!retryable) {
        this.#log.error({ code: (error as { code?: string }).code, reason }, 'account failed: it will not be retried until the configuration changes');
        await this.#teardown();
        this.#setStatus({ state: 'failed', reason });
        return;
      }
      await this.#scheduleReconnect(reason);
    }
  }

  #listen(bot: Wechaty, generation: number): void {
    const current = () => generation === this.#generation && !this.#stopping;
    const guard = <A extends unknown[]>(name: string, fn: (...args: A) => Promise<void> | void) => (...args: A) => {
      if (!current()) return;
      // A handler that throws must not reach Wechaty (an unhandled rejection there ends every bot of the process).
      Promise.resolve()
        .then(() => fn(...args))
        .catch((error: unknown) => this.#log.error({ err: error, handler: name }, 'bot event handler failed; the bot carries on'));
    };

    bot.on('error', guard('error', (error: Error) => {
      this.#log.warn({ reason: messageOf(error) }, 'puppet error');
      // An error while the puppet is still running is the puppet's business (one failed call); a dead puppet is ours.
      if (this.#status.state !== 'starting' && !bot.puppet.state.active()) void this.#scheduleReconnect(`the puppet stopped: ${messageOf(error)}`);
    }));
    bot.on('scan', guard('scan', (qr: string, status: number) => {
      this.#clearTimer();
      this.#setStatus({ state: 'waiting_for_scan', qr, reason: `scan status ${status}` });
    }));
    bot.on('login', guard('login', (user: impls.ContactSelfInterface) => {
      this.#clearTimer();
      this.#attempt = 0;
      this.#setStatus({ state: 'logged_in', self: { externalId: user.id, name: user.name() } });
    }));
    bot.on('logout', guard('logout', (_user: impls.ContactSelfInterface, reason?: string) => {
      this.#setStatus({ state: 'reconnecting', reason: `logged out${reason ? `: ${reason}` : ''}` });
      this.#armLoginTimeout(generation, 'logged out and no new login or QR code');
    }));
    bot.on('message', guard('message', async (message: impls.MessageInterface) => {
      const event = await messageEvent(this.accountId, message);
      if (event) await this.#options.hooks.onEvent(event);
    }));
    bot.on('friendship', guard('friendship', async (friendship: impls.FriendshipInterface) => {
      const type = friendship.type();
      const now = this.#options.clock.now();
      if (type === 2 /* Receive */) {
        if (!this.#options.hooks.acceptsFriendRequests(this.accountId)) {
          this.#log.info({ friendship: friendship.id }, 'friend request left for a person: no playbook accepts requests on this account');
          return;
        }
        await friendship.accept();
        await this.#options.hooks.onEvent(friendAddedEvent(this.accountId, friendship, now));
      } else if (type === 1 /* Confirm */) {
        await this.#options.hooks.onEvent(friendAddedEvent(this.accountId, friendship, now));
      }
    }));
    bot.on('room-join', guard('room-join', async (room: impls.RoomInterface, invitees: impls.ContactInterface[], inviter: impls.ContactInterface, date?: Date) => {
      for (const event of await roomJoinEvents(this.accountId, room, invitees, inviter, date, this.#options.clock.now(), this.#selfId(bot))) await this.#options.hooks.onEvent(event);
    }));
    bot.on('room-leave', guard('room-leave', async (room: impls.RoomInterface, leavers: impls.ContactInterface[], _remover?: impls.ContactInterface, date?: Date) => {
      for (const event of await roomLeaveEvents(this.accountId, room, leavers, date, this.#options.clock.now(), this.#selfId(bot))) await this.#options.hooks.onEvent(event);
    }));
  }

  #selfId(bot: Wechaty): string | undefined {
    return bot.isLoggedIn ? bot.currentUser.id : undefined;
  }

  #armLoginTimeout(generation: number, reason: string): void {
    this.#clearTimer();
    const ms = this.#options.loginTimeoutMs ?? 60_000;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      if (generation !== this.#generation || this.#stopping) return;
      if (this.#status.state === 'logged_in' || this.#status.state === 'waiting_for_scan') return;
      void this.#scheduleReconnect(`${reason} within ${Math.round(ms / 1000)} s`);
    }, ms);
  }

  async #scheduleReconnect(reason: string): Promise<void> {
    if (this.#stopping) return;
    const generation = ++this.#generation; // the old Wechaty's events and timers no longer count
    this.#clearTimer();
    await this.#teardown();
    if (generation !== this.#generation || this.#stopping) return;
    this.#attempt++;
    const { baseMs, maxMs } = this.#options.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
    const delay = Math.min(maxMs, baseMs * 2 ** (this.#attempt - 1));
    const nextAttemptAt = new Date(this.#options.clock.now().getTime() + delay);
    this.#log.warn({ reason, attempt: this.#attempt, delayMs: delay }, 'bot reconnecting');
    this.#setStatus({ state: 'reconnecting', reason, attempt: this.#attempt, nextAttemptAt });
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      if (generation === this.#generation && !this.#stopping) void this.#connect();
    }, delay);
  }

  async #teardown(): Promise<void> {
    const bot = this.#bot;
    const handle = this.#handle;
    this.#bot = undefined;
    this.#handle = undefined;
    if (bot) {
      try {
        await bot.stop();
      } catch (error) {
        this.#log.debug({ reason: messageOf(error) }, 'stopping the old bot failed (it is replaced anyway)');
      }
    }
    if (handle) {
      try {
        await handle.dispose();
      } catch (error) {
        this.#log.debug({ reason: messageOf(error) }, 'disposing the old puppet failed');
      }
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setStatus(status: Omit<BotStatus, 'since'>): void {
    const previous = this.#status.state;
    this.#status = { ...status, since: this.#options.clock.now() };
    if (previous !== status.state) this.#log.info({ state: status.state, reason: status.reason }, 'bot status');
    try {
      this.#options.hooks.onStatus?.(this.accountId, this.#status);
    } catch (error) {
      this.#log.error({ err: error }, 'status listener failed');
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
