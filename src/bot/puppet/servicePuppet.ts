/**
 * wechaty-puppet-service's client, per account: explicit endpoint, explicit TLS, caches in the account's data
 * directory, and error events that cannot carry the token.
 *
 * What 1.19.9 does by itself, and why each is changed here (read from node_modules/wechaty-puppet-service/src):
 * - Endpoint: without `endpoint` it dials `wechaty://api.chatie.io/<token>` through wechaty-token's gRPC resolver,
 *   which crashes the process with @grpc/grpc-js 1.14 → we always pass `host:port`.
 * - TLS: `options.tls.disable` wins over WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT; `tls.caCert` over
 *   WECHATY_PUPPET_SERVICE_TLS_CA_CERT (default: the Wechaty community CA bundled in the package); `tls.serverName`
 *   over WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME, else the token's prefix before its last `_` (its SNI). All are
 *   constructor options, so no environment variable is read or written for them.
 * - Caches: `PayloadStore` puts three LevelDB stores under `os.homedir()/.wechaty/wechaty-puppet-service/<token>/
 *   v1.19/<self contact id>/` — shared by every account in the process and with the token in a path. The directory is
 *   computed in the constructor and used at login, so we point it at the account's data directory right after
 *   construction (no process-wide HOME change). It is closed on `logout`, which `stop()` emits; we also wait for that
 *   close in `dispose()`, so a restart in the same process finds the LevelDB lock free.
 */
import { join } from 'node:path';
import { PuppetService } from 'wechaty-puppet-service';
import { KocError } from '../../shared/errors.ts';
import { scrubError, scrubSecrets } from './secrets.ts';

type PuppetServiceOptions = NonNullable<ConstructorParameters<typeof PuppetService>[0]>;

export interface AccountPuppetServiceOptions {
  token: string;
  host: string;
  port: number;
  tls: boolean;
  /** PEM of the CA that signed the provider's certificate. @default the Wechaty community CA bundled in the package */
  caCert?: string;
  /** TLS server name (SNI) to expect. @default the token's prefix before its last `_` */
  serverName?: string;
  /** Where this account's LevelDB payload caches go. */
  cacheDir: string;
}

// What `insecure_…` tokens and wechaty's bundled test certificate use as common name.
const INSECURE_SERVER_NAME = 'insecure';

interface PayloadStoreInternals {
  storeDir?: unknown;
  stop?: () => Promise<void>;
}

export class AccountPuppetService extends PuppetService {
  private storeClosing: Promise<void> = Promise.resolve();

  constructor(options: AccountPuppetServiceOptions) {
    super(serviceOptions(options));
    // PayloadStore is not exported and its fields are protected; this is the one place that reaches in.
    const store = this._payloadStore as unknown as PayloadStoreInternals;
    if (typeof store.storeDir !== 'string' || typeof store.stop !== 'function') {
      throw new KocError(
        'KOC_PUPPET_INCOMPATIBLE',
        `wechaty-puppet-service ${PuppetService.VERSION} no longer keeps its payload cache where kocflow expects`,
        {
          hint: 'use wechaty-puppet-service 1.19.x (package.json), or update src/bot/puppet/servicePuppet.ts',
          details: { version: PuppetService.VERSION },
        },
      );
    }
    store.storeDir = options.cacheDir;
    const stop = store.stop.bind(this._payloadStore);
    store.stop = () => {
      const closing = stop();
      this.storeClosing = closing.catch(() => {});
      return closing;
    };
    // Errors leave the puppet through emit (the gRPC stream, failed calls, the watchdog). A wrong token comes back
    // from the server inside the error text, and gRPC errors carry the call metadata with `authorization`.
    // The typings declare `emit` as a property, so it is wrapped here rather than overridden.
    const emit = this.emit.bind(this) as (event: string, ...args: unknown[]) => boolean;
    this.emit = ((event: string, ...args: unknown[]) =>
      event === 'error' && args.length > 0
        ? emit('error', sanitize(args[0]), ...args.slice(1))
        : emit(event, ...args)) as typeof this.emit;
  }

  /** Resolves when the LevelDB caches opened at login have been closed (after `stop()`). */
  async cachesClosed(): Promise<void> {
    await this.storeClosing;
  }
}

function sanitize(payload: unknown): unknown {
  if (payload instanceof Error) return scrubError(payload);
  if (payload && typeof payload === 'object') {
    const { gerror, data } = payload as { gerror?: unknown; data?: unknown };
    if (typeof gerror === 'string') return { ...payload, gerror: scrubSecrets(gerror) };
    if (typeof data === 'string') return { ...payload, data: scrubSecrets(data) };
  }
  return typeof payload === 'string' ? scrubSecrets(payload) : payload;
}

function serviceOptions(options: AccountPuppetServiceOptions): PuppetServiceOptions {
  if (options.token.length === 0) {
    throw new KocError('KOC_PUPPET_CONFIG_INVALID', 'a puppet-service account needs a token', {
      hint: "set the account's puppet token (from your puppet-service provider)",
    });
  }
  const tokenSni = sniOf(options.token);
  // With TLS off the server name is never used, but the client's constructor still refuses a token without one.
  const serverName = options.serverName ?? (options.tls ? undefined : tokenSni ?? INSECURE_SERVER_NAME);
  if (options.tls && !serverName && !tokenSni) {
    throw new KocError(
      'KOC_PUPPET_CONFIG_INVALID',
      'puppet-service with TLS needs a server name: the token has no `<name>_` prefix and none was configured',
      {
        hint: "set the account's tls.serverName to the provider certificate's name, or turn TLS off for a trusted network",
      },
    );
  }
  return {
    token: options.token,
    endpoint: `${options.host}:${options.port}`,
    tls: {
      disable: !options.tls,
      ...(serverName ? { serverName } : {}),
      ...(options.caCert ? { caCert: options.caCert } : {}),
    },
  };
}

/** The SNI wechaty reads from a token: what precedes its last `_` (`insecure_1234` → `insecure`). */
export function sniOf(token: string): string | undefined {
  const index = token.lastIndexOf('_');
  return index > 0 ? token.slice(0, index).toLowerCase() : undefined;
}

/** The cache directory for an account under its data directory: versioned as upstream does, without the token. */
export function serviceCacheDir(dataDir: string): string {
  const [major, minor] = PuppetService.VERSION.split('.');
  return join(dataDir, 'puppet-service-cache', `v${major ?? '0'}.${minor ?? '0'}`);
}
