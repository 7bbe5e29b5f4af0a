/** Cron schedules: one row per (flow, account) with the next occurrence to fire (flow_schedules). */
import type { ScheduleRecord } from '../../engine/ports.ts';
import { accountUnknown, explainForeignKey, type EngineStoreContext } from './context.ts';

const SELECT = { flowId: true, accountId: true, cron: true, timeZone: true, nextDueAt: true, lastFiredAt: true } as const;

export function schedulesPart({ prisma }: EngineStoreContext) {
  return {
    /** Schedules whose next occurrence is at or before `now`, earliest first (then flow, account). */
    dueSchedules(now: Date): Promise<ScheduleRecord[]> {
      return prisma.flowSchedule.findMany({
        where: { nextDueAt: { lte: now } },
        orderBy: [{ nextDueAt: 'asc' }, { flowId: 'asc' }, { accountId: 'asc' }],
        select: SELECT,
      });
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
