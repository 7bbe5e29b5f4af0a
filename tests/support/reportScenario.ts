/**
 * One seeded week for the report and metrics tests, written through the real store functions: the config sync
 * (stores, staff, accounts, KOC profiles), the referral loop (codes, attribution, coupons, redemptions, points), the
 * engine store (contacts, rooms, outbox enqueue / claim / settle, interactions, opt-out), and Prisma only for the
 * rows no store function writes (tracking-link clicks, a KOC who left, a pause).
 *
 * The week: 2026-12-01..2026-12-07 in Asia/Shanghai, i.e. [FROM, TO) = [2026-11-30T16:00Z, 2026-12-07T16:00Z).
 * Rows at FROM − 1 ms and at TO exactly are outside it; rows at TO − 1 ms inside. NOW is 2026-12-08 12:00 local.
 * The expected numbers are spelled out next to the rows that make them (and asserted in tests/report/).
 */
import { loadConfigText } from '../../src/config/load.ts';
import type { KocflowConfig } from '../../src/config/schema.ts';
import { syncConfigToStore } from '../../src/config/sync.ts';
import type { OutboundAction } from '../../src/domain/channel.ts';
import type { NewOutboxEntry, OutboxDecision } from '../../src/engine/ports.ts';
import { campaignTerms } from '../../src/referral/campaigns.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import { issueOfflineCoupons } from '../../src/store/referral/offline.ts';
import { syncCampaign } from '../../src/store/referral/campaigns.ts';
import { createRewards } from '../../src/store/rewards.ts';
import type { PrismaClient } from '../../src/store/types.ts';
import { loadFiles } from './playbooks.ts';

export const ZONE = 'Asia/Shanghai';
export const FROM_DATE = '2026-12-01';
export const TO_DATE = '2026-12-07';
export const FROM = new Date('2026-11-30T16:00:00.000Z');
export const TO = new Date('2026-12-07T16:00:00.000Z');
export const NOW = local('2026-12-08 12:00');
const MS = 1;
const MINUTE = 60_000;

/** `YYYY-MM-DD HH:mm[:ss]` in Shanghai (UTC+8, no DST) → the instant. */
export function local(text: string): Date {
  const [date, time] = text.split(' ') as [string, string];
  return new Date(`${date}T${time.length === 5 ? `${time}:00` : time}.000+08:00`);
}

export const CONFIG_YAML = `stores:
  - { id: sh-001, name: 上海南京西路店 }
  - { id: sh-002, name: 上海淮海路店 }
  - { id: bj-001, name: 北京三里屯店 }
staff:
  - { id: ZhaoXue, name: 赵雪, role: ambassador, store: sh-001, tier: 核心 }
  - { id: WangMin, name: 王敏, role: guide, store: sh-001, tier: 潜力 }
  - { id: LiLei, name: 李磊, role: guide, store: bj-001, tier: 普通 }
  - { id: SmithJo, name: 'Smith, "Jo"', role: ambassador, store: bj-001, tier: 普通 }
accounts:
  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin, activeSince: 2026-01-05, pacing: { maxPerDay: 50 } }
  - { id: guide-li, name: 导购小李, role: guide, store: bj-001, owner: LiLei }
demo:
  traffic: false
  pacing: {}
`;

export const CAMPAIGNS = {
  'campaigns/spring.yaml': `kind: campaign
id: spring
name: 春季推荐有礼
coupon: { title: 推荐礼券, value: 满300减50, validDays: 30 }
startsOn: 2026-11-01
endsOn: 2027-03-31
budget: 100
`,
  'campaigns/flyer.yaml': `kind: campaign
id: flyer
name: 传单券
coupon: { title: 传单券, value: 满100减10, validDays: 30 }
budget: 5
`,
  'campaigns/autumn.yaml': `kind: campaign
id: autumn
name: 秋季回馈
coupon: { title: 秋季券, value: 满200减20, validDays: 10 }
startsOn: 2026-11-01
endsOn: 2026-12-02
`,
  'campaigns/winter.yaml': `kind: campaign
id: winter
name: 冬季
coupon: { title: 冬季券, value: 满100减20, validDays: 10 }
startsOn: 2027-01-01
endsOn: 2027-02-28
`,
};

