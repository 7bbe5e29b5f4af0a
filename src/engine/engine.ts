import type { ChannelEvent } from '../domain/channel.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import type { FlowDocument } from '../playbook/schema/documents.ts';
import { DISPATCH_BATCH, dispatchDue, type DispatchStats } from './dispatcher.ts';
import type { AccountProfile, EngineDeps, RunRecord, RunState } from './ports.ts';
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

const DEFAULT_OPT_OUT_WORDS = ['退订', 'TD'];
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
    await store.logInteraction({
      at: now, direction: 'in', kind: event.kind === 'message' ? 'message' : event.kind, accountId: account.id,
      contactId: contact?.id ?? null, roomId: room?.id ?? null, body: inboundBody(event),
    });

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

  /**
   * Everything due now: scheduled occurrences, waiting runs, outbox sends. What is due is read in one query; the
   * sends read with it are dispatched as read unless a schedule fired or a run advanced first (they may have queued
   * more sends due now), in which case the dispatcher reads them again.
   */
  async tick(): Promise<TickStats> {
    const now = this.#deps.clock.now();
    const work = await this.#deps.store.dueWork(now, { runs: RUN_BATCH, outbox: DISPATCH_BATCH });
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
    const unchanged = work.schedules.length === 0 && runsAdvanced === 0;
    const dispatch = await dispatchDue(this.#deps, this.#set, now, unchanged ? work.outbox : undefined);
    return { ...dispatch, runsAdvanced, runsStarted };
  }

  /**
   * The earliest instant at which something becomes due (now, when a run is mid-way), or null when nothing is
   * pending. One store query: the fake clock asks before every tick.
   */
  nextDueAt(): Promise<Date | null> {
    return this.#deps.store.nextDueAt(this.#deps.clock.now());
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
    let started = 0;
    for (const subject of subjects) {
      if (await this.#startRun(flow.document.id, flow.hash, account, subject.kind, subject.id, key, state, now)) started++;
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
    } catch (error) {
      logger.error({ flow: run.flowId, run: run.id, err: error }, 'run step failed');
      await store.saveRun({ ...target, status: 'failed', wakeAt: null, stopReason: `step ${target.stepIndex + 1} failed: ${(error as Error).message}` }, now);
    }
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
    default:
      return { eventId: event.eventId };
  }
}
