/**
 * The flows report: per flow and step, what the outbox did with its sends over the range and how customers answered.
 * Definitions: docs/reports.md#flows.
 */
import { Prisma, type PrismaClient } from '../generated/client.ts';
import { inRange, inStores, reportQuery, toCounts, toNumber, type ReportScope } from './scope.ts';

/** A reply or an opt-out counts when it comes within this long after the sent message. */
export const RESPONSE_WINDOW_MS = 24 * 3_600_000;

export interface FlowReportRow {
  /** null: sends outside any flow (the opt-out confirmation, assist reminders). */
  flowId: string | null;
  /** The step's position in its flow, 0-based as stored (outbox.step_index); null outside flows. */
  stepIndex: number | null;
  /** Outbox kinds this step enqueued in range (say, roomSay, tag …), sorted, comma-separated. */
  kinds: string;
  /** Entries sent (status sent) with sent_at in range. */
  sent: number;
  /** Entries deferred at least once in range (outbox_events decision `deferred`, released claims included). */
  deferred: number;
  /** The same by reason: an entry deferred for two reasons counts under each. */
  deferredByReason: Record<string, number>;
  /** Entries skipped in range (decision `skipped`), and by reason. */
  skipped: number;
  skippedByReason: Record<string, number>;
  /** Entries that failed in range (decision `failed`). */
  failed: number;
  /** Entries that went in doubt in range (decision `in_doubt`: the channel threw mid-send, or a crash). */
  inDoubt: number;
  /**
   * Of `sent`, the messages to customers: `say` to a contact and `roomSay` to a room (not tags, invites, staff notes
   * or Moments). Replies are counted against these.
   */
  messagesSent: number;
  /** Of `messagesSent`, those the recipient answered within 24 h (an inbound message; see docs/reports.md). */
  replied: number;
  /**
   * Opt-outs in range credited to this step: its `say` was the last proactive message sent to them, within 24 h
   * before.
   */
  optOuts: number;
}

interface Row {
  flow_id: string | null;
  step_index: number | null;
  kinds: string | null;
  sent: number;
  messages_sent: number;
  replied: number;
  deferred: number;
  deferred_by_reason: unknown;
  skipped: number;
  skipped_by_reason: unknown;
  failed: number;
  in_doubt: number;
  opt_outs: number;
}

/**
 * One statement: each measure is its own aggregation over the range's rows, all in one long list of
 * (flow, step, measure, reason, n), pivoted per step at the end. GROUP BY treats a missing flow and step as one group,
 * so sends outside flows are one row.
 *
 * - sent and replied: the range's sent entries, read per account of the scope (a range scan of
 *   outbox(account_id, status, sent_at) each, as pacing reads them; OFFSET 0 keeps the planner from flattening the
 *   LATERAL into one bitmap scan of every sent entry ever); a reply is looked up per sent entry by index:
 *   interactions(contact_id, occurred_at) for a contact, interactions(account_id, occurred_at) for a room. The kind is
 *   compared as `kind || ''` so that the planner cannot use interactions(kind, occurred_at) instead: PGlite keeps no
 *   statistics, and without them it preferred that index and read every message of the 24 hours for each sent entry
 *   (a 90-day report of 71,000 sends: 4.5 s on PGlite; see docs/bench/report.txt for it now).
 * - deferred, skipped, failed, in doubt: outbox_events by (decision, at), joined to their entries; distinct entries,
 *   per decision and per decision and reason (GROUPING SETS, one pass).
 * - opt-outs: contacts opted out in range, each credited to the last proactive `say` sent to them in the 24 h before
 *   (one index probe per contact on outbox(contact_id, sent_at)).
 */
export async function flowReport(prisma: PrismaClient, scope: ReportScope): Promise<FlowReportRow[]> {
  const rows = await reportQuery<Row>(prisma, flowReportQuery(scope));
  return rows.map((row) => ({
    flowId: row.flow_id,
    stepIndex: row.step_index === null ? null : toNumber(row.step_index),
    kinds: row.kinds ?? '',
    sent: toNumber(row.sent),
    deferred: toNumber(row.deferred),
    deferredByReason: toCounts(row.deferred_by_reason),
    skipped: toNumber(row.skipped),
    skippedByReason: toCounts(row.skipped_by_reason),
    failed: toNumber(row.failed),
    inDoubt: toNumber(row.in_doubt),
    messagesSent: toNumber(row.messages_sent),
    replied: toNumber(row.replied),
    optOuts: toNumber(row.opt_outs),
  }));
}

