import { z } from 'zod';
import { cronExpression, duration, glob, id, label, role, timeZone } from './common.ts';

/**
 * Triggers: what starts a run of a flow, and for which subject (a contact, a room, a staff member or the
 * account itself). Written `trigger: { on: friend.added }` or, for schedules, `trigger: { cron: "0 20 * * 1" }`.
 */

const roomMatch = z
  .strictObject({ topic: glob.describe('Room topic pattern, e.g. "车友会*".') })
  .describe('Which rooms (groups) this applies to.');

const contactAudience = z
  .strictObject({
    tagged: z.array(label).min(1).optional().describe('Contacts with every one of these tags.'),
    notTagged: z.array(label).min(1).optional().describe('Contacts with none of these tags.'),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    referredByTier: z.array(label).min(1).optional().describe('Contacts referred by a KOC in one of these tiers.'),
  })
  .describe('Contacts of the selected accounts; all listed filters must hold. Opted-out contacts are never included.');

const staffAudience = z
  .strictObject({
    roles: z.array(role).min(1).optional(),
    tiers: z.array(label).min(1).optional().describe('KOC tiers (from the tiers file).'),
  })
  .describe('Staff members (guides, ambassadors) of the selected accounts.');

const audience = z
  .strictObject({
    contacts: contactAudience.optional(),
    rooms: roomMatch.optional(),
    staff: staffAudience.optional(),
  })
  .describe('For a scheduled flow: one run per matching contact, room or staff member. Without it the account itself is the subject (e.g. Moments).');

export const cronTrigger = z
  .strictObject({
    cron: cronExpression,
    timeZone: timeZone.optional(),
    audience: audience.optional(),
    catchUp: z
      .enum(['skip', 'once'])
      .default('once')
      .describe('Occurrences missed while kocflow was down: skip them, or run the latest once within the grace window.'),
    grace: duration.default('2h').describe('How late a missed occurrence may still run with catchUp: once.'),
  })
  .describe('A schedule.');

const keywordTrigger = z
  .strictObject({
    on: z.literal('message.keyword'),
    keywords: z.array(z.string().min(1)).min(1).optional().describe('The message contains one of these words.'),
    regex: z.string().min(1).optional().describe('Or: the message matches this regular expression (JavaScript syntax).'),
    in: z.enum(['private', 'room', 'any']).default('private').describe('Where the message was sent.'),
    room: roomMatch.optional(),
  })
  .describe('A customer message matching keywords or a pattern.');

export const eventTriggers = {
  'friend.added': z
    .strictObject({
      on: z.literal('friend.added'),
      accept: z.boolean().default(true).describe('Accept the friend request automatically.'),
    })
    .describe('A customer added the account (friend request accepted). Subject: the contact.'),
  'message.keyword': keywordTrigger,
  'room.joined': z
    .strictObject({ on: z.literal('room.joined'), room: roomMatch.optional() })
    .describe('A member joined a room. Subject: the room; the member and inviter are available.'),
  'room.left': z
    .strictObject({ on: z.literal('room.left'), room: roomMatch.optional() })
    .describe('A member left a room. Subject: the room.'),
  'tag.added': z
    .strictObject({ on: z.literal('tag.added'), tag: label })
    .describe('A tag was added to a contact. Subject: the contact.'),
  'tag.removed': z
    .strictObject({ on: z.literal('tag.removed'), tag: label })
    .describe('A tag was removed from a contact. Subject: the contact.'),
  'code.sent': z
    .strictObject({ on: z.literal('code.sent'), campaign: id.optional().describe('Only codes attributed under this campaign.') })
    .describe('A customer sent a valid referral code (in chat or in the friend-request greeting). Subject: the contact.'),
  'coupon.redeemed': z
    .strictObject({ on: z.literal('coupon.redeemed'), campaign: id.optional() })
    .describe('A coupon was redeemed. Subject: the contact who held it.'),
  'fission.goal': z
    .strictObject({ on: z.literal('fission.goal'), campaign: id.optional().describe('Only this campaign\'s goal (a campaign with `fission:`).') })
    .describe('A customer\'s invitees into a fission campaign\'s group reached its goal, each having stayed `minStay`. Once per inviter and campaign. Subject: the inviter (a contact); give the reward with `coupon:`.'),
  manual: z
    .strictObject({
      on: z.literal('manual'),
      subject: z.enum(['contact', 'room', 'account']).default('contact').describe('What the run is about: the --contact, --room or the account given on the command line.'),
    })
    .describe('Started by hand: kocflow run FLOW --contact ID.'),
} as const;

