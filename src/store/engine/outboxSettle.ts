/**
 * settleMany: the dispatcher's decisions for a batch of outbox entries, applied and recorded in one statement under
 * the stale-dispatcher rule (see ./outbox.ts).
 *
 * Transitions (the guard each one names, then what it writes):
 *   deferred   pending, due at `at` → due_at = until, deferred_reason
 *   skipped    pending, due at `at` → skipped, skip_reason
 *   sent       sending → sent, sent_at, external_message_id, mode → assist when it fell back to a task card
 *              (+ one interaction row when the decision carries `log`)
 *   failed     sending → failed, last_error
 *   in_doubt   sending → in_doubt, last_error
 *   retry      sending → pending, due_at = until, last_error (the attempt counts)
 *   released   sending → pending, due_at = until, deferred_reason, attempts − 1 (claimed, never performed)
 * Each decision also writes one outbox_events row: the decision (a release is recorded as `deferred`, with
 * details.released) or `ignored` when the guard did not hold.
 */
import type { OutboxSettlement } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { Prisma } from '../generated/client.ts';
import { bigintArray, type EngineStoreContext } from './context.ts';

interface SettleResult {
  id: bigint;
  /** The entry's status when the statement ran; null when there is no such entry. */
  found: string | null;
  applied: boolean;
}

