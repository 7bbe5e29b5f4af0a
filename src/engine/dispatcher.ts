import type { ActionResult, OutboundAction } from '../domain/channel.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import { PacingLedger } from './pacing/ledger.ts';
import { decidePacing, mergePacing, nextThrottleBackoff, retryDelayMs, type PacingVerdict } from './pacing/policy.ts';
import { observe } from './observer.ts';
import type { AccountProfile, ContactRecord, DueOutboxEntry, EngineDeps, OutboxDecision, OutboxRecord, OutboxSettlement } from './ports.ts';

/**
 * Sends what is due, through pacing. Order of business for each due entry: pacing decides (defer or skip, with a
 * recorded reason — never silently dropped); only then is the row claimed (pending → sending) and the channel
 * called; the outcome is settled. A process that dies between claim and settle leaves the row `sending`, which the
 * next start turns into `in_doubt` for ops: it is never resent blindly. Moments are at most once: no retries.
 *
 * Batched, because a few queries per entry held dispatch to a few hundred entries a second (docs/bench/outbox.txt):
 * - one query reads the batch with each entry's contact (dueForDispatch), one more the pacing counts and back-offs of
 *   its accounts and contacts (pacingSnapshot). The batch runs at one `now`, so those are then kept in memory as it
 *   sends (PacingLedger) instead of being asked again;
 * - the batch is worked through in rounds. A round walks the undecided entries in order and decides each; the sends
 *   it finds (a wave of at most CLAIM_WAVE) are claimed in one statement and performed in order. Decisions and
 *   outcomes are written in one statement (settleMany: rows, their events, the sends' interaction rows) before the
 *   next wave is claimed and at the end: a batch with one wave costs four statements in all.
 *
 * Each account's entries are decided in order, each knowing the outcome of every earlier send it depends on, as a
 * one-by-one dispatch would. Within a round an earlier send of the same account may not be performed yet; it is
 * counted as sent. A `send` verdict made that way holds whatever that send's outcome (fewer sends only loosen rate
 * limits, caps and spacing), except a throttle, which backs the whole account off: the account's later sends in the
 * wave are then not performed but decided again (and released: back to pending, the claim's attempt given back).
 * Any other verdict could change if the earlier send fails, so that entry and the rest of its account's entries wait
 * for the next round, when the outcome is known. (Checked against the one-by-one dispatcher this replaced: the same
 * rows, events, interaction rows and per-account send order, failures and throttles included. Only the jitter
 * differs: `random` is drawn in the order entries are decided, which across accounts is not the batch's order; it is
 * still the same sequence for the same seed and inputs.)
 *
 * The price of claiming a wave at once: a process that dies mid-wave leaves every claimed row of the wave `sending`,
 * so at the next start they all become in_doubt, including those the channel never saw: never resent, but more rows
 * for ops to check than the one a send-by-send claim would leave. With pacing's gap between two sends of an account
 * (minGapSeconds, on by default) a wave holds at most one send per account; CLAIM_WAVE bounds it otherwise.
 */
export interface DispatchStats {
  sent: number;
  deferred: number;
  skipped: number;
  failed: number;
  retried: number;
}

const BATCH = 200;
/** At most this many sends are claimed together (see above): one statement for a whole batch's sends. */
const CLAIM_WAVE = 200;
/** How soon a send held because its bot is offline, or its account paused, is looked at again. */
const OFFLINE_RECHECK_MS = 60_000;
const PAUSED_RECHECK_MS = 15 * 60_000;
/** Deferral reasons that hold for every send of the account, not just this recipient. */
const ACCOUNT_WIDE = new Set(['quiet_hours', 'account_backoff', 'rate_minute', 'rate_hour', 'rate_day', 'spacing']);

/** Read by the caller with what else is due (Engine.tick, one query); a batch must not be longer than this. */
export const DISPATCH_BATCH = BATCH;