export type EventName = keyof typeof eventTriggers;
export const eventNames = Object.keys(eventTriggers) as EventName[];

export const trigger = z
  .union([cronTrigger, ...Object.values(eventTriggers)])
  .describe('What starts a run: `on: <event>` or `cron: <schedule>`.');

export type CronTrigger = z.infer<typeof cronTrigger>;
export type EventTrigger = { [K in EventName]: z.infer<(typeof eventTriggers)[K]> }[EventName];
export type Trigger = CronTrigger | EventTrigger;

import type { SubjectKind } from '../../domain/types.ts';
export type { SubjectKind };

export function subjectOf(t: Trigger): SubjectKind {
  if ('cron' in t) {
    if (t.audience?.contacts) return 'contact';
    if (t.audience?.rooms) return 'room';
    if (t.audience?.staff) return 'staff';
    return 'account';
  }
  switch (t.on) {
    case 'room.joined':
    case 'room.left':
      return 'room';
    case 'message.keyword':
      return t.in === 'room' ? 'room' : 'contact';
    case 'manual':
      return t.subject;
    default:
      return 'contact';
  }
}

/**
 * The template variables a trigger provides, as a tree. `true` marks a leaf; `'open'` a map whose keys ops
 * choose (contact attributes). Lint rejects a variable that is not in the tree of the flow's trigger.
 */
export type VariableTree = { [name: string]: true | 'open' | VariableTree };

const ACCOUNT_VARS: VariableTree = {
  account: { id: true, name: true, role: true },
  store: { id: true, name: true },
  flow: { id: true, name: true },
  now: true,
};
const CONTACT_VARS: VariableTree = {
  contact: { id: true, name: true, alias: true, tags: true, attributes: 'open' },
  referrer: { name: true, code: true, tier: true },
};
const ROOM_VARS: VariableTree = { room: { id: true, topic: true, memberCount: true } };
export const STAFF_VARS: VariableTree = { staff: { name: true, role: true, code: true, link: true, tier: true, points: true, rank: true } };

export function variablesOf(t: Trigger): VariableTree {
  const subject = subjectOf(t);
  const vars: VariableTree = { ...ACCOUNT_VARS };
  if (subject === 'contact') Object.assign(vars, CONTACT_VARS);
  if (subject === 'room') Object.assign(vars, ROOM_VARS);
  if (subject === 'staff') Object.assign(vars, STAFF_VARS);
  if ('cron' in t) {
    vars.leaderboard = true; // the KOC leaderboard at the occurrence: {{#each leaderboard}}{{rank}} {{name}} {{points}} {{tier}}{{/each}}
    return vars;
  }
  switch (t.on) {
    case 'friend.added':
      vars.friend = { hello: true };
      break;
    case 'message.keyword':
      vars.message = { text: true };
      if (t.in !== 'private') Object.assign(vars, ROOM_VARS, { member: { name: true } });
      break;
    case 'room.joined':
      vars.member = { name: true };
      vars.inviter = { name: true, tier: true };
      break;
    case 'room.left':
      vars.member = { name: true };
      break;
    case 'tag.added':
    case 'tag.removed':
      vars.tag = true;
      break;
    case 'code.sent':
      vars.code = true;
      vars.campaign = { id: true, name: true };
      break;
    case 'coupon.redeemed':
      vars.coupon = { code: true, title: true, value: true, expiresAt: true };
      vars.redemption = { store: true, at: true };
      break;
    case 'fission.goal':
      vars.campaign = { id: true, name: true };
      vars.fission = { invites: true, goal: true };
      Object.assign(vars, ROOM_VARS);
      break;
    case 'manual':
      break;
  }
  return vars;
}

/** Variables a step adds for the steps after it (a coupon issued by `coupon:` or `issueCoupon`). */
export const COUPON_VARS: VariableTree = { coupon: { code: true, title: true, value: true, expiresAt: true, link: true } };
export const TASK_VARS: VariableTree = { task: { id: true, title: true, due: true, points: true, number: true } };
