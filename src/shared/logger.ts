import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Structured logs. Keys that may hold secrets or personal data are censored by path, whatever the caller passes;
 * free text that might carry a phone number goes through `maskPersonalData` first.
 */
const REDACTED_PATHS = [
  'token', '*.token', 'apiKey', '*.apiKey', 'password', '*.password', 'authorization', '*.authorization',
  'databaseUrl', '*.databaseUrl', 'phone', '*.phone', 'mobile', '*.mobile', 'name', '*.name', 'contactName',
  '*.contactName', 'text', '*.text',
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.KOCFLOW_LOG_LEVEL ?? 'info';
  const base = { redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, level };
  // stderr by default: stdout is for what a command prints for people and pipes (the live log, tables, JSON).
  return pino(base, options.destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: for tests and library callers that did not ask for logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const PHONE = /(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g;

/** Masks mainland mobile numbers (138****5678) in free text before it reaches a log line. */
export function maskPersonalData(text: string): string {
  return text.replace(PHONE, '$1****$2');
}

export type { Logger };
