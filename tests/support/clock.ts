import type { FakeClock } from '../../src/simulate/fakeChannel.ts';

/**
 * Runs everything due until `end`, jumping the fake clock from one due instant to the next and ticking there, as
 * the production driver would wake at each. Then the clock stands at `end`.
 */
export async function runClockUntil(clock: FakeClock, engine: { nextDueAt(): Promise<Date | null>; tick(): Promise<unknown> }, end: Date, maxTicks = 100_000): Promise<void> {
  for (let ticks = 0; ticks < maxTicks; ticks++) {
    const next = await engine.nextDueAt();
    if (!next || next.getTime() > end.getTime()) break;
    if (next.getTime() > clock.now().getTime()) clock.set(next);
    await engine.tick();
  }
  if (end.getTime() > clock.now().getTime()) clock.set(end);
}
