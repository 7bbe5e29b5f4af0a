import type { Clock, Instant, SubjectKind } from '../domain/types.ts';
import type { Channel, ContactRef, MessageContent, OutboundAction, RoomRef } from '../domain/channel.ts';
import type { PacingSettings } from './pacing/settings.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * What the engine needs from the world, as ports. `store/engineStore.ts` implements EngineStore with Prisma on
 * both stores; the engine itself imports no I/O library and never reads the system clock.
 */

// ─────────────────────────────────────────────────────────────────────────────────────────── accounts

export interface AccountProfile {
  id: string;
  name: string;
  role: 'guide' | 'ambassador' | 'assistant';
  storeId: string | null;
  storeName: string;
  /** IANA zone for waits, cron and quiet hours. */
  timeZone: string;
  pacing: PacingSettings;
  /** The staff member who owns the account (assist task cards and notes go to them), by external id. */
  ownerStaffExternalId: string | null;
  /** When the account started sending through kocflow: new accounts ramp up. */
  activeSince: Instant;
  /** Set while staff paused the account's proactive SOPs (`/pause`): proactive sends wait, replies still go. */
  pausedAt?: Instant | null;
}

export interface AccountDirectory {
  list(): AccountProfile[];
  get(accountId: string): AccountProfile | undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── subjects

export interface ContactRecord {
  id: string;
  accountId: string;
  externalId: string;
  name: string | null;
  alias: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
  optedOutAt: Instant | null;
  /** The KOC whose referral brought this contact, if any. */
  referrer: { staffId: string; name: string; code: string | null; tier: string | null } | null;
}

export interface RoomRecord {
  id: string;
  accountId: string;
  externalId: string;
  topic: string;
}

export interface StaffRecord {
  id: string;
  externalId: string;
  name: string;
  role: 'guide' | 'ambassador';
  tier: string | null;
  points: number;
  accountId: string | null;
}

export interface ContactFilter {
  tagged?: string[];
  notTagged?: string[];
  attributes?: Record<string, string | number | boolean>;
  /** Opted-out contacts are never included in audiences. */
}

// ─────────────────────────────────────────────────────────────────────────────────────────── runs

export type RunStatus = 'running' | 'waiting' | 'done' | 'stopped' | 'failed';

export interface RunRecord {
  id: string;
  flowId: string;
  /** The playbook version (content hash) the run executes. */
  versionHash: string;
  accountId: string;
  subjectKind: SubjectKind;
  subjectId: string;
  occurrenceKey: string;
  status: RunStatus;
  /** The next step to execute. */
  stepIndex: number;
  /** When a waiting run continues. */
  wakeAt: Instant | null;
  /** Variables captured at the start (event data) and added by steps (coupon). JSON-safe. */
  state: RunState;
  stopReason: string | null;
}

export interface RunState {
  /** Template variables from the trigger event: message.text, member.name, code, … */
  vars: Record<string, unknown>;
  /** Whether the run answers the subject's own message (replies are not proactive and go to opted-out contacts). */
  reply: boolean;
}

export type NewRun = Pick<RunRecord, 'flowId' | 'versionHash' | 'accountId' | 'subjectKind' | 'subjectId' | 'occurrenceKey' | 'state'> & {
  startedAt: Instant;
};

// ─────────────────────────────────────────────────────────────────────────────────────────── outbox

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'in_doubt' | 'skipped';

export interface NewOutboxEntry {
  /** Deterministic: the same run, step, recipient and occurrence always give the same key. */
  idempotencyKey: string;
  accountId: string;
  runId: string | null;
  stepIndex: number | null;
  flowId: string | null;
  mode: 'auto' | 'assist';
  /** Counted against per-contact caps and withheld from opted-out contacts. */
  proactive: boolean;
  contactId: string | null;
  roomId: string | null;
  action: OutboundAction;
  dueAt: Instant;
}

export interface OutboxRecord extends NewOutboxEntry {
  id: bigint;
  status: OutboxStatus;
  attempts: number;
  deferredReason: string | null;
}

/**
 * What the dispatcher decided for one entry. Deferred and skipped apply to a due `pending` entry (before any claim);
 * the others to a `sending` entry (the claim this dispatcher won). See store/engine/outbox.ts for the stale rule.
 */
export type OutboxDecision =
  | { decision: 'deferred'; until: Instant; reason: string }
  | { decision: 'skipped'; reason: string }
  /** `log`: the interaction row to append in the same statement (account, contact, room, flow, run from the entry). */
  | {
      decision: 'sent';
      externalMessageId?: string;
      /** 'assist' when a task card went instead of the action (the puppet cannot do it): the row records it. */
      mode?: 'assist';
      log?: { kind: string; body: Record<string, unknown> };
    }
  | { decision: 'failed'; reason: string }
  /** The channel threw: whether it was delivered is unknown, so it is never resent blindly (ops resolve it). */
  | { decision: 'in_doubt'; reason: string }
  | { decision: 'retry'; until: Instant; reason: string }
  /**
   * A claimed entry that was not performed after all (an earlier send of its account was throttled in the same
   * wave): back to pending at `until` with the claim's attempt given back, recorded as a deferral.
   */
  | { decision: 'released'; until: Instant; reason: string };

export interface OutboxSettlement {
  id: bigint;
  outcome: OutboxDecision;
}

/** A due entry as the dispatcher reads it: the row and what pacing and assist cards need of its contact. */
export interface DueOutboxEntry extends OutboxRecord {
  /** The entry's contact; null when it has none or the contact is no longer stored. */
  contact: Pick<ContactRecord, 'name' | 'alias' | 'optedOutAt'> | null;
}

/** Counts pacing needs, over windows ending at `now`. */
export interface PacingCounts {
  accountSentLastMinute: number;
  accountSentLastHour: number;
  accountSentToday: number;
  /** Proactive sends to this contact today (account-local day) and in the last 30 days. */
  contactProactiveToday: number;
  contactProactiveThisMonth: number;
  accountLastSentAt: Instant | null;
}

/** One account as pacing sees it at `now`: sends over windows ending then, and its back-off. */
export interface AccountPacing {
  sentLastMinute: number;
  sentLastHour: number;
  /** Since the start of the account's local day. */
  sentToday: number;
  lastSentAt: Instant | null;
  backoffUntil: Instant | null;
  /**
   * The length of the account's last back-off while throttles keep coming (null: no throttle since its last
   * successful send): the next throttle backs off twice as long.
   */
  backoffMinutes: number | null;
}

/** Proactive sends to one contact, today (its account's local day) and in the last 30 days. */
export interface ContactPacing {
  proactiveToday: number;
  proactiveThisMonth: number;
}

/** Pacing state of every account and contact asked for (each key present, zeros when nothing was sent). */
export interface PacingSnapshot {
  accounts: Map<string, AccountPacing>;
  contacts: Map<string, ContactPacing>;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── store

export interface EngineStore {
  // playbook versions
  recordVersion(flowId: string, hash: string, sourcePath: string, definition: unknown): Promise<void>;
  loadVersion(flowId: string, hash: string): Promise<unknown | undefined>;

