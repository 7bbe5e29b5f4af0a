import { describe, expect, it } from 'vitest';
import { loadPlaybookFolder } from '../../src/playbook/load.ts';
import { planBehaviour } from '../../src/simulate/behaviour.ts';
import { playbookFacts } from '../../src/simulate/playbookFacts.ts';
import { accountMix, buildPopulation } from '../../src/simulate/population.ts';
import { barChart, table } from '../../src/simulate/terminal.ts';

const samples = loadPlaybookFolder('sop-playbooks').set;
const facts = playbookFacts(samples);
const from = new Date('2026-11-30T16:00:00Z');

describe('the synthetic world of simulate', () => {
  it('takes keywords, group topics, tags, the referral campaign and the tiers from the playbooks', () => {
    expect(facts).toEqual({
      keywords: ['价格', '优惠', '多少钱'], roomTopics: ['VIP*', '车友会*'], inviteTopics: ['VIP*'], tagsAdded: ['VIP'], tagsRemoved: ['VIP'],
      referralCampaign: 'spring-referral',
      tiers: [{ name: '普通', minPoints: 0 }, { name: '潜力', minPoints: 100 }, { name: '核心', minPoints: 500 }],
    });
  });

  it('is mostly guides three to a store, one assistant and a few ambassadors, all KOCs with unique codes', () => {
    expect(accountMix(20)).toEqual({ guides: 16, ambassadorAccounts: 3, assistant: true, ambassadorsWithoutAccount: 5 });
    expect(accountMix(1)).toEqual({ guides: 1, ambassadorAccounts: 0, assistant: false, ambassadorsWithoutAccount: 0 });
    const world = buildPopulation({ accounts: 20, contacts: 500, seed: 7, from, facts });
    expect(world.stores.map((s) => s.id)).toEqual(['sh-01', 'sh-02', 'bj-01', 'gz-01', 'sh-03', 'bj-02']);
    expect(world.stores[0]!.name).toBe('上海南京西路店');
    expect(world.accounts.filter((a) => a.role === 'guide').map((a) => a.id).slice(0, 4)).toEqual(['sh-01-g1', 'sh-01-g2', 'sh-01-g3', 'sh-02-g1']);
    expect(world.accounts.filter((a) => a.role === 'assistant')).toHaveLength(1);
    const kocs = world.staff.filter((s) => s.koc);
    expect(kocs).toHaveLength(world.staff.length);
    expect(new Set(kocs.map((s) => s.koc!.referralCode)).size).toBe(kocs.length);
    expect(world.staff.some((s) => s.role === 'ambassador' && s.koc!.tier !== '普通')).toBe(true);
    expect(world.customers).toHaveLength(500);
    expect(world.customers.every((c) => !c.accountId.startsWith('assistant'))).toBe(true);
    expect(world.rooms.filter((r) => r.accountId === 'sh-01-g1').map((r) => r.topic)).toEqual(['VIP·上海南京西路店', '车友会·上海南京西路店', '新品交流群·上海南京西路店']);
  });

  it('plans the same events for the same seed, in time order, with unique ids, within the period', () => {
    const world = buildPopulation({ accounts: 5, contacts: 300, seed: 7, from, facts });
    const plan = planBehaviour(world, facts, { from, days: 30, seed: 7 });
    expect(planBehaviour(buildPopulation({ accounts: 5, contacts: 300, seed: 7, from, facts }), facts, { from, days: 30, seed: 7 })).toEqual(plan);
    expect(planBehaviour(world, facts, { from, days: 30, seed: 8 })).not.toEqual(plan);
    const times = plan.map((e) => e.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.every((t) => t >= from.getTime() && t < from.getTime() + 30 * 86_400_000)).toBe(true);
    const ids = plan.map((e) => (e.kind === 'channel' ? e.event.eventId : e.eventId));
    expect(new Set(ids).size).toBe(ids.length);
    const kinds = new Set(plan.map((e) => (e.kind === 'channel' ? e.event.kind : e.kind)));
    expect([...kinds].sort()).toEqual(['code.sent', 'friend.added', 'message', 'redeem', 'room.joined', 'room.left', 'tag.added', 'tag.removed']);
    expect(plan.some((e) => e.kind === 'channel' && e.event.kind === 'message' && /多少钱|价格|优惠/.test(e.event.text))).toBe(true);
    expect(plan.some((e) => e.kind === 'channel' && e.event.kind === 'message' && ['TD', '退订'].includes(e.event.text))).toBe(true);
  });
});

describe('the terminal layout of simulate', () => {
  it('aligns columns by display width, Chinese included', () => {
    expect(table(['flow', 'name', 'sends'], [['a', '新客 7 天旅程', '12'], ['bb', 'x', '3']], ['left', 'left', 'right'])).toEqual([
      '  flow  name           sends',
      '  a     新客 7 天旅程     12',
      '  bb    x                  3',
    ]);
  });

  it('draws bars scaled to the largest value, in eighths', () => {
    expect(barChart([{ label: '12-01 周二', value: 8 }, { label: '12-02 周三', value: 3 }], 4)).toEqual([
      '  12-01 周二  ████  8',
      '  12-02 周三  █▌    3',
    ]);
  });
});
