/**
 * What pacing needs from the store: sent counts over windows ending at `now` (one round trip), and the account
 * back-off the channel asked for.
 */
import type { PacingCounts } from '../../engine/ports.ts';
import { accountUnknown, type EngineStoreContext } from './context.ts';
import { startOfLocalDay } from '../../engine/localTime.ts';
import { isValidTimeZone } from '../../playbook/calendar.ts';
import { KocError } from '../../shared/errors.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface CountsRow {
  minute: number;
  hour: number;
  today: number;
  contact_today: number;
  contact_month: number;
  last: Date | null;
}

export function pacingPart({ prisma }: EngineStoreContext) {
  return {
    /**
     * Sent entries (status sent, by sentAt) of the account in (now−1 min, now], (now−1 h, now] and since the start of
     * the local day of `now` in `timeZone`; proactive sent entries to the contact since that day start and in
     * (now−30 d, now]; the account's latest sentAt at or before now. Windows end at `now`, so a run at a simulated
     * time ignores sends "after" it. Uses outbox(account_id, status, sent_at) and outbox(contact_id, sent_at).
     */
    async pacingCounts(accountId: string, contactId: string | null, now: Date, timeZone: string): Promise<PacingCounts> {
      if (!isValidTimeZone(timeZone)) {
        throw new KocError('KOC_TIMEZONE_INVALID', `unknown time zone "${timeZone}"`, { hint: 'use an IANA zone name such as Asia/Shanghai', details: { timeZone } });
      }
      const dayStart = startOfLocalDay(now, timeZone);
      const minuteAgo = new Date(now.getTime() - MINUTE);
      const hourAgo = new Date(now.getTime() - HOUR);
      const monthAgo = new Date(now.getTime() - 30 * DAY);
      const accountFrom = new Date(Math.min(dayStart.getTime(), hourAgo.getTime()));
      const [row] = await prisma.$queryRaw<CountsRow[]>`
        SELECT a.minute, a.hour, a.today, c.today AS contact_today, c.month AS contact_month, l.last
          FROM (SELECT count(*) FILTER (WHERE sent_at > ${minuteAgo}::timestamptz)::int AS minute,
                       count(*) FILTER (WHERE sent_at > ${hourAgo}::timestamptz)::int AS hour,
                       count(*) FILTER (WHERE sent_at >= ${dayStart}::timestamptz)::int AS today
                  FROM outbox
                 WHERE account_id = ${accountId}::text AND status = 'sent'
                   AND sent_at >= ${accountFrom}::timestamptz AND sent_at <= ${now}::timestamptz) a
         CROSS JOIN
               (SELECT count(*) FILTER (WHERE sent_at >= ${dayStart}::timestamptz)::int AS today,
                       count(*)::int AS month
                  FROM outbox
                 WHERE contact_id = ${contactId}::text AND status = 'sent' AND proactive
                   AND sent_at > ${monthAgo}::timestamptz AND sent_at <= ${now}::timestamptz) c
         CROSS JOIN
               (SELECT max(sent_at) AS last
                  FROM outbox
                 WHERE account_id = ${accountId}::text AND status = 'sent' AND sent_at <= ${now}::timestamptz) l`;
      return {
        accountSentLastMinute: Number(row!.minute),
        accountSentLastHour: Number(row!.hour),
        accountSentToday: Number(row!.today),
        contactProactiveToday: Number(row!.contact_today),
        contactProactiveThisMonth: Number(row!.contact_month),
        accountLastSentAt: row!.last === null ? null : new Date(row!.last),
      };
    },

    async accountBackoffUntil(accountId: string): Promise<Date | null> {
      const account = await prisma.account.findUnique({ where: { id: accountId }, select: { backoffUntil: true } });
      return account?.backoffUntil ?? null;
    },

    /**
     * Backs the account off until `until`. Only ever extends: a shorter back-off than the one in force (a second
     * throttle answer from a send that was already in flight) leaves it as it is. Does not touch updated_at.
     */
    async setAccountBackoff(accountId: string, until: Date, reason: string): Promise<void> {
      const updated = await prisma.$executeRaw`
        UPDATE accounts SET backoff_until = ${until}::timestamptz, backoff_reason = ${reason}::text
         WHERE id = ${accountId}::text AND (backoff_until IS NULL OR backoff_until < ${until}::timestamptz)`;
      if (updated === 0 && (await prisma.account.count({ where: { id: accountId } })) === 0) throw accountUnknown(accountId);
    },
  };
}
