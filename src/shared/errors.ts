/**
 * Typed errors with stable codes.
 *
 * Every error a user can meet carries a `KOC_…` code they can search for in the docs, a message that says what
 * went wrong, and a `hint` that says how to fix it. `retryable` tells a caller (the dispatcher, a CLI wrapper)
 * whether trying again can help, and `retryAfterMs` how long to wait when the answer is "later".
 */
export interface KocErrorOptions {
  /** How to fix it, in one sentence a user can act on. */
  hint?: string;
  /** Whether the same call can succeed later without a change by the user. @default false */
  retryable?: boolean;
  /** When retryable: the earliest sensible retry, in milliseconds. */
  retryAfterMs?: number;
  /** Structured facts for logs (never secrets or personal data). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class KocError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: `KOC_${string}`, message: string, options: KocErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KocError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  /** For a terminal: `KOC_X message`, and the hint on a second line after `fixLabel` (`修复：` in Chinese). */
  toUserString(fixLabel = 'fix: '): string {
    return this.hint ? `${this.code} ${this.message}\n  ${fixLabel}${this.hint}` : `${this.code} ${this.message}`;
  }
}

export function isKocError(value: unknown): value is KocError {
  return value instanceof KocError;
}
