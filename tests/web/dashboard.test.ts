import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { BotStatus } from '../../src/bot/accountBot.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { KocNotes, reachableAccounts } from '../../src/runtime/koc/notes.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { upsertUser } from '../../src/store/dashboard/users.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { createReferrals } from '../../src/store/referral/index.ts';
import { hashPassword } from '../../src/web/dashboard/password.ts';
import { createWebServer } from '../../src/web/server.ts';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { ACCOUNT, DAY, MINUTE, T0, campaignSet, newContact, newKoc, seedOrganisation, unique } from '../support/referral.ts';
import { describeEachStore } from '../support/stores.ts';

/** The dashboard's gate (users, sessions, CSRF, lockout, roles), its two actions, and escaping, through inject. */
const PASSWORD = 'correct horse battery';
const PAGES = ['/', '/accounts', '/playbooks', '/outbox', '/interactions', '/koc', '/charts', '/simulate'];
const APIS = ['/api/dashboard/charts', '/api/dashboard/accounts'];
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function setCookies(response: LightMyRequestResponse): Map<string, string> {
  const header = response.headers['set-cookie'];
  const list = Array.isArray(header) ? header : header ? [header] : [];
  return new Map(list.map((c) => {
    const [pair] = c.split(';');
    const at = pair!.indexOf('=');
    return [pair!.slice(0, at), c] as [string, string];
  }));
}
const valueOf = (setCookie: string | undefined) => setCookie?.split(';')[0]?.split('=').slice(1).join('=') ?? '';

