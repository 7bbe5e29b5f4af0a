/**
 * A puppet-service gateway on loopback, for tests that must cross real gRPC without a provider: wechaty-puppet-service's
 * own `PuppetServer`, backed by kocflow's recording mock, on a free port. A client built with
 * `createPuppet(…, { kind: 'service', token, endpoint })` logs in as `self` as soon as it starts, like a provider
 * with a saved session; the test drives customers with `mocker` and reads what the bot asked for in `puppet.callLog`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { PuppetServer } from 'wechaty-puppet-service';
import type { mock } from 'wechaty-puppet-mock';
import { RecordingPuppetMock, type MockSelf } from '../../src/bot/puppet/recordingMock.ts';
import { rememberSecret } from '../../src/bot/puppet/secrets.ts';

export interface LoopbackGatewayOptions {
  /** @default `insecure_<uuid>`: the `insecure` prefix is the SNI wechaty's bundled test certificate answers to. */
  token?: string;
  /** @default a free port */
  port?: number;
  /** Serve TLS with wechaty's bundled (publicly known) test certificate. @default false */
  tls?: boolean;
  /** @default { id: 'gateway-self', name: 'Gateway Bot' } */
  self?: MockSelf;
  now?: () => Date;
}

export interface LoopbackGateway {
  endpoint: { host: '127.0.0.1'; port: number; tls: boolean };
  token: string;
  self: MockSelf;
  mocker: mock.Mocker;
  puppet: RecordingPuppetMock;
  stop(): Promise<void>;
}

export async function startLoopbackGateway(options: LoopbackGatewayOptions = {}): Promise<LoopbackGateway> {
  const token = options.token ?? `insecure_${randomUUID()}`;
  const tls = options.tls ?? false;
  const self = options.self ?? { id: 'gateway-self', name: 'Gateway Bot' };
  // The server logs its token at verbose level before any client exists.
  const forget = rememberSecret(token);
  const puppet = new RecordingPuppetMock({ self, ...(options.now ? { now: options.now } : {}) });
  // The server-side puppet has no Wechaty around it to listen; an unheard 'error' would kill the test process.
  puppet.on('error', () => {});

  let server: PuppetServer | undefined;
  let port = options.port;
  for (let attempt = 0; !server; attempt++) {
    const candidatePort = port ?? (await freePort());
    const candidate = new PuppetServer({
      endpoint: `127.0.0.1:${candidatePort}`,
      puppet,
      token,
      tls: { disable: !tls },
    });
    try {
      await candidate.start();
      server = candidate;
      port = candidatePort;
    } catch (error) {
      // Another process can take a probed port before gRPC binds it; probe again (a fixed port is not retried).
      await candidate.stop().catch(() => {});
      if (options.port !== undefined || attempt >= 4) {
        forget();
        throw error;
      }
    }
  }
  const running = server;

  return {
    endpoint: { host: '127.0.0.1', port: port!, tls },
    token,
    self,
    mocker: puppet.mocker,
    puppet,
    async stop() {
      await running.stop();
      // The client's stop() stops the server-side puppet through gRPC; a test that never connected leaves it to us.
      if (puppet.state.active()) await puppet.stop();
      forget();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const found = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (found ? resolve(found) : reject(new Error('no free port'))));
    });
  });
}

/**
 * A ContactMock/RoomMock as an event emitter. They are Node EventEmitters at runtime, but wechaty-puppet-mock types
 * them with a default import of the CommonJS `typed-emitter`, which under NodeNext resolves to the module object, so
 * TypeScript sees no `on`/`off`.
 */
export function mockEvents(user: mock.ContactMock | mock.RoomMock): {
  on(event: 'message', listener: (message: mock.MessageMock) => void): unknown;
  off(event: 'message', listener: (message: mock.MessageMock) => void): unknown;
} {
  return user as never;
}
