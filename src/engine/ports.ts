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

export interface NewRun {
  flowId: string;
  versionHash: string;
  accountId: string;
  subjectKind: SubjectKind;
  subjectId: string;
  occurrenceKey: string;
  state: RunState;
  startedAt: Instant;
}

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

export type OutboxDecision =
  | { decision: 'deferred'; until: Instant; reason: string }
  | { decision: 'skipped'; reason: string }
  | { decision: 'sent'; externalMessageId?: string }
  | { decision: 'failed'; reason: string }
  /** The channel threw: whether it was delivered is unknown, so it is never resent blindly (ops resolve it). */
  | { decision: 'in_doubt'; reason: string }
  | { decision: 'retry'; until: Instant; reason: string };

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
  setTags(contactId: string, add: string[], remove: string[], source: string, at: Instant): Promise<void>;
  setOptedOut(contactId: string, at: Instant): Promise<boolean>;

  // runs
  startRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }>;
  dueRuns(now: Instant, limit: number): Promise<RunRecord[]>;
  saveRun(run: RunRecord, at: Instant): Promise<void>;
  activeRunsOfFlow(flowId: string): Promise<RunRecord[]>;

  // outbox
  enqueue(entries: NewOutboxEntry[], at: Instant): Promise<number>;
  dueOutbox(now: Instant, limit: number): Promise<OutboxRecord[]>;
  /** pending → sending, only if still pending; false when another dispatcher took it. */
  markSending(id: bigint, at: Instant): Promise<boolean>;
  /** Records the outcome and an outbox event row with the reason. */
  settle(id: bigint, outcome: OutboxDecision, at: Instant): Promise<void>;
  /** Rows left in `sending` by a process that died: → in_doubt. Returns how many. */
  markInterruptedInDoubt(at: Instant): Promise<number>;
  /** The earliest pending dueAt of an earlier entry to the same recipient (keeps a recipient's messages in order). */
  pacingCounts(accountId: string, contactId: string | null, now: Instant, timeZone: string): Promise<PacingCounts>;
  accountBackoffUntil(accountId: string): Promise<Instant | null>;
  setAccountBackoff(accountId: string, until: Instant, reason: string): Promise<void>;

  // cron
  dueSchedules(now: Instant): Promise<ScheduleRecord[]>;
  upsertSchedule(schedule: ScheduleRecord): Promise<void>;
  listSchedules(): Promise<ScheduleRecord[]>;
  deleteSchedule(flowId: string, accountId: string): Promise<void>;

  // interaction log
  logInteraction(row: InteractionRow): Promise<void>;
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
  offerTask(input: { taskId: string; staffId: string; key: string; at: Instant; timeZone: string }): Promise<{ ok: true; number: number } | { ok: false; reason: string }>;
}