export function settleManyPart({ sql, logger }: EngineStoreContext) {
  /**
   * The decisions travel as one jsonb parameter. In the statement, `before` is each row's state as the statement
   * found it and `applied` the conditional update; then one event per decision (in the given order) and one
   * interaction row per applied send that carries `log`. The interaction row references the contact and room only
   * while they are stored, so a contact purged while its message was in flight cannot fail the whole batch.
   *
   * `o.id = ANY (ids)` repeats what the join with `d` says, for the planner: it takes jsonb_to_recordset for 100
   * rows and, without it, hashed `d` and scanned the whole outbox twice per settle — 2.8 ms for one decision on
   * 5,000 rows, growing with the table; with it each row is a primary-key probe (1.7 ms, flat). A separate statement
   * of typed parameters for a one-decision batch saved only another 6% and was not kept.
   */
  return async function settleMany(settlements: OutboxSettlement[], at: Date): Promise<void> {
    if (settlements.length === 0) return;
    const rows = settlements.map(toDecisionRow);
    if (new Set(rows.map((r) => r.id)).size !== rows.length) {
      // UPDATE … FROM would apply only one of two decisions for a row, and record both.
      throw new KocError('KOC_OUTBOX_INVALID', 'settleMany was given two decisions for the same outbox entry', { details: { ids: rows.map((r) => r.id) } });
    }
    const ids = bigintArray(rows.map((r) => r.id));
    const results = await sql.query<SettleResult>(Prisma.sql`
      WITH d AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS d(
                 ord int, id bigint, decision text, reason text, until text, external_message_id text, mode text, details jsonb,
                 log_kind text, log_body jsonb)
      ), before AS (
        SELECT o.id, o.status::text AS status FROM outbox o WHERE o.id = ANY (${ids}::bigint[])
      ), applied AS (
        UPDATE outbox o
           SET status = (CASE d.decision WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' WHEN 'in_doubt' THEN 'in_doubt'
                                         WHEN 'skipped' THEN 'skipped' ELSE 'pending' END)::"OutboxStatus",
               attempts = CASE WHEN d.decision = 'released' THEN o.attempts - 1 ELSE o.attempts END,
               sent_at = CASE WHEN d.decision = 'sent' THEN ${at}::timestamptz ELSE o.sent_at END,
               external_message_id = CASE WHEN d.decision = 'sent' THEN d.external_message_id ELSE o.external_message_id END,
               mode = CASE WHEN d.decision = 'sent' AND d.mode = 'assist' THEN 'assist'::"OutboxMode" ELSE o.mode END,
               last_error = CASE WHEN d.decision IN ('failed', 'in_doubt', 'retry') THEN d.reason ELSE o.last_error END,
               due_at = CASE WHEN d.decision IN ('deferred', 'retry', 'released') THEN d.until::timestamptz ELSE o.due_at END,
               deferred_reason = CASE WHEN d.decision IN ('deferred', 'released') THEN d.reason ELSE o.deferred_reason END,
               skip_reason = CASE WHEN d.decision = 'skipped' THEN d.reason ELSE o.skip_reason END,
               updated_at = ${at}::timestamptz
          FROM d
         WHERE o.id = d.id AND o.id = ANY (${ids}::bigint[])
           AND CASE WHEN d.decision IN ('deferred', 'skipped') THEN o.status = 'pending' AND o.due_at <= ${at}::timestamptz
                    ELSE o.status = 'sending' END
        RETURNING o.id, o.account_id, o.contact_id, o.room_id, o.flow_id, o.run_id
      ), events AS (
        INSERT INTO outbox_events (outbox_id, at, decision, reason, details)
        SELECT d.id, ${at}::timestamptz,
               CASE WHEN a.id IS NULL THEN 'ignored' WHEN d.decision = 'released' THEN 'deferred' ELSE d.decision END,
               CASE WHEN a.id IS NULL THEN d.decision ELSE d.reason END,
               CASE WHEN a.id IS NULL THEN jsonb_build_object('reason', d.reason, 'until', d.until, 'status', b.status) ELSE d.details END
          FROM d JOIN before b ON b.id = d.id LEFT JOIN applied a ON a.id = d.id
         ORDER BY d.ord
      ), logged AS (
        INSERT INTO interactions (occurred_at, direction, kind, account_id, contact_id, room_id, flow_id, run_id, outbox_id, body)
        SELECT ${at}::timestamptz, 'out'::"Direction", d.log_kind, a.account_id,
               (SELECT c.id FROM contacts c WHERE c.id = a.contact_id), (SELECT r.id FROM rooms r WHERE r.id = a.room_id),
               a.flow_id, a.run_id, a.id, d.log_body
          FROM d JOIN applied a ON a.id = d.id
         WHERE d.log_kind IS NOT NULL
         ORDER BY d.ord
      )
      SELECT d.id, b.status AS found, a.id IS NOT NULL AS applied
        FROM d LEFT JOIN before b ON b.id = d.id LEFT JOIN applied a ON a.id = d.id
       ORDER BY d.ord`);

    const unknown: string[] = [];
    results.forEach((result, i) => {
      if (result.found === null) unknown.push(String(result.id));
      else if (!result.applied) {
        const { decision } = settlements[i]!.outcome;
        logger.warn({ outboxId: String(result.id), decision, status: result.found }, 'stale outbox decision ignored: the entry had moved on');
      }
    });
    if (unknown.length > 0) {
      // The other decisions of the batch were applied: only these rows are missing (purged after they were read).
      const which = unknown.length === 1 ? `entry ${unknown[0]} is` : `entries ${unknown.join(', ')} are`;
      throw new KocError('KOC_OUTBOX_UNKNOWN', `outbox ${which} not in the store`, {
        details: unknown.length === 1 ? { outboxId: unknown[0] } : { outboxIds: unknown },
      });
    }
  };
}

/** One decision as the jsonb_to_recordset row settleMany reads (instants as ISO strings: exact for timestamptz). */
function toDecisionRow({ id, outcome }: OutboxSettlement, ord: number) {
  const until = 'until' in outcome ? outcome.until.toISOString() : null;
  let details: Record<string, unknown> | null = null;
  if (outcome.decision === 'sent' && outcome.externalMessageId !== undefined) details = { externalMessageId: outcome.externalMessageId };
  if (outcome.decision === 'deferred' || outcome.decision === 'retry') details = { until };
  if (outcome.decision === 'released') details = { until, released: true };
  const log = outcome.decision === 'sent' ? outcome.log : undefined;
  return {
    ord,
    id: String(id),
    decision: outcome.decision,
    reason: 'reason' in outcome ? outcome.reason : null,
    until,
    external_message_id: outcome.decision === 'sent' ? (outcome.externalMessageId ?? null) : null,
    mode: outcome.decision === 'sent' ? (outcome.mode ?? null) : null,
    details,
    log_kind: log?.kind ?? null,
    log_body: log?.body ?? null,
  };
}
