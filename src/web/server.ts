import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import { findReferralCode, formatCode } from '../referral/codes.ts';
import type { RedemptionGuard } from '../referral/guard.ts';
import type { RedemptionResult, ReferralService } from '../referral/ports.ts';
import type { Logger } from '../shared/logger.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { registerDashboard, type DashboardDeps } from './dashboard/routes.ts';
import { createMetrics, type BotSnapshot } from './metrics.ts';
import type { TillKeys } from './tillKeys.ts';

/**
 * The web half of the referral loop: the tills' redemption API and the KOCs' tracking links; for ops `/healthz`,
 * Prometheus `/metrics` (./metrics.ts) and, when given its dependencies, the dashboard behind its login
 * (src/web/dashboard/). Fastify, because it validates, limits bodies and answers malformed requests with 400s itself;
 * every error body is `{ error: { code, message, hint? } }` with a KOC_ code.
 */
export interface WebDeps {
  referrals: ReferralService;
  guard: RedemptionGuard;
  tillKeys: TillKeys;
  /** Configured store ids: a till can only redeem in one of them. */
  stores: ReadonlySet<string>;
  /** Raises an event for the engine (coupon.redeemed), under the engine's lock. */
  raise(event: ChannelEvent): Promise<void>;
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  /** A KOC's tracking page extras from kocflow.yaml (`staff[].landing`), by WeCom user id; qrFile is absolute. */
  landing?(wecomUserId: string): { text?: string; qrFile?: string } | undefined;
  /** The dashboard (pages at /, /accounts, …, behind a login); not served when absent. */
  dashboard?: DashboardDeps;
  /** This process's bots and their states, for /metrics (kocflow start: the fleet). */
  bots?: () => Iterable<BotSnapshot>;
  /** Node's process metrics (CPU, memory, event loop) on /metrics too. @default true */
  processMetrics?: boolean;
  /** How long one read of the store serves /metrics scrapes. @default 10_000 */
  metricsCacheMs?: number;
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

/**
 * A field of a till's request: printable, well-formed text. NUL and other control characters, and lone UTF-16
 * surrogates, are refused here (400): PostgreSQL cannot store NUL, and a lookup with one used to answer 500.
 */
const tillText = (max: number) =>
  z.string().min(1).max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed')
    .regex(/^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/, 'not well-formed Unicode');

const redemptionBody = z.strictObject({
  code: tillText(64),
  store: tillText(64),
  /** The cashier's WeCom user id, when the till knows it. */
  staff: tillText(64).optional(),
  /** The till's request id: the same request retried gets the same answer. */
  requestId: tillText(100).optional(),
});

const REFUSAL_STATUS: Record<Exclude<RedemptionResult, { ok: true }>['reason'], number> = {
  not_found: 404, already_redeemed: 409, expired: 410, voided: 410, wrong_store: 422,
};

export function createWebServer(deps: WebDeps): FastifyInstance {
  const app = Fastify({ bodyLimit: 16 * 1024, logger: false, trustProxy: false });
  const fail = (reply: FastifyReply, status: number, code: string, message: string, hint?: string, extra: Record<string, unknown> = {}) =>
    reply.code(status).send({ error: { code, message, ...(hint ? { hint } : {}), ...extra } });

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    // Fastify's own refusals (malformed JSON, body too large, wrong content type) keep their status, in our shape.
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) deps.logger.error({ err: error }, 'web request failed');
    return fail(reply, status, status === 500 ? 'KOC_API_INTERNAL' : 'KOC_API_BAD_REQUEST', status === 500 ? 'the request could not be completed' : error.message);
  });
  app.setNotFoundHandler((_request, reply) => fail(reply, 404, 'KOC_API_NOT_FOUND', 'no such endpoint'));

  app.get('/healthz', async () => ({ status: 'ok' }));
  if (deps.dashboard) registerDashboard(app, deps.dashboard);

  const metrics = createMetrics({
    prisma: deps.prisma, clock: deps.clock,
    ...(deps.bots ? { bots: deps.bots } : {}), ...(deps.processMetrics === undefined ? {} : { processMetrics: deps.processMetrics }),
    ...(deps.metricsCacheMs === undefined ? {} : { cacheMs: deps.metricsCacheMs }),
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));

  app.post('/api/redemptions', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const till = header.startsWith('Bearer ') ? deps.tillKeys.identify(header.slice(7).trim()) : undefined;
    if (!till) return fail(reply, 401, 'KOC_API_UNAUTHORIZED', 'a till API key is required', 'send Authorization: Bearer <key> with a key from the configured till keys');
    const parsed = redemptionBody.safeParse(request.body);
    if (!parsed.success) {
      return fail(reply, 400, 'KOC_API_INVALID', 'the body must be {"code", "store", "staff"?, "requestId"?}', undefined, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const body = parsed.data;
    if (!deps.stores.has(body.store)) return fail(reply, 400, 'KOC_API_STORE_UNKNOWN', `store "${body.store}" is not configured`);
    const source = `api:${till}`;
    const verdict = deps.guard.check(source);
    if (!verdict.allowed) {
      reply.header('retry-after', String(Math.ceil(verdict.retryAfterMs / 1000)));
      return fail(reply, 429, 'KOC_API_LOCKED', 'too many unknown codes from this till: try again later', `locked until ${verdict.until.toISOString()}`);
    }
    const staff = body.staff ? await deps.prisma.staff.findUnique({ where: { wecomUserId: body.staff }, select: { id: true } }) : null;
    const result = await deps.referrals.redeemCoupon({
      code: body.code, storeId: body.store, channel: 'api', at: deps.clock.now(),
      ...(staff ? { staffId: staff.id } : {}), ...(body.requestId ? { requestId: `${till}:${body.requestId}` } : {}),
    });
    deps.guard.record(source, result);
    if (!result.ok) {
      const { reason } = result;
      const details = reason === 'already_redeemed'
        ? { redeemedAt: result.redemption.at.toISOString(), redeemedIn: result.redemption.storeName }
        : reason === 'expired' ? { expiresAt: result.expiresAt.toISOString() }
          : reason === 'wrong_store' ? { allowedStores: result.allowedStores } : {};
      return fail(reply, REFUSAL_STATUS[reason], `KOC_COUPON_${reason.toUpperCase()}`, refusalText(result), undefined, details);
    }
    if (!result.replay && result.contact) {
      await deps.raise({
        kind: 'coupon.redeemed', accountId: result.contact.accountId, eventId: `redemption:${result.redemption.id}`, at: deps.clock.now(),
        contact: { externalId: result.contact.externalId }, couponCode: result.coupon.code, campaignId: result.campaign.id, storeName: result.redemption.storeName, couponExpiresAt: result.coupon.expiresAt,
      });
    }
    deps.logger.info({ till, store: body.store, replay: result.replay }, 'coupon redeemed through the till API');
    return reply.code(200).send({
      ok: true, replay: result.replay,
      coupon: { code: formatCode(result.coupon.code), campaign: result.campaign.name },
      redemption: { id: result.redemption.id, store: result.redemption.storeId, at: result.redemption.at.toISOString() },
      ...(result.referrer ? { referrer: { name: result.referrer.name } } : {}),
    });
  });

  /** A KOC's tracking link: the click is logged (with a daily salted hash of the address, not the address). */
  const liveCode = async (raw: string) => {
    const found = findReferralCode(raw);
    const row = found && 'code' in found
      ? await deps.prisma.referralCode.findUnique({ where: { code: found.code }, select: { code: true, disabledAt: true, staff: { select: { name: true, wecomUserId: true, leftAt: true } } } })
      : null;
    return !row || row.disabledAt || row.staff.leftAt ? undefined : row;
  };

  app.get<{ Params: { code: string } }>('/r/:code', async (request, reply) => {
    const row = await liveCode(request.params.code);
    reply.type('text/html; charset=utf-8');
    if (!row) return reply.code(404).send(page('链接无效', '<p>这个推荐链接无效或已经停用。</p>'));
    const now = deps.clock.now();
    const day = now.toISOString().slice(0, 10);
    const sourceHash = createHash('sha256').update(`${day}:${request.ip}`).digest('hex').slice(0, 32);
    await deps.prisma.linkClick.create({ data: { code: row.code, at: now, sourceHash } });
    const code = formatCode(row.code);
    const landing = deps.landing?.(row.staff.wecomUserId);
    return reply.send(page(`${row.staff.name} 推荐您`, `<p>${escapeHtml(row.staff.name)} 推荐您添加我们的导购。</p>
${landing?.text ? `<p>${escapeHtml(landing.text)}</p>\n` : ''}${landing?.qrFile ? `<p><img src="/r/${encodeURIComponent(row.code)}/qr" alt="${escapeHtml(row.staff.name)} 的企业微信二维码" width="240"></p>\n<p>长按识别二维码添加，` : '<p>添加好友时，'}在招呼语里写上推荐码 <strong>${escapeHtml(code)}</strong>，就能领取推荐礼券。</p>`));
  });

  // The add-me QR image of a live code's KOC (not a click: the page already counted the visit).
  app.get<{ Params: { code: string } }>('/r/:code/qr', async (request, reply) => {
    const row = await liveCode(request.params.code);
    const file = row ? deps.landing?.(row.staff.wecomUserId)?.qrFile : undefined;
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('no QR code for this link');
    try {
      const image = await readFile(file);
      return reply.type(IMAGE_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream').header('cache-control', 'public, max-age=3600').send(image);
    } catch (error) {
      deps.logger.error({ err: error }, 'the add-me QR image named in kocflow.yaml cannot be read');
      return reply.code(404).type('text/plain; charset=utf-8').send('no QR code for this link');
    }
  });

  return app;
}

function refusalText(result: Exclude<RedemptionResult, { ok: true }>): string {
  switch (result.reason) {
    case 'not_found':
      return result.wellFormed ? 'no coupon has this code' : 'this is not a coupon code (check for a typo)';
    case 'already_redeemed':
      return `the coupon was already redeemed at ${result.redemption.at.toISOString()} in ${result.redemption.storeName}`;
    case 'expired':
      return `the coupon expired at ${result.expiresAt.toISOString()}`;
    case 'wrong_store':
      return `the coupon cannot be redeemed in this store (only in ${result.allowedStores.join(', ')})`;
    case 'voided':
      return `the coupon was voided${result.voidReason ? `: ${result.voidReason}` : ''}`;
  }
}

/** Everything that comes from people (names) goes through this before it reaches a page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}
