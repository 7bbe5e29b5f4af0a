import type { ChannelEvent, ContactRef } from '../domain/channel.ts';
import type { PlaybookFacts } from './playbookFacts.ts';
import type { Population, SimCustomer, SimRoom } from './population.ts';
import { rngStream, type Rng } from './rng.ts';

/**
 * What the synthetic customers do over the period, planned up front from the seed, in time order. Each customer:
 * - adds their account on a day of the period, at a time drawn from a daytime-heavy curve (some at night: their
 *   welcome waits for the end of quiet hours), a third with a greeting;
 * - 12% send a KOC's referral code minutes later (`code.sent` under the playbooks' referral campaign);
 * - 30% ask a price question within five days (the playbooks' keywords: 多少钱, 价格, …), 20% just chat;
 * - 25% of a guide's customers join one of the guide's groups (车友会·…), invited by a KOC, another customer or
 *   nobody (QR code); some of them talk in the group, 15% leave again;
 * - 6% are tagged by their guide (VIP: the tag-triggered flows), half of those join the invitation-only group the
 *   flow invites them to, and some lose the tag again later;
 * - 20% go to the store a few days later and redeem the coupon they hold (decided when the day comes: a customer
 *   without a valid coupon redeems nothing);
 * - 4% opt out (TD / 退订), at any hour.
 * Event ids are `<customer>:<what>`: unique and the same for the same seed. Events after the period are dropped.
 */
export type SimEvent =
  | { at: Date; kind: 'channel'; event: ChannelEvent }
  /** Resolved against the store when it happens: the customer's oldest valid coupon, if any. */
  | { at: Date; kind: 'redeem'; accountId: string; contact: ContactRef; eventId: string; storeId: string };

export interface BehaviourOptions {
  from: Date;
  days: number;
  seed: number;
}

/** A union member without its `at` (distributes over the union, unlike Omit). */
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Relative likelihood of each local hour for a customer action: people message in the day and the evening. */
const HOUR_WEIGHTS = [0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 5, 6, 6, 6, 5, 5, 5, 5, 6, 7, 8, 8, 7, 4, 1.5];

const GREETINGS = ['我是在门店扫码加的', '你好，朋友推荐的', '您好，想了解一下新品'];
const QUESTIONS = ['请问这款{kw}？', '{kw}？', '想问下{kw}', '现在{kw}怎么样'];
const CHATTER = ['好的，谢谢', '收到', '周末有空过去看看', '👍', '这个颜色还有吗'];
const ROOM_CHATTER = ['群里有人去过试驾吗？', '周末一起吗', '谢谢群主'];
const OPT_OUT = ['TD', '退订'];

