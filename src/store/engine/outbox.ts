/**
 * The outbox (send ledger) as the engine's dispatcher uses it; settling decisions is in ./outboxSettle.ts.
 *
 * States: pending → sending → sent | failed | in_doubt | pending (retry, released); pending → pending (deferred) |
 * skipped. in_doubt (the channel threw mid-send, or the process died in `sending`) is shown to ops, never resent
 * automatically.
 *
 * The stale-dispatcher rule. A dispatcher decides on rows it read earlier; by the time its decision arrives another
 * dispatcher (or a crash recovery) may have moved the row on. So every transition is a conditional update that
 * names the state it expects, and a decision that finds the row elsewhere changes nothing:
 * - claim, deferred, skipped: only a `pending` row that is due at the decision's instant (due_at <= at). A
 *   dispatcher that read the row before another one deferred it (due_at moved past `at`) cannot claim, skip or
 *   re-defer it from its old reading.
 * - sent, failed, in_doubt, retry, released: only a `sending` row (the claim this dispatcher won). After
 *   markInterruptedInDoubt moved it to in_doubt, a late outcome is not applied: ops resolve in-doubt rows.
 * Every decision writes one outbox_events row in the same statement: the decision and reason when applied, or
 * decision `ignored` (reason = the decision that came too late, details = its reason and the state found) when not.
 * Limit: a decision carries no claim token, so a row that went sending → (ops) → pending → sending again could take
 * a late outcome of the first claim; only an ops action can cause that sequence.
 *
 * Batches: the dispatcher reads a batch with dueForDispatch, claims its sends with one claim, and settles them with
 * one settleMany; markSending and settle are the one-row forms of the same statements.
 */
import type { OutboundAction } from '../../domain/channel.ts';
import type { DueOutboxEntry, NewOutboxEntry, OutboxDecision, OutboxRecord, OutboxStatus } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { Prisma } from '../generated/client.ts';
import type { OutboxEntryModel } from '../generated/models.ts';
import { accountUnknown, bigintArray, explainForeignKey, type EngineStoreContext, fromJsonColumn, type StoreScope } from './context.ts';
import type { EngineSql } from './sql.ts';
import { settleManyPart } from './outboxSettle.ts';

export function outboxPart(context: EngineStoreContext) {
  const { prisma, sql, claimedBy, scope } = context;
  const settleMany = settleManyPart(context);

  /**
   * Claims the due pending entries among `ids` in one statement: → sending, attempts + 1, claimedAt, claimedBy.
   * Returns the ids claimed; an id left out is no longer pending and due at `at` (another dispatcher has it).
   */
  async function claim(ids: bigint[], at: Date): Promise<bigint[]> {
    if (ids.length === 0) return [];
    // The ids as a bigint[] literal: both adapters pass it as text, and id = ANY (…) is one primary-key probe per id.
    // Several processes: only rows of an account whose lease this process holds now, by the database's clock.
    const fence = scope
      ? Prisma.sql`AND EXISTS (SELECT 1 FROM account_leases l WHERE l.account_id = outbox.account_id
                                  AND l.owner_id = ${scope.ownerId}::text AND l.expires_at > now())`
      : Prisma.empty;
    const rows = await sql.query<{ id: bigint }>(Prisma.sql`
      UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ${at}::timestamptz,
                        claimed_by = ${claimedBy}::text, updated_at = ${at}::timestamptz
       WHERE id = ANY (${bigintArray(ids)}::bigint[])
         AND status = 'pending' AND due_at <= ${at}::timestamptz ${fence}
      RETURNING id`);
    return rows.map((row) => BigInt(row.id));
  }

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
        sql.execute(Prisma.sql`
          INSERT INTO outbox (idempotency_key, account_id, run_id, step_index, flow_id, kind, mode, proactive, contact_id, room_id,
                              recipient_external_id, payload, status, due_at, created_at, updated_at)
          SELECT r.idempotency_key, r.account_id, r.run_id, r.step_index, r.flow_id, r.kind, r.mode::"OutboxMode", r.proactive,
                 r.contact_id, r.room_id, r.recipient_external_id, r.payload, 'pending', r.due_at, ${at}::timestamptz, ${at}::timestamptz
            FROM jsonb_to_recordset(${rows}::jsonb) AS r(
                   idempotency_key text, account_id text, run_id text, step_index int, flow_id text, kind text, mode text,
                   proactive boolean, contact_id text, room_id text, recipient_external_id text, payload jsonb, due_at timestamptz)
          ON CONFLICT DO NOTHING`),
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

    /**
     * dueOutbox with each entry's contact joined in, one query for the batch: the dispatcher used to look each
     * contact up on its own (getContact, with the tags and referrer it does not need). The batch is chosen before
     * the join: joined first, every due entry would be joined before the sort kept `limit` of them (seen with 20,000
     * entries due at one instant, a fan-out: 78 ms a batch on PGlite).
     */
    async dueForDispatch(now: Date, limit: number): Promise<DueOutboxEntry[]> {
      return (await sql.query<DueRow>(dueForDispatchQuery(now, limit, scope))).map(toDueEntry);
    },

    claim,

    async markSending(id: bigint, at: Date): Promise<boolean> {
      return (await claim([id], at)).length === 1;
    },

    settleMany,

    settle(id: bigint, outcome: OutboxDecision, at: Date): Promise<void> {
      return settleMany([{ id, outcome }], at);
    },

    /**
     * Every `sending` entry → in_doubt, each with an event (reason "interrupted"). Run at start, before dispatching.
     * Several processes (a scope): only the rows of the accounts this process holds, claimed by another process —
     * at start it holds none, so it touches nothing; the lease keeper calls markTakenOverInDoubt when it takes an
     * account over. Another live process's rows in flight are never touched.
     */
    async markInterruptedInDoubt(at: Date): Promise<number> {
      if (scope) return markTakenOverInDoubt(sql, scope.ownerId, scope.ownedAccounts(), at);
      return sql.execute(Prisma.sql`
        WITH moved AS (
          UPDATE outbox SET status = 'in_doubt', updated_at = ${at}::timestamptz WHERE status = 'sending' RETURNING id
        )
        INSERT INTO outbox_events (outbox_id, at, decision, reason)
        SELECT id, ${at}::timestamptz, 'in_doubt', 'interrupted' FROM moved`);
    },
  };
}

