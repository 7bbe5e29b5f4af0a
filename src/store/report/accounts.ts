/**
 * The accounts report's store half: each bot account's status and its outbox now and over the range. Limits come
 * from configuration (src/report/accountLimits.ts). Definitions: docs/reports.md#accounts.
 */
import { isValidTimeZone } from '../../playbook/calendar.ts';
import { createEngineStore } from '../engineStore.ts';
import { Prisma, type PrismaClient } from '../generated/client.ts';
import { inRange, inStores, reportQuery, toDate, toNumber, type ReportScope } from './scope.ts';

export interface AccountActivityRow {
  accountId: string;
  name: string;
  role: 'guide' | 'ambassador' | 'assistant';
  storeId: string | null;
  timeZone: string;
  /** accounts.status: active | paused | logged_out | banned | disabled (no longer in kocflow.yaml). */
  status: string;
  /** Staff paused its proactive sends (/pause): accounts.status = paused. */
  paused: boolean;
  /** When the account was first seen (accounts.created_at): pacing's ramp-up starts here unless the config says. */
  firstSeenAt: Date;
  /** When its bot last logged in or out. */
  lastSeenAt: Date | null;
  /** The channel throttled it: no send before this instant (only when still in the future at `now`). */
  backoffUntil: Date | null;
  /** Sent since the start of the account's local day at `now`, as pacing counts them (pacingSnapshot). */
  sentToday: number;
  /** The latest sent_at at or before `now`. */
  lastSentAt: Date | null;
  /** Sent with sent_at in range. */
  sentInRange: number;
  /** Pending now: due now or later, deferred or not. */
  pending: number;
  /** Of `pending`, those deferred at least once (deferred_reason set) and not due yet. */
  deferred: number;
  /** In doubt now (never resent automatically: ops decide). */
  inDoubt: number;
  /** Failed with an entry event in range. */
  failedInRange: number;
}

interface Row {
  id: string;
  display_name: string;
  role: 'guide' | 'ambassador' | 'assistant';
  store_id: string | null;
  time_zone: string;
  status: string;
  created_at: Date | string;
  last_seen_at: Date | string | null;
  sent_in_range: number;
  pending: number;
  deferred: number;
  in_doubt: number;
  failed_in_range: number;
}

/**
 * Two statements: the accounts with their range and state counts (each an index range scan per account on
 * outbox(account_id, status, …)), then "today" and the last send with the engine store's own pacingSnapshot, so the
 * report counts exactly what pacing counts.
 */
export async function accountActivity(prisma: PrismaClient, scope: ReportScope, now: Date): Promise<AccountActivityRow[]> {
  const rows = await reportQuery<Row>(prisma, Prisma.sql`
    SELECT a.id, a.display_name, a.role::text AS role, a.store_id, a.time_zone, a.status, a.created_at, a.last_seen_at,
           (SELECT count(*) FROM outbox o WHERE o.account_id = a.id AND o.status = 'sent' AND ${inRange(Prisma.sql`o.sent_at`, scope)})::int AS sent_in_range,
           q.pending, q.deferred, q.in_doubt,
           (SELECT count(DISTINCT e.outbox_id) FROM outbox_events e JOIN outbox o ON o.id = e.outbox_id
             WHERE o.account_id = a.id AND e.decision = 'failed' AND ${inRange(Prisma.sql`e.at`, scope)})::int AS failed_in_range
      FROM accounts a
     CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE o.status = 'pending')::int AS pending,
                  count(*) FILTER (WHERE o.status = 'pending' AND o.deferred_reason IS NOT NULL AND o.due_at > ${now}::timestamptz)::int AS deferred,
                  count(*) FILTER (WHERE o.status = 'in_doubt')::int AS in_doubt
             FROM outbox o WHERE o.account_id = a.id AND o.status IN ('pending', 'in_doubt')) q
     WHERE ${inStores(Prisma.sql`a.store_id`, scope)}
     ORDER BY a.id COLLATE "C"`);
  const zoned = rows.map((row) => ({ accountId: row.id, timeZone: isValidTimeZone(row.time_zone) ? row.time_zone : 'UTC' }));
  const pacing = await createEngineStore(prisma).pacingSnapshot(now, zoned, []);
  return rows.map((row) => {
    const today = pacing.accounts.get(row.id);
    const backoff = today?.backoffUntil ?? null;
    return {
      accountId: row.id,
      name: row.display_name,
      role: row.role,
      storeId: row.store_id,
      timeZone: row.time_zone,
      status: row.status,
      paused: row.status === 'paused',
      firstSeenAt: toDate(row.created_at)!,
      lastSeenAt: toDate(row.last_seen_at),
      backoffUntil: backoff && backoff.getTime() > now.getTime() ? backoff : null,
      sentToday: today?.sentToday ?? 0,
      lastSentAt: today?.lastSentAt ?? null,
      sentInRange: toNumber(row.sent_in_range),
      pending: toNumber(row.pending),
      deferred: toNumber(row.deferred),
      inDoubt: toNumber(row.in_doubt),
      failedInRange: toNumber(row.failed_in_range),
    };
  });
}
