import { nextLocalTime } from './localTime.ts';

/**
 * When a `wait` step ends: `wait: 1d` is 24 hours later; with `at: "10:00"` it is the first 10:00 local time at
 * or after those 24 hours. Days are elapsed time, not calendar days, so a wait never ends early across DST.
 */
export function wakeAfterWait(from: Date, durationMs: number, atMinutes: number | undefined, timeZone: string): Date {
  const after = new Date(from.getTime() + durationMs);
  // nextLocalTime is strictly after its argument; a wait that ends exactly at 10:00 wakes at that 10:00.
  return atMinutes === undefined ? after : nextLocalTime(new Date(after.getTime() - 1), atMinutes, timeZone);
}
