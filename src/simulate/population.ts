import { DEFAULT_PACING } from '../engine/pacing/settings.ts';
import type { AccountProfile } from '../engine/ports.ts';
import { DEFAULT_TIME_ZONE } from '../playbook/calendar.ts';
import type { SeedStaff, SeedStore } from '../store/simulationSeed.ts';
import { seededCode } from './seededCode.ts';
import type { PlaybookFacts } from './playbookFacts.ts';
import { rngStream, type Rng } from './rng.ts';

/**
 * The synthetic organisation and its customers, the same for the same seed:
 * - accounts: one assistant (the brand's 小助手 that ambassadors talk to, owned by ops), a few ambassador accounts
 *   (about 15%, from 4 accounts on), and guides for the rest, three to a store: sh-01, sh-02, bj-01, gz-01, …;
 *   about one account in five is new (it starts sending on the first day, so its limits ramp up);
 * - staff: each guide and ambassador account's owner, plus ambassadors who own no account (one per four
 *   accounts), every one a KOC with a tier from the tiers file, points to match and a referral code;
 * - rooms: each guide is in one group per room topic the playbooks name (车友会·…, VIP·…) and one they don't;
 * - customers: `contacts` of them in all (not per account), each belonging to one guide or ambassador account.
 * All in Asia/Shanghai, with the default pacing: what a brand starts with.
 */
export interface SimCustomer {
  externalId: string;
  name: string;
  accountId: string;
}

export interface SimRoom {
  accountId: string;
  externalId: string;
  topic: string;
  /** The playbook topic glob it was named for; null for the group no playbook mentions. */
  glob: string | null;
}

export interface Population {
  timeZone: string;
  stores: SeedStore[];
  accounts: AccountProfile[];
  staff: SeedStaff[];
  customers: SimCustomer[];
  rooms: SimRoom[];
}

export interface PopulationOptions {
  accounts: number;
  contacts: number;
  seed: number;
  /** Local midnight of the first simulated day. */
  from: Date;
  facts: PlaybookFacts;
}

const DAY_MS = 86_400_000;
const GUIDES_PER_STORE = 3;
const HQ = '品牌总部';
const OPS_STAFF = 'ops-01';

const CITIES: Record<string, { name: string; districts: string[] }> = {
  sh: { name: '上海', districts: ['南京西路店', '徐家汇店', '五角场店', '陆家嘴店', '静安寺店', '虹桥店'] },
  bj: { name: '北京', districts: ['三里屯店', '国贸店', '中关村店', '望京店'] },
  gz: { name: '广州', districts: ['天河城店', '北京路店', '珠江新城店'] },
  hz: { name: '杭州', districts: ['湖滨店', '西溪店'] },
  sz: { name: '深圳', districts: ['福田店', '南山店'] },
  cd: { name: '成都', districts: ['春熙路店', '太古里店'] },
};
/** The order stores open in: Shanghai first and most, then Beijing, Guangzhou, … */
const CITY_ORDER = ['sh', 'sh', 'bj', 'gz', 'sh', 'bj', 'hz', 'sz', 'sh', 'gz', 'bj', 'cd'];

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const GIVEN = [
  '芳', '伟', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '婷', '雪', '晨', '宇', '浩',
  '欣', '怡', '佳', '琳', '鹏', '秀英', '桂英', '子涵', '梓萱', '一诺', '若曦', '思远', '俊杰', '雨桐', '欣怡', '浩然', '宇轩', '诗涵', '嘉怡', '志强', '晓东',
];

