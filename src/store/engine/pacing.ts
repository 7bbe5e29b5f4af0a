/**
 * What pacing needs from the store: sent counts over windows ending at `now` and the back-off of each account, for
 * a whole dispatch batch in one round trip; and setting the back-off the channel asked for.
 */
import type { AccountPacing, ContactPacing, PacingSnapshot } from '../../engine/ports.ts';
import { accountUnknown, type EngineStoreContext } from './context.ts';
import { startOfLocalDay } from '../../engine/localTime.ts';
import { isValidTimeZone } from '../../playbook/calendar.ts';
import { KocError } from '../../shared/errors.ts';
import { Prisma } from '../generated/client.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One row per account (kind 'account') or contact (kind 'contact'); the other kind's columns are null. */
interface SnapshotRow {
  kind: 'account' | 'contact';
  id: string;
  minute: number | null;
  hour: number | null;
  today: number;
  month: number | null;
  last: Date | null;
  backoff_until: Date | null;
  backoff_minutes: number | null;
}

export function pacingPart({ sql }: EngineStoreContext) {
  return {
    /**
     * For each account: its sent entries (status sent, by sentAt) in (now−1 min, now], (now−1 h, now] and since the
     * start of the local day of `now` in its zone, its latest sentAt at or before now, and its back-off. For each
     * contact: proactive sent entries to it since the start of its local day and in (now−30 d, now]. Windows end at
     * `now`, so a run at a simulated time ignores sends "after" it. Each account and contact is one index range scan
     * (outbox(account_id, status, sent_at), outbox(contact_id, sent_at)) in a LATERAL join: one statement however
     * many there are. An account or contact with no sends gets zeros (an unknown account: no back-off either).
     */
    async pacingSnapshot(
      now: Date,
      accounts: { accountId: string; timeZone: string }[],
      contacts: { contactId: string; timeZone: string }[],
    ): Promise<PacingSnapshot> {
      const snapshot: PacingSnapshot = { accounts: new Map(), contacts: new Map() };
      if (accounts.length === 0 && contacts.length === 0) return snapshot;
      const hourAgo = new Date(now.getTime() - HOUR);
      const dayStarts = new Map<string, Date>(); // one zone conversion per zone, not per row
      const dayStart = (timeZone: string): Date => {
        let start = dayStarts.get(timeZone);
        if (start === undefined) {
          if (!isValidTimeZone(timeZone)) {
            throw new KocError('KOC_TIMEZONE_INVALID', `unknown time zone "${timeZone}"`, { hint: 'use an IANA zone name such as Asia/Shanghai', details: { timeZone } });
          }
          start = startOfLocalDay(now, timeZone);
          dayStarts.set(timeZone, start);
        }
        return start;
      };
      // The account scan starts at the earlier of the day start and an hour ago: it covers all three windows.
      const accountRows = unique(accounts, (a) => a.accountId).map((a) => {
        const start = dayStart(a.timeZone);
        return { id: a.accountId, day_start: start.toISOString(), from: new Date(Math.min(start.getTime(), hourAgo.getTime())).toISOString() };
      });
      const contactRows = unique(contacts, (c) => c.contactId).map((c) => ({ id: c.contactId, day_start: dayStart(c.timeZone).toISOString() }));

      const rows = await sql.query<SnapshotRow>(Prisma.sql`
        WITH a AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(accountRows)}::jsonb) AS a(id text, day_start timestamptz, "from" timestamptz)
        ), c AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(contactRows)}::jsonb) AS c(id text, day_start timestamptz)
        )
        SELECT 'account' AS kind, a.id, w.minute, w.hour, w.today, NULL::int AS month, l.last, acc.backoff_until, acc.backoff_minutes
          FROM a
          LEFT JOIN accounts acc ON acc.id = a.id
         CROSS JOIN LATERAL (
               SELECT count(*) FILTER (WHERE sent_at > ${new Date(now.getTime() - MINUTE)}::timestamptz)::int AS minute,
                      count(*) FILTER (WHERE sent_at > ${hourAgo}::timestamptz)::int AS hour,
                      count(*) FILTER (WHERE sent_at >= a.day_start)::int AS today
                 FROM outbox
                WHERE account_id = a.id AND status = 'sent' AND sent_at >= a."from" AND sent_at <= ${now}::timestamptz) w
         CROSS JOIN LATERAL (
               SELECT max(sent_at) AS last FROM outbox WHERE account_id = a.id AND status = 'sent' AND sent_at <= ${now}::timestamptz) l
        UNION ALL
        SELECT 'contact', c.id, NULL, NULL, t.today, t.month, NULL, NULL, NULL
          FROM c
         CROSS JOIN LATERAL (
               SELECT count(*) FILTER (WHERE sent_at >= c.day_start)::int AS today, count(*)::int AS month
                 FROM outbox
                WHERE contact_id = c.id AND status = 'sent' AND proactive
                  AND sent_at > ${new Date(now.getTime() - 30 * DAY)}::timestamptz AND sent_at <= ${now}::timestamptz) t`);

      for (const row of rows) {
        if (row.kind === 'account') snapshot.accounts.set(row.id, toAccountPacing(row));
        else snapshot.contacts.set(row.id, { proactiveToday: Number(row.today), proactiveThisMonth: Number(row.month) } satisfies ContactPacing);
      }
      return snapshot;
    },

    /**
     * Backs the account off until `until`. Only ever extends: a shorter back-off than the one in force (a second
     * throttle answer from a send that was already in flight) leaves the instant and reason as they are. `minutes`
     * is kept as the streak's length (the larger one, for that same in-flight case), so the next throttle doubles
     * it. Does not touch updated_at.
     */
    async setAccountBackoff(accountId: string, until: Date, reason: string, minutes: number): Promise<void> {
      const updated = await sql.execute(Prisma.sql`
        UPDATE accounts
           SET backoff_reason = CASE WHEN backoff_until IS NULL OR backoff_until < ${until}::timestamptz THEN ${reason}::text ELSE backoff_reason END,
               backoff_until = GREATEST(backoff_until, ${until}::timestamptz),
               backoff_minutes = GREATEST(backoff_minutes, ${minutes}::int)
         WHERE id = ${accountId}::text`);
      if (updated === 0) throw accountUnknown(accountId);
    },

    /** Clears the streak (backoff_minutes); backoff_until stays as the record of the last back-off. */
    async endBackoffStreak(accountId: string): Promise<void> {
      await sql.execute(Prisma.sql`UPDATE accounts SET backoff_minutes = NULL WHERE id = ${accountId}::text AND backoff_minutes IS NOT NULL`);
    },
  };
}

function toAccountPacing(row: SnapshotRow): AccountPacing {
  return {
    sentLastMinute: Number(row.minute),
    sentLastHour: Number(row.hour),
    sentToday: Number(row.today),
    lastSentAt: row.last === null ? null : new Date(row.last),
    backoffUntil: row.backoff_until === null ? null : new Date(row.backoff_until),
    backoffMinutes: row.backoff_minutes === null ? null : Number(row.backoff_minutes),
  };
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