describeEachStore('the dashboard', (ctx) => {
  let app: FastifyInstance;
  let clock: FakeClock;
  let simulations: string;
  const statuses = new Map<string, BotStatus>([[ACCOUNT, { state: 'logged_in', since: T0, self: { externalId: 'bot-1', name: '导购小王' } }]]);

  beforeAll(async () => {
    await seedOrganisation(ctx.prisma);
    clock = new FakeClock(T0);
    simulations = mkdtempSync(join(tmpdir(), 'kocflow-sims-'));
    const set = campaignSet();
    const notes = new KocNotes(createEngineStore(ctx.prisma, { claimedBy: 'test' }), () => reachableAccounts([{ id: ACCOUNT, role: 'guide', timeZone: 'Asia/Shanghai', owner: null }]));
    app = createWebServer({
      referrals: createReferrals(ctx.prisma, { playbooks: () => set }), guard: new RedemptionGuard({ clock }),
      tillKeys: parseTillKeys(undefined, 'KOCFLOW_TILL_KEYS'), stores: new Set(['sh-001']),
      raise: async () => {}, prisma: ctx.prisma, clock, logger: silentLogger(),
      dashboard: {
        prisma: ctx.prisma, clock, logger: silentLogger(), simulationsDir: simulations,
        runtime: {
          botStatuses: () => statuses,
          playbooks: () => set,
          leaderboard: async () => ({ windowMs: 30 * DAY, entries: [] }),
          notes,
          kick: () => {},
        },
        auth: { maxFailures: 3, lockMinutes: 15, sessionTtlMs: 2 * 3_600_000, idleMs: 30 * MINUTE },
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(simulations, { recursive: true, force: true });
  });

  async function login(username: string, password: string) {
    const form = await app.inject({ method: 'GET', url: '/login' });
    const csrfCookie = setCookies(form).get('kocflow_login_csrf');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    return app.inject({
      method: 'POST', url: '/login', headers: { ...FORM, cookie: `kocflow_login_csrf=${valueOf(csrfCookie)}` },
      payload: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
    });
  }
  /** Logs in and returns the session cookie and the CSRF token of its pages. */
  async function session(username = 'mei') {
    const response = await login(username, PASSWORD);
    expect(response.statusCode).toBe(303);
    const cookie = `kocflow_session=${valueOf(setCookies(response).get('kocflow_session'))}`;
    const page = await app.inject({ method: 'GET', url: '/accounts', headers: { cookie } });
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return { cookie, csrf };
  }

  it('before any user exists, every page says how to create one and every API refuses', async () => {
    for (const url of [...PAGES, '/login']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(503);
      expect(response.body).toContain('kocflow user add');
      expect(response.body).not.toContain('导购小王');
    }
    for (const url of APIS) expect((await app.inject({ method: 'GET', url })).json()).toMatchObject({ error: { code: 'KOC_DASHBOARD_NO_USERS' } });
    await upsertUser(ctx.prisma, { username: 'mei', passwordHash: await hashPassword(PASSWORD), role: 'ops', actor: 'cli', at: T0 });
    await upsertUser(ctx.prisma, { username: 'vic', passwordHash: await hashPassword(PASSWORD), role: 'viewer', actor: 'cli', at: T0 });
  });

  it('no page, API or action without a session: pages redirect to the login, APIs and POSTs answer 401', async () => {
    for (const cookie of [undefined, 'kocflow_session=forged-token']) {
      for (const url of PAGES) {
        const response = await app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
        expect(response.statusCode, url).toBe(303);
        expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
      }
      for (const url of APIS) {
        const response = await app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
        expect(response.statusCode).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'KOC_DASHBOARD_UNAUTHENTICATED' } });
      }
      for (const url of ['/koc/tasks/1/review', '/outbox/1/resolve', '/logout']) {
        const response = await app.inject({ method: 'POST', url, headers: { ...FORM, ...(cookie ? { cookie } : {}) }, payload: 'decision=approve&outcome=sent' });
        expect(response.statusCode, url).toBe(401);
      }
    }
    expect((await app.inject({ method: 'GET', url: '/accounts/guide-wang/qr.svg' })).statusCode).toBe(303);
  });

  it('logs in through the form: an HttpOnly SameSite=Strict cookie, the token stored only hashed, an audit row; logout ends it', async () => {
    const response = await login('mei', PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/accounts');
    const set = setCookies(response).get('kocflow_session')!;
    expect(set).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Max-Age=7200$/);
    const token = valueOf(set);
    expect(await ctx.prisma.session.count({ where: { id: token } })).toBe(0);
    const cookie = `kocflow_session=${token}`;
    const page = await app.inject({ method: 'GET', url: '/accounts', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('导购小王');
    expect(page.body).toContain('logged in');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await app.inject({ method: 'GET', url: '/api/dashboard/accounts', headers: { cookie } })).json()).toEqual({ accounts: [{ id: ACCOUNT, state: 'logged_in', since: T0.toISOString() }] });
    expect(await ctx.prisma.auditLog.count({ where: { action: 'login', actor: 'dashboard:mei' } })).toBeGreaterThan(0);
    for (const url of PAGES.slice(1)) expect((await app.inject({ method: 'GET', url, headers: { cookie } })).statusCode, url).toBe(200);

    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)![1]!;
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: `_csrf=${csrf}` });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: '/accounts', headers: { cookie } })).statusCode).toBe(303);
  });

  it('shows the login QR code of an account waiting for a scan, as an image', async () => {
    const { cookie } = await session();
    expect((await app.inject({ method: 'GET', url: `/accounts/${ACCOUNT}/qr.svg`, headers: { cookie } })).statusCode).toBe(404);
    statuses.set('guide-scan', { state: 'waiting_for_scan', since: T0, qr: 'https://login.weixin.qq.com/l/abc' });
    await ctx.prisma.account.upsert({ where: { id: 'guide-scan' }, create: { id: 'guide-scan', displayName: '导购扫码', role: 'guide' }, update: {} });
    try {
      const page = await app.inject({ method: 'GET', url: '/accounts', headers: { cookie } });
      expect(page.body).toContain('<img class="qr" src="/accounts/guide-scan/qr.svg"');
      const qr = await app.inject({ method: 'GET', url: '/accounts/guide-scan/qr.svg', headers: { cookie } });
      expect(qr.statusCode).toBe(200);
      expect(qr.headers['content-type']).toContain('image/svg+xml');
      expect(qr.body).toContain('<svg');
    } finally {
      statuses.delete('guide-scan');
    }
  });

  it('refuses a POST without the session\'s CSRF token or with a wrong one (403), and a login form without its token', async () => {
    const { cookie, csrf } = await session();
    expect(csrf).toMatch(/^[\w-]{40,}$/);
    for (const payload of ['decision=approve', 'decision=approve&_csrf=', `decision=approve&_csrf=${csrf}x`, `decision=approve&_csrf=${csrf.slice(0, -1)}`]) {
      const response = await app.inject({ method: 'POST', url: '/koc/tasks/1/review', headers: { ...FORM, cookie }, payload });
      expect(response.statusCode, payload).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'KOC_DASHBOARD_CSRF' } });
    }
    const header = await app.inject({ method: 'POST', url: '/outbox/1/resolve', headers: { ...FORM, cookie, 'x-csrf-token': 'nope' }, payload: 'outcome=sent' });
    expect(header.statusCode).toBe(403);
    // The token in a header works as well as the form field (here: no such entry).
    expect((await app.inject({ method: 'POST', url: '/outbox/999999/resolve', headers: { ...FORM, cookie, 'x-csrf-token': csrf }, payload: 'outcome=sent' })).statusCode).toBe(404);
    const noToken = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `username=mei&password=${encodeURIComponent(PASSWORD)}` });
    expect(noToken.statusCode).toBe(403);
  });

  it('locks a user after 3 failures for 15 minutes with the same generic answer as an unknown name, and audits it', async () => {
    await upsertUser(ctx.prisma, { username: 'lou', passwordHash: await hashPassword(PASSWORD), role: 'ops', actor: 'cli', at: clock.now() });
    const unknown = await login('nobody', PASSWORD);
    expect(unknown.statusCode).toBe(401);
    const generic = /<p class="bad" role="alert">([^<]+)<\/p>/.exec(unknown.body)![1];
    for (let i = 0; i < 3; i++) {
      const wrong = await login('lou', 'wrong password!');
      expect(wrong.statusCode).toBe(401);
      expect(/<p class="bad" role="alert">([^<]+)<\/p>/.exec(wrong.body)![1]).toBe(generic);
    }
    const locked = await login('lou', PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(/<p class="bad" role="alert">([^<]+)<\/p>/.exec(locked.body)![1]).toBe(generic);
    expect(await ctx.prisma.auditLog.count({ where: { action: 'login.lockout', subject: 'dashboard_user:lou' } })).toBe(1);
    expect(await ctx.prisma.auditLog.count({ where: { action: 'login.failed', subject: 'dashboard_user:lou' } })).toBe(4);
    clock.advance(16 * MINUTE);
    expect((await login('lou', PASSWORD)).statusCode).toBe(303);
    expect((await ctx.prisma.dashboardUser.findUniqueOrThrow({ where: { username: 'lou' } })).failedLogins).toBe(0);
  });

  it('ends a session after 30 idle minutes, and an active one after its 2-hour lifetime', async () => {
    const idle = await session();
    clock.advance(31 * MINUTE);
    expect((await app.inject({ method: 'GET', url: '/accounts', headers: { cookie: idle.cookie } })).statusCode).toBe(303);
    const active = await session();
    for (let t = 0; t < 5; t++) {
      clock.advance(20 * MINUTE);
      expect((await app.inject({ method: 'GET', url: '/outbox', headers: { cookie: active.cookie } })).statusCode).toBe(200);
    }
    clock.advance(21 * MINUTE);
    expect((await app.inject({ method: 'GET', url: '/outbox', headers: { cookie: active.cookie } })).statusCode).toBe(303);
  });

  it('escapes what customers wrote: a name and a message with markup show as text in the interaction log', async () => {
    const contact = await newContact(ctx.prisma, { name: '<script>alert("name")</script>', externalId: unique('wm-xss') });
    await ctx.prisma.interaction.create({ data: { occurredAt: clock.now(), direction: 'in', kind: 'message', accountId: ACCOUNT, contactId: contact.id, body: { text: '<img src=x onerror=alert(1)>' } } });
    const { cookie } = await session();
    const page = await app.inject({ method: 'GET', url: `/interactions?contact=${encodeURIComponent('<script>')}`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    // The search term itself comes back escaped in the form.
    expect(page.body).toContain('value="&lt;script&gt;"');
  });

  it('approves a submitted task with the points and an audit row; a viewer cannot; a second review is a 409', async () => {
    const koc = await newKoc(ctx.prisma, { name: '赵雪' });
    await ctx.prisma.staff.update({ where: { id: koc.staffId }, data: { accountId: null } });
    await ctx.prisma.kocTask.upsert({ where: { id: 'post-1' }, create: { id: 'post-1', title: '发朋友圈', points: 30 }, update: {} });
    const assignment = await ctx.prisma.taskAssignment.create({ data: { taskId: 'post-1', staffId: koc.staffId, status: 'submitted', submission: '<b>done</b>', submittedAt: clock.now() } });
    const viewer = await session('vic');
    const page = await app.inject({ method: 'GET', url: '/koc', headers: { cookie: viewer.cookie } });
    expect(page.body).toContain('&lt;b&gt;done&lt;/b&gt;');
    expect(page.body).not.toContain(`action="/koc/tasks/${assignment.number}/review"`);
    const refused = await app.inject({ method: 'POST', url: `/koc/tasks/${assignment.number}/review`, headers: { ...FORM, cookie: viewer.cookie }, payload: `_csrf=${viewer.csrf}&decision=approve` });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'KOC_DASHBOARD_FORBIDDEN' } });

    const ops = await session('mei');
    const form = await app.inject({ method: 'GET', url: '/koc', headers: { cookie: ops.cookie } });
    expect(form.body).toContain(`action="/koc/tasks/${assignment.number}/review"`);
    const approved = await app.inject({ method: 'POST', url: `/koc/tasks/${assignment.number}/review`, headers: { ...FORM, cookie: ops.cookie }, payload: `_csrf=${ops.csrf}&decision=approve&note=${encodeURIComponent('很棒')}` });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe('/koc?notice=approved');
    expect((await ctx.prisma.taskAssignment.findUniqueOrThrow({ where: { id: assignment.id } })).status).toBe('approved');
    expect((await ctx.prisma.kocProfile.findUniqueOrThrow({ where: { staffId: koc.staffId } })).pointsBalance).toBe(30);
    expect(await ctx.prisma.auditLog.count({ where: { action: 'task.approve', actor: 'dashboard:mei', subject: `task_assignment:${assignment.id}` } })).toBe(1);
    const again = await app.inject({ method: 'POST', url: `/koc/tasks/${assignment.number}/review`, headers: { ...FORM, cookie: ops.cookie }, payload: `_csrf=${ops.csrf}&decision=approve` });
    expect(again.statusCode).toBe(409);
  });

  it('resolves an in-doubt send as sent, with an outbox event and an audit row; a second resolve is a 409', async () => {
    const entry = await ctx.prisma.outboxEntry.create({
      data: { idempotencyKey: unique('doubt'), accountId: ACCOUNT, kind: 'say', payload: { kind: 'say', accountId: ACCOUNT, text: '欢迎 <b>王芳</b>' }, status: 'in_doubt', dueAt: clock.now() },
    });
    const { cookie, csrf } = await session();
    const page = await app.inject({ method: 'GET', url: '/outbox', headers: { cookie } });
    expect(page.body).toContain(`action="/outbox/${entry.id}/resolve"`);
    expect(page.body).toContain('欢迎 &lt;b&gt;王芳&lt;/b&gt;');
    const resolved = await app.inject({ method: 'POST', url: `/outbox/${entry.id}/resolve`, headers: { ...FORM, cookie }, payload: `_csrf=${csrf}&outcome=sent` });
    expect(resolved.statusCode).toBe(303);
    const row = await ctx.prisma.outboxEntry.findUniqueOrThrow({ where: { id: entry.id } });
    expect(row.status).toBe('sent');
    expect(row.sentAt).toEqual(clock.now());
    expect(await ctx.prisma.outboxEvent.count({ where: { outboxId: entry.id, decision: 'resolved', reason: 'sent' } })).toBe(1);
    expect(await ctx.prisma.auditLog.count({ where: { action: 'outbox.resolve', subject: `outbox:${entry.id}`, actor: 'dashboard:mei' } })).toBe(1);
    const again = await app.inject({ method: 'POST', url: `/outbox/${entry.id}/resolve`, headers: { ...FORM, cookie }, payload: `_csrf=${csrf}&outcome=failed` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'KOC_OUTBOX_NOT_IN_DOUBT' } });
  });

  it('aggregates the funnel and sends per day in SQL for the charts, and renders a saved simulation', async () => {
    const koc = await newKoc(ctx.prisma, { name: '钱多多' });
    await ctx.prisma.linkClick.createMany({ data: [{ code: koc.code, at: clock.now() }, { code: koc.code, at: clock.now() }] });
    const contact = await newContact(ctx.prisma);
    await ctx.prisma.contact.update({ where: { id: contact.id }, data: { attributedToStaffId: koc.staffId, attributionReferralCodeId: koc.codeId, attributedAt: clock.now() } });
    await ctx.prisma.outboxEntry.create({ data: { idempotencyKey: unique('sent'), accountId: ACCOUNT, kind: 'say', payload: { kind: 'say' }, status: 'sent', dueAt: clock.now(), sentAt: new Date(clock.now().getTime() - DAY) } });
    const { cookie } = await session();
    const data = (await app.inject({ method: 'GET', url: '/api/dashboard/charts?days=7', headers: { cookie } })).json();
    expect(data.days).toBe(7);
    expect(data.sendsPerDay).toHaveLength(7);
    expect(data.sendsPerDay.reduce((n: number, d: { sends: number }) => n + d.sends, 0)).toBeGreaterThanOrEqual(1);
    expect(data.byKoc.find((r: { key: string }) => r.key === koc.staffId)).toMatchObject({ label: '钱多多', clicks: 2, adds: 1 });
    const charts = await app.inject({ method: 'GET', url: '/charts', headers: { cookie } });
    expect(charts.body).toContain('<canvas id="chart-sends"');
    expect(charts.body).toContain('<script src="/assets/chart.umd.min.js"></script>');
    expect((await app.inject({ method: 'GET', url: '/assets/chart.umd.min.js' })).body).toContain('Chart.js');

    writeFileSync(join(simulations, 'dec.json'), JSON.stringify({
      period: { from: '2026-12-01', to: '2026-12-31', days: 30, timeZone: 'Asia/Shanghai' }, seed: 7, sends: 12,
      sendsPerDay: [{ date: '2026-12-01', sends: 12 }], byKind: {}, byFlow: { 'welcome-<x>': { name: '欢迎', sends: 12, deferred: 1, skipped: 0 } },
      byAccount: { a1: { role: 'guide', store: null, sends: 12, max: { minute: 1, hour: 3, day: 12 }, limits: { minute: 5, hour: 30, day: 100 }, rampUp: false } },
      deferred: { total: 1, entries: 1, byReason: {} }, skipped: { total: 0, byReason: {} }, failed: 0, inDoubt: 0, violations: {},
    }));
    const sim = await app.inject({ method: 'GET', url: '/simulate?file=dec.json', headers: { cookie } });
    expect(sim.statusCode).toBe(200);
    expect(sim.body).toContain('welcome-&lt;x&gt;');
    expect(sim.body).toContain('data-chart="sim-sends"');
    expect((await app.inject({ method: 'GET', url: '/simulate?file=../../etc/passwd', headers: { cookie } })).statusCode).toBe(200);
  });
});
