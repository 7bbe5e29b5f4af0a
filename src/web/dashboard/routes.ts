import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { BotStatus } from '../../bot/accountBot.ts';
import type { Clock } from '../../domain/types.ts';
import { startOfLocalDay } from '../../engine/localTime.ts';
import type { LeaderboardEntry } from '../../engine/ports.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import type { KocNotes } from '../../runtime/koc/notes.ts';
import { reviewSubmission } from '../../runtime/koc/review.ts';
import type { Logger } from '../../shared/logger.ts';
import type { SimulationSummary } from '../../simulate/report.ts';
import { funnelByCampaign, funnelByKoc, sendsPerDay } from '../../store/dashboard/charts.ts';
import { searchInteractions } from '../../store/dashboard/interactions.ts';
import { outboxOverview } from '../../store/dashboard/outbox.ts';
import type { SessionView } from '../../store/dashboard/sessions.ts';
import { countUsers } from '../../store/dashboard/users.ts';
import { resolveInDoubt } from '../../store/engine/inDoubt.ts';
import type { PrismaClient } from '../../store/generated/client.ts';
import { openFeedback } from '../../store/koc/stats.ts';
import { submissionsToReview } from '../../store/koc/tasks.ts';
import { CHARTS_JS, DASHBOARD_CSS, chartJsSource } from './assets.ts';
import { DashboardAuth, DEFAULT_AUTH, LOGIN_CSRF_COOKIE, LOGIN_FAILED, SESSION_COOKIE, cookie, mayAct, newToken, parseCookies, sameToken, type AuthSettings } from './auth.ts';
import { html, layout, type Html } from './html.ts';
import { accountsPage } from './pages/accounts.ts';
import { chartsPage, type ChartsData } from './pages/charts.ts';
import { interactionsPage } from './pages/interactions.ts';
import { kocPage } from './pages/koc.ts';
import { outboxPage } from './pages/outbox.ts';
import { playbooksPage } from './pages/playbooks.ts';
import { simulatePage } from './pages/simulate.ts';

/**
 * The dashboard, served by `kocflow start` next to the till API: server-rendered pages behind a login. Every page
 * and dashboard API needs a session (pages redirect to /login, APIs answer 401); every POST needs the session's
 * CSRF token (form field `_csrf` or header `x-csrf-token`); approving and resolving need the ops or admin role.
 * Until a user exists, every page says how to create one. Errors carry KOC_DASHBOARD_… codes.
 */
export interface DashboardRuntime {
  botStatuses(): Map<string, BotStatus>;
  playbooks(): PlaybookSet;
  leaderboard(at: Date): Promise<{ windowMs: number; entries: (LeaderboardEntry & { wecomUserId: string })[] }>;
  /** Where task-review notes to KOCs are queued (sent by the running bots). */
  notes: KocNotes;
  /** Wakes the engine driver (a queued note goes out now). */
  kick(): void;
}

export interface DashboardDeps {
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  runtime: DashboardRuntime;
  /** Where ops keep `kocflow simulate --format json` results for the simulate page. */
  simulationsDir: string;
  auth?: Partial<AuthSettings>;
  /** The zone days are counted in on the charts. @default Asia/Shanghai */
  timeZone?: string;
}

const NOTICES: Record<string, string> = {
  approved: '任务已通过，KOC 会在聊天里收到通知。Task approved; the KOC is told in chat.',
  rejected: '任务未通过，KOC 会在聊天里收到通知。Task rejected; the KOC is told in chat.',
  'resolved-sent': '已标记为已发送。Marked as sent.',
  'resolved-failed': '已标记为未发送。Marked as not delivered.',
};