export function scenarioConfig(): KocflowConfig {
  const loaded = loadConfigText('kocflow.yaml', CONFIG_YAML);
  if (!loaded.config) throw new Error(`scenario config has errors: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.config;
}

export interface Scenario {
  config: KocflowConfig;
  staff: Record<'zhao' | 'wang' | 'li' | 'smith', string>;
}

export async function seedReportScenario(prisma: PrismaClient): Promise<Scenario> {
  const config = scenarioConfig();
  // First seen at the start of the week: guide-li (no activeSince) ramps up from here; 7 days on at NOW: 60%.
  await syncConfigToStore(prisma, config, FROM);
  const loaded = loadFiles(CAMPAIGNS);
  if (!loaded.ok) throw new Error(`scenario playbooks have errors: ${JSON.stringify(loaded.diagnostics)}`);
  const set = loaded.set;
  const referrals = createReferrals(prisma, { playbooks: () => set });
  const rewards = createRewards(prisma, () => set);
  const es = createEngineStore(prisma);
  await referrals.ensureReferralCodes(FROM);

  const staffRows = await prisma.staff.findMany({ select: { id: true, wecomUserId: true } });
  const idOf = (wecom: string) => staffRows.find((s) => s.wecomUserId === wecom)!.id;
  const staff = { zhao: idOf('ZhaoXue'), wang: idOf('WangMin'), li: idOf('LiLei'), smith: idOf('SmithJo') };
  const codeOf = async (staffId: string) => (await referrals.referralCodeOf(staffId))!;
  const codes = { zhao: await codeOf(staff.zhao), wang: await codeOf(staff.wang), smith: await codeOf(staff.smith) };

  // A KOC who left, with nothing in the week: not listed.
  const gone = await prisma.staff.create({ data: { wecomUserId: 'GoneKoc', name: '离职', role: 'ambassador', storeId: 'sh-001', leftAt: local('2026-11-01 10:00') } });
  await prisma.kocProfile.create({ data: { staffId: gone.id, tier: '普通' } });

  // ── clicks (tracking links /r/CODE log a link_clicks row). 赵雪 4 (two outside), 王敏 1, Smith 2.
  const click = (code: string, at: Date) => prisma.linkClick.create({ data: { code, at, sourceHash: 'h' } });
  for (const at of [local('2026-12-01 09:00'), local('2026-12-02 09:00'), local('2026-12-03 09:00'), new Date(TO.getTime() - MS)]) await click(codes.zhao, at);
  await click(codes.zhao, new Date(FROM.getTime() - MS));
  await click(codes.zhao, TO);
  await click(codes.wang, local('2026-12-04 09:00'));
  await click(codes.smith, local('2026-12-05 09:00'));
  await click(codes.smith, local('2026-12-06 09:00'));

  // ── customers and their attribution (adds): 赵雪 c1, c2 in the week, c0 just before it, c3 at TO; 王敏 c4; Smith c5.
  const contact = async (accountId: string, externalId: string, name: string, at: Date) => (await es.ensureContact(accountId, { externalId, name }, at)).id;
  const attribute = async (contactId: string, code: string, at: Date) => {
    const result = await referrals.attribute(contactId, code, { at, campaignId: 'spring' });
    if (!result.ok) throw new Error(`attribution refused: ${result.reason}`);
  };
  const c0 = await contact('guide-wang', 'wm-c0', '顾客零', local('2026-11-30 23:00'));
  await attribute(c0, codes.zhao, new Date(FROM.getTime() - 30 * 1000)); // 23:59:30 the day before: outside
  const c1 = await contact('guide-wang', 'wm-c1', '王芳', local('2026-12-02 10:00'));
  await attribute(c1, codes.zhao, local('2026-12-02 10:00'));
  const c2 = await contact('guide-wang', 'wm-c2', '刘洋', local('2026-12-03 11:00'));
  await attribute(c2, codes.zhao, local('2026-12-03 11:00'));
  const c3 = await contact('guide-wang', 'wm-c3', '陈晨', local('2026-12-07 23:00'));
  await attribute(c3, codes.zhao, TO); // exactly at TO: outside
  const c4 = await contact('guide-wang', 'wm-c4', '张伟', local('2026-12-05 09:00'));
  await attribute(c4, codes.wang, local('2026-12-05 09:00'));
  const c5 = await contact('guide-li', 'wm-c5', '李娜', local('2026-12-06 09:00'));
  await attribute(c5, codes.smith, local('2026-12-06 09:00'));

  // ── coupons (spring; each under the contact's attribution code) and redemptions.
  const issue = async (contactId: string, at: Date, accountId = 'guide-wang') => {
    const result = await rewards.issueCoupon({ campaignId: 'spring', contactId, accountId, key: `scenario:${contactId}`, at, timeZone: ZONE });
    if (!result.ok) throw new Error(`coupon refused: ${result.reason}`);
    return result.coupon.code;
  };
  const redeem = async (code: string, storeId: string, at: Date) => {
    const result = await referrals.redeemCoupon({ code, storeId, channel: 'api', at });
    if (!result.ok) throw new Error(`redemption refused: ${result.reason}`);
  };
  const k0 = await issue(c0, new Date(FROM.getTime() - 10 * 1000)); // issued outside, redeemed inside (sh-002)
  const k1 = await issue(c1, local('2026-12-02 10:05'));
  const k2 = await issue(c2, local('2026-12-03 11:05'));
  const k5 = await issue(c5, local('2026-12-06 09:05'), 'guide-li');
  await redeem(k0, 'sh-002', local('2026-12-02 15:00'));
  await redeem(k1, 'sh-001', local('2026-12-04 15:00'));
  await redeem(k2, 'sh-001', TO); // at TO: outside
  await redeem(k5, 'bj-001', new Date(TO.getTime() - MS)); // the last millisecond: inside
  // flyer: three offline coupons, one redeemed in Beijing. autumn and winter: synced, nothing issued.
  const flyer = await issueOfflineCoupons(prisma, {
    terms: campaignTerms(set.campaigns.get('flyer')!.document, ZONE), count: 3, expiresAt: local('2026-12-31 00:00'), at: local('2026-12-02 12:00'),
    batchId: 'scenario', actor: 'cli',
  });
  if (!flyer.ok) throw new Error('flyer refused');
  await redeem(flyer.coupons[0]!.code, 'bj-001', local('2026-12-03 12:00'));
  await syncCampaign(prisma, campaignTerms(set.campaigns.get('autumn')!.document, ZONE));
  await syncCampaign(prisma, campaignTerms(set.campaigns.get('winter')!.document, ZONE));

  // ── points: 赵雪 10 + 20 − 5 in the week, 100 before it (balance 125).
  const award = async (staffId: string, amount: number, key: string, at: Date) => {
    const result = await rewards.awardPoints({ staff: { id: staffId }, amount, reason: 'scenario', key, at });
    if (!result.ok) throw new Error(`points refused: ${result.reason}`);
  };
  await award(staff.zhao, 100, 'p0', local('2026-11-20 10:00'));
  await award(staff.zhao, 10, 'p1', local('2026-12-02 10:00'));
  await award(staff.zhao, 20, 'p2', local('2026-12-04 15:00'));
  await award(staff.zhao, -5, 'p3', local('2026-12-05 10:00'));

  // ── the outbox, as the dispatcher leaves it.
  const room = await es.ensureRoom('guide-li', { externalId: 'room-1@chatroom', topic: '车友会' }, local('2026-12-01 10:00'));
  let n = 0;
  const entry = async (accountId: string, flowId: string | null, stepIndex: number | null, target: { contactId?: string; roomId?: string; tag?: true }, dueAt: Date, proactive = true) => {
    n += 1;
    const key = `scenario:${n}`;
    const action: OutboundAction = target.roomId
      ? { kind: 'roomSay', accountId, roomExternalId: 'room-1@chatroom', content: { text: 'hi' }, mentionExternalIds: [], mentionAll: false }
      : target.tag
        ? { kind: 'tag', accountId, contactExternalId: 'x', tags: ['新客'] }
        : { kind: 'say', accountId, contactExternalId: 'x', content: { text: 'hi' } };
    const row: NewOutboxEntry = {
      idempotencyKey: key, accountId, runId: flowId ? `run-${n}` : null, stepIndex, flowId, mode: 'auto', proactive,
      contactId: target.contactId ?? null, roomId: target.roomId ?? null, action, dueAt,
    };
    await es.enqueue([row], dueAt);
    return (await prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: key }, select: { id: true } })).id;
  };
  const settle = (id: bigint, outcome: OutboxDecision, at: Date) => es.settle(id, outcome, at);
  const defer = (id: bigint, reason: string, at: Date, until: Date) => settle(id, { decision: 'deferred', reason, until }, at);
  const claimThen = async (id: bigint, outcome: OutboxDecision, at: Date) => {
    if (!(await es.markSending(id, at))) throw new Error(`could not claim outbox ${id}`);
    await settle(id, outcome, at);
  };
  const sent = { decision: 'sent' } as const;
  const inbound = async (accountId: string, contactId: string, at: Date, roomId?: string) => {
    n += 1;
    await es.logInteraction({ at, direction: 'in', kind: 'message', accountId, contactId, roomId: roomId ?? null, body: {}, eventId: `msg-${n}` });
  };

  // new-customer-7d step 1 (index 0): sent 4 (e10, e1, e2, e3), deferred 2 {quiet_hours 1, rate_minute 1, spacing 1},
  // replied 1 (e1), opt-outs 1 (c4, after e3).
  const e10 = await entry('guide-wang', 'new-customer-7d', 0, { contactId: c0 }, local('2026-11-30 23:59'));
  await defer(e10, 'quiet_hours', new Date(FROM.getTime() - MS), local('2026-12-01 08:30')); // deferred just before the week
  await claimThen(e10, sent, local('2026-12-01 08:30'));
  const e1 = await entry('guide-wang', 'new-customer-7d', 0, { contactId: c1 }, local('2026-12-02 10:01'));
  await claimThen(e1, sent, local('2026-12-02 10:02'));
  await inbound('guide-wang', c1, local('2026-12-02 12:00')); // a reply within 24 h
  const e2 = await entry('guide-wang', 'new-customer-7d', 0, { contactId: c2 }, local('2026-12-03 22:00'));
  await defer(e2, 'quiet_hours', local('2026-12-03 22:00'), local('2026-12-04 08:30'));
  await claimThen(e2, sent, local('2026-12-04 08:31'));
  await inbound('guide-wang', c2, local('2026-12-05 09:00')); // 24 h 29 min later: not a reply to e2
  const e3 = await entry('guide-wang', 'new-customer-7d', 0, { contactId: c4 }, local('2026-12-05 10:00'));
  await defer(e3, 'rate_minute', local('2026-12-05 10:00'), local('2026-12-05 10:01'));
  await defer(e3, 'spacing', local('2026-12-05 10:01'), local('2026-12-05 10:02'));
  await claimThen(e3, sent, local('2026-12-05 10:02'));
  // c4 replies 退订 at 18:00: opted out (the engine logs the message and sets opted_out_at at the same instant) and
  // gets the confirmation, a send outside flows (not proactive).
  const optOutAt = local('2026-12-05 18:00');
  await inbound('guide-wang', c4, optOutAt);
  await es.setOptedOut(c4, optOutAt);
  const confirm = await entry('guide-wang', null, null, { contactId: c4 }, optOutAt, false);
  await claimThen(confirm, sent, new Date(optOutAt.getTime() + 5_000));

  // new-customer-7d step 2 (index 1): sent 0 (e6 at TO), skipped 2 {contact_month_cap 1, opted_out 1}, failed 1, in doubt 1.
  const e4 = await entry('guide-wang', 'new-customer-7d', 1, { contactId: c1 }, local('2026-12-03 10:00'));
  await settle(e4, { decision: 'skipped', reason: 'contact_month_cap' }, local('2026-12-03 10:00'));
  const e5 = await entry('guide-wang', 'new-customer-7d', 1, { contactId: c4 }, local('2026-12-06 10:00'));
  await settle(e5, { decision: 'skipped', reason: 'opted_out' }, local('2026-12-06 10:00'));
  const e6 = await entry('guide-wang', 'new-customer-7d', 1, { contactId: c2 }, local('2026-12-07 23:00'));
  await claimThen(e6, sent, TO); // sent at TO: outside the week, but "today" at NOW
  const e7 = await entry('guide-wang', 'new-customer-7d', 1, { contactId: c1 }, local('2026-12-06 11:00'));
  await claimThen(e7, { decision: 'in_doubt', reason: 'the channel threw' }, local('2026-12-06 11:00'));
  const e8 = await entry('guide-wang', 'new-customer-7d', 1, { contactId: c2 }, local('2026-12-06 12:00'));
  await claimThen(e8, { decision: 'failed', reason: 'contact not found' }, local('2026-12-06 12:00'));

  // new-customer-7d step 3 (index 2): two tags, sent. Not messages: c1's reply at 12:00 is not a reply to the first,
  // and c4's opt-out is not credited to the second although it came later than e3.
  const t1 = await entry('guide-wang', 'new-customer-7d', 2, { contactId: c1, tag: true }, local('2026-12-02 10:03'));
  await claimThen(t1, sent, local('2026-12-02 10:03'));
  const t2 = await entry('guide-wang', 'new-customer-7d', 2, { contactId: c4, tag: true }, local('2026-12-05 12:00'));
  await claimThen(t2, sent, local('2026-12-05 12:00'));

  // Pending at NOW on guide-wang: e11 deferred (rate_day, until 20:00), e12 due at 11:00 and not yet sent.
  const e11 = await entry('guide-wang', 'new-customer-7d', 0, { contactId: c3 }, local('2026-12-08 10:00'));
  await defer(e11, 'rate_day', local('2026-12-08 10:00'), local('2026-12-08 20:00'));
  await entry('guide-wang', 'new-customer-7d', 0, { contactId: c0 }, local('2026-12-08 11:00'));

  // weekly-news step 1 on guide-li: one room message, deferred once for quiet hours, answered in the room.
  const r1 = await entry('guide-li', 'weekly-news', 0, { roomId: room.id }, local('2026-12-02 22:00'));
  await defer(r1, 'quiet_hours', local('2026-12-02 22:00'), local('2026-12-03 10:00'));
  await claimThen(r1, sent, local('2026-12-03 10:00'));
  await inbound('guide-li', c5, local('2026-12-03 10:30'), room.id);

  // guide-li is paused from chat (/pause).
  await prisma.account.update({ where: { id: 'guide-li' }, data: { status: 'paused' } });
  return { config, staff };
}
