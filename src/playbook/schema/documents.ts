import { z } from 'zod';
import { assetRef, calendarDate, cronExpression, duration, glob, id, label, role, templateText, timeOfDay } from './common.ts';
import { condition } from './conditions.ts';
import { trigger } from './triggers.ts';
import { step } from './steps.ts';

/**
 * The five kinds of playbook file. A file holds one document; `kind` says which (a file without `kind` is a
 * flow, the common case).
 */

export const accountSelector = z
  .strictObject({
    roles: z.array(role).min(1).optional(),
    stores: z.array(glob).min(1).optional().describe('Store id patterns, e.g. ["sh-*"].'),
    ids: z.array(z.string().min(1)).min(1).optional().describe('Explicit account ids from kocflow.yaml.'),
  })
  .describe('Which bot accounts run this flow; all listed filters must hold. Default: every account.');

export const pacingOverrides = z
  .strictObject({
    perContactPerDay: z.number().int().min(0).max(50).optional().describe('Proactive messages to one contact per day.'),
    perContactPerMonth: z.number().int().min(0).max(500).optional(),
    quietHours: z
      .strictObject({ from: timeOfDay, to: timeOfDay })
      .optional()
      .describe('A quiet window for this flow\'s sends, in addition to the account\'s: [from, to) local time, may cross midnight.'),
  })
  .describe('Tighter pacing for this flow (the account\'s limits still apply).');

export const flowDocument = z
  .strictObject({
    kind: z.literal('flow').default('flow'),
    id,
    name: z.string().min(1).max(80).optional().describe('A human name shown in reports.'),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().default(true).describe('false keeps the file but starts no new runs.'),
    accounts: accountSelector.optional(),
    trigger,
    steps: z.array(step).min(1).max(200),
    stopWhen: condition.optional().describe('Stop a run early as soon as this holds (checked before every step).'),
    inFlightRuns: z
      .enum(['keep', 'latest'])
      .default('keep')
      .describe('When this file changes: keep runs on the version they started with, or move them to the latest.'),
    pacing: pacingOverrides.optional(),
  })
  .describe('A flow (SOP): a trigger and the steps to run for each subject it starts.');

export const campaignDocument = z
  .strictObject({
    kind: z.literal('campaign'),
    id,
    name: z.string().min(1).max(80).describe('A human name shown in reports.'),
    coupon: z
      .strictObject({
        title: z.string().min(1).max(40).describe('What the customer sees, e.g. 新客券.'),
        value: z.string().min(1).max(80).describe('What it is worth, in words, e.g. 满200减30.'),
        validDays: z.number().int().min(1).max(3650).optional().describe('Valid this many days from issue.'),
        validUntil: calendarDate.optional().describe('Or: valid until the end of this date (account time zone).'),
        stores: z.array(glob).min(1).optional().describe('Stores where it can be redeemed. Default: all.'),
      })
      .describe('The coupon a customer gets.'),
    startsOn: calendarDate.optional(),
    endsOn: calendarDate.optional(),
    budget: z.number().int().min(1).optional().describe('The most coupons this campaign issues in total.'),
    perCustomer: z.number().int().min(1).default(1).describe('Coupons one customer can get.'),
    attributionWindow: duration.default('30d').describe('How long a referral code keeps credit (first touch wins).'),
    referrerReward: z
      .strictObject({
        onArrival: z.number().int().min(0).default(0).describe('Points when a referred customer arrives.'),
        onRedeem: z.number().int().min(0).default(0).describe('Points when their coupon is redeemed.'),
      })
      .optional(),
    fission: z
      .strictObject({
        room: z.strictObject({ topic: glob }),
        goal: z.number().int().min(1).max(500).describe('Invitees needed for the reward.'),
        minStay: duration.default('1d').describe('Invitees who leave sooner do not count.'),
        pointsPerInvite: z.number().int().min(0).default(0),
      })
      .optional()
      .describe('Invite N friends into a group, get this campaign\'s coupon.'),
  })
  .describe('A referral and coupon campaign.');

