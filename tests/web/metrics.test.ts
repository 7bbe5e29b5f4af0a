/**
 * GET /metrics on the web server: Prometheus text computed at the scrape from a seeded store (the week of
 * tests/support/reportScenario.ts, scraped at its NOW) and the bots' states from the runtime, on both stores.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BotState } from '../../src/bot/accountBot.ts';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import { createWebServer } from '../../src/web/server.ts';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { NOW, seedReportScenario } from '../support/reportScenario.ts';
import { campaignSet } from '../support/referral.ts';
import { describeEachStore } from '../support/stores.ts';

/** One sample of the exposition: `name{a="x",b="y"} value` → { name, labels, value }. */
interface Sample { name: string; labels: Record<string, string>; value: number }

function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { samples, types };
}

describeEachStore('GET /metrics', (ctx) => {
  let app: FastifyInstance;
  let clock: FakeClock;
  const states = new Map<string, BotState>([['guide-wang', 'logged_in'], ['guide-li', 'reconnecting']]);

  beforeAll(async () => {
    await seedReportScenario(ctx.prisma);
    clock = new FakeClock(NOW);
    const set = campaignSet();
    app = createWebServer({
      referrals: createReferrals(ctx.prisma, { playbooks: () => set }), guard: new RedemptionGuard({ clock }),
      tillKeys: parseTillKeys(undefined, 'KOCFLOW_TILL_KEYS'), stores: new Set(['sh-001']), raise: async () => {}, prisma: ctx.prisma, clock,
      logger: silentLogger(), bots: () => [...states].map(([accountId, state]) => ({ accountId, state })),
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves sends by account and status, deferrals and skips by reason, in-doubt and pending rows, and each bot\'s state', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { samples, types } = parseExposition(response.body);
    const value = (name: string, labels: Record<string, string>) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length);
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };
    const series = (name: string) => samples.filter((s) => s.name === name).map((s) => `${JSON.stringify(s.labels)} ${s.value}`).sort();

    // guide-wang: sent e10 e1 e2 e3, the confirmation, e6, t1, t2; skipped e4 e5; failed e8; in doubt e7; pending e11 e12.
    expect(series('kocflow_outbox_entries')).toEqual([
      '{"account":"guide-li","status":"failed"} 0', '{"account":"guide-li","status":"in_doubt"} 0', '{"account":"guide-li","status":"pending"} 0',
      '{"account":"guide-li","status":"sending"} 0', '{"account":"guide-li","status":"sent"} 1', '{"account":"guide-li","status":"skipped"} 0',
      '{"account":"guide-wang","status":"failed"} 1', '{"account":"guide-wang","status":"in_doubt"} 1', '{"account":"guide-wang","status":"pending"} 2',
      '{"account":"guide-wang","status":"sending"} 0', '{"account":"guide-wang","status":"sent"} 8', '{"account":"guide-wang","status":"skipped"} 2',
    ]);
    expect(value('kocflow_outbox_sent_total', { account: 'guide-wang' })).toBe(8);
    // Every deferral ever recorded, also the ones before the week (e10) and after it (e11).
    expect(series('kocflow_outbox_deferrals_total')).toEqual([
      '{"account":"guide-li","reason":"quiet_hours"} 1',
      '{"account":"guide-wang","reason":"quiet_hours"} 2', '{"account":"guide-wang","reason":"rate_day"} 1',
      '{"account":"guide-wang","reason":"rate_minute"} 1', '{"account":"guide-wang","reason":"spacing"} 1',
    ]);
    expect(series('kocflow_outbox_skips_total')).toEqual(['{"account":"guide-wang","reason":"contact_month_cap"} 1', '{"account":"guide-wang","reason":"opted_out"} 1']);
    expect(value('kocflow_outbox_in_doubt', { account: 'guide-wang' })).toBe(1);
    expect(value('kocflow_outbox_pending', { account: 'guide-wang' })).toBe(2);
    // e12 has been due since 11:00 (NOW is 12:00); e11 is deferred to 20:00, so it is pending but not due.
    expect(value('kocflow_outbox_due', { account: 'guide-wang' })).toBe(1);
    expect(value('kocflow_outbox_oldest_due_seconds', { account: 'guide-wang' })).toBe(3600);
    expect(value('kocflow_outbox_oldest_due_seconds', { account: 'guide-li' })).toBe(0);
    expect(value('kocflow_account_paused', { account: 'guide-li' })).toBe(1);
    expect(value('kocflow_account_paused', { account: 'guide-wang' })).toBe(0);
    expect(value('kocflow_bot_status', { account: 'guide-wang', state: 'logged_in' })).toBe(1);
    expect(value('kocflow_bot_status', { account: 'guide-wang', state: 'reconnecting' })).toBe(0);
    expect(series('kocflow_bot_status').filter((s) => s.endsWith(' 1'))).toEqual(['{"account":"guide-li","state":"reconnecting"} 1', '{"account":"guide-wang","state":"logged_in"} 1']);
    expect(series('kocflow_bot_status')).toHaveLength(12); // six states for each of the two bots
    expect(types.get('kocflow_outbox_deferrals_total')).toBe('counter');
    expect(types.get('kocflow_outbox_entries')).toBe('gauge');
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // No label carries personal data: only account ids, statuses, states and reasons.
    const labelNames = new Set(samples.filter((s) => s.name.startsWith('kocflow_')).flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['account', 'reason', 'state', 'status']);
    for (const name of ['王芳', '刘洋', '张伟', '赵雪', 'wm-c1', '导购小王']) expect(response.body).not.toContain(name);
  });

  it('bots are read at every scrape, the store at most once in 10 s (by the clock), concurrent scrapes one at a time', async () => {
    const guideLi = (body: string) => parseExposition(body).samples
      .filter((s) => s.labels.account === 'guide-li' && (s.name === 'kocflow_account_paused' || (s.name === 'kocflow_bot_status' && s.value === 1)))
      .map((s) => `${s.name} ${s.labels.state ?? ''} ${s.value}`).sort();
    states.set('guide-li', 'logged_in');
    await ctx.prisma.account.update({ where: { id: 'guide-li' }, data: { status: 'active' } });
    clock.set(new Date(NOW.getTime() + 9_999));
    expect(guideLi((await app.inject('/metrics')).body)).toEqual(['kocflow_account_paused  1', 'kocflow_bot_status logged_in 1']);
    clock.set(new Date(NOW.getTime() + 10_000));
    const [a, b] = await Promise.all([app.inject('/metrics'), app.inject('/metrics')]);
    for (const response of [a, b]) expect(guideLi(response.body)).toEqual(['kocflow_account_paused  0', 'kocflow_bot_status logged_in 1']);
    // The oldest due entry has waited 10 s longer.
    expect(b.body).toContain('kocflow_outbox_oldest_due_seconds{account="guide-wang"} 3610\n');
  });
});
