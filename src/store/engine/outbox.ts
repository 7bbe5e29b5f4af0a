/**
 * The outbox (send ledger) as the engine's dispatcher uses it.
 *
 * States: pending → sending → sent | failed | in_doubt | pending (retry); pending → pending (deferred) | skipped.
 * in_doubt (the channel threw mid-send, or the process died in `sending`) is shown to ops, never resent automatically.
 *
 * The stale-dispatcher rule. A dispatcher decides on rows it read earlier; by the time its decision arrives another
 * dispatcher (or a crash recovery) may have moved the row on. So every transition is a conditional update that
 * names the state it expects, and a decision that finds the row elsewhere changes nothing:
 * - markSending (claim), deferred, skipped: only a `pending` row that is due at the decision's instant
 *   (due_at <= at). A dispatcher that read the row before another one deferred it (due_at moved past `at`) cannot
 *   claim, skip or re-defer it from its old reading.
 * - sent, failed, in_doubt, retry: only a `sending` row (the claim this dispatcher won). After markInterruptedInDoubt moved it
 *   to in_doubt, a late outcome is not applied: ops resolve in-doubt rows.
 * Every settle writes one outbox_events row in the same statement: the decision and reason when applied, or
 * decision `ignored` (reason = the decision that came too late, details = its reason and the state found) when not.
 * Limit: settle carries no claim token, so a row that went sending → (ops) → pending → sending again could take a
 * late outcome of the first claim; only an ops action can cause that sequence.
 */
import type { OutboundAction } from '../../domain/channel.ts';
import type { NewOutboxEntry, OutboxDecision, OutboxRecord } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { Prisma } from '../generated/client.ts';
import type { OutboxEntryModel } from '../generated/models.ts';
import { accountUnknown, explainForeignKey, type EngineStoreContext } from './context.ts';