export function buildPopulation(options: PopulationOptions): Population {
  const rng = rngStream(options.seed, 'population');
  const timeZone = DEFAULT_TIME_ZONE;
  const mix = accountMix(options.accounts);

  const stores: SeedStore[] = [];
  const perCity = new Map<string, number>();
  for (let i = 0; i < Math.ceil(mix.guides / GUIDES_PER_STORE); i++) {
    const cityKey = CITY_ORDER[i % CITY_ORDER.length]!;
    const city = CITIES[cityKey]!;
    const n = (perCity.get(cityKey) ?? 0) + 1;
    perCity.set(cityKey, n);
    stores.push({ id: `${cityKey}-${String(n).padStart(2, '0')}`, name: `${city.name}${city.districts[n - 1] ?? `${n}号店`}` });
  }

  const accounts: AccountProfile[] = [];
  const staff: SeedStaff[] = [];
  const codes = new Set<string>();
  const tierOf = (role: 'guide' | 'ambassador'): SeedStaff['koc'] => koc(rng, options.facts.tiers, role, codes);
  const profile = (id: string, name: string, role: AccountProfile['role'], store: SeedStore | null, owner: string | null, isNew: boolean): AccountProfile => ({
    id, name, role, storeId: store?.id ?? null, storeName: store?.name ?? HQ, timeZone, pacing: { ...DEFAULT_PACING },
    ownerStaffExternalId: owner, activeSince: isNew ? new Date(options.from) : new Date(options.from.getTime() - rng.int(30, 400) * DAY_MS),
  });

  for (let i = 0; i < mix.guides; i++) {
    const store = stores[Math.floor(i / GUIDES_PER_STORE)]!;
    const id = `${store.id}-g${(i % GUIDES_PER_STORE) + 1}`;
    const person = personName(rng);
    accounts.push(profile(id, `小${person.surname}`, 'guide', store, `u-${id}`, rng.chance(0.2)));
    staff.push({ id: `staff-${id}`, wecomUserId: `u-${id}`, name: person.full, role: 'guide', storeId: store.id, accountId: id, koc: tierOf('guide') });
  }
  for (let i = 0; i < mix.ambassadorAccounts; i++) {
    const id = `amb-${String(i + 1).padStart(2, '0')}`;
    const person = personName(rng);
    accounts.push(profile(id, person.full, 'ambassador', null, `u-${id}`, rng.chance(0.2)));
    staff.push({ id: `staff-${id}`, wecomUserId: `u-${id}`, name: person.full, role: 'ambassador', storeId: null, accountId: id, koc: tierOf('ambassador') });
  }
  if (mix.assistant) accounts.push(profile('assistant', '品牌小助手', 'assistant', null, OPS_STAFF, false));
  for (let i = 0; i < mix.ambassadorsWithoutAccount; i++) {
    const id = `koc-${String(i + 1).padStart(2, '0')}`;
    const person = personName(rng);
    staff.push({ id: `staff-${id}`, wecomUserId: `u-${id}`, name: person.full, role: 'ambassador', storeId: null, accountId: null, koc: tierOf('ambassador') });
  }
  // The weekly KOC task goes to the upper tiers: make sure there is someone to offer it to.
  const ambassadors = staff.filter((s) => s.role === 'ambassador');
  if (ambassadors.length > 0 && options.facts.tiers.length > 1 && ambassadors.every((s) => s.koc?.tier === options.facts.tiers[0]!.name)) {
    const upper = options.facts.tiers[1]!;
    ambassadors[0]!.koc = { ...ambassadors[0]!.koc!, tier: upper.name, points: upper.minPoints + 20 };
  }

  const rooms: SimRoom[] = [];
  for (const account of accounts.filter((a) => a.role === 'guide')) {
    const topics: { topic: string; glob: string | null }[] = options.facts.roomTopics.map((glob) => ({ glob, topic: topicFor(glob, account.storeName) }));
    topics.push({ glob: null, topic: `新品交流群·${account.storeName}` });
    topics.forEach((t, k) => rooms.push({ accountId: account.id, externalId: `${account.id}-room${k + 1}@chatroom`, topic: t.topic, glob: t.glob }));
  }

  const facing = accounts.filter((a) => a.role !== 'assistant');
  const weights = facing.map((a) => (a.role === 'guide' ? 1 : 0.4));
  const customers: SimCustomer[] = [];
  for (let i = 0; i < options.contacts; i++) {
    const account = facing[rng.weighted(weights)]!;
    customers.push({ externalId: `wm${String(i + 1).padStart(6, '0')}`, name: personName(rng).full, accountId: account.id });
  }

  return { timeZone, stores, accounts, staff, customers, rooms };
}

export interface AccountMix {
  guides: number;
  ambassadorAccounts: number;
  assistant: boolean;
  ambassadorsWithoutAccount: number;
}

/** 1 account: a guide. 2–3: guides and the assistant. From 4: about 15% ambassadors too. */
export function accountMix(total: number): AccountMix {
  if (total <= 1) return { guides: 1, ambassadorAccounts: 0, assistant: false, ambassadorsWithoutAccount: 0 };
  const ambassadorAccounts = total >= 4 ? Math.max(1, Math.round(total * 0.15)) : 0;
  return { guides: total - 1 - ambassadorAccounts, ambassadorAccounts, assistant: true, ambassadorsWithoutAccount: Math.max(1, Math.ceil(total / 4)) };
}

function koc(rng: Rng, tiers: PlaybookFacts['tiers'], role: 'guide' | 'ambassador', taken: Set<string>): NonNullable<SeedStaff['koc']> {
  // Most KOCs are in the lowest tier; ambassadors climb more often (posting is their job).
  const weights = tiers.map((_, k) => (k === 0 ? 5 : (role === 'ambassador' ? 4 : 3) / k ** 1.3));
  const index = rng.weighted(weights);
  const tier = tiers[index]!;
  const next = tiers[index + 1]?.minPoints ?? tier.minPoints + 500;
  const points = rng.int(tier.minPoints, Math.max(tier.minPoints, next - 1));
  let referralCode = seededCode(rng.next, 6, 'K');
  while (taken.has(referralCode)) referralCode = seededCode(rng.next, 6, 'K'); // codes are unique in the store
  taken.add(referralCode);
  return { tier: tier.name, points, referralCode };
}

function personName(rng: Rng): { surname: string; full: string } {
  const surname = rng.pick(SURNAMES);
  return { surname, full: surname + rng.pick(GIVEN) };
}

/** A concrete topic for a glob: `车友会*` → `车友会·上海南京西路店`. */
function topicFor(glob: string, storeName: string): string {
  return glob.includes('*') ? glob.replace('*', `·${storeName}`).replace(/\*/g, '').replace(/\?/g, '1') : glob.replace(/\?/g, '1');
}