/**
 * dueForDispatch as one query (also a part of dueWork). The id travels as text: exact however large it grows. The
 * contact is looked up per entry (LATERAL: one primary-key probe each): as a plain join, PGlite — which never
 * gathers statistics — hashed the whole contacts table for every batch. The LIMIT (the id is the key: it changes
 * nothing) keeps the planner from pulling the subquery up into that same join.
 */
export function dueForDispatchQuery(now: Date, limit: number, scope?: StoreScope): Prisma.Sql {
  const owned = scope ? Prisma.sql`AND account_id = ANY (${[...scope.ownedAccounts()]}::text[])` : Prisma.empty;
  return Prisma.sql`
    SELECT o.id::text AS id, o.idempotency_key, o.account_id, o.run_id, o.step_index, o.flow_id, o.mode::text AS mode, o.proactive,
           o.contact_id, o.room_id, o.payload, o.due_at, o.status::text AS status, o.attempts, o.deferred_reason,
           c.id AS contact_found, c.name AS contact_name, c.alias AS contact_alias, c.opted_out_at AS contact_opted_out_at
      FROM (SELECT * FROM outbox
             WHERE status = 'pending' AND due_at <= ${now}::timestamptz ${owned}
             ORDER BY due_at, id
             LIMIT ${limit}::int) o
      LEFT JOIN LATERAL (SELECT id, name, alias, opted_out_at FROM contacts WHERE id = o.contact_id LIMIT 1) c ON true
     ORDER BY o.due_at, o.id`;
}

/**
 * An account taken over from a process that stopped renewing its lease: its rows still `sending` under another
 * process (claimed_by) → in_doubt, with an event (reason "taken_over", and who had claimed it). Never resent: the
 * old owner may have sent them. Rows this process claimed itself are left to its own dispatcher.
 */
export async function markTakenOverInDoubt(sql: EngineSql, ownerId: string, accounts: readonly string[], at: Date): Promise<number> {
  if (accounts.length === 0) return 0;
  return sql.execute(Prisma.sql`
    WITH moved AS (
      UPDATE outbox SET status = 'in_doubt', updated_at = ${at}::timestamptz,
                        last_error = 'the process that claimed it (' || coalesce(claimed_by, '?') || ') lost its lease on the account mid-send'
       WHERE status = 'sending' AND account_id = ANY (${[...accounts]}::text[]) AND claimed_by IS DISTINCT FROM ${ownerId}::text
      RETURNING id, claimed_by
    )
    INSERT INTO outbox_events (outbox_id, at, decision, reason, details)
    SELECT id, ${at}::timestamptz, 'in_doubt', 'taken_over', jsonb_build_object('claimedBy', claimed_by) FROM moved`);
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

/** A row of dueForDispatchQuery (snake_case; the enums as text), typed by the driver or read back from JSON (dueWork). */
export interface DueRow {
  id: string;
  idempotency_key: string;
  account_id: string;
  run_id: string | null;
  step_index: number | null;
  flow_id: string | null;
  mode: 'auto' | 'assist';
  proactive: boolean;
  contact_id: string | null;
  room_id: string | null;
  payload: unknown;
  due_at: Date | string;
  status: OutboxStatus;
  attempts: number;
  deferred_reason: string | null;
  contact_found: string | null;
  contact_name: string | null;
  contact_alias: string | null;
  contact_opted_out_at: Date | string | null;
}

export function toDueEntry(row: DueRow): DueOutboxEntry {
  const payload = fromJsonColumn(row.payload);
  return {
    id: BigInt(row.id),
    idempotencyKey: row.idempotency_key,
    accountId: row.account_id,
    runId: row.run_id,
    stepIndex: row.step_index,
    flowId: row.flow_id,
    mode: row.mode,
    proactive: row.proactive,
    contactId: row.contact_id,
    roomId: row.room_id,
    action: payload as OutboundAction,
    dueAt: new Date(row.due_at),
    status: row.status,
    attempts: row.attempts,
    deferredReason: row.deferred_reason,
    contact:
      row.contact_found === null
        ? null
        : { name: row.contact_name, alias: row.contact_alias, optedOutAt: row.contact_opted_out_at === null ? null : new Date(row.contact_opted_out_at) },
  };
}