export function planBehaviour(population: Population, facts: PlaybookFacts, options: BehaviourOptions): SimEvent[] {
  const rng = rngStream(options.seed, 'behaviour');
  const end = options.from.getTime() + options.days * DAY_MS;
  const planned: { at: number; seq: number; event: SimEvent }[] = [];
  const kocs = population.staff.filter((s) => s.koc !== null);
  const roomsOf = new Map<string, SimRoom[]>();
  for (const room of population.rooms) roomsOf.set(room.accountId, [...(roomsOf.get(room.accountId) ?? []), room]);
  const accountStore = new Map(population.accounts.flatMap((a) => (a.storeId ? [[a.id, a.storeId] as const] : [])));
  const ownerOf = new Map(population.accounts.map((a) => [a.id, a.ownerStaffExternalId]));
  const staffByWecom = new Map(population.staff.map((s) => [s.wecomUserId, s]));
  const earlier = new Map<string, SimCustomer[]>(); // customers an account already has: who can invite whom

  const add = (at: number, event: WithoutAt<SimEvent>) => {
    if (at < options.from.getTime() || at >= end) return;
    planned.push({ at, seq: planned.length, event: { ...event, at: new Date(at) } as SimEvent });
  };
  const channel = (at: number, event: WithoutAt<ChannelEvent>) => add(at, { kind: 'channel', event: { ...event, at: new Date(at) } as ChannelEvent });
  const daytime = (after: number, withinDays: [number, number]) => daytimeAfter(rng, options.from.getTime(), after, withinDays);

  for (const customer of population.customers) {
    const contact: ContactRef = { externalId: customer.externalId, name: customer.name };
    const base = { accountId: customer.accountId, contact };
    const id = (what: string) => `${customer.externalId}:${what}`;
    const day = rng.int(0, options.days - 1);
    const added = options.from.getTime() + day * DAY_MS + localTimeOfDay(rng);
    channel(added, { kind: 'friend.added', ...base, eventId: id('add'), ...(rng.chance(0.33) ? { hello: rng.pick(GREETINGS) } : {}) });

    if (facts.referralCampaign && kocs.length > 0 && rng.chance(0.12)) {
      const koc = rng.pick(kocs);
      channel(added + rng.int(1, 15) * MINUTE_MS, {
        kind: 'code.sent', ...base, eventId: id('code'), code: koc.koc!.referralCode, campaignId: facts.referralCampaign, referrerName: koc.name,
      });
    }
    if (rng.chance(0.3)) {
      const text = rng.pick(QUESTIONS).replace('{kw}', rng.pick(facts.keywords));
      channel(daytime(added, [0, 5]), { kind: 'message', ...base, eventId: id('ask'), text });
    }
    if (rng.chance(0.2)) channel(daytime(added, [0, 10]), { kind: 'message', ...base, eventId: id('chat'), text: rng.pick(CHATTER) });

    const rooms = roomsOf.get(customer.accountId) ?? [];
    const open = rooms.filter((r) => r.glob === null || !facts.inviteTopics.includes(r.glob));
    if (open.length > 0 && rng.chance(0.25)) {
      const room = rng.pick(open);
      const ref = { externalId: room.externalId, topic: room.topic };
      const joined = daytime(added, [0, 7]);
      const others = earlier.get(customer.accountId) ?? [];
      const who = rng.next();
      const inviter: ContactRef | undefined =
        who < 0.4 && kocs.length > 0 ? (() => { const k = rng.pick(kocs); return { externalId: k.wecomUserId, name: k.name }; })()
        : who < 0.65 && others.length > 0 ? (() => { const c = rng.pick(others); return { externalId: c.externalId, name: c.name }; })()
        : undefined;
      channel(joined, { kind: 'room.joined', accountId: customer.accountId, eventId: id('join'), room: ref, member: contact, ...(inviter ? { inviter } : {}) });
      if (rng.chance(0.15)) channel(daytime(joined, [0, 3]), { kind: 'message', ...base, eventId: id('room-msg'), room: ref, text: rng.pick(ROOM_CHATTER) });
      if (rng.chance(0.15)) channel(daytime(joined, [1, 10]), { kind: 'room.left', accountId: customer.accountId, eventId: id('leave'), room: ref, member: contact });
    }

    if (facts.tagsAdded.length > 0 && rng.chance(0.06)) {
      const tag = rng.pick(facts.tagsAdded);
      const tagged = daytime(added, [1, 10]);
      channel(tagged, { kind: 'tag.added', ...base, eventId: id('tag'), tag });
      const invited = rooms.filter((r) => r.glob !== null && facts.inviteTopics.includes(r.glob));
      if (invited.length > 0 && rng.chance(0.5)) {
        const room = rng.pick(invited);
        const owner = ownerOf.get(customer.accountId);
        const ownerName = owner ? staffByWecom.get(owner)?.name : undefined;
        channel(daytime(tagged, [1, 2]), {
          kind: 'room.joined', accountId: customer.accountId, eventId: id('vip-join'), room: { externalId: room.externalId, topic: room.topic }, member: contact,
          ...(owner ? { inviter: { externalId: owner, ...(ownerName ? { name: ownerName } : {}) } } : {}),
        });
      }
      if (facts.tagsRemoved.includes(tag) && rng.chance(0.2)) channel(daytime(tagged, [7, 20]), { kind: 'tag.removed', ...base, eventId: id('untag'), tag });
    }

    if (population.stores.length > 0 && rng.chance(0.2)) {
      // A guide's customer redeems in the guide's store; an ambassador's in any store.
      const storeId = accountStore.get(customer.accountId) ?? rng.pick(population.stores).id;
      add(daytime(added, [2, 8]), { kind: 'redeem', accountId: customer.accountId, contact, eventId: id('redeem'), storeId });
    }
    if (rng.chance(0.04)) channel(added + rng.int(12 * 60, 10 * 24 * 60) * MINUTE_MS, { kind: 'message', ...base, eventId: id('optout'), text: rng.pick(OPT_OUT) });

    earlier.set(customer.accountId, [...(earlier.get(customer.accountId) ?? []), customer]);
  }
  return planned.sort((a, b) => a.at - b.at || a.seq - b.seq).map((p) => p.event);
}

/** Milliseconds after local midnight: an hour from the daytime curve, then a minute and a second. */
function localTimeOfDay(rng: Rng): number {
  return rng.weighted(HOUR_WEIGHTS) * HOUR_MS + rng.int(0, 59) * MINUTE_MS + rng.int(0, 59) * 1_000;
}

/**
 * A moment `withinDays` days after `after` (whole local days, from the day of `after`), at a daytime-curve time;
 * never before `after` + 1 minute. Days are counted from `from` (local midnight; Asia/Shanghai has no DST).
 */
function daytimeAfter(rng: Rng, from: number, after: number, [minDays, maxDays]: [number, number]): number {
  const dayOfAfter = Math.floor((after - from) / DAY_MS);
  const at = from + (dayOfAfter + rng.int(minDays, maxDays)) * DAY_MS + localTimeOfDay(rng);
  return Math.max(at, after + MINUTE_MS);
}
