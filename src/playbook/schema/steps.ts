import { z } from 'zod';
import {
  assetRef, duration, executionMode, glob, id, label, linkCard, miniProgram, templateRef, templateText, timeOfDay,
} from './common.ts';
import { condition } from './conditions.ts';
import { MOMENT_LIMITS } from '../moments.ts';

/**
 * Steps: a flow's actions, run in order for the run's subject. A step is an object with exactly one action key
 * (`say`, `wait`, `tag`, …) and optional modifiers: `when` (skip the step unless the condition holds), `mode`
 * (auto or assist) where the action supports it, and `label` (a name for reports and `explain`).
 */

const messageContent = z
  .union([
    templateText,
    templateRef,
    z.strictObject({
      text: templateText.optional(),
      template: id.optional().describe('A named template from the content library, instead of text.'),
      image: assetRef.optional(),
      link: linkCard.optional(),
      miniProgram: miniProgram.optional(),
    }),
  ])
  .describe('Text (Handlebars), a list of wordings, `{ template: name }`, or an object with text/template, image, link or miniProgram.');

const common = {
  when: condition.optional().describe('Run this step only when the condition holds; otherwise skip to the next.'),
  label: z.string().max(80).optional().describe('A name for this step in reports and explain.'),
};

const couponIssue = z
  .strictObject({ campaign: id.describe('The campaign whose coupon to issue.') })
  .describe('Issue a coupon of this campaign first; the message can use {{coupon.code}}.');

export const stepSchemas = {
  say: z
    .strictObject({ say: messageContent, coupon: couponIssue.optional(), mode: executionMode.default('auto'), ...common })
    .describe('Send a private message to the subject contact.'),
  roomSay: z
    .strictObject({
      roomSay: messageContent,
      mention: z
        .array(z.enum(['member', 'inviter', 'all']))
        .optional()
        .describe('Whom to @mention: the member who joined, their inviter, or everyone.'),
      mode: executionMode.default('auto'),
      ...common,
    })
    .describe('Send a message in the subject room.'),
  moment: z
    .strictObject({
      moment: z
        .strictObject({
          text: z.union([templateText, templateRef]).optional(),
          images: z.array(assetRef).optional().describe(`Up to ${MOMENT_LIMITS.maxImages} images (not with a video or link).`),
          video: assetRef.optional(),
          link: linkCard.optional(),
          visibleTo: z
            .strictObject({ tags: z.array(label).min(1) })
            .optional()
            .describe('Only customers with one of these tags see it. Default: all customers.'),
        })
        .describe(`A Moments (朋友圈) post: WeCom allows ${MOMENT_LIMITS.maxTextChars} characters and ${MOMENT_LIMITS.maxImages} images, or 1 video, or 1 link.`),
      mode: executionMode.default('assist').describe('Moments default to assist: automated posting is the riskiest action for bans.'),
      ...common,
    })
    .describe('Post to Moments (朋友圈).'),
  tag: z.strictObject({ tag: z.array(label).min(1).describe('The tags to add, e.g. [新客].'), ...common }).describe('Add tags to the subject contact.'),
  untag: z.strictObject({ untag: z.array(label).min(1).describe('The tags to remove.'), ...common }).describe('Remove tags from the subject contact.'),
  inviteToRoom: z
    .strictObject({
      inviteToRoom: z.strictObject({ topic: glob.describe('The first room of the account whose topic matches.') }),
      ...common,
    })
    .describe('Invite the subject contact into a room.'),
  issueCoupon: z
    .strictObject({ issueCoupon: couponIssue, ...common })
    .describe('Issue a coupon to the subject contact without a message (later steps can use {{coupon.code}}).'),
  awardPoints: z
    .strictObject({
      awardPoints: z.strictObject({
        to: z
          .enum(['inviter', 'referrer', 'staff', 'owner'])
          .describe('inviter: who invited the member; referrer: whose code brought the contact; staff: the subject staff member; owner: the account\'s guide.'),
        amount: z.number().int().min(-10_000).max(10_000).refine((n) => n !== 0, 'amount must not be 0').describe('Points to add (negative to deduct), not 0.'),
        reason: z.string().min(1).max(80).describe('Shown to the KOC and in the ledger, e.g. 邀请入群.'),
      }),
      ...common,
    })
    .describe('Add points to a KOC\'s ledger (once per run and step).'),
  wait: z
    .strictObject({
      wait: duration,
      at: timeOfDay.optional().describe('After the wait, continue at the next occurrence of this local time.'),
      ...common,
    })
    .describe('Pause the run. With `at`, continue at the next HH:MM after the wait, in the account\'s time zone.'),
  assignTask: z
    .strictObject({ assignTask: z.strictObject({ task: id.describe('A task id (kind: task).') }), ...common })
    .describe('Offer a KOC task to the subject staff member (they /accept or /decline).'),
  notifyStaff: z
    .strictObject({
      notifyStaff: z.strictObject({
        text: z.union([templateText, templateRef]).describe('The note: Handlebars text, wordings, or { template: name }.'),
        to: z
          .enum(['owner', 'referrer', 'staff'])
          .default('owner')
          .describe('owner: the account\'s guide; referrer: the contact\'s KOC; staff: the run\'s staff member (a cron flow with audience: staff).'),
      }),
      ...common,
    })
    .describe('Send a note to a staff member in chat (e.g. "this customer asked about prices").'),
} as const;

export type StepKind = keyof typeof stepSchemas;
export const stepKinds = Object.keys(stepSchemas) as StepKind[];

export const step = z
  .union([
    stepSchemas.say, stepSchemas.roomSay, stepSchemas.moment, stepSchemas.tag, stepSchemas.untag, stepSchemas.inviteToRoom,
    stepSchemas.issueCoupon, stepSchemas.awardPoints, stepSchemas.wait, stepSchemas.assignTask, stepSchemas.notifyStaff,
  ])
  .describe('One action.');

export type StepOf<K extends StepKind> = z.infer<(typeof stepSchemas)[K]>;
export type Step = { [K in StepKind]: StepOf<K> & { kind: K } }[StepKind];
export type MessageContent = z.infer<typeof messageContent>;
