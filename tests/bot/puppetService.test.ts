/**
 * The puppet-service path end to end, without the rest of kocflow: a Wechaty client built on `createPuppet(…,
 * { kind: 'service' })` talks real gRPC to wechaty-puppet-service's own server on loopback (backed by the recording
 * mock). Plus discovery errors and TLS, each checked for token leaks in messages and logs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileBox } from 'file-box';
import { types, WechatyBuilder, type Message } from 'wechaty';
import type { mock } from 'wechaty-puppet-mock';
import { createPuppet, type CreatedPuppet, type PuppetChoice } from '../../src/bot/puppet/createPuppet.ts';
import { resolveServiceEndpoint } from '../../src/bot/puppet/serviceEndpoint.ts';
import { routeWechatyLogs, routedBrologInstanceCount, type WechatyLogRouting } from '../../src/bot/puppet/wechatyLogging.ts';
import { KocError } from '../../src/shared/errors.ts';
import { rejection } from '../support/errors.ts';
import { nextEvent, within } from '../support/eventWait.ts';
import { captureLogs } from '../support/logCapture.ts';
import { mockEvents, startLoopbackGateway, type LoopbackGateway } from '../support/puppetGateway.ts';

const logs = captureLogs('trace');
let routing: WechatyLogRouting;
const cleanups: Array<() => Promise<unknown>> = [];
let dataRoot: string;

beforeAll(async () => {
  // Everything wechaty says, at its most verbose, goes into the captured logs: the leak checks read all of it.
  routing = routeWechatyLogs(logs.logger, { level: 'silly' });
  dataRoot = await mkdtemp(join(tmpdir(), 'kocflow-puppet-'));
});

afterEach(async () => {
  // Reverse order: bots before their puppets before their gateways.
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
});

afterAll(async () => {
  routing.restore();
  await rm(dataRoot, { recursive: true, force: true });
});

async function serviceBot(accountId: string, choice: PuppetChoice, dataDir = join(dataRoot, accountId)) {
  const created = await createPuppet(accountId, choice, { dataDir, logger: logs.logger });
  cleanups.push(() => created.dispose());
  const bot = WechatyBuilder.build({ puppet: created.puppet });
  const errors: Error[] = [];
  bot.on('error', (error) => {
    errors.push(error);
  });
  cleanups.push(() => bot.stop());
  return { bot, created, errors, dataDir };
}

async function gateway(options: Parameters<typeof startLoopbackGateway>[0] = {}): Promise<LoopbackGateway> {
  const started = await startLoopbackGateway(options);
  cleanups.push(() => started.stop());
  return started;
}

/** Logs in through the gateway and exchanges one text each way. */
async function roundTrip(gw: LoopbackGateway, created: CreatedPuppet, bot: ReturnType<typeof WechatyBuilder.build>) {
  const login = nextEvent(bot, 'login', 5_000);
  await bot.start();
  // bot.start() resolves even when the puppet failed; only the puppet's state says.
  expect(created.puppet.state.active()).toBe(true);
  const self = await login;
  expect(self.id).toBe(gw.self.id);

  const alice = gw.mocker.createContact({ name: 'Alice' });
  const inbound = nextEvent<Message>(bot, 'message', 5_000, (message) => !message.self());
  alice.say('hello bot').to(gw.mocker.ContactMock.load(gw.self.id));
  const message = await inbound;
  expect(message.text()).toBe('hello bot');
  expect(message.talker().id).toBe(alice.id);

  const arrived = nextEvent<mock.MessageMock>(mockEvents(alice), 'message', 5_000, (m) => m.talker().id === gw.self.id);
  const sent = await message.talker().say('hello Alice');
  expect((await arrived).text()).toBe('hello Alice');
  return { sent, alice };
}

