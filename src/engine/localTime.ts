/**
 * Wall-clock arithmetic in an IANA zone with `Intl` only (no date library), for quiet hours and local days.
 *
 * Why not "add the zone's offset": offsets change (DST, and zones like America/Santiago where local midnight itself
 * is skipped once a year), so a wall time must be resolved against the offsets in force around it. The rules here:
 * - a wall time that occurs once maps to that instant;
 * - one that occurs twice (clocks fall back) maps to both, and callers take the first one still ahead of them;
 * - one that never occurs (clocks spring forward over it) maps to the instant the clocks jump, i.e. the first
 *   instant whose wall time is at or after it — "until 02:30" on a spring-forward night ends when 02:00 becomes
 *   03:00, and "until midnight" on a day that starts at 01:00 ends at that 01:00.
 *
 * Pure: formatters are memoised per zone, which is invisible to callers.
 */

import { parseTimeOfDay as parsePlaybookTimeOfDay } from '../playbook/duration.ts';

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      // h23, not hour12:false: the latter prints midnight as "24" on some ICU versions.
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall clock at an instant, written as if it were UTC (so plain Date.UTC arithmetic applies to it). */
function wallAsUtc(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / SECOND_MS) * SECOND_MS;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(wholeSecond)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall + (epochMs - wholeSecond);
}

/** The zone's offset from UTC at an instant, in ms (UTC+8 → 28 800 000). */
export function zoneOffsetMs(instant: Date | number, timeZone: string): number {
  const epochMs = typeof instant === 'number' ? instant : instant.getTime();
  return wallAsUtc(epochMs, timeZone) - epochMs;
}

/** Milliseconds since local midnight at an instant: 21:30:00.000 → 77 400 000. */
export function localMsOfDay(instant: Date, timeZone: string): number {
  const wall = wallAsUtc(instant.getTime(), timeZone);
  return wall - Math.floor(wall / DAY_MS) * DAY_MS;
}

/** The local calendar date at an instant, `YYYY-MM-DD` (the key the store counts "today" by). */
export function localDateKey(instant: Date, timeZone: string): string {
  return new Date(wallAsUtc(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

/** "HH:MM" or "H:MM" → minutes since midnight. Throws on anything else: settings are validated before they get here. */
export function parseTimeOfDay(text: string): number {
  const minutes = parsePlaybookTimeOfDay(text);
  if (minutes === undefined) throw new Error(`"${text}" is not a time of day; write HH:MM, e.g. 21:30`);
  return minutes;
}

/**
 * The instants at which the local wall clock shows `wallMs` (a wall time written as UTC), ascending: one usually,
 * two when the clocks fall back over it, and the instant of the jump when they spring forward over it.
 */
function instantsOfWallTime(wallMs: number, timeZone: string): number[] {
  // Any instant showing this wall time lies within ±14 h of wallMs; the offsets a day either side bracket it.
  const offsets = [...new Set([-DAY_MS, 0, DAY_MS].map((shift) => zoneOffsetMs(wallMs + shift, timeZone)))];
  const exact = offsets
    .map((offset) => wallMs - offset)
    .filter((epochMs) => wallAsUtc(epochMs, timeZone) === wallMs)
    .sort((a, b) => a - b);
  if (exact.length > 0) return [...new Set(exact)];
  return [firstInstantShowingAtLeast(wallMs, timeZone, offsets)];
}

/** In a spring-forward gap: the first instant whose wall time is at or after `wallMs` (the jump itself). */
function firstInstantShowingAtLeast(wallMs: number, timeZone: string, offsets: number[]): number {
  let low = wallMs - Math.max(...offsets); // shows a wall time before the gap
  let high = wallMs - Math.min(...offsets); // shows a wall time after the gap
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallAsUtc(middle, timeZone) >= wallMs) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The first instant strictly after `after` at which the local clock reaches `minuteOfDay` (0 = midnight): the end
 * of a quiet window, the start of the next local day. Strictly after, so a deferral always moves time forward.
 */
export function nextLocalTime(after: Date, minuteOfDay: number, timeZone: string): Date {
  const afterMs = after.getTime();
  const wall = wallAsUtc(afterMs, timeZone);
  const localMidnight = Math.floor(wall / DAY_MS) * DAY_MS;
  let best = Number.POSITIVE_INFINITY;
  // Yesterday and the day after tomorrow only matter around a fall-back over midnight; cheap enough to always try.
  for (const dayShift of [-1, 0, 1, 2]) {
    const wallMs = localMidnight + dayShift * DAY_MS + minuteOfDay * MINUTE_MS;
    for (const epochMs of instantsOfWallTime(wallMs, timeZone)) {
      if (epochMs > afterMs && epochMs < best) best = epochMs;
    }
  }
  if (!Number.isFinite(best)) throw new Error(`no local ${minuteOfDay} min after ${after.toISOString()} in ${timeZone}`);
  return new Date(best);
}

/** The first instant after the local calendar date `YYYY-MM-DD` in a zone: where "valid until that date" ends. */
export function endOfLocalDate(date: string, timeZone: string): Date {
  const noonAsUtc = Date.parse(`${date}T12:00:00Z`);
  const localNoon = new Date(noonAsUtc - zoneOffsetMs(noonAsUtc, timeZone));
  return nextLocalTime(localNoon, 0, timeZone);
}

/** The first instant of the local day that contains `instant` (local midnight, or the end of a DST gap over it). */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  // From three hours before the wall clock's midnight (more than any DST shift), the next local midnight is today's.
  return nextLocalTime(new Date(instant.getTime() - localMsOfDay(instant, timeZone) - 3 * 3_600_000), 0, timeZone);
}