export const tiersDocument = z
  .strictObject({
    kind: z.literal('tiers'),
    id,
    window: duration.default('30d').describe('The rolling window over which points and activity count.'),
    evaluate: cronExpression.default('0 9 * * 1').describe('When tiers are evaluated (cron, account time zone).'),
    tiers: z
      .array(
        z.strictObject({
          name: label,
          minPoints: z.number().int().min(0).default(0).describe('Points in the window needed for this tier.'),
          minActiveDays: z.number().int().min(0).max(366).default(0).describe('Days with activity in the window.'),
          perks: z.string().max(200).optional().describe('What this tier gets, shown in announcements.'),
        }),
      )
      .min(1)
      .max(10)
      .describe('From the lowest to the highest tier.'),
    participation: z
      .strictObject({
        pointsPerMessage: z.number().int().min(0).max(100).default(1).describe('Points for one message a KOC writes in a group the bots are in (0 turns participation points off).'),
        dailyCap: z.number().int().min(0).max(1000).default(5).describe('The most participation points one KOC earns in one local day, so spam does not pay.'),
        minChars: z.number().int().min(1).max(200).default(4).describe('Shorter messages (e.g. "好的", "👍") earn nothing.'),
        rooms: glob.optional().describe('Only groups whose topic matches, e.g. "车友会*". Default: every group.'),
      })
      .prefault({})
      .describe('Participation points: KOCs earn points for taking part in groups (messages and answers), capped per day.'),
    leaderboard: z
      .strictObject({
        window: duration.default('7d').describe('Points earned over this rolling window rank the KOCs (/rank, /stats, {{#each leaderboard}}).'),
        size: z.number().int().min(1).max(50).default(10).describe('How many KOCs the leaderboard shows.'),
      })
      .prefault({})
      .describe('The leaderboard for recognition.'),
  })
  .describe('KOC tiers (e.g. 普通 → 潜力 → 核心), participation points and the leaderboard.');

export const taskDocument = z
  .strictObject({
    kind: z.literal('task'),
    id,
    title: z.string().min(1).max(60).describe('What the KOC sees in /tasks, e.g. 发一条春季新品朋友圈.'),
    description: z.string().max(2000).optional(),
    content: z
      .strictObject({
        text: templateText.optional(),
        images: z.array(assetRef).max(9).optional(),
        links: z.array(z.url()).max(5).optional(),
      })
      .optional()
      .describe('The content pack the KOC gets.'),
    eligible: z
      .strictObject({ tiers: z.array(label).min(1).optional(), roles: z.array(role).min(1).optional() })
      .optional()
      .describe('Who may accept it: KOCs in these tiers and/or roles. Default: every KOC.'),
    capacity: z.number().int().min(1).optional().describe('How many KOCs can accept it.'),
    due: calendarDate.optional(),
    dueAfter: duration.optional().describe('Or: due this long after acceptance.'),
    remindBefore: duration.default('1d').describe('An accepted task not yet submitted is reminded once, this long before it is due.'),
    points: z.number().int().min(0).default(0).describe('Points awarded when ops approve the submission.'),
  })
  .describe('A KOC task, offered two ways: the KOC accepts or declines.');

export const libraryDocument = z
  .strictObject({
    kind: z.literal('library'),
    id,
    templates: z
      .record(id, z.union([templateText, z.strictObject({ file: z.string().min(1).describe('A text file; wordings separated by lines of ---.') })]))
      .optional()
      .describe('Named wordings (话术库): a text, a list of wordings, or { file }.'),
    assets: z.record(id, assetRef).optional().describe('Named images and videos (素材库): name → file path.'),
  })
  .describe('The content library: reusable templates and assets, referenced by name.');

export const documentSchemas = {
  flow: flowDocument,
  campaign: campaignDocument,
  tiers: tiersDocument,
  task: taskDocument,
  library: libraryDocument,
} as const;

export type DocumentKind = keyof typeof documentSchemas;
export type FlowDocument = z.infer<typeof flowDocument>;
export type CampaignDocument = z.infer<typeof campaignDocument>;
export type TiersDocument = z.infer<typeof tiersDocument>;
export type TaskDocument = z.infer<typeof taskDocument>;
export type LibraryDocument = z.infer<typeof libraryDocument>;
export type PlaybookDocument =
  | ({ kind: 'flow' } & FlowDocument)
  | CampaignDocument
  | TiersDocument
  | TaskDocument
  | LibraryDocument;

/** One schema for the whole language: what the JSON Schema and the reference are generated from. */
export const playbookFile = z.union(Object.values(documentSchemas));
