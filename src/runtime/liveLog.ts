import type { BotStatus } from '../bot/accountBot.ts';
import { ASSIST_CARD_KINDS, type ChannelEvent, type OutboundAction } from '../domain/channel.ts';
import type { AccountDirectory, EngineObserver, OutboxDecision, OutboxRecord } from '../engine/ports.ts';
import { formatLocal } from '../playbook/templates/helpers.ts';
import { maskPersonalData } from '../shared/logger.ts';

/**
 * The readable live log of `kocflow start`: one line per thing a person would want to see — a bot's status, an
 * event coming in, a flow starting, a send going out, held back (with why) or skipped (with why). Names are masked
 * (张**) and message text is shown only when `showText` (the demo, where customers are synthetic).
 */
export interface LiveLogOptions {
  write(line: string): void;
  accounts: AccountDirectory;
  now(): Date;
  showText: boolean;
}

const REASONS: Record<string, string> = {
  quiet_hours: 'quiet hours',
  account_backoff: 'the account is backing off after throttling',
  rate_minute: 'per-minute limit',
  rate_hour: 'per-hour limit',
  rate_day: 'per-day limit',
  spacing: 'gap between two sends',
  contact_day_cap: 'one proactive message per customer per day',
  contact_month_cap: 'monthly cap per customer',
  opted_out: 'the customer opted out (退订)',
  ordering: 'an earlier message to the same customer waits',
  account_offline: 'the bot is not logged in',
  account_paused: 'paused by staff (/pause)',
  assist_without_staff: 'assist mode but the account has no owner',
  account_unknown: 'the account is not configured',
};

export function explainReason(reason: string): string {
  return REASONS[reason] ?? reason;
}

/** 张三 → 张*, Alice → A****: enough to follow a conversation, not enough to identify a customer. */
export function maskName(name: string | null | undefined): string {
  if (!name) return 'someone';
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(1, Math.min(chars.length - 1, 4)));
}

export class LiveLog {
  readonly #o: LiveLogOptions;

  constructor(options: LiveLogOptions) {
    this.#o = options;
  }

  #line(accountId: string, text: string): void {
    const zone = this.#o.accounts.get(accountId)?.timeZone ?? 'Asia/Shanghai';
    this.#o.write(`${formatLocal(this.#o.now(), 'HH:mm:ss', zone)}  ${accountId.padEnd(14)} ${text}\n`);
  }

  #quote(text: string | undefined): string {
    if (!this.#o.showText || !text) return '';
    const flat = maskPersonalData(text.replace(/\s+/g, ' ').trim());
    return ` "${flat.length > 40 ? `${flat.slice(0, 39)}…` : flat}"`;
  }

  botStatus(accountId: string, status: BotStatus): void {
    switch (status.state) {
      case 'logged_in':
        return this.#line(accountId, `● logged in as ${maskName(status.self?.name)}`);
      case 'waiting_for_scan':
        return this.#line(accountId, '◌ waiting for a scan of the login QR code');
      case 'reconnecting':
        return this.#line(accountId, `↻ reconnecting${status.nextAttemptAt ? ` at ${formatLocal(status.nextAttemptAt, 'HH:mm:ss', this.#zone(accountId))}` : ''}: ${status.reason ?? ''}`);
      case 'failed':
        return this.#line(accountId, `✕ failed: ${status.reason ?? 'unknown reason'}`);
      case 'starting':
        return this.#line(accountId, '… starting');
      case 'stopped':
        return this.#line(accountId, '■ stopped');
    }
  }

  /** An event as it comes in (what it causes follows on the next lines). Staff commands are shown by `command`. */
  inbound(event: ChannelEvent): void {
    switch (event.kind) {
      case 'message':
        if (!event.room && /^\s*[/／]/u.test(event.text)) return; // maybe a staff command: shown once routed
        return this.#line(event.accountId, `← ${maskName(event.contact.name)}${event.room ? ` in ${event.room.topic}` : ''}:${this.#quote(event.text) || ` (${event.media ?? 'message'})`}`);
      case 'friend.added':
        return this.#line(event.accountId, `+ new friend ${maskName(event.contact.name)}${event.hello ? `, hello${this.#quote(event.hello)}` : ''}`);
      case 'room.joined':
        return this.#line(event.accountId, `+ ${maskName(event.member.name)} joined ${event.room.topic}${event.inviter ? `, invited by ${maskName(event.inviter.name)}` : ''}`);
      case 'room.left':
        return this.#line(event.accountId, `- ${maskName(event.member.name)} left ${event.room.topic}`);
      default:
        return this.#line(event.accountId, `← ${event.kind}`);
    }
  }

  command(event: ChannelEvent, command: string): void {
    const who = 'contact' in event ? maskName(event.contact.name) : 'staff';
    // A staff command often names a customer (/tag 王芳 VIP, /feedback …): only the command and its numbers and
    // codes are shown (e.g. "/done 7", "/redeem Q7KX4M9ATF"); words that may be a name or a phone become "…".
    const typed = event.kind === 'message' ? commandForLog(event.text) : `/${command}`;
    this.#line(event.accountId, `⌘ staff ${who}: ${typed}`);
  }

  /** A KOC moved tier (the evaluation on its schedule); shown on the account that reaches them, if any. */
  tierChange(change: { accountId: string | undefined; kocName: string; from: string; to: string; reason: string }): void {
    this.#line(change.accountId ?? '-', `◆ tier: ${maskName(change.kocName)} ${change.from} → ${change.to} (${change.reason})`);
  }

  /** A line from a domain service (fission invites, …), already worded. */
  note(accountId: string, text: string): void {
    this.#line(accountId, text);
  }

  /** What became of a referral code a customer sent. */
  referral(accountId: string, outcome: { credited: true; kocName: string; campaignId: string | null } | { credited: false; reason: string }): void {
    if (outcome.credited) {
      this.#line(accountId, `★ referral: credited to ${maskName(outcome.kocName)}${outcome.campaignId ? ` under ${outcome.campaignId}` : ' (no referral campaign is running)'}`);
    } else {
      this.#line(accountId, `★ referral code not credited: ${outcome.reason.replace(/_/g, ' ')}`);
    }
  }

  /** The engine's side: runs and sends. */
  observer(): EngineObserver {
    return {
      runStarted: (e) => this.#line(e.accountId, `▶ ${e.flowId}: run started for a ${e.subjectKind} (${triggerOf(e.occurrenceKey)})`),
      runEnded: (e) => {
        if (e.status !== 'done') this.#line(e.accountId, `■ ${e.flowId}: run ${e.status}${e.stopReason ? `: ${e.stopReason}` : ''}`);
      },
      outboxSettled: ({ entry, outcome }) => this.#settled(entry, outcome),
    };
  }

  #settled(entry: OutboxRecord, outcome: OutboxDecision): void {
    const what = `${describe(entry.action, contactName(entry))}${entry.flowId ? `  [${entry.flowId}]` : ''}`;
    switch (outcome.decision) {
      case 'sent':
        if ((outcome.mode === 'assist' || entry.mode === 'assist') && ASSIST_CARD_KINDS.includes(entry.action.kind)) {
          return this.#line(entry.accountId, `✎ task card #${entry.id} to the owner: ${what}`);
        }
        return this.#line(entry.accountId, `→ ${what}${this.#quote(textOf(entry.action))}`);
      case 'deferred':
        // Re-deferred for the same reason: already said.
        if (entry.deferredReason === outcome.reason) return;
        return this.#line(entry.accountId, `⏸ ${what} held until ${this.#when(outcome.until, entry.accountId)}: ${explainReason(outcome.reason)}`);
      case 'skipped':
        return this.#line(entry.accountId, `✕ ${what} skipped: ${explainReason(outcome.reason)}`);
      case 'retry':
        return this.#line(entry.accountId, `↻ ${what} will be retried: ${outcome.reason}`);
      case 'failed':
        return this.#line(entry.accountId, `✕ ${what} failed: ${outcome.reason}`);
      case 'in_doubt':
        return this.#line(entry.accountId, `? ${what} in doubt (ops must check): ${outcome.reason}`);
      case 'released':
        return;
    }
  }

  /** Today: the time to the second; another day: date and minute. */
  #when(instant: Date, accountId: string): string {
    const zone = this.#zone(accountId);
    const sameDay = formatLocal(instant, 'YYYY-MM-DD', zone) === formatLocal(this.#o.now(), 'YYYY-MM-DD', zone);
    return formatLocal(instant, sameDay ? 'HH:mm:ss' : 'MM-DD HH:mm', zone);
  }

  #zone(accountId: string): string {
    return this.#o.accounts.get(accountId)?.timeZone ?? 'Asia/Shanghai';
  }
}

