/**
 * One puppet per account: the mock (tests, the demo) or wechaty-puppet-service (a provider's gRPC gateway).
 *
 * The caller (src/bot/) builds its Wechaty around `puppet`, stops the bot, then calls `dispose()`. What the puppet
 * can do is stated in `capabilities`, so the channel can report an unsupported action instead of pretending.
 */
import { mkdir } from 'node:fs/promises';
import type { impls } from 'wechaty-puppet';
import type { mock } from 'wechaty-puppet-mock';
import type { Clock } from '../../domain/types.ts';
import { KocError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PuppetCallLog } from './callLog.ts';
import { RecordingPuppetMock, type MockSelf } from './recordingMock.ts';
import { maskToken, rememberSecret, scrubError } from './secrets.ts';
import { resolveServiceEndpoint, type ServiceAddress } from './serviceEndpoint.ts';
import { AccountPuppetService, serviceCacheDir } from './servicePuppet.ts';
import { ensureWechatyLogsRouted } from './wechatyLogging.ts';

export const PUPPET_CAPABILITIES = [
  'moment',
  'tag',
  'urlLink',
  'miniProgram',
  'roomInvite',
  'friendshipAccept',
  'image',
] as const;
export type PuppetCapability = (typeof PUPPET_CAPABILITIES)[number];

export interface ServiceEndpoint {
  host: string;
  port: number;
  /** Whether to speak TLS to it. Off sends the token in clear text (as the HTTP/2 :authority): trusted networks only. */
  tls: boolean;
}

export type PuppetChoice =
  | {
      kind: 'mock';
      /** The account's own contact, logged in on start. @default { id: `self-<accountId>`, name: accountId } */
      self?: MockSelf | false;
      /** Pretend the puppet lacks some abilities (to test assist-mode fallbacks). @default all of them */
      capabilities?: readonly PuppetCapability[];
    }
  | {
      kind: 'service';
      token: string;
      /** Where the provider listens. @default discovered from the token (`resolveEndpoint`), with TLS on */
      endpoint?: ServiceEndpoint;
      /** Certificate details for TLS; see servicePuppet.ts for the defaults. */
      tlsOptions?: { caCert?: string; serverName?: string };
      /** What the provider behind the gateway supports. @default SERVICE_CAPABILITIES */
      capabilities?: readonly PuppetCapability[];
    };

export interface CreatePuppetOptions {
  /** The account's own directory; puppet-service keeps its LevelDB payload caches under it. */
  dataDir: string;
  logger: Logger;
  /** How to find a provider when the choice has no endpoint. @default resolveServiceEndpoint (HTTPS, 5 s timeout) */
  resolveEndpoint?: (token: string) => Promise<ServiceAddress>;
  /** Time for the mock's call log and messages. @default the system clock */
  clock?: Clock;
}

export interface CreatedPuppet {
  puppet: impls.PuppetInterface;
  /** Present for the mock: drives customers (contacts, rooms, inbound messages) in tests and the demo. */
  mocker?: mock.Mocker;
  /** Present for the mock: what the stock mock silently drops, recorded. */
  recorder?: PuppetCallLog;
  /** Present for the mock: the puppet itself, for helpers such as `receiveFriendship`. */
  mockPuppet?: RecordingPuppetMock;
  /** What this puppet can really do. */
  capabilities: ReadonlySet<PuppetCapability>;
  /** Frees what the puppet holds (timers, files) after bot.stop(). Safe to call twice. */
  dispose(): Promise<void>;
}

/** The mock records every one of them (see recordingMock.ts), so tests can check each action. */
export const MOCK_CAPABILITIES: ReadonlySet<PuppetCapability> = new Set(PUPPET_CAPABILITIES);

/**
 * The stock puppet-service client implements every gRPC call kocflow uses except `postPublish` (Moments): it is
 * abstract in wechaty-puppet and PuppetService does not define it (`PuppetService.prototype.postPublish` is
 * undefined in 1.19.9), so calling it throws a TypeError. Whether a given provider honours the others (tags on a
 * WeCom account, mini programs) is the provider's business: override with `capabilities` when it does not.
 */
export const SERVICE_CAPABILITIES: ReadonlySet<PuppetCapability> = new Set<PuppetCapability>([
  'tag',
  'urlLink',
  'miniProgram',
  'roomInvite',
  'friendshipAccept',
  'image',
]);

export async function createPuppet(
  accountId: string,
  choice: PuppetChoice,
  options: CreatePuppetOptions,
): Promise<CreatedPuppet> {
  ensureWechatyLogsRouted(options.logger);
  const logger = options.logger.child({ component: 'puppet', accountId, puppet: choice.kind });
  return choice.kind === 'mock' ? createMock(accountId, choice, options, logger) : createService(choice, options, logger);
}

