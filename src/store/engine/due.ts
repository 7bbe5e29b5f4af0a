/**
 * What is due across the engine's queues: runs (flow_runs.wake_at), sends (outbox.due_at), cron schedules
 * (flow_schedules.next_due_at) and assist-card reminders. The fake clock asks for the next due instant before every tick and every tick reads
 * what is due: on the embedded store each statement costs about half a millisecond however little it does, so each
 * question is one statement (docs/engine.md, "Simulate speed").
 */
import { ASSIST_CARD_KINDS } from '../../domain/channel.ts';
import type { DueWork } from '../../engine/ports.ts';
import { Prisma } from '../generated/client.ts';
import { fromJsonColumn, type EngineStoreContext } from './context.ts';
import { dueForDispatchQuery, toDueEntry, type DueRow } from './outbox.ts';
import { dueRunRecord, dueRunsQuery, STALE_RUNNING_MS, type DueRunRow } from './runs.ts';
import { dueScheduleRecord, dueSchedulesQuery, type DueScheduleRow } from './schedules.ts';

export function duePart({ sql, scope }: EngineStoreContext) {
  return {
    /**
     * Each branch is a min() over its index ((status, wake_at), (status, due_at), (next_due_at)); LEAST ignores the
     * NULLs of empty branches. It replaced three reads, one of which returned every schedule.
     */
    async nextDueAt(now: Date, assistRemindAfterMs: number): Promise<Date | null> {
      // Several processes (a scope): the sends of the accounts this process holds; runs, schedules and reminders
      // only where it does scheduled work. `AND false` keeps one statement text for every role.
      const scheduled = scope && !scope.scheduled ? Prisma.sql`AND false` : Prisma.empty;
      const stale = scope ? Prisma.sql`AND updated_at <= ${new Date(now.getTime() - STALE_RUNNING_MS)}::timestamptz` : Prisma.empty;
      const owned = scope ? Prisma.sql`AND account_id = ANY (${[...scope.ownedAccounts()]}::text[])` : Prisma.empty;
      const [row] = await sql.query<{ next: Date | null }>(Prisma.sql`
        SELECT LEAST(
                 (SELECT ${now}::timestamptz WHERE EXISTS (SELECT 1 FROM flow_runs WHERE status = 'running' ${scheduled} ${stale})),
                 (SELECT min(wake_at) FROM flow_runs WHERE status = 'waiting' ${scheduled}),
                 (SELECT min(due_at) FROM outbox WHERE status = 'pending' ${owned}),
                 (SELECT min(next_due_at) FROM flow_schedules WHERE true ${scheduled}),
                 (SELECT min(sent_at) + make_interval(secs => ${assistRemindAfterMs / 1000}::double precision) FROM outbox
                   WHERE mode = 'assist' AND status = 'sent' AND assist_done_at IS NULL AND assist_reminded_at IS NULL
                     AND kind IN (${Prisma.join(ASSIST_CARD_KINDS)}) ${scheduled})) AS next`);
      return row?.next == null ? null : new Date(row.next);
    },

    /**
     * The three reads dueSchedules, dueRuns and dueForDispatch make, as subqueries of one statement, each
     * aggregated to a JSON array in its own order (jsonb_agg … ORDER BY repeats the subquery's: an aggregate does not
     * promise to keep its input's order). Instants come back as ISO strings, ids of outbox rows as text.
     */
    async dueWork(now: Date, limits: { runs: number; outbox: number }, remindSentBefore: Date): Promise<DueWork> {
      const [row] = await sql.query<{ schedules: unknown; runs: unknown; outbox: unknown; reminders: unknown }>(Prisma.sql`
        SELECT (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.next_due_at, s.flow_id COLLATE "C", s.account_id COLLATE "C"), '[]'::jsonb)
                  FROM (${dueSchedulesQuery(now)}) s) AS schedules,
               (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.wake_at ASC NULLS FIRST, r.id), '[]'::jsonb)
                  FROM (${dueRunsQuery(now, limits.runs, scope)}) r) AS runs,
               (SELECT coalesce(jsonb_agg(to_jsonb(o) ORDER BY o.due_at, o.id::bigint), '[]'::jsonb)
                  FROM (${dueForDispatchQuery(now, limits.outbox, scope)}) o) AS outbox,
               (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id::text, 'account_id', c.account_id, 'kind', c.kind, 'sent_at', c.sent_at)
                                          ORDER BY c.sent_at, c.id), '[]'::jsonb)
                  FROM (SELECT id, account_id, kind, sent_at FROM outbox
                         WHERE mode = 'assist' AND status = 'sent' AND assist_done_at IS NULL AND assist_reminded_at IS NULL
                           AND kind IN (${Prisma.join(ASSIST_CARD_KINDS)}) AND sent_at <= ${remindSentBefore}::timestamptz
                         ORDER BY sent_at, id LIMIT ${limits.runs}) c) AS reminders`);
      return {
        schedules: jsonRows<DueScheduleRow>(row?.schedules).map(dueScheduleRecord),
        runs: jsonRows<DueRunRow>(row?.runs).map(dueRunRecord),
        outbox: jsonRows<DueRow>(row?.outbox).map(toDueEntry),
        reminders: jsonRows<{ id: string; account_id: string; kind: string; sent_at: string }>(row?.reminders)
          .map((c) => ({ id: BigInt(c.id), accountId: c.account_id, kind: c.kind, sentAt: new Date(c.sent_at) })),
      };
    },
  };
}

/** A jsonb array as the driver returns it: parsed already, or as text. */
function jsonRows<T>(value: unknown): T[] {
  const parsed = fromJsonColumn(value);
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}