describe('puppet-service over loopback gRPC', () => {
  it('logs in, receives a customer text and replies, with caches in the account data dir and no token in logs', async () => {
    const gw = await gateway();
    const { bot, created, errors, dataDir } = await serviceBot('acc-grpc', {
      kind: 'service',
      token: gw.token,
      endpoint: gw.endpoint,
    });

    const { sent } = await roundTrip(gw, created, bot);
    // The recording mock behind the gateway returns message ids, and they cross gRPC: say() resolves to a Message.
    expect(sent && typeof sent === 'object' && 'id' in sent ? sent.id : undefined).toMatch(/^[0-9a-f-]{36}$/);

    await bot.stop();
    await created.dispose();
    expect(errors).toEqual([]);

    // LevelDB caches are in the account's directory, under no path that contains the token; none under $HOME.
    const cacheRoot = join(dataDir, 'puppet-service-cache');
    const cacheDirs = walkDirs(cacheRoot);
    expect(cacheDirs.some((dir) => dir.endsWith(join(gw.self.id, 'contact-payload')))).toBe(true);
    expect(cacheDirs.every((dir) => !dir.includes(gw.token))).toBe(true);
    expect(existsSync(join(homedir(), '.wechaty', 'wechaty-puppet-service', gw.token))).toBe(false);

    // The routing saw wechaty's verbose output (which prints the options, token included) and scrubbed it.
    expect(routedBrologInstanceCount()).toBe(2);
    const lines = logs.lines();
    expect(lines.some((line) => line.component === 'wechaty' && line.module === 'GrpcManager')).toBe(true);
    expect(logs.text()).not.toContain(gw.token);
  });

  it('logs in again on the same data dir after dispose (the LevelDB lock was released)', async () => {
    const gw = await gateway();
    const choice: PuppetChoice = { kind: 'service', token: gw.token, endpoint: gw.endpoint };
    const dataDir = join(dataRoot, 'acc-restart');
    for (let session = 0; session < 2; session++) {
      const { bot, created, errors } = await serviceBot('acc-restart', choice, dataDir);
      const login = nextEvent(bot, 'login', 5_000);
      await bot.start();
      await login;
      await bot.stop();
      await created.dispose();
      expect(errors).toEqual([]);
    }
  });

  it('carries tags, links, invites and images through gRPC to the provider; Moments are not in the client', async () => {
    const gw = await gateway();
    const { bot, created } = await serviceBot('acc-actions', { kind: 'service', token: gw.token, endpoint: gw.endpoint });
    const login = nextEvent(bot, 'login', 5_000);
    await bot.start();
    await login;
    const alice = gw.mocker.createContact({ name: 'Alice' });
    const contact = (await bot.Contact.find({ id: alice.id }))!;

    await (await bot.Tag.get('vip')).add(contact);
    await contact.say(new bot.UrlLink({ url: 'https://example.com/c', title: 'Coupon' }));
    const room = gw.mocker.createRoom({ id: 'vip-group@chatroom', topic: 'VIP', memberIdList: [gw.self.id] });
    await (await bot.Room.find({ id: room.id }))!.add(contact);

    expect(gw.puppet.callLog.entries().map((entry) => entry.kind)).toEqual(['tagContactAdd', 'messageSendUrl', 'roomAdd']);
    expect(await gw.puppet.tagContactList(alice.id)).toEqual(['vip']);

    // An image crosses as an upload (a UUID file box on the server side) and reads back whole from the mocker.
    const image = nextEvent<mock.MessageMock>(mockEvents(alice), 'message', 5_000, (m) => m.talker().id === gw.self.id);
    const content = Buffer.alloc(200_000, 7);
    await contact.say(FileBox.fromBase64(content.toString('base64'), 'poster.png'));
    const arrived = await image;
    expect(arrived.type()).toBe(types.Message.Image);
    expect((await (await gw.puppet.messageFile(arrived.id)).toBuffer()).equals(content)).toBe(true);

    expect(created.capabilities.has('moment')).toBe(false);
    expect(typeof (created.puppet as unknown as { postPublish?: unknown }).postPublish).toBe('undefined');
    await expect(bot.publish(await bot.Post.builder().add('new season').build())).rejects.toThrow(/postPublish is not a function/);
  });
});