export function outboxPart({ prisma, logger, claimedBy }: EngineStoreContext) {
  return {
    /**
     * Inserts the entries in one INSERT … ON CONFLICT DO NOTHING and returns how many were new: an idempotency key
     * already stored (or repeated in the batch) is skipped and the stored entry left untouched.
     *
     * The rows travel as one jsonb parameter (jsonb_to_recordset) rather than through createMany: both are a single
     * INSERT … ON CONFLICT DO NOTHING on both adapters, but createMany binds 16 parameters per row (split into
     * several statements past ~2,000 rows) and spent ~400 ms of client time on 1,000 entries here, against ~50 ms
     * (PGlite and PostgreSQL alike) this way. The column list is checked by the store tests.
     */
    async enqueue(entries: NewOutboxEntry[], at: Date): Promise<number> {
      if (entries.length === 0) return 0;
      for (const entry of entries) {
        if (entry.action.accountId !== entry.accountId) {
          throw new KocError('KOC_OUTBOX_INVALID', `outbox entry ${entry.idempotencyKey} is for account ${entry.accountId} but its action for ${entry.action.accountId}`, {
            details: { idempotencyKey: entry.idempotencyKey, accountId: entry.accountId, actionAccountId: entry.action.accountId },
          });
        }
      }
      const rows = JSON.stringify(entries.map(toRow));
      return explainForeignKey(
        prisma.$executeRaw`
          INSERT INTO outbox (idempotency_key, account_id, run_id, step_index, flow_id, kind, mode, proactive, contact_id, room_id,
                              recipient_external_id, payload, status, due_at, created_at, updated_at)
          SELECT r.idempotency_key, r.account_id, r.run_id, r.step_index, r.flow_id, r.kind, r.mode::"OutboxMode", r.proactive,
                 r.contact_id, r.room_id, r.recipient_external_id, r.payload, 'pending', r.due_at, ${at}::timestamptz, ${at}::timestamptz
            FROM jsonb_to_recordset(${rows}::jsonb) AS r(
                   idempotency_key text, account_id text, run_id text, step_index int, flow_id text, kind text, mode text,
                   proactive boolean, contact_id text, room_id text, recipient_external_id text, payload jsonb, due_at timestamptz)
          ON CONFLICT DO NOTHING`,
        async (cause) => {
          const ids = [...new Set(entries.map((e) => e.accountId))];
          const known = new Set((await prisma.account.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((a) => a.id));
          return accountUnknown(ids.find((id) => !known.has(id)) ?? ids.join(', '), cause);
        },
      );
    },

    /** Pending entries due at `now`, by due time then id. */
    async dueOutbox(now: Date, limit: number): Promise<OutboxRecord[]> {
      const rows = await prisma.outboxEntry.findMany({
        where: { status: 'pending', dueAt: { lte: now } },
        orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
        take: limit,
      });
      return rows.map(toRecord);
    },

    /** Claims a due pending entry: → sending, attempts + 1, claimedAt. False when it is no longer pending and due. */
    async markSending(id: bigint, at: Date): Promise<boolean> {
      const { count } = await prisma.outboxEntry.updateMany({
        where: { id, status: 'pending', dueAt: { lte: at } },
        data: { status: 'sending', attempts: { increment: 1 }, claimedAt: at, claimedBy, updatedAt: at },
      });
      return count === 1;
    },

    /** Applies a decision under the stale-dispatcher rule (file comment) and records it; one statement. */
    async settle(id: bigint, outcome: OutboxDecision, at: Date): Promise<void> {
      const { set, guard, reason, details } = transition(outcome, at);
      const rows = await prisma.$queryRaw<{ decision: string; found: string }[]>`
        WITH before AS (
          SELECT id, status::text AS status FROM outbox WHERE id = ${id}::bigint
        ), applied AS (
          UPDATE outbox SET ${set}, updated_at = ${at}::timestamptz
           WHERE id = ${id}::bigint AND ${guard}
          RETURNING id
        )
        INSERT INTO outbox_events (outbox_id, at, decision, reason, details)
        SELECT before.id, ${at}::timestamptz,
               CASE WHEN EXISTS (SELECT 1 FROM applied) THEN ${outcome.decision}::text ELSE 'ignored' END,
               CASE WHEN EXISTS (SELECT 1 FROM applied) THEN ${reason}::text ELSE ${outcome.decision}::text END,
               CASE WHEN EXISTS (SELECT 1 FROM applied) THEN ${details}::jsonb
                    ELSE jsonb_build_object('reason', ${reason}::text, 'until', ${untilOf(outcome)}::text, 'status', before.status) END
          FROM before
        RETURNING decision, (SELECT status FROM before) AS found`;
      const [event] = rows;
      if (!event) {
        throw new KocError('KOC_OUTBOX_UNKNOWN', `outbox entry ${id} is not in the store`, { details: { outboxId: String(id) } });
      }
      if (event.decision === 'ignored') {
        logger.warn({ outboxId: String(id), decision: outcome.decision, status: event.found }, 'stale outbox decision ignored: the entry had moved on');
      }
    },

    /** Every `sending` entry → in_doubt, each with an event (reason "interrupted"). Run at start, before dispatching. */
    async markInterruptedInDoubt(at: Date): Promise<number> {
      return prisma.$executeRaw`
        WITH moved AS (
          UPDATE outbox SET status = 'in_doubt', updated_at = ${at}::timestamptz WHERE status = 'sending' RETURNING id
        )
        INSERT INTO outbox_events (outbox_id, at, decision, reason)
        SELECT id, ${at}::timestamptz, 'in_doubt', 'interrupted' FROM moved`;
    },
  };
}

interface Transition {
  set: Prisma.Sql;
  guard: Prisma.Sql;
  reason: string | null;
  /** The applied event's details, as JSON text (or null). */
  details: string | null;
}

const FROM_SENDING = Prisma.sql`status = 'sending'`;

function transition(outcome: OutboxDecision, at: Date): Transition {
  const fromDuePending = Prisma.sql`status = 'pending' AND due_at <= ${at}::timestamptz`;
  switch (outcome.decision) {
    case 'sent':
      return {
        set: Prisma.sql`status = 'sent', sent_at = ${at}::timestamptz, external_message_id = ${outcome.externalMessageId ?? null}::text`,
        guard: FROM_SENDING,
        reason: null,
        details: outcome.externalMessageId === undefined ? null : JSON.stringify({ externalMessageId: outcome.externalMessageId }),
      };
    case 'failed':
      return { set: Prisma.sql`status = 'failed', last_error = ${outcome.reason}::text`, guard: FROM_SENDING, reason: outcome.reason, details: null };
    case 'in_doubt':
      return { set: Prisma.sql`status = 'in_doubt', last_error = ${outcome.reason}::text`, guard: FROM_SENDING, reason: outcome.reason, details: null };
    case 'retry':
      return {
        set: Prisma.sql`status = 'pending', due_at = ${outcome.until}::timestamptz, last_error = ${outcome.reason}::text`,
        guard: FROM_SENDING,
        reason: outcome.reason,
        details: JSON.stringify({ until: outcome.until.toISOString() }),
      };
    case 'deferred':
      return {
        set: Prisma.sql`due_at = ${outcome.until}::timestamptz, deferred_reason = ${outcome.reason}::text`,
        guard: fromDuePending,
        reason: outcome.reason,
        details: JSON.stringify({ until: outcome.until.toISOString() }),
      };
    case 'skipped':
      return { set: Prisma.sql`status = 'skipped', skip_reason = ${outcome.reason}::text`, guard: fromDuePending, reason: outcome.reason, details: null };
  }
}

function untilOf(outcome: OutboxDecision): string | null {
  return outcome.decision === 'deferred' || outcome.decision === 'retry' ? outcome.until.toISOString() : null;
}

function recipientOf(action: OutboundAction): string | null {
  switch (action.kind) {
    case 'say':
    case 'invite':
      return action.contactExternalId;
    case 'roomSay':
      return action.roomExternalId;
    case 'staffNote':
      return action.staffExternalId;
    case 'moment':
      return null;
    default:
      return action.contactExternalId; // tag, untag
  }
}

/** One entry as the jsonb_to_recordset row enqueue inserts (instants as ISO strings: exact for timestamptz). */
function toRow(entry: NewOutboxEntry) {
  return {
    idempotency_key: entry.idempotencyKey,
    account_id: entry.accountId,
    run_id: entry.runId,
    step_index: entry.stepIndex,
    flow_id: entry.flowId,
    kind: entry.action.kind,
    mode: entry.mode,
    proactive: entry.proactive,
    contact_id: entry.contactId,
    room_id: entry.roomId,
    recipient_external_id: recipientOf(entry.action),
    payload: entry.action,
    due_at: entry.dueAt.toISOString(),
  };
}

function toRecord(row: OutboxEntryModel): OutboxRecord {
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    accountId: row.accountId,
    runId: row.runId,
    stepIndex: row.stepIndex,
    flowId: row.flowId,
    mode: row.mode,
    proactive: row.proactive,
    contactId: row.contactId,
    roomId: row.roomId,
    action: row.payload as unknown as OutboundAction,
    dueAt: row.dueAt,
    status: row.status,
    attempts: row.attempts,
    deferredReason: row.deferredReason,
  };
}
