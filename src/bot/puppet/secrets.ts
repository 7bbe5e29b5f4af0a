/**
 * Keeping puppet-service tokens out of logs and error messages.
 *
 * Why a registry and not only pino's redaction: the token reaches text we do not write. wechaty-puppet-service logs
 * its options as JSON at verbose level (`GrpcManager constructor({"token":…})`), the server side of a wrong-token
 * call answers `Invalid Wechaty TOKEN "<token>"` and that text comes back as the client's `error` event (measured
 * against the loopback gateway). Path-based redaction cannot see inside a sentence, so every token a puppet uses is
 * remembered here and replaced wherever wechaty text passes through kocflow (routed logs, puppet error events,
 * discovery errors).
 */

const secrets = new Map<string, number>();

/** Shows what a token is for a human (`puppet_…` vs `insecure_…`) without making it usable: first 4 characters. */
export function maskToken(token: string): string {
  // A short token would be mostly revealed by 4 characters, so it gets none.
  return token.length > 8 ? `${token.slice(0, 4)}…` : '…';
}

/**
 * Remembers a secret until the returned function is called. Counted, so two puppets sharing a token (a gateway and
 * its client in a test) do not forget it when the first one stops.
 */
export function rememberSecret(secret: string): () => void {
  if (secret.length === 0) return () => {};
  secrets.set(secret, (secrets.get(secret) ?? 0) + 1);
  let forgotten = false;
  return () => {
    if (forgotten) return;
    forgotten = true;
    const count = (secrets.get(secret) ?? 1) - 1;
    if (count <= 0) secrets.delete(secret);
    else secrets.set(secret, count);
  };
}

// What a token looks like in wechaty's own text even when it was never registered (a server-side token, a typo).
const TOKEN_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/("token"\s*:\s*")([^"]*)(")/gi, '$1[redacted]$3'],
  [/(Wechaty TOKEN\s+")([^"]*)(")/gi, '$1[redacted]$3'],
  [/(authorization["']?\s*[:=]\s*["']?Wechaty\s+)([^\s"',}]+)/gi, '$1[redacted]'],
];

/** Replaces every remembered secret (and anything shaped like a token field) in free text. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of secrets.keys()) {
    if (out.includes(secret)) out = out.split(secret).join(maskToken(secret));
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(maskToken(secret));
  }
  for (const [pattern, replacement] of TOKEN_SHAPES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of an error that is safe to log: scrubbed message and stack, the gRPC `code`/`details` kept, everything
 * else dropped. gRPC errors carry the call's metadata, which holds `authorization: Wechaty <token>`.
 */
export function scrubError(error: unknown): Error {
  if (!(error instanceof Error)) {
    const text = typeof error === 'string' ? error : safeJson(error);
    return new Error(scrubSecrets(text));
  }
  const copy = new Error(scrubSecrets(error.message));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : scrubSecrets(error.stack);
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (typeof code === 'number' || typeof code === 'string') Object.assign(copy, { code });
  if (typeof details === 'string') Object.assign(copy, { details: scrubSecrets(details) });
  return copy;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
