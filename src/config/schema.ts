import { z } from 'zod';
import { pacingSettings } from '../engine/pacing/settings.ts';
import { DEFAULT_TIME_ZONE } from '../playbook/calendar.ts';
import { calendarDate, codedIssue, id, label, role, timeZone } from '../playbook/schema/common.ts';
import { checkHost, parseEndpoint, type Endpoint } from './endpoint.ts';
import { ENV_NAME } from './secrets.ts';

/**
 * kocflow.yaml: the stores, the staff and the bot accounts of one brand. The one definition of the file: the
 * loader validates with it, and docs/config.md and docs/kocflow.config.schema.json are generated from it
 * (`npm run docs:playbooks`). Keys are checked against each other (stores, owners, tokens) in link.ts.
 */

export const DEFAULT_CONFIG_FILE = 'kocflow.yaml';

/** WeCom's rule for a member account (成员账号): 1–64 of letters, digits and _-@., starting with a letter or digit. */
const WECOM_USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export const staffId = z
  .string()
  .regex(WECOM_USER_ID, 'a staff id is the person\'s WeCom user id (成员账号): letters, digits and _ - @ ., starting with a letter or digit, up to 64 characters')
  .describe('The person\'s WeCom user id (成员账号), as the WeCom admin console shows it, e.g. WangMin.');

/** A reference to something defined elsewhere in the file: link.ts checks it exists (with "did you mean"). */
const reference = (description: string) => z.string().min(1).describe(description);

const displayName = z.string().min(1).max(64);

export const storeConfig = z
  .strictObject({
    id: id.describe('The store id, e.g. sh-001. Playbooks select stores by it (`stores: ["sh-*"]`), so a city prefix helps.'),
    name: displayName.describe('The store\'s name, shown to customers as {{store.name}}, e.g. 上海南京西路店.'),
  })
  .describe('A physical store (门店).');

export const STAFF_ROLES = ['guide', 'ambassador', 'ops'] as const;

export const staffConfig = z
  .strictObject({
    id: staffId,
    name: displayName.describe('The person\'s name, shown to ops and in reports.'),
    role: z
      .enum(STAFF_ROLES)
      .describe('guide (导购), ambassador (员工KOC) or ops (运营: commands bots, gets cards of the accounts they own, not in the KOC program).'),
    store: reference('The store they work in (required for guides).').optional(),
    tier: label
      .optional()
      .describe('The KOC tier a guide or ambassador starts in (a tier name of the tiers playbook, e.g. 潜力). Later the tiers evaluation moves them; changing it here does not.'),
    landing: z
      .strictObject({
        text: z.string().min(1).max(300).optional().describe('A few words of their own on their tracking page (/r/CODE), e.g. 我是小王，欢迎来店里试驾.'),
        qr: z
          .string()
          .regex(/\.(png|jpe?g|webp)$/i, 'the add-me QR code is an image file: .png, .jpg or .webp')
          .optional()
          .describe('Their WeCom add-me QR code (联系我二维码) as an image file, relative to this file\'s folder: shown on their tracking page.'),
      })
      .optional()
      .describe('What a customer sees on this KOC\'s tracking link /r/CODE besides their name and code.'),
  })
  .describe('A person: a guide, an ambassador or an ops member.');

const endpointObject = z
  .strictObject({
    host: z.string().min(1).describe('The gateway\'s host name or IP address.'),
    port: z.number().int().min(1).max(65_535).describe('The gateway\'s port.'),
    tls: z.boolean().default(false).describe('Whether the gateway speaks TLS.'),
  })
  .check((ctx) => {
    const problem = checkHost(ctx.value.host);
    if (problem) ctx.issues.push({ ...codedIssue('KOC_CONFIG_ENDPOINT_INVALID', problem), input: ctx.value, path: ['host'] });
  });

const endpointText = z
  .string()
  .check((ctx) => {
    const parsed = parseEndpoint(ctx.value);
    if ('problem' in parsed) ctx.issues.push({ ...codedIssue('KOC_CONFIG_ENDPOINT_INVALID', parsed.problem), input: ctx.value });
  })
  .transform((text): Endpoint => {
    const parsed = parseEndpoint(text) as { host: string; port: number };
    return { ...parsed, tls: false };
  });

export const endpoint = z
  .union([endpointText, endpointObject])
  .describe('A self-hosted puppet-service gateway to connect to directly instead of looking the token up: `host:port` (no TLS), or `{ host, port, tls }`.');

export const PUPPETS = ['auto', 'mock', 'service'] as const;

