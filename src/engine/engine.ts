import type { ChannelEvent } from '../domain/channel.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import type { FlowDocument } from '../playbook/schema/documents.ts';
import { DISPATCH_BATCH, dispatchDue, type DispatchStats } from './dispatcher.ts';
import { accountMatches } from './accountMatch.ts';
import { observe } from './observer.ts';
import type { AccountProfile, AssistReminder, EngineDeps, NewOutboxEntry, RunRecord, RunState } from './ports.ts';
import { advanceRun, type FlowDefinition } from './runExecutor.ts';
import { syncSchedules, takeDueOccurrences, type DueOccurrence } from './scheduler.ts';
import { matchEvent } from './triggers.ts';

/**
 * The engine: events and time in, runs advanced, outbox dispatched. It holds no state of its own between calls —
 * everything is in the store — so a new engine on the same store continues exactly where the last one stopped.
 *
 * `tick()` does all work due at the Clock's now; production calls it when the next due time arrives or an event
 * lands, `simulate` and the tests move a fake clock to the next due time and call it.
 */
export interface TickStats extends DispatchStats {
  runsAdvanced: number;
  runsStarted: number;
}

/**
 * What a tick does; both by default (one process does everything). Several processes on PostgreSQL split it
 * (docs/scaling.md): `scheduled` — cron schedules, waiting runs, assist reminders — in one process at a time;
 * `dispatch` — the sends the store's scope lets this process claim.
 */
export interface TickOptions {
  /** @default true */
  scheduled?: boolean;
  /** @default true */
  dispatch?: boolean;
}

const DEFAULT_OPT_OUT_WORDS = ['退订', 'TD'];
const DEFAULT_ASSIST_REMIND_AFTER_MS = 4 * 60 * 60_000;
const RUN_BATCH = 500;

export class Engine {
  readonly #deps: EngineDeps;
  #set: PlaybookSet;

  constructor(deps: EngineDeps, set: PlaybookSet) {
    this.#deps = deps;
    this.#set = set;
  }

  /** Records playbook versions, aligns schedules, and turns sends interrupted by a crash into in-doubt rows. */
  async start(): Promise<void> {
    const now = this.#deps.clock.now();
    const interrupted = await this.#deps.store.markInterruptedInDoubt(now);
    if (interrupted > 0) this.#deps.logger.warn({ count: interrupted }, 'sends interrupted by a crash are in doubt; resolve them in the outbox');
    await this.#adoptPlaybooks(this.#set, now);
  }