  // subjects
  ensureContact(accountId: string, ref: ContactRef, at: Instant): Promise<ContactRecord>;
  getContact(id: string): Promise<ContactRecord | undefined>;
  listContacts(accountId: string, filter: ContactFilter): Promise<ContactRecord[]>;
  ensureRoom(accountId: string, ref: RoomRef, at: Instant): Promise<RoomRecord>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  listRooms(accountId: string, topicPattern: string): Promise<RoomRecord[]>;
  listStaff(accountId: string, filter: { roles?: string[]; tiers?: string[] }): Promise<StaffRecord[]>;
  getStaff(id: string): Promise<StaffRecord | undefined>;
  /** A staff member who has not left, by WeCom user id (how the channel names a room's inviter); undefined if none. */
  findStaffByExternalId(externalId: string): Promise<StaffRecord | undefined>;
  setTags(contactId: string, add: string[], remove: string[], source: string, at: Instant): Promise<void>;
  setOptedOut(contactId: string, at: Instant): Promise<boolean>;

  // runs
  startRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }>;
  dueRuns(now: Instant, limit: number): Promise<RunRecord[]>;
  saveRun(run: RunRecord, at: Instant): Promise<void>;
  activeRunsOfFlow(flowId: string): Promise<RunRecord[]>;

  // outbox
  enqueue(entries: NewOutboxEntry[], at: Instant): Promise<number>;
  /** Pending entries due at `now`, by due time then id. */
  dueOutbox(now: Instant, limit: number): Promise<OutboxRecord[]>;
  /** The same entries with their contact's name, alias and opt-out, in one query: what a dispatch batch reads. */
  dueForDispatch(now: Instant, limit: number): Promise<DueOutboxEntry[]>;
  /** pending → sending for every id still pending and due at `at`, in one statement; returns the ids this call won. */
  claim(ids: bigint[], at: Instant): Promise<bigint[]>;
  /** claim for one entry: false when another dispatcher took it. */
  markSending(id: bigint, at: Instant): Promise<boolean>;
  /**
   * Applies each decision under the stale-dispatcher rule and records an outbox event row for each (plus the
   * interaction rows of sends that carry `log`), in one statement. Each id at most once.
   */
  settleMany(settlements: OutboxSettlement[], at: Instant): Promise<void>;
  /** settleMany for one entry. */
  settle(id: bigint, outcome: OutboxDecision, at: Instant): Promise<void>;
  /** Rows left in `sending` by a process that died: → in_doubt. Returns how many. */
  markInterruptedInDoubt(at: Instant): Promise<number>;
  /**
   * Pacing state over windows ending at `now` for several accounts and contacts in one query; "today" is local to
   * the time zone given with each (a contact's is its account's).
   */
  pacingSnapshot(now: Instant, accounts: { accountId: string; timeZone: string }[], contacts: { contactId: string; timeZone: string }[]): Promise<PacingSnapshot>;
  /**
   * Backs the account off until `until` (only ever extended) and records `minutes`, the back-off's length by the
   * doubling rule, so the next throttle can double it.
   */
  setAccountBackoff(accountId: string, until: Instant, reason: string, minutes: number): Promise<void>;
  /** A send went through after a back-off: the next throttle starts again from the configured length. */
  endBackoffStreak(accountId: string): Promise<void>;

