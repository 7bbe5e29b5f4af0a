import { CronExpressionParser } from 'cron-parser';

/** Time zone, date and cron checks shared by lint and the engine. */

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const zoneValidity = new Map<string, boolean>();

export function isValidTimeZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = zone.includes('/') || zone === 'UTC';
    } catch {
      valid = false;
    }
    if (zoneValidity.size < 1_000) zoneValidity.set(zone, valid); // bounded: zones come from config and playbooks
  }
  return valid;
}

let zoneNames: string[] | undefined;
export function knownTimeZones(): string[] {
  zoneNames ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  return zoneNames;
}

/** A calendar date `YYYY-MM-DD` that exists (2026-04-31 does not). */
export function checkCalendarDate(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return `"${text}" is not a date; write it as YYYY-MM-DD, for example 2026-12-31`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) return `"${text}" has no month ${month}; months run 01 to 12`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) {
    return `"${text}" does not exist: ${year}-${match[2]} has ${daysInMonth} days`;
  }
  return undefined;
}

const CRON_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/**
 * Checks a 5-field cron expression and names the field that is wrong. cron-parser (maintained, exact next
 * occurrence in an IANA zone from an injected instant) reports the bad value but not which field holds it, so
 * each field is tried alone with the others as `*`.
 */
export function checkCron(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `cron "${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; ` +
      'write exactly 5: minute hour day-of-month month day-of-week, for example "0 20 * * 1,3,5"';
  }
  try {
    CronExpressionParser.parse(expression);
    return undefined; // the common case: valid, parsed once
  } catch {
    // find the field to blame below
  }
  for (let i = 0; i < 5; i++) {
    const probe = fields.map((field, j) => (i === j ? field : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe);
    } catch (error) {
      return `cron field ${i + 1} (${CRON_FIELDS[i]}) "${fields[i]}" is invalid: ${(error as Error).message}`;
    }
  }
  try {
    CronExpressionParser.parse(expression);
  } catch (error) {
    return `cron "${expression}" is invalid: ${(error as Error).message}`;
  }
  return undefined;
}

/** The occurrences of a cron expression in [from, to), in a time zone, as epoch milliseconds. */
export function cronOccurrences(expression: string, timeZone: string, from: Date, to: Date, limit = 10_000): number[] {
  const iterator = CronExpressionParser.parse(expression, { tz: timeZone, currentDate: from, endDate: to });
  const out: number[] = [];
  // next() throws at endDate; hasNext() would compute every occurrence twice.
  try {
    while (out.length < limit) out.push(iterator.next().getTime());
  } catch {
    // past the end of the range
  }
  return out;
}