const loginBody = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(1024), _csrf: z.string().max(200).optional(), next: z.string().max(300).optional() });
const reviewBody = z.object({ decision: z.enum(['approve', 'reject']), note: z.string().trim().max(500).optional() });
const resolveBody = z.object({ outcome: z.enum(['sent', 'failed']), note: z.string().trim().max(500).optional() });
const positiveInt = z.coerce.number().int().positive().max(2_147_483_647);
const daysQuery = z.object({ days: z.coerce.number().int().refine((d) => [7, 30, 90].includes(d)).catch(30).default(30) });
const contactQuery = z.object({ contact: z.string().trim().max(100).optional() });
const simulateQuery = z.object({ file: z.string().regex(/^[\w.-]+\.json$/).max(200).optional() });

declare module 'fastify' {
  interface FastifyRequest {
    dashboardSession?: SessionView;
  }
}

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const settings: AuthSettings = { ...DEFAULT_AUTH, ...deps.auth };
  const auth = new DashboardAuth(deps.prisma, deps.clock, settings);
  const zone = deps.timeZone ?? 'Asia/Shanghai';

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    const fail = (reply: FastifyReply, status: number, code: `KOC_${string}`, message: string, request: FastifyRequest) => {
      if (request.url.startsWith('/api/') || request.method !== 'GET') {
        if (wantsHtml(request) && status !== 401) return sendPage(reply.code(status), { title: '出错了 Error', ...userOf(request) }, html`<p class="bad"><code>${code}</code> ${message}</p><p><a href="/accounts">back</a></p>`);
        return reply.code(status).send({ error: { code, message } });
      }
      return sendPage(reply.code(status), { title: '出错了 Error', ...userOf(request) }, html`<p class="bad"><code>${code}</code> ${message}</p>`);
    };

    /** The gate of every page and dashboard API: a user exists, a live session, the CSRF token on a POST. */
    const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<SessionView | undefined> => {
      if ((await countUsers(deps.prisma)) === 0) {
        if (request.method === 'GET' && !request.url.startsWith('/api/')) sendPage(reply.code(503), { title: '创建第一个用户 Create the first user' }, setupBody());
        else reply.code(401).send({ error: { code: 'KOC_DASHBOARD_NO_USERS', message: 'no dashboard user exists yet: run kocflow user add NAME' } });
        return undefined;
      }
      const session = await auth.session(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
      if (!session) {
        if (request.method === 'GET' && !request.url.startsWith('/api/')) reply.code(303).header('location', `/login?next=${encodeURIComponent(request.url)}`).send();
        else reply.code(401).send({ error: { code: 'KOC_DASHBOARD_UNAUTHENTICATED', message: 'log in first' } });
        return undefined;
      }
      if (request.method === 'POST') {
        const body = request.body as Record<string, unknown> | undefined;
        const sent = typeof body?._csrf === 'string' ? body._csrf : typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined;
        if (!sameToken(sent, session.csrfToken)) {
          reply.code(403).send({ error: { code: 'KOC_DASHBOARD_CSRF', message: 'the form is out of date or did not come from the dashboard: reload the page and try again' } });
          return undefined;
        }
      }
      request.dashboardSession = session;
      return session;
    };
    const userOf = (request: FastifyRequest) => request.dashboardSession ? { user: request.dashboardSession.user, csrfToken: request.dashboardSession.csrfToken } : {};
    const page = (reply: FastifyReply, session: SessionView, active: string, title: string, body: Html, extra: { notice?: string; scripts?: string[] } = {}) =>
      sendPage(reply, { title, user: session.user, csrfToken: session.csrfToken, active, ...extra }, body);
    const notice = (request: FastifyRequest) => {
      const key = (request.query as Record<string, unknown>).notice;
      return typeof key === 'string' && NOTICES[key] ? { notice: NOTICES[key] } : {};
    };

    // ── static files
    scope.get('/assets/dashboard.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(DASHBOARD_CSS));
    scope.get('/assets/charts.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CHARTS_JS));
    scope.get('/assets/chart.umd.min.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(await chartJsSource()));

    // Browsers ask for it on every page: no icon, and no 404 in their consoles.
    scope.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

    // ── login
    scope.get('/login', async (request, reply) => {
      if ((await countUsers(deps.prisma)) === 0) return sendPage(reply.code(503), { title: '创建第一个用户 Create the first user' }, setupBody());
      const token = newToken();
      const next = safeNext((request.query as Record<string, unknown>).next);
      reply.header('set-cookie', cookie(LOGIN_CSRF_COOKIE, token, settings, 3600));
      return sendPage(reply, { title: '登录 Log in' }, loginForm(token, next));
    });

    scope.post('/login', async (request, reply) => {
      if ((await countUsers(deps.prisma)) === 0) return sendPage(reply.code(503), { title: '创建第一个用户 Create the first user' }, setupBody());
      const parsed = loginBody.safeParse(request.body);
      const cookieToken = parseCookies(request.headers.cookie).get(LOGIN_CSRF_COOKIE);
      const formToken = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameToken(typeof formToken === 'string' ? formToken : undefined, cookieToken)) {
        return reply.code(403).send({ error: { code: 'KOC_DASHBOARD_CSRF', message: 'the login form is out of date: reload the login page and try again' } });
      }
      const next = safeNext(parsed.success ? parsed.data.next : undefined);
      const result = parsed.success ? await auth.login(parsed.data.username, parsed.data.password, { ip: request.ip }) : { ok: false as const };
      if (!result.ok) {
        const token = newToken();
        reply.header('set-cookie', cookie(LOGIN_CSRF_COOKIE, token, settings, 3600));
        return sendPage(reply.code(401), { title: '登录 Log in' }, html`<p class="bad" role="alert">${LOGIN_FAILED}</p>${loginForm(token, next)}`);
      }
      reply.header('set-cookie', [cookie(SESSION_COOKIE, result.token, settings, Math.floor(settings.sessionTtlMs / 1000)), cookie(LOGIN_CSRF_COOKIE, '', settings, 0)]);
      return reply.code(303).header('location', next ?? '/accounts').send();
    });

    scope.post('/logout', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      await auth.logout(session);
      return reply.code(303).header('set-cookie', cookie(SESSION_COOKIE, '', settings, 0)).header('location', '/login').send();
    });

    // ── pages
    scope.get('/', async (request, reply) => {
      if (!(await guard(request, reply))) return reply;
      return reply.code(303).header('location', '/accounts').send();
    });

    scope.get('/accounts', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      return page(reply, session, '/accounts', '账号 Accounts', await accountsPage(deps.prisma, deps.runtime.botStatuses(), deps.clock.now()));
    });

    scope.get<{ Params: { id: string } }>('/accounts/:id/qr.svg', async (request, reply) => {
      if (!(await guard(request, reply))) return reply;
      const status = deps.runtime.botStatuses().get(request.params.id);
      if (status?.state !== 'waiting_for_scan' || !status.qr) return fail(reply, 404, 'KOC_DASHBOARD_NO_QR', 'this account is not waiting for a scan', request);
      const svg = await QRCode.toString(status.qr, { type: 'svg', margin: 2, width: 200 });
      return reply.type('image/svg+xml').send(svg);
    });

    scope.get('/playbooks', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      return page(reply, session, '/playbooks', '剧本 Playbooks', await playbooksPage(deps.prisma, deps.runtime.playbooks(), deps.clock.now()));
    });

    scope.get('/outbox', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      return page(reply, session, '/outbox', '发送队列 Outbox', outboxPage(await outboxOverview(deps.prisma), session.csrfToken, mayAct(session.user.role)), notice(request));
    });

    scope.post<{ Params: { id: string } }>('/outbox/:id/resolve', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      if (!mayAct(session.user.role)) return fail(reply, 403, 'KOC_DASHBOARD_FORBIDDEN', 'viewers cannot resolve sends: ask an admin for the ops role', request);
      const id = /^\d{1,18}$/.test(request.params.id) ? BigInt(request.params.id) : undefined;
      const body = resolveBody.safeParse(request.body);
      if (id === undefined || !body.success) return fail(reply, 400, 'KOC_DASHBOARD_INVALID', 'resolve needs an outbox id and outcome=sent|failed', request);
      const result = await resolveInDoubt(deps.prisma, { id, outcome: body.data.outcome, actor: `dashboard:${session.user.username}`, ...(body.data.note ? { note: body.data.note } : {}), at: deps.clock.now() });
      if (!result.ok) {
        return result.reason === 'not_found'
          ? fail(reply, 404, 'KOC_OUTBOX_UNKNOWN', `there is no outbox entry ${id}`, request)
          : fail(reply, 409, 'KOC_OUTBOX_NOT_IN_DOUBT', `outbox entry ${id} is ${result.status}, not in doubt: someone resolved it already`, request);
      }
      deps.logger.info({ outbox: String(id), outcome: result.outcome }, 'in-doubt send resolved from the dashboard');
      return reply.code(303).header('location', `/outbox?notice=resolved-${result.outcome}`).send();
    });

    scope.get('/interactions', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      const query = contactQuery.safeParse(request.query);
      const contact = query.success ? query.data.contact || undefined : undefined;
      const rows = await searchInteractions(deps.prisma, { ...(contact ? { contact } : {}) });
      return page(reply, session, '/interactions', '互动记录 Interactions', interactionsPage(rows, contact));
    });

    scope.get('/koc', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      const now = deps.clock.now();
      const [board, submissions, feedback] = await Promise.all([deps.runtime.leaderboard(now), submissionsToReview(deps.prisma), openFeedback(deps.prisma)]);
      return page(reply, session, '/koc', 'KOC', kocPage({ leaderboard: board.entries, windowDays: Math.round(board.windowMs / 86_400_000), submissions, feedback }, session.csrfToken, mayAct(session.user.role)), notice(request));
    });

    scope.post<{ Params: { number: string } }>('/koc/tasks/:number/review', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      if (!mayAct(session.user.role)) return fail(reply, 403, 'KOC_DASHBOARD_FORBIDDEN', 'viewers cannot review tasks: ask an admin for the ops role', request);
      const number = positiveInt.safeParse(request.params.number);
      const body = reviewBody.safeParse(request.body);
      if (!number.success || !body.success) return fail(reply, 400, 'KOC_DASHBOARD_INVALID', 'review needs a task number and decision=approve|reject', request);
      const approve = body.data.decision === 'approve';
      const result = await reviewSubmission(deps.prisma, deps.runtime.notes, { number: number.data, approve, note: body.data.note ?? '', actor: `dashboard:${session.user.username}`, at: deps.clock.now() });
      if (!result.ok) {
        return result.reason === 'not_found'
          ? fail(reply, 404, 'KOC_TASK_SUBMISSION_UNKNOWN', `there is no task #${number.data}`, request)
          : fail(reply, 409, 'KOC_TASK_NOT_SUBMITTED', `task #${number.data} is ${result.assignment.status}, not waiting for review`, request);
      }
      deps.runtime.kick();
      return reply.code(303).header('location', `/koc?notice=${approve ? 'approved' : 'rejected'}`).send();
    });

    const chartsData = async (days: number): Promise<ChartsData> => {
      const now = deps.clock.now();
      // The last `days` local days, today included.
      const from = startOfLocalDay(new Date(now.getTime() - (days - 1) * 86_400_000), zone);
      const [byCampaign, byKoc, perDay] = await Promise.all([
        funnelByCampaign(deps.prisma, from), funnelByKoc(deps.prisma, from, new Date(now.getTime() + 1)), sendsPerDay(deps.prisma, { from, to: now, timeZone: zone }),
      ]);
      return { days, byCampaign, byKoc, sendsPerDay: perDay };
    };

    scope.get('/charts', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      const { days } = daysQuery.parse(request.query);
      return page(reply, session, '/charts', '图表 Charts', chartsPage(await chartsData(days)), { scripts: ['/assets/chart.umd.min.js', '/assets/charts.js'] });
    });

    scope.get('/api/dashboard/charts', async (request, reply) => {
      if (!(await guard(request, reply))) return reply;
      const { days } = daysQuery.parse(request.query);
      return reply.send(await chartsData(days));
    });

    scope.get('/api/dashboard/accounts', async (request, reply) => {
      if (!(await guard(request, reply))) return reply;
      const statuses = deps.runtime.botStatuses();
      return reply.send({ accounts: [...statuses].map(([id, s]) => ({ id, state: s.state, since: s.since.toISOString(), ...(s.reason ? { reason: s.reason } : {}) })) });
    });

    scope.get('/simulate', async (request, reply) => {
      const session = await guard(request, reply);
      if (!session) return reply;
      const files = await simulationFiles(deps.simulationsDir);
      const query = simulateQuery.safeParse(request.query);
      const chosen = query.success && query.data.file && files.includes(query.data.file) ? query.data.file : files[0];
      let summary: SimulationSummary | undefined;
      let problem: string | undefined;
      if (chosen) {
        try {
          summary = parseSummary(await readFile(join(deps.simulationsDir, chosen), 'utf8'));
          if (!summary) problem = `${chosen} is not the output of kocflow simulate --format json`;
        } catch (error) {
          problem = `${chosen} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`;
        }
      }
      return page(reply, session, '/simulate', '模拟 Simulate', simulatePage(files, chosen, summary, deps.simulationsDir, problem), summary ? { scripts: ['/assets/chart.umd.min.js', '/assets/charts.js'] } : {});
    });

  });
}