  // cron
  dueSchedules(now: Instant): Promise<ScheduleRecord[]>;
  upsertSchedule(schedule: ScheduleRecord): Promise<void>;
  listSchedules(): Promise<ScheduleRecord[]>;
  deleteSchedule(flowId: string, accountId: string): Promise<void>;

  // interaction log
  /** Appends a row; false when its `eventId` was logged for the account before (a redelivered event). */
  logInteraction(row: InteractionRow): Promise<boolean>;

  // staff actions from chat, assist cards
  /** `/done N`: marks task card N (an outbox id) of one of `accountIds` done. */
  confirmAssist(outboxId: bigint, accountIds: string[], staffExternalId: string, at: Instant): Promise<AssistConfirmation>;
  markAssistReminded(ids: bigint[], at: Instant): Promise<void>;
  /** Pending entries of the account deferred for `reason` become due at `at` (`/resume`). Returns how many. */
  releaseDeferred(accountId: string, reason: string, at: Instant): Promise<number>;

  // all of the above
  /**
   * What a tick starts from, in one query: the schedules due at `now` (as dueSchedules), the first `runs` due runs
   * (as dueRuns), the first `outbox` entries due for dispatch (as dueForDispatch) and the assist cards sent at or
   * before `remindSentBefore` that are neither confirmed nor reminded (at most `runs` of them), read together.
   */
  dueWork(now: Instant, limits: { runs: number; outbox: number }, remindSentBefore: Instant): Promise<DueWork>;
  /**
   * The earliest instant anything becomes due, in one query: `now` when a run is `running` (it continues at once),
   * else the earliest of waiting runs' wakeAt, pending outbox entries' dueAt, schedules' nextDueAt and the reminder
   * of the oldest unconfirmed, unreminded assist card (sent + `assistRemindAfterMs`); null when there is none.
   */
  nextDueAt(now: Instant, assistRemindAfterMs: number): Promise<Instant | null>;
}

export type AssistConfirmation =
  | { result: 'confirmed'; accountId: string }
  | { result: 'already_done'; doneAt: Instant; doneBy: string | null }
  | { result: 'not_sent_yet'; status: string }
  | { result: 'not_a_card' }
  | { result: 'not_found' };

/** A task card nobody confirmed yet. */
export interface AssistReminder {
  id: bigint;
  accountId: string;
  kind: string;
  sentAt: Instant;
}

export interface DueWork {
  schedules: ScheduleRecord[];
  runs: RunRecord[];
  outbox: DueOutboxEntry[];
  reminders: AssistReminder[];
}

export interface ScheduleRecord {
  flowId: string;
  accountId: string;
  cron: string;
  timeZone: string;
  /** The next occurrence to fire. */
  nextDueAt: Instant;
  lastFiredAt: Instant | null;
}

export interface InteractionRow {
  at: Instant;
  direction: 'in' | 'out';
  kind: string;
  accountId: string;
  contactId?: string | null;
  roomId?: string | null;
  flowId?: string | null;
  runId?: string | null;
  outboxId?: bigint | null;
  body: Record<string, unknown>;
  /** Inbound events: the source's event id, unique per account (a redelivery is not logged twice). */
  eventId?: string;
}

/** Everything the engine is built from. */
export interface EngineDeps {
  clock: Clock;
  store: EngineStore;
  channel: Channel;
  accounts: AccountDirectory;
  /** Deterministic in simulate (seeded), Math.random in production. Returns [0, 1). */
  random: () => number;
  rewards: RewardsPort;
  logger: Logger;
  /** Words that opt a customer out of proactive messages. @default 退订, TD */
  optOutWords?: string[];
  /** Told what the engine did, for the live log of `kocflow start`; never changes what it does. */
  observer?: EngineObserver;
  /** An assist task card not confirmed with /done this long after it went out is reminded once. @default 4 h */
  assistRemindAfterMs?: number;
}

/** What the engine did, as it happens. Calls are synchronous and their errors are logged, never thrown. */
export interface EngineObserver {
  runStarted?(event: { flowId: string; accountId: string; runId: string; subjectKind: SubjectKind; subjectId: string; occurrenceKey: string }): void;
  runEnded?(event: { flowId: string; accountId: string; runId: string; status: RunStatus; stopReason: string | null }): void;
  outboxSettled?(event: { entry: OutboxRecord; outcome: OutboxDecision }): void;
}

export type { MessageContent };

// ─────────────────────────────────────────────────────────────────────────────────────────── rewards

/**
 * Coupons, points and KOC tasks as the engine's steps use them (the referral and KOC modules implement it).
 * Each call carries a key that is unique per run and step, so a step re-run after a crash has no second effect.
 */
export interface RewardsPort {
  issueCoupon(input: { campaignId: string; contactId: string; accountId: string; key: string; at: Instant; timeZone: string }): Promise<
    | { ok: true; coupon: { code: string; title: string; value: string; expiresAt: Instant } }
    | { ok: false; reason: string }
  >;
  /** The KOC is named by store id, or by external id on an account (a room inviter); unknown → { ok: false }. */
  awardPoints(input: { staff: { id: string } | { externalId: string; accountId: string }; amount: number; reason: string; key: string; at: Instant }): Promise<{ ok: boolean; reason?: string }>;
  /** `number` is what the KOC types to answer (/accept N); the task's title, points and due instant come along. */
  offerTask(input: { taskId: string; staffId: string; key: string; at: Instant; timeZone: string }): Promise<
    | { ok: true; number: number; title?: string; points?: number; dueAt?: Instant | null }
    | { ok: false; reason: string }
  >;
  /**
   * The KOC leaderboard at `at`: every KOC ranked by the points they earned over the tiers file's leaderboard window
   * (ties share a rank), with what templates show of them. Cron flows get it as {{#each leaderboard}}; a staff
   * subject's own place is {{staff.rank}}. Absent: no leaderboard (the variables are empty).
   */
  leaderboard?(input: { at: Instant }): Promise<{ size: number; entries: LeaderboardEntry[] }>;
}

export interface LeaderboardEntry {
  staffId: string;
  rank: number;
  name: string;
  /** Points earned in the window. */
  points: number;
  tier: string;
  /** The KOC's referral code (formatted) and tracking link, when they have one. */
  code: string;
  link: string;
}
