import { z } from 'zod';
import { endOfLocalDate } from '../engine/localTime.ts';
import type { AccountProfile } from '../engine/ports.ts';
import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import type { VariableTree } from '../playbook/schema/triggers.ts';

/**
 * Example data for `preview` (and the example subject of `explain`): a value for every template variable the
 * playbook reference documents (the trees of src/playbook/schema/triggers.ts), realistic for a Chinese retail
 * brand, and taken from the playbooks where they say it (the campaign's coupon, the trigger's tag or room topic).
 * tests/authoring/sampleData.test.ts fails when a documented variable has no sample here.
 */
export const SAMPLE_ACCOUNT = {
  names: { guide: '导购小王', ambassador: '推荐官小赵', assistant: '品牌小助手' },
  storeId: 'sh-001',
  storeName: '上海南京西路店',
  owner: 'WangMin',
} as const;

export const SAMPLE_CONTACT = {
  id: 'contact-example',
  name: '王芳',
  alias: '芳姐',
  tags: ['新客'],
  attributes: { city: '上海', 会员等级: '银卡' } as Record<string, string | number | boolean>,
  referrer: { name: '赵雪', code: 'K7Q2M8', tier: '核心' },
} as const;

/** Leaf values by dotted path. Paths computed from the context (account, store, flow, now, coupon, …) are not here. */
const STATIC_SAMPLES: Record<string, unknown> = {
  'room.id': 'room-example',
  'room.memberCount': 186,
  'staff.name': '赵雪',
  'staff.role': 'ambassador',
  'staff.code': 'K7Q2M8',
  'staff.link': 'https://k.example.com/r/K7Q2M8',
  'staff.tier': '潜力',
  'staff.points': 260,
  'staff.rank': 3,
  'friend.hello': '你好，我是王芳，朋友推荐来的',
  'message.text': '请问这款外套多少钱？',
  'member.name': '李娜',
  'inviter.name': '赵雪',
  'inviter.tier': '核心',
  'code': 'K7Q2M8',
  'coupon.code': 'CPN-8KD3-Q2',
  'coupon.title': '新客券',
  'coupon.value': '满200减30',
  'coupon.link': 'https://k.example.com/c/CPN-8KD3-Q2',
  'redemption.store': '上海南京西路店',
  'task.id': 'spring-post',
  'task.title': '发一条春季新品朋友圈',
  'task.points': 30,
  'task.number': 12,
};

/** A contact as `preview --contact FILE` takes it. Keys left out are empty, as for a real contact without them. */
export const contactFileSchema = z
  .strictObject({
    name: z.string().max(64).optional().describe('The customer\'s WeChat name, {{contact.name}}.'),
    alias: z.string().max(64).optional().describe('The remark the guide gave them, {{contact.alias}}.'),
    tags: z.array(z.string().min(1).max(64)).max(200).optional().describe('Their tags: `when` and `stopWhen` look at them.'),
    attributes: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional().describe('{{contact.attributes.city}} …'),
    referrer: z
      .strictObject({ name: z.string().max(64), code: z.string().max(32).optional(), tier: z.string().max(64).optional() })
      .nullable()
      .optional()
      .describe('The KOC whose code brought them, or null.'),
    optedOut: z.boolean().optional().describe('They replied 退订/TD.'),
  })
  .describe('A sample contact for kocflow preview --contact FILE.');

export type ContactFile = z.output<typeof contactFileSchema>;

export interface SampleContext {
  flow: LoadedFlow;
  set: PlaybookSet;
  account: AccountProfile;
  /** The example's start: {{now}}, and the day coupons are issued. */
  at: Date;
  /** From --contact FILE; absent: SAMPLE_CONTACT. */
  contact?: ContactFile | undefined;
}

/** The variables of `tree` filled with sample values, shaped the way the engine hands them to templates. */
export function sampleVariables(tree: VariableTree, ctx: SampleContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(tree)) {
    const value = sampleNode([name], node, ctx);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function sampleNode(path: string[], node: VariableTree[string], ctx: SampleContext): unknown {
  const special = contextual(path, ctx);
  if (special.given) return special.value;
  if (node === true) return STATIC_SAMPLES[path.join('.')];
  if (node === 'open') return {};
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node)) out[name] = sampleNode([...path, name], child, ctx);
  return out;
}