function contactName(entry: OutboxRecord): string | null {
  const contact = (entry as { contact?: { alias: string | null; name: string | null } | null }).contact;
  return contact ? contact.alias || contact.name : null;
}

function describe(action: OutboundAction, name: string | null): string {
  switch (action.kind) {
    case 'say':
      return `message to ${maskName(name)}`;
    case 'roomSay':
      return 'group message';
    case 'moment':
      return 'Moment';
    case 'tag':
      return `tag ${action.tags.join(', ')} on ${maskName(name)}`;
    case 'untag':
      return `untag ${action.tags.join(', ')} on ${maskName(name)}`;
    case 'invite':
      return `invite ${maskName(name)} to ${action.roomTopicPattern}`;
    case 'staffNote':
      return 'note to staff';
  }
}

function textOf(action: OutboundAction): string | undefined {
  switch (action.kind) {
    case 'say':
    case 'roomSay':
      return action.content.text;
    case 'moment':
    case 'staffNote':
      return action.text;
    default:
      return undefined;
  }
}

function triggerOf(occurrenceKey: string): string {
  if (occurrenceKey.startsWith('cron:')) return `schedule ${occurrenceKey.slice(5, 21).replace('T', ' ')}`;
  if (occurrenceKey.startsWith('manual:')) return 'started by hand';
  const kind = occurrenceKey.split(':')[1] ?? 'event';
  return kind === 'friendship' ? 'new friend' : kind;
}

/**
 * A staff command as the live log shows it: the command word and its first argument when that is a number (a task)
 * or a code; anything else, and everything after it, is "…" (a spaced phone number is several small numbers).
 */
export function commandForLog(text: string): string {
  const [word = '', first, ...rest] = text.trim().split(/\s+/);
  const parts = [word.slice(0, 20)];
  if (first !== undefined) parts.push(/^\d{1,6}$/.test(first) || /^[A-Za-z][A-Za-z0-9-]{3,15}$/.test(first) ? first : '…');
  if (rest.length > 0 && parts.at(-1) !== '…') parts.push('…');
  return parts.join(' ');
}
