import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../playbook/duration.ts';
import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import type { CronTrigger } from '../playbook/schema/triggers.ts';
import { accountMatches } from './accountMatch.ts';
import type { AccountProfile, EngineDeps, ScheduleRecord } from './ports.ts';

/**
 * Cron triggers as stored due times, one row per (flow, account), computed from the Clock in the account's time
 * zone (or the flow's `timeZone`). cron-parser gives the exact next occurrence after an injected instant in an IANA
 * zone; node-cron (named in the design) schedules against the system clock and cannot, so it is not used here.
 *
 * A tick fires what is due. An occurrence more than ON_TIME_MS late was missed (the process was down); the
 * flow's `catchUp` decides: `skip` drops it, `once` runs the latest missed occurrence once if it is within
 * `grace`. Every decision is logged with the flow, account and occurrence.
 */
const ON_TIME_MS = 60_000;

export interface DueOccurrence {
  flow: LoadedFlow;
  account: AccountProfile;
  /** The scheduled instant (the occurrence's identity: its runs' occurrence key). */
  scheduledFor: Date;
}

export function nextOccurrence(cron: string, timeZone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: after }).next().toDate();
}

function zoneOf(trigger: CronTrigger, account: AccountProfile): string {
  return trigger.timeZone ?? account.timeZone;
}

/** Brings the stored schedules in line with the playbooks and accounts: new rows, changed cron/zone, removed flows. */
export async function syncSchedules(set: PlaybookSet, deps: EngineDeps, now: Date): Promise<void> {
  const wanted = new Map<string, ScheduleRecord>();
  for (const flow of set.flows.values()) {
    const trigger = flow.document.trigger;
    if (!('cron' in trigger) || !flow.document.enabled) continue;
    for (const account of deps.accounts.list()) {
      if (!accountMatches(flow.document.accounts, account)) continue;
      const timeZone = zoneOf(trigger, account);
      wanted.set(`${flow.document.id}\u0000${account.id}`, {
        flowId: flow.document.id, accountId: account.id, cron: trigger.cron, timeZone,
        nextDueAt: nextOccurrence(trigger.cron, timeZone, now), lastFiredAt: null,
      });
    }
  }
  for (const existing of await deps.store.listSchedules()) {
    const key = `${existing.flowId}\u0000${existing.accountId}`;
    const want = wanted.get(key);
    if (!want) {
      await deps.store.deleteSchedule(existing.flowId, existing.accountId);
      deps.logger.info({ flow: existing.flowId, account: existing.accountId }, 'schedule removed: the flow is gone, disabled or no longer selects this account');
    } else if (want.cron === existing.cron && want.timeZone === existing.timeZone) {
      wanted.delete(key); // unchanged: keep its stored due time, so an occurrence missed while down is still seen
    }
  }
  for (const schedule of wanted.values()) {
    await deps.store.upsertSchedule(schedule);
    deps.logger.info({ flow: schedule.flowId, account: schedule.accountId, next: schedule.nextDueAt.toISOString() }, 'schedule set');
  }
}

/**
 * The occurrences to run now, after applying catch-up; advances every due schedule past `now`. `due`: the schedules
 * due at `now` when the caller has read them already (Engine.tick, with the rest of what is due).
 */
export async function takeDueOccurrences(set: PlaybookSet, deps: EngineDeps, now: Date, due?: ScheduleRecord[]): Promise<DueOccurrence[]> {
  const out: DueOccurrence[] = [];
  for (const schedule of due ?? (await deps.store.dueSchedules(now))) {
    const flow = set.flows.get(schedule.flowId);
    const account = deps.accounts.get(schedule.accountId);
    const next = nextOccurrence(schedule.cron, schedule.timeZone, now);
    if (!flow || !account || !('cron' in flow.document.trigger)) {
      await deps.store.deleteSchedule(schedule.flowId, schedule.accountId);
      continue;
    }
    const trigger = flow.document.trigger;
    const lateness = now.getTime() - schedule.nextDueAt.getTime();
    // The latest occurrence at or before now: what a catch-up would run.
    const latest = latestOccurrence(schedule, now);
    const log = { flow: schedule.flowId, account: schedule.accountId, scheduledFor: latest.toISOString(), lateMs: lateness };
    if (lateness <= ON_TIME_MS) {
      out.push({ flow, account, scheduledFor: schedule.nextDueAt });
    } else if (trigger.catchUp === 'skip') {
      deps.logger.warn(log, 'missed schedule skipped (catchUp: skip)');
    } else if (now.getTime() - latest.getTime() <= parseDuration(trigger.grace)!) {
      deps.logger.warn(log, 'missed schedule runs once now (catchUp: once, within grace)');
      out.push({ flow, account, scheduledFor: latest });
    } else {
      deps.logger.warn({ ...log, grace: trigger.grace }, 'missed schedule skipped: later than its grace window');
    }
    await deps.store.upsertSchedule({ ...schedule, nextDueAt: next, lastFiredAt: now });
  }
  return out;
}

function latestOccurrence(schedule: ScheduleRecord, now: Date): Date {
  const iterator = CronExpressionParser.parse(schedule.cron, { tz: schedule.timeZone, currentDate: new Date(now.getTime() + 1) });
  return iterator.prev().toDate();
}
