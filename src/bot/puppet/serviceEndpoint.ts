/**
 * Finding a puppet-service provider's gRPC endpoint for a token.
 *
 * Why not wechaty-puppet-service's own discovery (`wechaty:///<token>` through wechaty-token's gRPC resolver): with
 * @grpc/grpc-js 1.14.x it crashes the whole process (`this.listener.onError is not a function`), on failure and on
 * success (STACK-NOTES, "Wechaty"). The protocol itself is one HTTPS GET, so we do it here, with a timeout, typed
 * errors, and the token kept out of every message.
 */
import { z } from 'zod';
import { KocError } from '../../shared/errors.ts';
import { maskToken, scrubSecrets, rememberSecret } from './secrets.ts';

export const DEFAULT_DISCOVERY_URL = 'https://api.chatie.io';

export interface ServiceAddress {
  host: string;
  port: number;
}

export interface ResolveServiceEndpointOptions {
  /** The fetch to use (tests pass a stub). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Give up after this long. @default 5000 @minimum 1 */
  timeoutMs?: number;
  /** The discovery service's base URL; `/v0/hosties/<token>` is appended. @default 'https://api.chatie.io' */
  discoveryUrl?: string;
}

const portSchema = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(z.number().int().min(1).max(65_535));

// The chatie service answers 200 `{"host":"0.0.0.0","port":0}` for a token it does not know, so "unknown" is a
// well-formed answer that must be told apart from a usable address.
const answerSchema = z.object({ host: z.string(), port: z.unknown() });
const addressSchema = z.object({ host: z.string().min(1), port: portSchema });

/**
 * Asks the discovery service where the provider for `token` listens.
 * @throws KocError KOC_PUPPET_DISCOVERY_TIMEOUT (retryable) when no answer came within `timeoutMs`;
 *   KOC_PUPPET_DISCOVERY_FAILED otherwise: unreachable or 5xx (retryable), token unknown or a malformed answer (not).
 */
export async function resolveServiceEndpoint(
  token: string,
  options: ResolveServiceEndpointOptions = {},
): Promise<ServiceAddress> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const base = (options.discoveryUrl ?? DEFAULT_DISCOVERY_URL).replace(/\/+$/, '');
  const masked = maskToken(token);
  const where = originOf(base);
  const details = { discovery: where, tokenPrefix: masked };
  if (token.length === 0) {
    throw new KocError('KOC_PUPPET_DISCOVERY_FAILED', 'cannot discover a puppet-service endpoint for an empty token', {
      hint: "set the account's puppet token (from your puppet-service provider)",
      details,
    });
  }
  // The URL carries the token, and fetch puts the URL into some of its error messages.
  const forget = rememberSecret(token);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    let body: string;
    try {
      response = await fetchFn(`${base}/v0/hosties/${encodeURIComponent(token)}`, {
        signal: controller.signal,
        headers: { accept: 'application/json' },
      });
      body = await response.text();
    } catch (error) {
      if (controller.signal.aborted) {
        throw new KocError(
          'KOC_PUPPET_DISCOVERY_TIMEOUT',
          `puppet-service discovery at ${where} did not answer within ${timeoutMs} ms (token ${masked})`,
          {
            hint: `check this machine can reach ${where}, or set the account's endpoint (host, port) explicitly`,
            retryable: true,
            retryAfterMs: 10_000,
            details: { ...details, timeoutMs },
          },
        );
      }
      throw new KocError(
        'KOC_PUPPET_DISCOVERY_FAILED',
        `cannot reach puppet-service discovery at ${where} (token ${masked}): ${describe(error)}`,
        {
          hint: `check network access to ${where}, or set the account's endpoint (host, port) explicitly`,
          retryable: true,
          retryAfterMs: 10_000,
          details: { ...details, reason: describe(error) },
        },
      );
    }

    if (!response.ok) {
      const serverSide = response.status >= 500;
      throw new KocError(
        'KOC_PUPPET_DISCOVERY_FAILED',
        `puppet-service discovery at ${where} answered HTTP ${response.status} for token ${masked}`,
        {
          hint: serverSide
            ? 'the discovery service has a problem; retry later or set the endpoint explicitly'
            : 'check the token with your puppet-service provider (the discovery service does not know it)',
          retryable: serverSide,
          retryAfterMs: serverSide ? 30_000 : undefined,
          details: { ...details, status: response.status },
        },
      );
    }

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw malformed(where, masked, details, 'not JSON');
    }
    const answer = answerSchema.safeParse(json);
    if (!answer.success) throw malformed(where, masked, details, 'no host/port');
    if (answer.data.host === '0.0.0.0' || answer.data.port === 0 || answer.data.host === '') {
      throw new KocError(
        'KOC_PUPPET_DISCOVERY_FAILED',
        `puppet-service discovery at ${where} does not know token ${masked} (no provider online for it)`,
        {
          hint: 'check the token, and that its provider is running; tokens expire with the provider subscription',
          details,
        },
      );
    }
    const address = addressSchema.safeParse(answer.data);
    if (!address.success) throw malformed(where, masked, details, 'port is not 1–65535');
    return address.data;
  } finally {
    clearTimeout(timer);
    forget();
  }
}

function malformed(where: string, masked: string, details: Record<string, unknown>, what: string): KocError {
  return new KocError(
    'KOC_PUPPET_DISCOVERY_FAILED',
    `puppet-service discovery at ${where} gave an unusable answer for token ${masked} (${what})`,
    { hint: 'check discoveryUrl points at a wechaty discovery service, or set the endpoint explicitly', details },
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid discovery URL)';
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const text = cause ? `${message} (${cause.message})` : message;
  return scrubSecrets(typeof code === 'string' && !text.includes(code) ? `${text} [${code}]` : text);
}