/** The flows report's statement (exported for the benchmark's EXPLAIN). */
export function flowReportQuery(scope: ReportScope): Prisma.Sql {
  const window = Prisma.sql`${`${RESPONSE_WINDOW_MS} milliseconds`}::interval`;
  const accounts = Prisma.sql`SELECT id FROM accounts WHERE ${inStores(Prisma.sql`store_id`, scope)}`;
  return Prisma.sql`
    WITH sent AS (
      SELECT o.flow_id, o.step_index, o.kind,
             (o.kind = 'say' AND o.contact_id IS NOT NULL) OR (o.kind = 'roomSay' AND o.room_id IS NOT NULL) AS message,
             CASE WHEN o.kind = 'say' AND o.contact_id IS NOT NULL THEN EXISTS (
                    SELECT 1 FROM interactions i JOIN contacts c ON c.id = i.contact_id
                     WHERE i.contact_id = o.contact_id AND i.direction = 'in' AND i.kind || '' = 'message' AND i.room_id IS NULL
                       AND i.occurred_at > o.sent_at AND i.occurred_at <= o.sent_at + ${window}
                       AND i.occurred_at IS DISTINCT FROM c.opted_out_at)
                  WHEN o.kind = 'roomSay' AND o.room_id IS NOT NULL THEN EXISTS (
                    SELECT 1 FROM interactions i
                     WHERE i.account_id = o.account_id AND i.room_id = o.room_id AND i.direction = 'in' AND i.kind || '' = 'message'
                       AND i.occurred_at > o.sent_at AND i.occurred_at <= o.sent_at + ${window})
                  ELSE false END AS replied
        FROM accounts a
       CROSS JOIN LATERAL (
             SELECT * FROM outbox o WHERE o.account_id = a.id AND o.status = 'sent' AND ${inRange(Prisma.sql`o.sent_at`, scope)} OFFSET 0) o
       WHERE ${inStores(Prisma.sql`a.store_id`, scope)}
    ), decided AS (
      SELECT o.flow_id, o.step_index, e.decision, e.reason, count(DISTINCT o.id)::int AS n, GROUPING(e.reason) AS all_reasons
        FROM outbox_events e JOIN outbox o ON o.id = e.outbox_id
       WHERE e.decision IN ('deferred', 'skipped', 'failed', 'in_doubt') AND ${inRange(Prisma.sql`e.at`, scope)}
         AND o.account_id IN (${accounts})
       GROUP BY GROUPING SETS ((o.flow_id, o.step_index, e.decision), (o.flow_id, o.step_index, e.decision, e.reason))
    ), opted AS (
      SELECT last.flow_id, last.step_index, count(*)::int AS n
        FROM contacts c
       CROSS JOIN LATERAL (
             SELECT o.flow_id, o.step_index FROM outbox o
              WHERE o.contact_id = c.id AND o.status = 'sent' AND o.proactive AND o.kind = 'say'
                AND o.sent_at <= c.opted_out_at AND o.sent_at > c.opted_out_at - ${window}
              ORDER BY o.sent_at DESC, o.id DESC LIMIT 1) last
       WHERE c.account_id IN (${accounts}) AND ${inRange(Prisma.sql`c.opted_out_at`, scope)}
       GROUP BY last.flow_id, last.step_index
    ), measures AS (
      SELECT flow_id, step_index, 'sent' AS measure, NULL::text AS reason, count(*)::int AS n, string_agg(DISTINCT kind, ',' ORDER BY kind) AS kinds
        FROM sent GROUP BY flow_id, step_index
      UNION ALL
      SELECT flow_id, step_index, 'message', NULL, count(*)::int, NULL FROM sent WHERE message GROUP BY flow_id, step_index
      UNION ALL
      SELECT flow_id, step_index, 'replied', NULL, count(*)::int, NULL FROM sent WHERE replied GROUP BY flow_id, step_index
      UNION ALL
      SELECT flow_id, step_index, decision, CASE WHEN all_reasons = 1 THEN NULL ELSE coalesce(reason, '') END, n, NULL FROM decided
      UNION ALL
      SELECT flow_id, step_index, 'opt_out', NULL, n, NULL FROM opted
    )
    SELECT flow_id, step_index,
           string_agg(kinds, ',') AS kinds,
           coalesce(sum(n) FILTER (WHERE measure = 'sent'), 0)::int AS sent,
           coalesce(sum(n) FILTER (WHERE measure = 'message'), 0)::int AS messages_sent,
           coalesce(sum(n) FILTER (WHERE measure = 'replied'), 0)::int AS replied,
           coalesce(sum(n) FILTER (WHERE measure = 'deferred' AND reason IS NULL), 0)::int AS deferred,
           coalesce(jsonb_object_agg(reason, n) FILTER (WHERE measure = 'deferred' AND reason IS NOT NULL), '{}'::jsonb) AS deferred_by_reason,
           coalesce(sum(n) FILTER (WHERE measure = 'skipped' AND reason IS NULL), 0)::int AS skipped,
           coalesce(jsonb_object_agg(reason, n) FILTER (WHERE measure = 'skipped' AND reason IS NOT NULL), '{}'::jsonb) AS skipped_by_reason,
           coalesce(sum(n) FILTER (WHERE measure = 'failed' AND reason IS NULL), 0)::int AS failed,
           coalesce(sum(n) FILTER (WHERE measure = 'in_doubt' AND reason IS NULL), 0)::int AS in_doubt,
           coalesce(sum(n) FILTER (WHERE measure = 'opt_out'), 0)::int AS opt_outs
      FROM measures
     GROUP BY flow_id, step_index
     ORDER BY flow_id COLLATE "C" NULLS LAST, step_index NULLS LAST`;
}