/** `read`: the entries due at `now` as dueForDispatch(now, DISPATCH_BATCH) returns them, when the caller read them. */
export async function dispatchDue(deps: EngineDeps, set: PlaybookSet, now: Date, read?: DueOutboxEntry[]): Promise<DispatchStats> {
  const due = read ?? (await deps.store.dueForDispatch(now, BATCH));
  if (due.length === 0) return { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 };
  const batch = new DispatchBatch(deps, set, now, await loadLedger(deps, due, now));
  let queue: Work[] = due.map((entry, order) => ({ entry, order, claimed: false }));
  while (queue.length > 0) {
    const { sends, postponed } = batch.plan(queue);
    // What earlier waves decided is written before the next wave is claimed, so a crash leaves in doubt one wave
    // at most; the last round's decisions (with default pacing: the deferrals behind each account's one send) go
    // with them in the final write.
    if (sends.length > 0) await batch.write();
    const again = await batch.perform(sends);
    queue = [...again, ...postponed].sort((a, b) => a.order - b.order);
  }
  await batch.write();
  return batch.stats;
}

/** One due entry as the batch works on it. */
interface Work {
  entry: DueOutboxEntry;
  /** Position in the batch: the order entries are decided and sent in. */
  order: number;
  /** Claimed by this batch, then sent back undecided (its account was throttled): a deferral now releases it. */
  claimed: boolean;
  /** Its one random draw for pacing, kept for the next round if it has to be decided again. */
  draw?: number;
  /** auto, or assist when the puppet cannot do the action: worked out (and logged) once. */
  mode?: 'auto' | 'assist';
}

interface Send {
  work: Work;
  action: OutboundAction;
  mode: 'auto' | 'assist';
}

type Deferral = Extract<OutboxDecision, { decision: 'deferred' }>;
type Skip = Extract<OutboxDecision, { decision: 'skipped' }>;

type Decision =
  | { kind: 'send'; action: OutboundAction; mode: 'auto' | 'assist' }
  /** Holds, an unknown account, assist without staff: known before any send of the batch is. */
  | { kind: 'final'; outcome: Deferral | Skip }
  /** Pacing said wait or skip: may change once the account's earlier sends in the wave are known. */
  | { kind: 'pacing'; verdict: Exclude<PacingVerdict, { action: 'send' }>; accountWide: boolean };

/** The pacing state of the accounts and contacts of the batch, read once. */
async function loadLedger(deps: EngineDeps, due: DueOutboxEntry[], now: Date): Promise<PacingLedger> {
  const accounts = new Map<string, string>();
  const contacts = new Map<string, string>();
  for (const entry of due) {
    const account = deps.accounts.get(entry.accountId);
    if (!account) continue;
    accounts.set(account.id, account.timeZone);
    if (entry.contactId) contacts.set(entry.contactId, account.timeZone); // a contact belongs to one account
  }
  const snapshot = await deps.store.pacingSnapshot(
    now,
    [...accounts].map(([accountId, timeZone]) => ({ accountId, timeZone })),
    [...contacts].map(([contactId, timeZone]) => ({ contactId, timeZone })),
  );
  return new PacingLedger(snapshot, now);
}

class DispatchBatch {
  readonly stats: DispatchStats = { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 };
  readonly #deps: EngineDeps;
  readonly #set: PlaybookSet;
  readonly #now: Date;
  readonly #ledger: PacingLedger;
  /** A recipient whose earlier message was deferred in this batch: later ones wait for it (messages stay in order). */
  readonly #heldBack = new Map<string, Date>();
  /**
   * An account held back as a whole (quiet hours, backoff, rate limits, spacing): its other entries in the batch
   * are deferred with it instead of each being evaluated again.
   */
  readonly #accountHeld = new Map<string, { until: Date; reason: string }>();
  /** Decided in this round, written by `write`. */
  #settlements: OutboxSettlement[] = [];
  /** The entries of #settlements, in the same order (for the observer). */
  #settledEntries: DueOutboxEntry[] = [];

  constructor(deps: EngineDeps, set: PlaybookSet, now: Date, ledger: PacingLedger) {
    this.#deps = deps;
    this.#set = set;
    this.#now = now;
    this.#ledger = ledger;
  }

