/**
 * kocflow's domain, in one screen.
 *
 * Glossary
 * - account: one WeCom (企业微信) identity that kocflow runs a bot for. Each has a role (guide, ambassador,
 *   assistant), a store, a time zone, and its own pacing limits.
 * - guide (导购): a store employee who owns an account and its customers. ambassador (员工KOC): an employee
 *   who promotes the brand on their own WeChat; their tasks are always assist mode.
 * - KOC: a guide or ambassador in the KOC program: a referral code, points, a tier, tasks.
 * - contact: a customer as seen by one account (the same person on two accounts is two contacts).
 * - room: a WeCom customer group (社群) an account is in.
 * - playbook: a YAML file in sop-playbooks/: a flow, campaign, tiers ladder, task or content library.
 * - flow (SOP): a trigger plus steps. A playbook version is a flow's content hash; runs keep their version.
 * - trigger: what starts a run: an event (friend.added, message.keyword, room.joined, …) or a cron schedule.
 * - subject: what a run is about: a contact, a room, a staff member or the account itself.
 * - run: one execution of a flow for one subject and one trigger occurrence; durable, resumable.
 * - step: one action of a flow (say, roomSay, moment, tag, wait, …).
 * - outbox entry: an outbound action waiting to be done, with an idempotency key unique in the store:
 *   pending → sending → sent | failed | in-doubt | skipped.
 * - pacing: per-account rate limits, per-contact caps, quiet hours and jitter that decide when a send may go.
 * - mode: auto (the bot acts) or assist (a staff member gets a task card and confirms with /done N).
 * - campaign: a coupon and referral programme; coupon: a single-use code; redemption: its one use.
 * - interaction: one row per inbound or outbound event, the log reports join everything through.
 */

/** A point on the timeline, always UTC inside kocflow. */
export type Instant = Date;

/** The time source. The engine never reads the system clock itself, so tests and `simulate` can move time. */
export interface Clock {
  now(): Instant;
}

export type AccountRole = 'guide' | 'ambassador' | 'assistant';
export type SubjectKind = 'contact' | 'room' | 'staff' | 'account';

export interface SubjectRef {
  kind: SubjectKind;
  /** Store id of the contact, room, staff member or account. */
  id: string;
}