describe('TLS', () => {
  it('works with TLS on: wechaty’s bundled CA and test certificate, server name from the token prefix', async () => {
    const gw = await gateway({ tls: true });
    expect(gw.token.startsWith('insecure_')).toBe(true);
    const { bot, created, errors } = await serviceBot('acc-tls', { kind: 'service', token: gw.token, endpoint: gw.endpoint });
    await roundTrip(gw, created, bot);
    expect(errors).toEqual([]);
  });

  it('needs a server name when the token has no prefix; tlsOptions.serverName supplies it', async () => {
    const token = `plain${'x'.repeat(20)}`;
    const gw = await gateway({ tls: true, token });
    const error = await rejection(
      createPuppet('acc-tls-name', { kind: 'service', token, endpoint: gw.endpoint }, {
        dataDir: join(dataRoot, 'acc-tls-name'),
        logger: logs.logger,
      }),
    );
    expect(error.code).toBe('KOC_PUPPET_CONFIG_INVALID');
    expect(error.message).not.toContain(token);

    const { bot, created } = await serviceBot('acc-tls-name', {
      kind: 'service',
      token,
      endpoint: gw.endpoint,
      tlsOptions: { serverName: 'insecure' },
    });
    await roundTrip(gw, created, bot);
  });

  // wechaty-puppet-service waits 5 s for the event stream before giving up, so both cases run side by side.
  it('reports a TLS mismatch and a wrong token as bot errors that never contain the token', async () => {
    const tlsServer = await gateway({ tls: true });
    const mismatch = await serviceBot('acc-mismatch', {
      kind: 'service',
      token: tlsServer.token,
      endpoint: { ...tlsServer.endpoint, tls: false },
    });
    const plainServer = await gateway({ tls: false });
    const wrongToken = `insecure_${'w'.repeat(24)}`;
    const unauthorised = await serviceBot('acc-wrong-token', {
      kind: 'service',
      token: wrongToken,
      endpoint: plainServer.endpoint,
    });

    const results = await Promise.all(
      [mismatch, unauthorised].map(async ({ bot, created }) => {
        const firstError = nextEvent<Error>(bot, 'error', 3_000);
        // Resolves after wechaty-puppet-service's 5 s stream timeout, with the puppet inactive.
        const started = within(bot.start(), 10_000, 'bot.start()');
        const error = await firstError;
        await started;
        return { error, active: created.puppet.state.active() };
      }),
    );
    expect(results.map((r) => r.active)).toEqual([false, false]);
    expect(results[0]!.error.message).toMatch(/UNAVAILABLE/);
    // The server answers `Invalid Wechaty TOKEN "<token>"`; it reaches the bot masked.
    expect(results[1]!.error.message).toMatch(/UNAUTHENTICATED/);
    for (const { error } of results) {
      expect(`${error.message} ${error.stack ?? ''}`).not.toContain(tlsServer.token);
      expect(`${error.message} ${error.stack ?? ''}`).not.toContain(wrongToken);
    }
    expect(logs.text()).not.toContain(wrongToken);
  }, 20_000);
});