function createMock(
  accountId: string,
  choice: Extract<PuppetChoice, { kind: 'mock' }>,
  options: CreatePuppetOptions,
  logger: Logger,
): CreatedPuppet {
  const clock = options.clock;
  const puppet = new RecordingPuppetMock({
    self: choice.self ?? { id: `self-${accountId}`, name: accountId },
    ...(clock ? { now: () => clock.now() } : {}),
  });
  guardErrors(puppet, logger);
  let disposed = false;
  logger.debug('mock puppet created');
  return {
    puppet,
    mocker: puppet.mocker,
    recorder: puppet.callLog,
    mockPuppet: puppet,
    capabilities: choice.capabilities ? new Set(choice.capabilities) : MOCK_CAPABILITIES,
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (puppet.state.active()) await puppet.stop().catch(() => {});
      // The mock opens no files and, with our ding, leaves no timer behind. Message payloads (file contents
      // included) go; the call log stays readable, since tests assert on it after stopping the bot.
      puppet.mocker.cacheMessagePayload.clear();
      puppet.mocker.cacheFileBoxPayload.clear();
    },
  };
}

async function createService(
  choice: Extract<PuppetChoice, { kind: 'service' }>,
  options: CreatePuppetOptions,
  logger: Logger,
): Promise<CreatedPuppet> {
  const forgetToken = rememberSecret(choice.token);
  const masked = maskToken(choice.token);
  try {
    let endpoint = choice.endpoint;
    if (!endpoint) {
      const resolve = options.resolveEndpoint ?? ((token: string) => resolveServiceEndpoint(token));
      const address = await resolve(choice.token);
      endpoint = { host: address.host, port: address.port, tls: true };
      logger.info({ host: endpoint.host, port: endpoint.port, tokenPrefix: masked }, 'puppet-service endpoint discovered');
    }
    const cacheDir = serviceCacheDir(options.dataDir);
    await mkdir(cacheDir, { recursive: true });
    const puppet = new AccountPuppetService({
      token: choice.token,
      host: endpoint.host,
      port: endpoint.port,
      tls: endpoint.tls,
      cacheDir,
      ...(choice.tlsOptions?.caCert ? { caCert: choice.tlsOptions.caCert } : {}),
      ...(choice.tlsOptions?.serverName ? { serverName: choice.tlsOptions.serverName } : {}),
    });
    guardErrors(puppet, logger);
    if (!endpoint.tls) {
      logger.warn(
        { host: endpoint.host, port: endpoint.port },
        'puppet-service TLS is off: the token travels in clear text; use this on a trusted network only',
      );
    }
    logger.info(
      { host: endpoint.host, port: endpoint.port, tls: endpoint.tls, tokenPrefix: masked, cacheDir },
      'puppet-service client created',
    );
    let disposed = false;
    return {
      puppet,
      capabilities: choice.capabilities ? new Set(choice.capabilities) : SERVICE_CAPABILITIES,
      async dispose() {
        if (disposed) return;
        disposed = true;
        // After bot.stop() the puppet is already off; a bot that never stopped would keep the LevelDB lock.
        if (puppet.state.active()) await puppet.stop().catch(() => {});
        await puppet.cachesClosed();
        forgetToken();
      },
    };
  } catch (error) {
    forgetToken();
    if (error instanceof KocError) throw error;
    throw new KocError('KOC_PUPPET_CREATE_FAILED', `cannot create the puppet-service client: ${scrubError(error).message}`, {
      hint: 'check the account’s puppet settings (token, endpoint, TLS)',
      details: { tokenPrefix: masked },
    });
  }
}

/**
 * An `error` event nobody listens to kills the process (every account in it). Wechaty adds its own listener when a
 * bot is built around the puppet; until then — and if the bot layer ever forgets — this one keeps the process up.
 * It speaks up only when it is the sole listener, so a bot that logs its own errors does not get every one twice.
 */
function guardErrors(puppet: impls.PuppetInterface, logger: Logger): void {
  const listener = (payload: unknown): void => {
    if (puppet.listenerCount('error') > 1) {
      logger.debug({ err: scrubError(errorOf(payload)) }, 'puppet error (handled by the bot)');
    } else {
      logger.warn({ err: scrubError(errorOf(payload)) }, 'puppet error with no bot listening');
    }
  };
  puppet.on('error', listener);
}

function errorOf(payload: unknown): unknown {
  const gerror = (payload as { gerror?: unknown } | undefined)?.gerror;
  if (typeof gerror !== 'string') return payload;
  try {
    const parsed = JSON.parse(gerror) as { message?: unknown; code?: unknown };
    return Object.assign(new Error(typeof parsed.message === 'string' ? parsed.message : gerror), {
      code: parsed.code,
    });
  } catch {
    return new Error(gerror);
  }
}