function sendPage(reply: FastifyReply, options: Parameters<typeof layout>[0], body: Html): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(layout(options, body));
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Only a path on this site (no scheme, no //host): an open redirect otherwise. */
function safeNext(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(value) && !value.startsWith('/login') ? value : undefined;
}

function loginForm(csrf: string, next: string | undefined): Html {
  return html`<form method="post" action="/login" class="login">
<input type="hidden" name="_csrf" value="${csrf}">${next ? html`<input type="hidden" name="next" value="${next}">` : ''}
<label>用户名 Username <input name="username" autocomplete="username" required maxlength="64" autofocus></label>
<label>密码 Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<button type="submit">登录 Log in</button></form>`;
}

function setupBody(): Html {
  return html`<p>The dashboard needs a user before it opens. On the machine that runs kocflow, in the project folder:</p>
<pre><code>kocflow user add YOUR-NAME --role admin</code></pre>
<p>It asks for a password (at least 10 characters; or pipe it on standard input). With the embedded store, stop kocflow first (Ctrl-C: the store is locked while it runs), add the user, and start it again; with PostgreSQL it can run alongside. Then reload this page and log in.</p>`;
}

async function simulationFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && /^[\w.-]+\.json$/.test(e.name)).map((e) => e.name).sort().reverse();
  } catch {
    return [];
  }
}

const summaryShape = z.looseObject({
  period: z.looseObject({ from: z.string(), to: z.string(), days: z.number(), timeZone: z.string() }),
  sends: z.number(),
  sendsPerDay: z.array(z.object({ date: z.string(), sends: z.number() })),
  byFlow: z.record(z.string(), z.looseObject({ name: z.string(), sends: z.number(), deferred: z.number(), skipped: z.number() })),
  byAccount: z.record(z.string(), z.looseObject({ role: z.string(), sends: z.number() })),
});

function parseSummary(text: string): SimulationSummary | undefined {
  try {
    return summaryShape.safeParse(JSON.parse(text)).success ? (JSON.parse(text) as SimulationSummary) : undefined;
  } catch {
    return undefined;
  }
}