describe('discovery', () => {
  let server: Server;
  let base: string;
  const hanging = new Set<() => void>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      const token = decodeURIComponent(request.url?.split('/').pop() ?? '');
      if (token.startsWith('known')) return json(response, 200, { host: '10.0.0.7', port: 8788 });
      if (token.startsWith('string-port')) return json(response, 200, { host: 'gw.example', port: '9001' });
      if (token.startsWith('unknown')) return json(response, 200, { host: '0.0.0.0', port: 0 });
      if (token.startsWith('garbage')) return response.end('<html>');
      if (token.startsWith('broken')) return json(response, 503, {});
      if (token.startsWith('slow')) return void hanging.add(() => response.destroy());
      return json(response, 404, {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const release of hanging) release();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resolves host and port, and accepts a numeric string port', async () => {
    await expect(resolveServiceEndpoint('known_token_123456', { discoveryUrl: base })).resolves.toEqual({
      host: '10.0.0.7',
      port: 8788,
    });
    await expect(resolveServiceEndpoint('string-port_token_1', { discoveryUrl: `${base}/` })).resolves.toEqual({
      host: 'gw.example',
      port: 9001,
    });
  });

  it('uses the fetch it is given, with the token URL-encoded in the path', async () => {
    const urls: string[] = [];
    const fetchStub: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ host: 'h.example', port: 443 }), { status: 200 });
    };
    await expect(
      resolveServiceEndpoint('puppet_a/b c', { fetch: fetchStub, discoveryUrl: 'https://discovery.example/' }),
    ).resolves.toEqual({ host: 'h.example', port: 443 });
    expect(urls).toEqual(['https://discovery.example/v0/hosties/puppet_a%2Fb%20c']);
  });

  const failures: Array<[string, string, boolean]> = [
    ['unknown_token_123456', 'does not know token unkn…', false],
    ['missing_token_123456', 'HTTP 404', false],
    ['broken_token_1234567', 'HTTP 503', true],
    ['garbage_token_123456', 'not JSON', false],
  ];
  it.each(failures)('%s → KOC_PUPPET_DISCOVERY_FAILED without the token', async (token, says, retryable) => {
    const error = await rejection(resolveServiceEndpoint(token, { discoveryUrl: base }));
    expect(error.code).toBe('KOC_PUPPET_DISCOVERY_FAILED');
    expect(error.message).toContain(says);
    expect(error.retryable).toBe(retryable);
    expect(JSON.stringify({ message: error.message, hint: error.hint, details: error.details })).not.toContain(token);
  });

  it('times out with KOC_PUPPET_DISCOVERY_TIMEOUT, and an unreachable service is retryable', async () => {
    const slow = 'slow_token_abcdef123456';
    const timeout = await rejection(resolveServiceEndpoint(slow, { discoveryUrl: base, timeoutMs: 100 }));
    expect(timeout.code).toBe('KOC_PUPPET_DISCOVERY_TIMEOUT');
    expect(timeout.retryable).toBe(true);
    expect(timeout.message).toContain('slow…');
    expect(timeout.message).not.toContain(slow);

    const refused = await rejection(resolveServiceEndpoint(slow, { discoveryUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 }));
    expect(refused.code).toBe('KOC_PUPPET_DISCOVERY_FAILED');
    expect(refused.retryable).toBe(true);
    expect(refused.message).not.toContain(slow);

    // fetch puts the whole URL (token included) into this one's message; it is scrubbed.
    const invalid = await rejection(resolveServiceEndpoint(slow, { discoveryUrl: 'not a url' }));
    expect(invalid.code).toBe('KOC_PUPPET_DISCOVERY_FAILED');
    expect(invalid.message).not.toContain(slow);
  });

  it('createPuppet surfaces the discovery error, and neither its logs nor a logged error hold the token', async () => {
    const token = 'missing_secret_token_0042';
    const capture = captureLogs('trace');
    const error = await rejection(
      createPuppet('acc-discovery', { kind: 'service', token }, {
        dataDir: join(dataRoot, 'acc-discovery'),
        logger: capture.logger,
        resolveEndpoint: (t) => resolveServiceEndpoint(t, { discoveryUrl: base, timeoutMs: 500 }),
      }),
    );
    expect(error).toBeInstanceOf(KocError);
    expect(error.code).toBe('KOC_PUPPET_DISCOVERY_FAILED');
    capture.logger.error({ err: error }, 'account failed to start');
    expect(capture.text()).toContain('KOC_PUPPET_DISCOVERY_FAILED');
    expect(capture.text()).not.toContain(token);
    expect(logs.text()).not.toContain(token);
  });
});

function json(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function walkDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(root, entry.name), ...walkDirs(join(root, entry.name))]);
}