/** Values that come from the context: the account, the flow, the trigger, the campaign, the --contact file. */
function contextual(path: string[], ctx: SampleContext): { given: boolean; value?: unknown } {
  const key = path.join('.');
  const trigger = ctx.flow.document.trigger;
  const given = (value: unknown) => ({ given: true, value });
  switch (key) {
    case 'account': return given({ id: ctx.account.id, name: ctx.account.name, role: ctx.account.role });
    case 'store': return given({ id: ctx.account.storeId ?? '', name: ctx.account.storeName });
    case 'flow': return given({ id: ctx.flow.document.id, name: ctx.flow.document.name ?? ctx.flow.document.id });
    case 'now': return given(ctx.at.toISOString());
    case 'contact': {
      const c = ctx.contact;
      if (!c) return given({ id: SAMPLE_CONTACT.id, name: SAMPLE_CONTACT.name, alias: SAMPLE_CONTACT.alias, tags: [...SAMPLE_CONTACT.tags], attributes: { ...SAMPLE_CONTACT.attributes } });
      return given({ id: SAMPLE_CONTACT.id, name: c.name ?? '', alias: c.alias ?? '', tags: c.tags ?? [], attributes: c.attributes ?? {} });
    }
    case 'referrer': {
      if (!ctx.contact) return given({ ...SAMPLE_CONTACT.referrer });
      const r = ctx.contact.referrer;
      return given(r ? { name: r.name, code: r.code ?? '', tier: r.tier ?? '' } : null);
    }
    case 'room.topic': {
      const pattern = 'cron' in trigger ? trigger.audience?.rooms?.topic : 'room' in trigger ? trigger.room?.topic : undefined;
      return given(pattern ? exampleOf(pattern) : '车友会上海一群');
    }
    case 'tag': return given('tag' in trigger ? trigger.tag : 'VIP');
    case 'campaign': {
      const id = 'campaign' in trigger && trigger.campaign ? trigger.campaign : ctx.set.campaigns.keys().next().value ?? 'spring-referral';
      return given({ id, name: ctx.set.campaigns.get(id)?.document.name ?? '春季推荐有礼' });
    }
    case 'message.text': {
      const keyword = 'keywords' in trigger ? trigger.keywords?.[0] : undefined;
      return given(keyword ? `你好，请问这款${keyword}？` : STATIC_SAMPLES['message.text']);
    }
    case 'coupon': return given(sampleCoupon('campaign' in trigger ? trigger.campaign : undefined, ctx));
    case 'redemption.store': return given(ctx.account.storeName || STATIC_SAMPLES['redemption.store']);
    case 'redemption.at': return given(ctx.at.toISOString());
    case 'task.due': return given(new Date(ctx.at.getTime() + 7 * 86_400_000).toISOString());
    default: return { given: false };
  }
}

/** A coupon of a campaign as the engine puts it in a run's variables: code, title, value, expiry (and link). */
export function sampleCoupon(campaignId: string | undefined, ctx: SampleContext): Record<string, unknown> {
  const campaign = campaignId === undefined ? undefined : ctx.set.campaigns.get(campaignId)?.document;
  const zone = ctx.account.timeZone;
  let expiresAt = new Date(ctx.at.getTime() + 14 * 86_400_000);
  if (campaign?.coupon.validDays !== undefined) expiresAt = new Date(ctx.at.getTime() + campaign.coupon.validDays * 86_400_000);
  else if (campaign?.coupon.validUntil !== undefined) expiresAt = endOfLocalDate(campaign.coupon.validUntil, zone);
  return {
    code: STATIC_SAMPLES['coupon.code'],
    title: campaign?.coupon.title ?? STATIC_SAMPLES['coupon.title'],
    value: campaign?.coupon.value ?? STATIC_SAMPLES['coupon.value'],
    expiresAt: expiresAt.toISOString(),
    link: STATIC_SAMPLES['coupon.link'],
  };
}

/** A name that a pattern matches: "车友会*" → "车友会", "sh-???" → "sh-000". */
export function exampleOf(pattern: string): string {
  const example = pattern.replace(/\*/g, '').replace(/\?/g, '0');
  return example === '' ? '示例' : example;
}
