import { cronOccurrences, DEFAULT_TIME_ZONE } from './calendar.ts';
import type { LoadedFlow } from './model.ts';
import type { CronTrigger } from './schema/triggers.ts';
import { formatLocal } from './templates/helpers.ts';
import { globToRegExp } from './glob.ts';

/**
 * Finds pairs of scheduled flows that can message the same people within an hour of each other. It is a
 * warning, so it errs towards reporting: selectors that might intersect are treated as intersecting.
 */
const HOUR = 3_600_000;
/** A fixed four-week window (from a Monday) makes the check independent of the day lint runs. */
const WINDOW_START = new Date('2026-01-05T00:00:00Z');
const WINDOW_END = new Date('2026-02-02T00:00:00Z');
const MAX_OCCURRENCES = 2_000;
const MESSAGING_STEPS = ['say', 'roomSay', 'moment'];

export interface CronOverlap {
  first: LoadedFlow;
  second: LoadedFlow;
  /** A local time both can fire near, e.g. "Mon 20:00". */
  example: string;
}

interface Candidate {
  flow: LoadedFlow;
  trigger: CronTrigger;
  times: number[];
}

export function findCronOverlaps(flows: LoadedFlow[]): CronOverlap[] {
  const candidates: Candidate[] = [];
  const cache = new Map<string, number[]>(); // many flows share a schedule
  for (const flow of flows) {
    const trigger = flow.document.trigger;
    if (!('cron' in trigger) || !flow.document.enabled) continue;
    if (!flow.document.steps.some((s) => MESSAGING_STEPS.some((k) => k in s))) continue;
    const zone = trigger.timeZone ?? DEFAULT_TIME_ZONE;
    const key = `${zone} ${trigger.cron}`;
    let times = cache.get(key);
    if (!times) {
      times = cronOccurrences(trigger.cron, zone, WINDOW_START, WINDOW_END, MAX_OCCURRENCES);
      cache.set(key, times);
    }
    candidates.push({ flow, trigger, times });
  }
  const overlaps: CronOverlap[] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i]!;
      const b = candidates[j]!;
      if (a.flow.subject !== b.flow.subject) continue;
      if (!accountsMayIntersect(a.flow, b.flow) || !audiencesMayIntersect(a.trigger, b.trigger)) continue;
      const near = firstWithinAnHour(a.times, b.times);
      if (near !== undefined) {
        const zone = b.trigger.timeZone ?? DEFAULT_TIME_ZONE;
        const weekday = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(new Date(near));
        overlaps.push({ first: a.flow, second: b.flow, example: `${weekday} ${formatLocal(new Date(near), 'HH:mm', zone)}` });
      }
    }
  }
  return overlaps;
}

function firstWithinAnHour(a: number[], b: number[]): number | undefined {
  let j = 0;
  for (const t of a) {
    while (j < b.length && b[j]! <= t - HOUR) j++;
    if (j < b.length && b[j]! < t + HOUR) return b[j];
  }
  return undefined;
}

function disjoint<T>(a: T[] | undefined, b: T[] | undefined): boolean {
  return a !== undefined && b !== undefined && !a.some((x) => b.includes(x));
}

function accountsMayIntersect(a: LoadedFlow, b: LoadedFlow): boolean {
  const x = a.document.accounts;
  const y = b.document.accounts;
  if (disjoint(x?.roles, y?.roles) || disjoint(x?.ids, y?.ids)) return false;
  if (x?.stores && y?.stores) return x.stores.some((p) => y.stores!.some((q) => globsMayIntersect(p, q)));
  return true;
}

function audiencesMayIntersect(a: CronTrigger, b: CronTrigger): boolean {
  const x = a.audience?.contacts;
  const y = b.audience?.contacts;
  if (x && y) {
    if (x.tagged?.some((t) => y.notTagged?.includes(t)) || y.tagged?.some((t) => x.notTagged?.includes(t))) return false;
  }
  const rx = a.audience?.rooms;
  const ry = b.audience?.rooms;
  if (rx && ry) return globsMayIntersect(rx.topic, ry.topic);
  if (disjoint(a.audience?.staff?.tiers, b.audience?.staff?.tiers)) return false;
  return true;
}

/** Whether some name could match both patterns: exact for literals, by literal prefix otherwise. */
export function globsMayIntersect(p: string, q: string): boolean {
  const literal = (s: string) => !/[*?]/.test(s);
  if (literal(p) && literal(q)) return p === q;
  if (literal(p)) return globToRegExp(q).test(p);
  if (literal(q)) return globToRegExp(p).test(q);
  const prefix = (s: string) => s.slice(0, s.search(/[*?]/));
  const [pp, qp] = [prefix(p), prefix(q)];
  return pp.startsWith(qp) || qp.startsWith(pp);
}