  /** A new playbook version (hot reload): new versions recorded, schedules re-aligned, removed flows' runs stopped. */
  async updatePlaybooks(set: PlaybookSet): Promise<void> {
    const now = this.#deps.clock.now();
    const removed = [...this.#set.flows.keys()].filter((id) => !set.flows.has(id));
    this.#set = set;
    await this.#adoptPlaybooks(set, now);
    for (const flowId of removed) {
      const runs = await this.#deps.store.activeRunsOfFlow(flowId);
      for (const run of runs) await this.#deps.store.saveRun({ ...run, status: 'stopped', wakeAt: null, stopReason: 'the flow was removed from the playbooks' }, now);
      this.#deps.logger.info({ flow: flowId, runs: runs.length }, 'flow removed: its runs are stopped');
    }
  }

  async handleEvent(event: ChannelEvent): Promise<{ runsStarted: number }> {
    const { store, logger } = this.#deps;
    const account = this.#deps.accounts.get(event.accountId);
    if (!account) {
      logger.warn({ account: event.accountId, kind: event.kind }, 'event for an unknown account ignored');
      return { runsStarted: 0 };
    }
    const now = this.#deps.clock.now();
    const contact = 'contact' in event ? await store.ensureContact(account.id, event.contact, now)
      : 'member' in event ? await store.ensureContact(account.id, event.member, now) : undefined;
    const room = 'room' in event && event.room ? await store.ensureRoom(account.id, event.room, now) : undefined;
    const fresh = await store.logInteraction({
      at: now, direction: 'in', kind: event.kind === 'message' ? 'message' : event.kind, accountId: account.id,
      contactId: contact?.id ?? null, roomId: room?.id ?? null, body: inboundBody(event), eventId: event.eventId,
    });
    if (!fresh) {
      // Puppets and WeCom resend. The first delivery logged the event, but a crash may have come between that and
      // starting its runs (found by scripts/chaos: a run lost for good, its event "already handled"). So a
      // redelivery does the rest again: runs are unique per event (occurrence key event:<id>) and the other effects
      // are idempotent (tags are set, opt-out happens once), so what the first delivery did is not done twice.
      logger.debug({ account: account.id, kind: event.kind }, 'redelivered event: starting whatever its first delivery did not');
    }

    if ((event.kind === 'tag.added' || event.kind === 'tag.removed') && contact) {
      // A tag set in WeCom by a person: the store mirrors it so conditions and audiences see it.
      await store.setTags(contact.id, event.kind === 'tag.added' ? [event.tag] : [], event.kind === 'tag.removed' ? [event.tag] : [], 'wecom', now);
    }
    if (event.kind === 'message' && !event.room && contact && this.#isOptOut(event.text)) {
      if (await store.setOptedOut(contact.id, now)) {
        await store.enqueue([{
          idempotencyKey: `optout:${contact.id}`, accountId: account.id, runId: null, stepIndex: null, flowId: null, mode: 'auto',
          proactive: false, contactId: contact.id, roomId: null, dueAt: now,
          action: { kind: 'say', accountId: account.id, contactExternalId: contact.externalId, content: { text: '已为您退订，之后不会再主动给您发消息。如需帮助，直接回复即可。' } },
        }], now);
        logger.info({ account: account.id, contact: contact.id }, 'contact opted out');
      }
      return { runsStarted: 0 };
    }

    // invitedBy conditions need to know whether the inviter is staff, and a KOC.
    const inviterStaff = event.kind === 'room.joined' && event.inviter ? await store.findStaffByExternalId(event.inviter.externalId) : undefined;
    let started = 0;
    for (const match of matchEvent(event, this.#set, account, { inviterStaff })) {
      const subjectId = match.subject === 'room' ? room?.id : contact?.id;
      if (!subjectId) continue;
      const run = await this.#startRun(match.flow.document.id, match.flow.hash, account, match.subject, subjectId, match.occurrenceKey, { vars: match.vars, reply: match.reply }, now);
      if (run) started++;
    }
    return { runsStarted: started };
  }

  /** Starts a flow by hand (`kocflow run FLOW --contact ID`). */
  async startManual(flowId: string, accountId: string, subject: { kind: 'contact' | 'room' | 'account'; id: string }, occurrenceKey: string): Promise<boolean> {
    const flow = this.#set.flows.get(flowId);
    const account = this.#deps.accounts.get(accountId);
    if (!flow || !account) return false;
    return (await this.#startRun(flowId, flow.hash, account, subject.kind, subject.id, `manual:${occurrenceKey}`, { vars: {}, reply: false }, this.#deps.clock.now())) !== undefined;
  }

  /** Whether friend requests to this account are accepted: some enabled friend.added flow for it says so. */
  acceptsFriendRequests(accountId: string): boolean {
    const account = this.#deps.accounts.get(accountId);
    if (!account) return false;
    for (const flow of this.#set.flows.values()) {
      const { document: doc } = flow;
      if (doc.enabled && 'on' in doc.trigger && doc.trigger.on === 'friend.added' && doc.trigger.accept && accountMatches(doc.accounts, account)) return true;
    }
    return false;
  }

  /** `/resume`: the account's sends held while it was paused become due now. Returns how many. */
  async releasePaused(accountId: string): Promise<number> {
    return this.#deps.store.releaseDeferred(accountId, 'account_paused', this.#deps.clock.now());
  }

  /**
   * Everything due now: scheduled occurrences, waiting runs, outbox sends. What is due is read in one query; the
   * sends read with it are dispatched as read unless a schedule fired or a run advanced first (they may have queued
   * more sends due now), in which case the dispatcher reads them again.
   */
  async tick(options: TickOptions = {}): Promise<TickStats> {
    const now = this.#deps.clock.now();
    if (options.scheduled === false) {
      // Another process does the scheduled work (docs/scaling.md): only this process's sends.
      const dispatch = options.dispatch === false ? { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 } : await dispatchDue(this.#deps, this.#set, now);
      return { ...dispatch, runsAdvanced: 0, runsStarted: 0 };
    }
    const remindAfter = this.#deps.assistRemindAfterMs ?? DEFAULT_ASSIST_REMIND_AFTER_MS;
    const dispatches = options.dispatch !== false;
    const work = await this.#deps.store.dueWork(now, { runs: RUN_BATCH, outbox: dispatches ? DISPATCH_BATCH : 0 }, new Date(now.getTime() - remindAfter));
    let runsStarted = 0;
    for (const occurrence of await takeDueOccurrences(this.#set, this.#deps, now, work.schedules)) runsStarted += await this.#fire(occurrence, now);
    let runsAdvanced = 0;
    for (let due = work.runs; due.length > 0; due = await this.#deps.store.dueRuns(now, RUN_BATCH)) {
      for (const run of due) {
        await this.#advance(run, now);
        runsAdvanced++;
      }
      if (due.length < RUN_BATCH) break;
    }
    await this.#remindAssistCards(now, work.reminders);
    const unchanged = work.schedules.length === 0 && runsAdvanced === 0 && work.reminders.length === 0;
    const dispatch = dispatches ? await dispatchDue(this.#deps, this.#set, now, unchanged ? work.outbox : undefined) : { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 };
    return { ...dispatch, runsAdvanced, runsStarted };
  }

  /**
   * The earliest instant at which something becomes due (now, when a run is mid-way; an assist card's reminder
   * included), or null when nothing is pending. One store query: the fake clock asks before every tick.
   */
  nextDueAt(): Promise<Date | null> {
    return this.#deps.store.nextDueAt(this.#deps.clock.now(), this.#deps.assistRemindAfterMs ?? DEFAULT_ASSIST_REMIND_AFTER_MS);
  }

  /** Task cards nobody confirmed with /done within the reminder delay: their staff member is reminded, once. */
  async #remindAssistCards(now: Date, due: AssistReminder[]): Promise<void> {
    const { store, logger } = this.#deps;
    if (due.length === 0) return;
    const entries: NewOutboxEntry[] = [];
    for (const card of due) {
      const owner = this.#deps.accounts.get(card.accountId)?.ownerStaffExternalId;
      if (!owner) continue; // nobody to remind (still marked below, so it is not looked at again): it stays open
      entries.push({
        idempotencyKey: `assist-remind:${card.id}`, accountId: card.accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto',
        proactive: false, contactId: null, roomId: null, dueAt: now,
        action: { kind: 'staffNote', accountId: card.accountId, staffExternalId: owner, text: `提醒：任务 #${card.id} 还没有确认完成。做完后回复 /done ${card.id}` },
      });
    }
    await store.enqueue(entries, now);
    await store.markAssistReminded(due.map((card) => card.id), now);
    logger.info({ cards: due.length }, 'unconfirmed assist task cards reminded');
  }

  #isOptOut(text: string): boolean {
    const words = this.#deps.optOutWords ?? DEFAULT_OPT_OUT_WORDS;
    const t = text.trim().toUpperCase();
    return words.some((w) => w.toUpperCase() === t);
  }

  async #startRun(flowId: string, hash: string, account: AccountProfile, subjectKind: RunRecord['subjectKind'], subjectId: string, occurrenceKey: string, state: RunState, now: Date): Promise<RunRecord | undefined> {
    const { run, created } = await this.#deps.store.startRun({ flowId, versionHash: hash, accountId: account.id, subjectKind, subjectId, occurrenceKey, state, startedAt: now });
    if (!created) {
      this.#deps.logger.debug({ flow: flowId, account: account.id, occurrence: occurrenceKey }, 'duplicate trigger ignored: the run exists');
      return undefined;
    }
    this.#deps.logger.info({ flow: flowId, account: account.id, run: run.id, subject: subjectKind }, 'run started');
    const observer = this.#deps.observer;
    if (observer?.runStarted) observe(this.#deps, () => observer.runStarted!({ flowId, accountId: account.id, runId: run.id, subjectKind, subjectId, occurrenceKey }));
    await this.#advance(run, now);
    return run;
  }

  async #fire(occurrence: DueOccurrence, now: Date): Promise<number> {
    const { flow, account } = occurrence;
    const trigger = flow.document.trigger;
    if (!('cron' in trigger)) return 0;
    const key = `cron:${occurrence.scheduledFor.toISOString()}`;
    const state: RunState = { vars: {}, reply: false };
    const audience = trigger.audience;
    const { store } = this.#deps;
    let subjects: { kind: RunRecord['subjectKind']; id: string }[];
    if (audience?.contacts) {
      const filter = { ...(audience.contacts.tagged ? { tagged: audience.contacts.tagged } : {}), ...(audience.contacts.notTagged ? { notTagged: audience.contacts.notTagged } : {}), ...(audience.contacts.attributes ? { attributes: audience.contacts.attributes } : {}) };
      subjects = (await store.listContacts(account.id, filter)).map((c) => ({ kind: 'contact', id: c.id }));
    } else if (audience?.rooms) {
      subjects = (await store.listRooms(account.id, audience.rooms.topic)).map((r) => ({ kind: 'room', id: r.id }));
    } else if (audience?.staff) {
      subjects = (await store.listStaff(account.id, { ...(audience.staff.roles ? { roles: audience.staff.roles } : {}), ...(audience.staff.tiers ? { tiers: audience.staff.tiers } : {}) })).map((s) => ({ kind: 'staff', id: s.id }));
    } else {
      subjects = [{ kind: 'account', id: account.id }];
    }
    // Recognition: the leaderboard as it stands at the occurrence, kept in each run's state (a run resumed after a
    // crash renders the same ranks). A staff subject also gets its own place, code and link as {{staff.*}}.
    const board = this.#deps.rewards.leaderboard ? await this.#deps.rewards.leaderboard({ at: occurrence.scheduledFor }) : undefined;
    if (board) state.vars.leaderboard = board.entries.slice(0, board.size).map((e) => ({ rank: e.rank, name: e.name, points: e.points, tier: e.tier }));
    let started = 0;
    for (const subject of subjects) {
      let subjectState = state;
      if (board && subject.kind === 'staff') {
        const me = board.entries.find((e) => e.staffId === subject.id);
        if (me) subjectState = { ...state, vars: { ...state.vars, staff: { rank: me.rank, code: me.code, link: me.link } } };
      }
      if (await this.#startRun(flow.document.id, flow.hash, account, subject.kind, subject.id, key, subjectState, now)) started++;
    }
    this.#deps.logger.info({ flow: flow.document.id, account: account.id, scheduledFor: occurrence.scheduledFor.toISOString(), runs: started }, 'schedule fired');
    return started;
  }

  async #advance(run: RunRecord, now: Date): Promise<void> {
    const { store, logger } = this.#deps;
    const account = this.#deps.accounts.get(run.accountId);
    const current = this.#set.flows.get(run.flowId);
    if (!account || !current) {
      await store.saveRun({ ...run, status: 'stopped', wakeAt: null, stopReason: !account ? 'the account is no longer configured' : 'the flow was removed from the playbooks' }, now);
      logger.info({ flow: run.flowId, run: run.id }, 'run stopped: its flow or account is gone');
      return;
    }
    let definition: FlowDefinition | undefined;
    let target = run;
    if (current.hash === run.versionHash) {
      definition = { document: current.document, templates: current.templates };
    } else if (current.document.inFlightRuns === 'latest') {
      definition = { document: current.document, templates: current.templates };
      target = { ...run, versionHash: current.hash };
      logger.info({ flow: run.flowId, run: run.id }, 'run moved to the latest playbook version (inFlightRuns: latest)');
    } else {
      const stored = (await store.loadVersion(run.flowId, run.versionHash)) as { flow: FlowDocument; templates: Record<string, string[]> } | undefined;
      if (!stored) {
        await store.saveRun({ ...run, status: 'failed', wakeAt: null, stopReason: `playbook version ${run.versionHash.slice(0, 12)} is not in the store` }, now);
        return;
      }
      definition = { document: stored.flow, templates: stored.templates };
    }
    try {
      const result = await advanceRun(target, { deps: this.#deps, account, flow: definition, assets: this.#set.assets, now });
      if (result.outbox.length > 0) await store.enqueue(result.outbox, now);
      await store.saveRun(result.run, now);
      this.#observeEnd(result.run);
    } catch (error) {
      logger.error({ flow: run.flowId, run: run.id, err: error }, 'run step failed');
      const failed: RunRecord = { ...target, status: 'failed', wakeAt: null, stopReason: `step ${target.stepIndex + 1} failed: ${(error as Error).message}` };
      await store.saveRun(failed, now);
      this.#observeEnd(failed);
    }
  }

  #observeEnd(run: RunRecord): void {
    const observer = this.#deps.observer;
    if (!observer?.runEnded || run.status === 'running' || run.status === 'waiting') return;
    observe(this.#deps, () => observer.runEnded!({ flowId: run.flowId, accountId: run.accountId, runId: run.id, status: run.status, stopReason: run.stopReason }));
  }

  async #adoptPlaybooks(set: PlaybookSet, now: Date): Promise<void> {
    for (const flow of set.flows.values()) {
      await this.#deps.store.recordVersion(flow.document.id, flow.hash, flow.source.file, JSON.parse(JSON.stringify({ flow: flow.document, templates: flow.templates })));
    }
    await syncSchedules(set, this.#deps, now);
  }
}

/** What the interaction log keeps of an inbound event (the store keeps content; logs never do). */
function inboundBody(event: ChannelEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'message':
      return { eventId: event.eventId, text: event.text };
    case 'friend.added':
      return { eventId: event.eventId, hello: event.hello ?? null };
    case 'room.joined':
      return { eventId: event.eventId, inviter: event.inviter?.externalId ?? null };
    case 'tag.added':
    case 'tag.removed':
      return { eventId: event.eventId, tag: event.tag };
    case 'code.sent':
      return { eventId: event.eventId, code: event.code, campaignId: event.campaignId ?? null };
    case 'coupon.redeemed':
      return { eventId: event.eventId, coupon: event.couponCode, campaignId: event.campaignId };
    case 'fission.goal':
      return { eventId: event.eventId, campaignId: event.campaignId, invites: event.invites, goal: event.goal };
    default:
      return { eventId: event.eventId };
  }
}