export const accountConfig = z
  .strictObject({
    id: id.describe('The account id, e.g. guide-wang. Playbooks name accounts by it (`accounts: { ids: [...] }`); the store keys its history by it, so do not rename it.'),
    name: displayName.describe('The display name the bot uses, shown as {{account.name}}, e.g. 导购小王.'),
    role,
    store: reference('The store id of the account (required for guides). Must be listed under stores.').optional(),
    timeZone: timeZone
      .default(DEFAULT_TIME_ZONE)
      .describe('The IANA time zone of the account: waits, cron schedules, quiet hours and "today" are local to it.'),
    puppet: z
      .enum(PUPPETS)
      .default('auto')
      .describe('How the bot connects: auto = puppet-service when the tokenEnv variable is set and not empty, otherwise the mock (a simulated WeChat); mock = always the mock; service = always puppet-service (kocflow refuses to start the account without its token).'),
    tokenEnv: z
      .string()
      .regex(ENV_NAME, 'tokenEnv is the name of an environment variable: upper-case letters, digits and _')
      .optional()
      .describe('The NAME of the environment variable that holds the puppet-service token, e.g. KOCFLOW_TOKEN_GUIDE_WANG. Tokens never sit in this file or in logs. Required for puppet: service; each account has its own.'),
    endpoint: endpoint.optional(),
    pacing: pacingSettings
      .optional()
      .describe('Overrides of the default pacing for this account; keys left out keep their defaults below.'),
    owner: reference('The staff id of the person who owns the account: assist task cards and staff notes go to them (required for guide and ambassador accounts).').optional(),
    commanders: z
      .array(reference('A staff id.'))
      .default([])
      .describe('Staff ids allowed to command the bot in chat (/stats, /redeem …), besides the owner, who always may.'),
    activeSince: calendarDate
      .optional()
      .describe('The day the account started sending, for pacing\'s ramp-up. Default: the day kocflow first saw the account (kept in the store). Set it to a past date for an account that is already warmed up.'),
  })
  .describe('A bot account: one WeCom identity kocflow runs a bot for.');

export const kocflowConfigSchema = z
  .strictObject({
    playbooks: z.string().min(1).default('sop-playbooks').describe('The playbook folder, relative to this file.'),
    stores: z.array(storeConfig).default([]).describe('The stores (门店).'),
    staff: z.array(staffConfig).default([]).describe('The people: guides, ambassadors and ops.'),
    accounts: z.array(accountConfig).min(1).describe('The bot accounts.'),
    optOutWords: z
      .array(z.string().min(1).max(20))
      .min(1)
      .default(['退订', 'TD'])
      .describe('A customer who sends one of these words gets no more proactive messages (PIPL opt-out).'),
    demo: z
      .strictObject({
        traffic: z
          .boolean()
          .default(true)
          .describe('Generate synthetic customer activity (friend adds, questions, group joins, referral codes) for the accounts on the mock puppet, so a demo shows flows at work. Accounts on puppet-service are never touched.'),
        pacing: z
          .strictObject({
            quietHours: pacingSettings.shape.quietHours.unwrap().optional().describe('Quiet window for mock accounts (null: none).'),
            minGapSeconds: pacingSettings.shape.minGapSeconds.unwrap().optional().describe('Gap between two sends of a mock account.'),
            jitterSeconds: pacingSettings.shape.jitterSeconds.unwrap().optional().describe('Random extra gap for a mock account.'),
            rampUpDays: pacingSettings.shape.rampUpDays.unwrap().optional().describe('Ramp-up days for a mock account.'),
          })
          .default({ quietHours: null, minGapSeconds: 3, jitterSeconds: 3, rampUpDays: 0 })
          .describe('Pacing for the accounts on the mock puppet, on top of their own: a simulated WeChat cannot be banned, and a demo at 2 a.m. should still answer. Default: no quiet hours, 3 s between sends, no ramp-up. Write `pacing: {}` to watch the real limits at work. Accounts on puppet-service never use it.'),
      })
      .prefault({})
      .describe('The demo mode.'),
    retention: z
      .strictObject({
        interactionsDays: z
          .number()
          .int()
          .min(1)
          .max(36_500)
          .optional()
          .describe('Delete interactions (messages, events, command logs) older than this many days, as they age (PIPL: keep them only as long as needed). Unset: kept. Outbox rows, coupons and redemptions are kept (reports and the never-twice guarantee need them). `kocflow purge` applies it by hand.'),
      })
      .prefault({})
      .describe('How long personal interaction data is kept.'),
    web: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('The address the dashboard and the redemption API listen on; 127.0.0.1 keeps them off the network.'),
        port: z.number().int().min(0).max(65_535).default(8720).describe('Their port (0: any free port).'),
        publicUrl: z
          .url()
          .optional()
          .describe('The address at which customers\' phones reach the tracking links, e.g. https://koc.example.com: a KOC\'s link (/code, {{staff.link}}) is <publicUrl>/r/CODE. Default: http://host:port, which only this machine can open.'),
        tillKeysEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable NAME, e.g. KOCFLOW_TILL_KEYS')
          .default('KOCFLOW_TILL_KEYS')
          .describe('The NAME of the environment variable holding the tills\' API keys for POST /api/redemptions, as name:secret pairs separated by commas. Unset: the redemption API refuses every request (401).'),
      })
      .prefault({})
      .describe('The web server (dashboard, redemption API, tracking links).'),
  })
  .describe('kocflow.yaml: the stores, staff and bot accounts of one brand.');

export type KocflowConfig = z.output<typeof kocflowConfigSchema>;
/** The file as written (defaults not applied yet), e.g. for building a config in code. */
export type KocflowConfigInput = z.input<typeof kocflowConfigSchema>;
export type StoreConfig = z.output<typeof storeConfig>;
export type StaffConfig = z.output<typeof staffConfig>;
export type StaffRole = StaffConfig['role'];
export type AccountConfig = z.output<typeof accountConfig>;
export type PuppetChoice = AccountConfig['puppet'];
export type { Endpoint };
