import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Mutex } from 'async-mutex';
import type { StaffCommandRouter } from '../chat/router.ts';
import type { Channel, ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import type { EngineStore } from '../engine/ports.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * Where every inbound event goes: staff commands to the command router (answered at once), everything else to the
 * engine. One event at a time, under the same lock as the engine's ticks.
 *
 * Command answers go straight to the channel instead of through the outbox: they answer a person who is typing
 * now, and pacing's quiet hours would hold a 22:00 "/status" until morning. They are still logged as interactions.
 */
export interface InboundEngine {
  handleEvent(event: ChannelEvent): Promise<{ runsStarted: number }>;
}

export interface InboundOptions {
  engine: InboundEngine;
  router: StaffCommandRouter;
  channel: Channel;
  store: EngineStore;
  mutex: Mutex;
  clock: Clock;
  logger: Logger;
  /** After the engine handled an event, under the same lock (referral codes): returns the runs it started. */
  afterEngine?(event: ChannelEvent): Promise<number>;
  /** Wakes the engine driver: an event may have made something due. */
  kick(): void;
  /** Before it is handled (the live log shows the event before what it caused). */
  onReceived?(event: ChannelEvent): void;
  onEvent?(event: ChannelEvent, outcome: { command?: string; runsStarted: number }): void;
}

export class InboundHandler {
  readonly #o: InboundOptions;

  constructor(options: InboundOptions) {
    this.#o = options;
  }

  async handle(event: ChannelEvent): Promise<void> {
    const { engine, router, mutex, logger } = this.#o;
    try {
      this.#o.onReceived?.(event);
    } catch (error) {
      logger.warn({ err: error }, 'inbound listener failed (ignored)');
    }
    const outcome = await mutex.runExclusive(async () => {
      // A fresh macrotask for each event: PGlite's queries never yield to the event loop, so a backlog handled back
      // to back would starve timers, Ctrl-C and the other accounts' sockets until it is empty (bench:inbound measured
      // a 6 s stall on a 2,000-message burst).
      await yieldToEventLoop();
      const command = event.kind === 'message' ? await router.route(event, (name) => this.#claim(event, name)) : await router.route(event);
      if (command.handled && event.kind === 'message') {
        if (!command.duplicate) await this.#answer(event, command.command, command.reply);
        return { command: command.command, runsStarted: 0 };
      }
      const handled = await engine.handleEvent(event);
      const more = (await this.#o.afterEngine?.(event)) ?? 0;
      return { runsStarted: handled.runsStarted + more };
    });
    this.#o.kick();
    try {
      this.#o.onEvent?.(event, outcome);
    } catch (error) {
      logger.warn({ err: error }, 'inbound listener failed (ignored)');
    }
  }

  /** Logs the command's event before it runs; false when it was logged before (a redelivery: it ran then). */
  async #claim(event: Extract<ChannelEvent, { kind: 'message' }>, command: string): Promise<boolean> {
    const { store, clock } = this.#o;
    const now = clock.now();
    const contact = await store.ensureContact(event.accountId, event.contact, now);
    return store.logInteraction({ at: now, direction: 'in', kind: 'command', accountId: event.accountId, contactId: contact.id, body: { command }, eventId: event.eventId });
  }

  async #answer(event: Extract<ChannelEvent, { kind: 'message' }>, command: string, reply: string): Promise<void> {
    const { store, channel, clock, logger } = this.#o;
    const contact = await store.ensureContact(event.accountId, event.contact, clock.now());
    try {
      const result = await channel.perform(
        { kind: 'staffNote', accountId: event.accountId, staffExternalId: event.contact.externalId, text: reply },
        { outboxId: 'command', idempotencyKey: `command:${event.eventId}` },
      );
      await store.logInteraction({ at: clock.now(), direction: 'out', kind: 'command_reply', accountId: event.accountId, contactId: contact.id, body: { command, ok: result.ok, ...(result.ok ? {} : { reason: result.message }) } });
    } catch (error) {
      logger.warn({ account: event.accountId, command, err: error }, 'could not answer a staff command');
    }
  }
}