  /** Decides the entries in order: the round's sends (counted as sent), and the entries that wait for the next. */
  plan(queue: Work[]): { sends: Send[]; postponed: Work[] } {
    const sends: Send[] = [];
    const postponed: Work[] = [];
    const sending = new Set<string>(); // accounts with a send in this wave
    const waiting = new Set<string>(); // accounts whose remaining entries wait for the next round
    for (const work of queue) {
      const accountId = work.entry.accountId;
      if (sends.length >= CLAIM_WAVE || waiting.has(accountId)) {
        postponed.push(work);
        continue;
      }
      const decision = this.#decide(work);
      if (decision.kind === 'send') {
        sends.push({ work, action: decision.action, mode: decision.mode });
        sending.add(accountId);
        this.#ledger.count(work.entry, 1);
      } else if (decision.kind === 'pacing' && sending.has(accountId)) {
        waiting.add(accountId);
        postponed.push(work);
      } else {
        this.#record(work, decision);
      }
    }
    return { sends, postponed };
  }

  /**
   * Claims the wave in one statement and performs the sends won, in order. Returns the claimed entries not performed
   * because their account was throttled earlier in the wave: they are decided again.
   */
  async perform(sends: Send[]): Promise<Work[]> {
    if (sends.length === 0) return [];
    const toClaim = sends.filter((send) => !send.work.claimed).map((send) => send.work.entry.id);
    const won = new Set(await this.#deps.store.claim(toClaim, this.#now));
    const throttled = new Set<string>();
    const again: Work[] = [];
    for (const send of sends) {
      const { work } = send;
      if (!work.claimed && !won.has(work.entry.id)) {
        this.#ledger.count(work.entry, -1); // another dispatcher took it
        continue;
      }
      work.claimed = true;
      if (throttled.has(work.entry.accountId)) {
        this.#ledger.count(work.entry, -1);
        again.push(work);
        continue;
      }
      if ((await this.#send(send)) === 'throttled') throttled.add(work.entry.accountId);
    }
    return again;
  }

  /** Writes what was decided since the last write, in one statement. */
  async write(): Promise<void> {
    const settlements = this.#settlements;
    const settled = this.#settledEntries;
    this.#settlements = [];
    this.#settledEntries = [];
    if (settlements.length > 0) await this.#deps.store.settleMany(settlements, this.#now);
    const observer = this.#deps.observer;
    if (observer?.outboxSettled) {
      settled.forEach((entry, i) => observe(this.#deps, () => observer.outboxSettled!({ entry, outcome: settlements[i]!.outcome })));
    }
  }

  #decide(work: Work): Decision {
    const { entry } = work;
    const account = this.#deps.accounts.get(entry.accountId);
    if (!account) return { kind: 'final', outcome: { decision: 'skipped', reason: 'account_unknown' } };
    const silent = entry.action.kind === 'tag' || entry.action.kind === 'untag';
    const wholeAccount = silent ? undefined : this.#accountHeld.get(account.id);
    if (wholeAccount) return { kind: 'final', outcome: { decision: 'deferred', ...wholeAccount } };
    if (!this.#deps.channel.available(account.id)) {
      // The bot is not logged in (starting, waiting for a scan, reconnecting): nothing can go, not even a tag.
      const hold = { until: new Date(this.#now.getTime() + OFFLINE_RECHECK_MS), reason: 'account_offline' };
      this.#accountHeld.set(account.id, hold);
      return { kind: 'final', outcome: { decision: 'deferred', ...hold } };
    }
    if (account.pausedAt && heldByPause(entry)) {
      // `/pause`: SOP sends wait (private replies, staff notes and tags still go); `/resume` makes them due again.
      return { kind: 'final', outcome: { decision: 'deferred', until: new Date(this.#now.getTime() + PAUSED_RECHECK_MS), reason: 'account_paused' } };
    }
    const recipient = entry.contactId ?? entry.roomId;
    const held = recipient ? this.#heldBack.get(recipient) : undefined;
    if (held) return { kind: 'final', outcome: { decision: 'deferred', until: held, reason: 'ordering' } };

    const mode = this.#modeOf(work, account);
    const action = mode === 'assist' ? assistCard(entry, account, entry.contact) : entry.action;
    if (!action) return { kind: 'final', outcome: { decision: 'skipped', reason: 'assist_without_staff' } };

    const flowPacing = entry.flowId ? this.#set.flows.get(entry.flowId)?.document.pacing : undefined;
    const verdict = decidePacing({
      now: this.#now, kind: entry.action.kind, proactive: entry.proactive, hasContact: entry.contactId !== null,
      optedOut: entry.contact?.optedOutAt != null, settings: mergePacing(account.pacing, flowPacing), timeZone: account.timeZone,
      activeSince: account.activeSince, backoffUntil: this.#ledger.backoffUntil(account.id),
      counts: this.#ledger.counts(account.id, entry.contactId), spacingSlot: entry.deferredReason === 'spacing' ? entry.dueAt : null,
      random: () => (work.draw ??= this.#deps.random()),
    });
    if (verdict.action === 'send') return { kind: 'send', action, mode };
    // A flow's own quiet window is not the account's: it holds only this entry.
    const flowQuiet = verdict.reason === 'quiet_hours' && flowPacing?.quietHours !== undefined;
    return { kind: 'pacing', verdict, accountWide: ACCOUNT_WIDE.has(verdict.reason) && !silent && !flowQuiet };
  }

  #modeOf(work: Work, account: AccountProfile): 'auto' | 'assist' {
    if (work.mode) return work.mode;
    const { entry } = work;
    work.mode = entry.mode;
    if (work.mode === 'auto' && !this.#deps.channel.supports(account.id, entry.action.kind)) {
      work.mode = 'assist'; // the puppet cannot do it: a staff member does it by hand, and the row says so
      this.#deps.logger.info(logFields(entry), 'the puppet does not support this action: falling back to assist mode');
    }
    return work.mode;
  }

  /** A deferral or skip that stands: held for the rest of the batch where it says so, and queued for `write`. */
  #record(work: Work, decision: Exclude<Decision, { kind: 'send' }>): void {
    const { entry } = work;
    let outcome: Deferral | Skip;
    if (decision.kind === 'final') {
      outcome = decision.outcome;
    } else if (decision.verdict.action === 'defer') {
      const { until, reason } = decision.verdict;
      outcome = { decision: 'deferred', until, reason };
      const recipient = entry.contactId ?? entry.roomId;
      if (recipient) this.#heldBack.set(recipient, until);
      if (decision.accountWide) this.#accountHeld.set(entry.accountId, { until, reason });
    } else {
      outcome = { decision: 'skipped', reason: decision.verdict.reason };
      this.#deps.logger.info({ ...logFields(entry), reason: outcome.reason }, 'send skipped');
    }
    if (outcome.decision === 'deferred') this.stats.deferred++;
    else this.stats.skipped++;
    this.#settle(entry, work.claimed ? release(entry, outcome) : outcome);
  }

  /** Calls the channel and settles the outcome; 'throttled' when the account must back off. */
  async #send({ work, action, mode }: Send): Promise<'sent' | 'not sent' | 'throttled'> {
    const { entry } = work;
    const log = logFields(entry);
    let result: ActionResult;
    try {
      result = await this.#deps.channel.perform(action, { outboxId: String(entry.id), idempotencyKey: entry.idempotencyKey });
    } catch (error) {
      this.#ledger.count(entry, -1); // as the store: an in-doubt entry is not counted as sent
      this.#settle(entry, { decision: 'in_doubt', reason: `the channel failed mid-send: ${(error as Error).message}` });
      this.#deps.logger.error({ ...log, err: error }, 'send outcome unknown: marked in-doubt for ops to resolve');
      this.stats.failed++;
      return 'not sent';
    }
    if (result.ok) {
      if (this.#ledger.backoffMinutes(entry.accountId) !== null) {
        // The first send through after a back-off ends the streak: the next throttle is a first one again.
        await this.#deps.store.endBackoffStreak(entry.accountId);
        this.#ledger.endBackoffStreak(entry.accountId);
      }
      this.#settle(entry, {
        decision: 'sent', ...(result.externalMessageId ? { externalMessageId: result.externalMessageId } : {}),
        ...(mode === 'assist' ? { mode: 'assist' as const } : {}),
        log: { kind: mode === 'assist' ? 'task_card' : entry.action.kind, body: { mode } },
      });
      this.stats.sent++;
      return 'sent';
    }

    this.#ledger.count(entry, -1);
    const account = this.#deps.accounts.get(entry.accountId)!; // #decide sends only for known accounts
    if (result.throttled) {
      // Throttles with no successful send between them double the back-off (the streak is stored with the account).
      const minutes = nextThrottleBackoff(this.#ledger.backoffMinutes(account.id), account.pacing);
      const until = new Date(this.#now.getTime() + (result.retryAfterMs ?? minutes * 60_000));
      await this.#deps.store.setAccountBackoff(account.id, until, result.message, minutes);
      this.#ledger.backOff(account.id, until, minutes);
      this.#deps.logger.warn({ ...log, until: until.toISOString(), minutes }, 'throttled: the whole account backs off');
    }
    const atMostOnce = entry.action.kind === 'moment';
    if ((result.retryable || result.throttled) && !atMostOnce && entry.attempts + 1 < account.pacing.maxAttempts) {
      const until = new Date(this.#now.getTime() + (result.retryAfterMs ?? retryDelayMs(entry.attempts + 1)));
      this.#settle(entry, { decision: 'retry', until, reason: result.message });
      this.stats.retried++;
    } else {
      this.#settle(entry, { decision: 'failed', reason: result.message });
      this.#deps.logger.warn({ ...log, reason: result.message }, 'send failed');
      this.stats.failed++;
    }
    return result.throttled ? 'throttled' : 'not sent';
  }

  #settle(entry: DueOutboxEntry, outcome: OutboxDecision): void {
    this.#settlements.push({ id: entry.id, outcome });
    this.#settledEntries.push(entry);
  }
}

/**
 * The decision for an entry this batch claimed but did not perform. Only a throttle sends a claimed entry back,
 * and a back-off only defers (pacing checks it before any rule that skips, and the rule before it passed already).
 */
function release(entry: DueOutboxEntry, outcome: Deferral | Skip): OutboxDecision {
  if (outcome.decision === 'skipped') {
    throw new Error(`internal: outbox entry ${entry.id} was claimed and then skipped (${outcome.reason}); only a deferral can follow a claim`);
  }
  return { decision: 'released', until: outcome.until, reason: outcome.reason };
}

/**
 * What `/pause` holds: the SOP side of the account — proactive private messages, group messages, Moments and
 * invites. A private reply to a customer's own message goes on (the row is not proactive), as do staff notes and
 * tags. Group messages carry no reply flag, so a keyword answer in a group waits too.
 */
function heldByPause(entry: DueOutboxEntry): boolean {
  switch (entry.action.kind) {
    case 'say':
      return entry.proactive;
    case 'roomSay':
    case 'moment':
    case 'invite':
      return true;
    default:
      return false;
  }
}

function logFields(entry: DueOutboxEntry) {
  return { account: entry.accountId, flow: entry.flowId, run: entry.runId, outbox: String(entry.id), kind: entry.action.kind };
}

/** The task card a staff member gets for an assist-mode action: the content ready to forward, and how to confirm. */
export function assistCard(entry: OutboxRecord, account: AccountProfile, contact: Pick<ContactRecord, 'name' | 'alias'> | null | undefined): OutboundAction | undefined {
  if (entry.action.kind === 'staffNote' || entry.action.kind === 'tag' || entry.action.kind === 'untag') return entry.action;
  if (!account.ownerStaffExternalId) return undefined;
  const number = String(entry.id);
  const a = entry.action;
  let what = '';
  let body = '';
  let images: string[] | undefined;
  switch (a.kind) {
    case 'say':
      what = `请发给客户「${contact?.alias || contact?.name || '客户'}」`;
      body = a.content.text ?? '';
      if (a.content.image) images = [a.content.image];
      if (a.content.link) body += `\n链接：${a.content.link.title} ${a.content.link.url}`;
      break;
    case 'roomSay':
      what = '请在群里发';
      body = a.content.text ?? '';
      break;
    case 'moment':
      what = '请发朋友圈';
      body = a.text ?? '';
      images = a.images;
      if (a.link) body += `\n链接：${a.link.title} ${a.link.url}`;
      if (a.visibleToTags?.length) body += `\n可见范围：${a.visibleToTags.join('、')}`;
      break;
    case 'invite':
      what = `请邀请客户「${contact?.alias || contact?.name || '客户'}」进群（${a.roomTopicPattern}）`;
      break;
  }
  return {
    kind: 'staffNote', accountId: account.id, staffExternalId: account.ownerStaffExternalId,
    text: `【任务 #${number}】${what}\n${body}`.trim() + `\n完成后回复 /done ${number}`,
    ...(images ? { images } : {}),
  };
}
