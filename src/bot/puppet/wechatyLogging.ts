/**
 * Wechaty's own logs, routed into kocflow's pino logger.
 *
 * Wechaty and its puppets log through brolog, to the console, and two brolog instances are in play: wechaty-puppet's
 * `log` (a `new Brolog()`, re-exported by wechaty, wechaty-puppet-service and wechaty-puppet-mock) and brolog's
 * process singleton `Brolog.instance()` (used by flash-store, file-box, memory-card, wechaty-token, watchdog). Both
 * are process-wide, so routing is too: the fleet calls `routeWechatyLogs` once; `createPuppet` routes to its own
 * logger only if nobody has yet, so raw wechaty text never reaches the console.
 *
 * Every line goes through `scrubSecrets`: at verbose level wechaty-puppet-service prints its options, token
 * included, and the server side echoes a wrong token in its error text.
 */
import { log as puppetLog } from 'wechaty-puppet';
import type { Logger } from '../../shared/logger.ts';
import { scrubSecrets } from './secrets.ts';

/** brolog's level names. */
export type WechatyLogLevel = 'silent' | 'error' | 'warn' | 'info' | 'verbose' | 'silly';

type Brolog = typeof puppetLog;
type BrologTitle = 'ERR' | 'WARN' | 'INFO' | 'VERB' | 'SILL';

export interface WechatyLogRouting {
  /** Puts both brolog instances back to their console printers and the levels they had. */
  restore(): void;
}

// brolog is not a direct dependency of kocflow; its singleton is reached through the class of the instance
// wechaty-puppet exports. npm deduplicates brolog to one copy (1.14.2 here), so this is the singleton flash-store and
// friends use. If a second copy ever appears, its logs would stay on the console: `brologInstances` says how many
// distinct instances were routed, and tests/bot/puppetService.test.ts asserts it.
function brologInstances(): Brolog[] {
  const BrologClass = Object.getPrototypeOf(puppetLog).constructor as { instance?: () => Brolog };
  const singleton = typeof BrologClass.instance === 'function' ? BrologClass.instance() : undefined;
  return singleton && singleton !== puppetLog ? [puppetLog, singleton] : [puppetLog];
}

const PINO_TO_BROLOG: Record<string, WechatyLogLevel> = {
  trace: 'silly',
  debug: 'verbose',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
  silent: 'silent',
};

const LINE = /^(ERR|WARN|INFO|VERB|SILL) (\S+)(?: ([\s\S]*))?$/;

let routedTo: Logger | undefined;

/** Whether wechaty's logs already go to a kocflow logger in this process. */
export function wechatyLogsRouted(): boolean {
  return routedTo !== undefined;
}

/**
 * Sends wechaty's logs to `logger` (as a `component: 'wechaty'` child, `module` = brolog's prefix). brolog `ERR`,
 * `WARN`, `INFO` map to pino error, warn, info; `VERB` to debug and `SILL` to trace.
 * @param options.level brolog's threshold. @default follows the logger's level (debug → verbose, trace → silly), so
 *   verbose wechaty text is not even formatted unless someone will read it.
 */
export function routeWechatyLogs(logger: Logger, options: { level?: WechatyLogLevel } = {}): WechatyLogRouting {
  const child = logger.child({ component: 'wechaty' });
  const level = options.level ?? PINO_TO_BROLOG[logger.level] ?? 'warn';
  const instances = brologInstances();
  const previousLevels = instances.map((instance) => instance.level());
  const printer = (title: string, text = ''): void => {
    const match = LINE.exec(text);
    const module = match?.[2] ?? 'wechaty';
    const message = scrubSecrets(match ? (match[3] ?? '') : text);
    switch (title as BrologTitle) {
      case 'ERR':
        child.error({ module }, message);
        break;
      case 'WARN':
        child.warn({ module }, message);
        break;
      case 'INFO':
        child.info({ module }, message);
        break;
      case 'VERB':
        child.debug({ module }, message);
        break;
      default:
        child.trace({ module }, message);
    }
  };
  for (const instance of instances) {
    // enableLogging() logs its argument (our function's source) at verbose through the old printer: quiet it first.
    instance.level('silent');
    instance.enableLogging(printer);
    // pino stamps each line; brolog's own HH:MM:SS prefix would only get in the way of parsing.
    instance.timestamp(false);
    instance.level(level);
  }
  routedTo = logger;
  return {
    restore() {
      instances.forEach((instance, index) => {
        instance.enableLogging(true);
        instance.timestamp(true);
        instance.level(previousLevels[index] ?? 'info');
      });
      if (routedTo === logger) routedTo = undefined;
    },
  };
}

/** Routes to `logger` unless some logger already receives wechaty's logs (the fleet's, usually). */
export function ensureWechatyLogsRouted(logger: Logger): void {
  if (!routedTo) routeWechatyLogs(logger);
}

/** How many brolog instances routing reaches (2 when brolog is deduplicated, as it is today). */
export function routedBrologInstanceCount(): number {
  return brologInstances().length;
}
