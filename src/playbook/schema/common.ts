import { z } from 'zod';
import { parseDuration, parseTimeOfDay } from '../duration.ts';
import { checkCalendarDate, checkCron, isValidTimeZone, knownTimeZones } from '../calendar.ts';
import { didYouMean } from '../suggest.ts';

/**
 * Building blocks of the playbook language. Each carries its own description (the playbook reference in
 * docs/playbooks.md is generated from these) and a diagnostic code for the checks zod cannot express as types.
 */

/** A refinement failure with a stable diagnostic code, carried through zod's issue params. */
export function codedIssue(code: string, message: string) {
  return { code: 'custom' as const, message, params: { kocCode: code } };
}

export const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'ids use lower-case letters, digits and "-", up to 64 characters (e.g. new-customer-7d)')
  .describe('A stable identifier: lower-case letters, digits and "-". Runs, reports and references use it.');

/** Names of tags, tiers and stores are shown to people and are often Chinese. */
export const label = z.string().min(1).max(64).describe('A display label, for example 新客 or VIP.');

/**
 * A string checked by a function that returns what is wrong (or nothing), reported under a stable code.
 * Durations, times, dates, zones and cron expressions are all this shape.
 */
function checkedString(description: string, code: string, problem: (value: string) => string | undefined, example: string) {
  return z
    .string()
    .describe(description)
    .check((ctx) => {
      const message = problem(ctx.value);
      if (message) ctx.issues.push({ ...codedIssue(code, message), input: ctx.value });
    })
    .meta({ examples: [example] });
}

export const duration = checkedString(
  'A duration: a number with a unit w, d, h, m or s, combinable, for example 3d, 2h30m, 90s.',
  'KOC_DURATION_INVALID',
  (v) => (parseDuration(v) === undefined ? `"${v}" is not a duration; write e.g. 3d, 2h30m or 90s` : undefined),
  '2h30m',
);

export const timeOfDay = checkedString(
  "A local time of day, HH:MM in the account's time zone.",
  'KOC_TIME_INVALID',
  (v) => (parseTimeOfDay(v) === undefined ? `"${v}" is not a time of day; write HH:MM, e.g. 10:00 or 21:30` : undefined),
  '10:00',
);

export const calendarDate = checkedString(
  'A calendar date, YYYY-MM-DD (a date that exists: 2026-04-31 does not).',
  'KOC_DATE_INVALID',
  checkCalendarDate,
  '2026-12-31',
);

export const timeZone = checkedString(
  "An IANA time zone. Default: the account's zone, which defaults to Asia/Shanghai.",
  'KOC_TIMEZONE_INVALID',
  (v) => (isValidTimeZone(v) ? undefined : `"${v}" is not an IANA time zone${didYouMean(v, knownTimeZones()) || ' (e.g. Asia/Shanghai, Europe/Berlin)'}`),
  'Asia/Shanghai',
);

export const cronExpression = checkedString(
  'A 5-field cron expression: minute hour day-of-month month day-of-week, in local time.',
  'KOC_CRON_INVALID',
  checkCron,
  '0 20 * * 1,3,5',
);

export const glob = z
  .string()
  .min(1)
  .describe('A name pattern: * matches any run of characters, ? one character (e.g. "sh-*", "车友会*").');

export const role = z
  .enum(['guide', 'ambassador', 'assistant'])
  .describe('An account role: guide (导购), ambassador (员工KOC) or assistant (the brand\'s assistant bot).');

export const executionMode = z
  .enum(['auto', 'assist'])
  .describe('auto: the bot does it. assist: the responsible staff member gets a task card and confirms with /done N.');

/** Variants lower ban risk: each recipient gets one of them, chosen deterministically. */
export const templateText = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(20)])
  .describe('Handlebars text, or a list of wordings of which each recipient gets one.');

export const templateRef = z
  .strictObject({ template: id.describe('The id of a template in a library file (kind: library).') })
  .describe('A named template from the content library.');

export const assetRef = z
  .string()
  .min(1)
  .describe('An image or video: the name of an asset in a library file, or a path relative to the playbook folder.');

export const linkCard = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('The page the card opens (http or https).'),
    title: z.string().min(1).max(64).describe('The card title.'),
    description: z.string().max(120).optional().describe('One line under the title.'),
    thumbnail: assetRef.optional(),
  })
  .describe('A link card (UrlLink).');

export const miniProgram = z
  .strictObject({
    appId: z.string().regex(/^wx[0-9a-f]{16}$/, 'a mini-program appId looks like wx followed by 16 hex digits').describe('The mini-program\'s appId (wx + 16 hex digits).'),
    title: z.string().min(1).max(64).describe('The card title.'),
    pagePath: z.string().min(1).describe('The page inside the mini-program, e.g. pages/coupon/index?c=1.'),
    thumbnail: assetRef.optional(),
  })
  .describe('A mini-program card.');
