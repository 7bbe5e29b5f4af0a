import { Mutex } from 'async-mutex';
import { describe, expect, it } from 'vitest';
import type { BotTimers } from '../../src/bot/accountBot.ts';
import type { TickStats } from '../../src/engine/engine.ts';
import { EngineDriver, type DrivenEngine } from '../../src/runtime/engineDriver.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';

/** The production loop on a fake clock: its sleeps are recorded, and fired by the test. */
class RecordingTimers implements BotTimers {
  readonly sleeps: number[] = [];
  #pending: { fn: () => void; id: number } | undefined;
  #id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    this.sleeps.push(ms);
    this.#pending = { fn, id: ++this.#id };
    return this.#id;
  }
  clearTimeout(handle: unknown): void {
    if (this.#pending?.id === handle) this.#pending = undefined;
  }
  fire(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.fn();
  }
}

const idle: TickStats = { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0, runsAdvanced: 0, runsStarted: 0 };

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the engine driver', () => {
  it('sleeps until the next due instant (capped), and a kick wakes it early', async () => {
    const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
    const timers = new RecordingTimers();
    let ticks = 0;
    let next: Date | null = new Date('2026-12-01T02:00:05Z');
    const engine: DrivenEngine = { tick: async () => (ticks++, idle), nextDueAt: async () => next };
    const driver = new EngineDriver(engine, { clock, logger: silentLogger(), mutex: new Mutex(), timers, maxSleepMs: 30_000 });
    driver.start();
    await settle();
    expect(ticks).toBe(1);
    expect(timers.sleeps).toEqual([5000]);
    next = new Date('2026-12-01T05:00:00Z');
    clock.set(new Date('2026-12-01T02:00:05Z'));
    timers.fire();
    await settle();
    expect(ticks).toBe(2);
    expect(timers.sleeps).toEqual([5000, 30_000]); // three hours away: capped, so others' writes are seen
    driver.kick();
    await settle();
    expect(ticks).toBe(3);
    next = null;
    driver.kick();
    await settle();
    expect(timers.sleeps.at(-1)).toBe(30_000);
    await driver.stop();
  });

  it('does not spin when something is due but a tick moves nothing', async () => {
    const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
    const timers = new RecordingTimers();
    const engine: DrivenEngine = { tick: async () => idle, nextDueAt: async () => new Date('2026-12-01T01:00:00Z') };
    const driver = new EngineDriver(engine, { clock, logger: silentLogger(), mutex: new Mutex(), timers });
    driver.start();
    await settle();
    expect(timers.sleeps).toEqual([1000]);
    await driver.stop();
  });

  it('backs off after a failing tick, doubling, and recovers', async () => {
    const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
    const timers = new RecordingTimers();
    let failing = 2;
    const engine: DrivenEngine = {
      tick: async () => {
        if (failing-- > 0) throw new Error('connection terminated');
        return idle;
      },
      nextDueAt: async () => null,
    };
    const driver = new EngineDriver(engine, { clock, logger: silentLogger(), mutex: new Mutex(), timers });
    driver.start();
    await settle();
    timers.fire();
    await settle();
    timers.fire();
    await settle();
    expect(timers.sleeps).toEqual([1000, 2000, 30_000]);
    await driver.stop();
  });

  it('stop waits for the tick in flight', async () => {
    const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
    let release!: () => void;
    let finished = false;
    const engine: DrivenEngine = {
      tick: () => new Promise((resolve) => { release = () => { finished = true; resolve(idle); }; }),
      nextDueAt: async () => null,
    };
    const driver = new EngineDriver(engine, { clock, logger: silentLogger(), mutex: new Mutex(), timers: new RecordingTimers() });
    driver.start();
    await settle();
    const stopped = driver.stop();
    let done = false;
    void stopped.then(() => { done = true; });
    await settle();
    expect(done).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
