/** Cron schedules: one row per (flow, account) with the next occurrence to fire (flow_schedules). */
import type { ScheduleRecord } from '../../engine/ports.ts';
import { Prisma } from '../generated/client.ts';
import { accountUnknown, explainForeignKey, type EngineStoreContext } from './context.ts';

const SELECT = { flowId: true, accountId: true, cron: true, timeZone: true, nextDueAt: true, lastFiredAt: true } as const;

export function schedulesPart({ prisma, sql }: EngineStoreContext) {
  return {
    /** Schedules whose next occurrence is at or before `now`, earliest first (then flow, account). */
    async dueSchedules(now: Date): Promise<ScheduleRecord[]> {
      return (await sql.query<DueScheduleRow>(dueSchedulesQuery(now))).map(dueScheduleRecord);
    },

    /** Creates or replaces the (flow, account) schedule. KOC_ACCOUNT_UNKNOWN when the account row is missing. */
    async upsertSchedule(schedule: ScheduleRecord): Promise<void> {
      const fields = {
        cron: schedule.cron,
        timeZone: schedule.timeZone,
        nextDueAt: schedule.nextDueAt,
        lastFiredAt: schedule.lastFiredAt,
      };
      await explainForeignKey(
        prisma.flowSchedule.upsert({
          where: { flowId_accountId: { flowId: schedule.flowId, accountId: schedule.accountId } },
          create: { flowId: schedule.flowId, accountId: schedule.accountId, ...fields },
          update: fields,
          select: { flowId: true },
        }),
        (cause) => accountUnknown(schedule.accountId, cause),
      );
    },

    listSchedules(): Promise<ScheduleRecord[]> {
      return prisma.flowSchedule.findMany({ orderBy: [{ flowId: 'asc' }, { accountId: 'asc' }], select: SELECT });
    },

    /** Idempotent. */
    async deleteSchedule(flowId: string, accountId: string): Promise<void> {
      await prisma.flowSchedule.deleteMany({ where: { flowId, accountId } });
    },
  };
}

/** dueSchedules as one query (also a part of dueWork). Names sort in "C" order, the same on both stores. */
export function dueSchedulesQuery(now: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT flow_id, account_id, cron, time_zone, next_due_at, last_fired_at
      FROM flow_schedules
     WHERE next_due_at <= ${now}::timestamptz
     ORDER BY next_due_at, flow_id COLLATE "C", account_id COLLATE "C"`;
}

/** A row of dueSchedulesQuery, typed by the driver or read back from JSON (dueWork): instants may be strings. */
export interface DueScheduleRow {
  flow_id: string;
  account_id: string;
  cron: string;
  time_zone: string;
  next_due_at: Date | string;
  last_fired_at: Date | string | null;
}

export function dueScheduleRecord(row: DueScheduleRow): ScheduleRecord {
  return {
    flowId: row.flow_id,
    accountId: row.account_id,
    cron: row.cron,
    timeZone: row.time_zone,
    nextDueAt: new Date(row.next_due_at),
    lastFiredAt: row.last_fired_at === null ? null : new Date(row.last_fired_at),
  };
}
