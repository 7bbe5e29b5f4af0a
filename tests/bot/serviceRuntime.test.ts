/**
 * The whole product over the real puppet-service protocol: wechaty-puppet-service's own gRPC server on loopback,
 * backed by the recording mock (tests/support/puppetGateway.ts), and `startRuntime` with one account configured in
 * kocflow.yaml text as `puppet: service` with that gateway's endpoint and a token variable. The account's puppet is
 * chosen the way `kocflow start` chooses it (loadConfigText → resolvePuppet(account, env) → createPuppet), so the
 * configured endpoint is the one the bot dials. Customers and staff act on the gateway's mocker side; everything
 * the bot sees and does crosses gRPC. Time is a fake clock that only the test moves (no driver loop).
 *
 * Runs on both stores: the conversation takes about a second per store (the whole file ~4 s).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { mock } from 'wechaty-puppet-mock';
import { createPuppet } from '../../src/bot/puppet/createPuppet.ts';
import { routeWechatyLogs } from '../../src/bot/puppet/wechatyLogging.ts';
import type { BotStatus } from '../../src/bot/accountBot.ts';
import { accountProfiles, loadConfigText, resolvePuppet, syncConfigToStore, type KocflowConfig } from '../../src/config/index.ts';
import type { ChannelEvent } from '../../src/domain/channel.ts';
import { startRuntime, type Runtime } from '../../src/runtime/app.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import { runClockUntil } from '../support/clock.ts';
import { nextEvent, within } from '../support/eventWait.ts';
import { captureLogs } from '../support/logCapture.ts';
import { loadFiles } from '../support/playbooks.ts';
import { mockEvents, startLoopbackGateway, type LoopbackGateway } from '../support/puppetGateway.ts';
import { describeEachStore } from '../support/stores.ts';

/** 10:00 in Shanghai: no quiet hours. */
const START = new Date('2026-12-01T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
/** Generous for loopback gRPC (a round trip is a few ms); a hang fails with what it waited for. */
const DEADLINE_MS = 5_000;

const WELCOME = `id: welcome
trigger: { on: friend.added }
steps:
  - say: "{{contact.name}}您好，我是{{account.name}}，欢迎！"
  - tag: [新客]
`;
const PRICE = `id: price
trigger: { on: message.keyword, keywords: [多少钱, 价格] }
steps:
  - say: "价格表马上发您"
`;

const TOKEN_ENV = 'KOCFLOW_TOKEN_GUIDE_GRPC';

/** kocflow.yaml as ops would write it for a self-hosted gateway. */
const configText = (port: number) => `
stores:
  - { id: sh-001, name: 上海南京西路店 }
staff:
  - { id: WangMin, name: 王敏, role: guide, store: sh-001 }
accounts:
  - id: guide-grpc
    name: 导购小王
    role: guide
    store: sh-001
    puppet: service
    tokenEnv: ${TOKEN_ENV}
    endpoint: { host: 127.0.0.1, port: ${port}, tls: false }
    owner: WangMin
    activeSince: 2026-01-05
`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Reverse order: the runtime (bots, then puppets) before the gateway before the data directory.
  const errors: unknown[] = [];
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw errors[0];
});

/** A contact on the gateway's side whose texts from the bot are collected. */
function person(gateway: LoopbackGateway, name: string, id?: string) {
  const contact = gateway.mocker.createContact({ name, ...(id ? { id } : {}) });
  const received: string[] = [];
  mockEvents(contact).on('message', (message) => {
    if (message.talker().id !== contact.id) received.push(message.text() ?? '');
  });
  return {
    contact,
    received,
    // The bot's own contact exists on the gateway once the bot has started it.
    say: (text: string) => contact.say(text).to(gateway.mocker.ContactMock.load(gateway.self.id)),
    /** Start waiting before causing it: the next text this person gets from the bot. */
    nextText: () => nextEvent<mock.MessageMock>(mockEvents(contact), 'message', DEADLINE_MS, (m) => m.talker().id === gateway.self.id).then((m) => m.text() ?? ''),
  };
}

describeEachStore('a conversation through puppet-service over loopback gRPC', (ctx) => {
  it('logs in with the configured endpoint and token, welcomes a new friend, answers a keyword and a staff /status', async () => {
    const store = await ctx.freshStore();
    const clock = new FakeClock(START);
    const logs = captureLogs('info');
    // The gateway's server side logs too (and sees the token): route wechaty's logs here from the start.
    const routing = routeWechatyLogs(logs.logger, { level: 'info' });
    cleanups.push(async () => routing.restore());

    const gateway = await startLoopbackGateway({ self: { id: 'wecom-guide-grpc', name: '导购小王' }, now: () => clock.now() });
    cleanups.push(() => gateway.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'kocflow-service-runtime-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    // The configuration path `kocflow start` takes.
    const load = loadConfigText('kocflow.yaml', configText(gateway.endpoint.port));
    expect(load.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const config: KocflowConfig = load.config!;
    const account = config.accounts[0]!;
    const resolved = resolvePuppet(account, { [TOKEN_ENV]: `${gateway.token}\n` });
    if (resolved.kind !== 'service') throw new Error(`expected a puppet-service account, got ${JSON.stringify(resolved)}`);
    expect(resolved.endpoint).toEqual({ host: '127.0.0.1', port: gateway.endpoint.port, tls: false });
    expect(resolved.token).toBe(gateway.token);
    const synced = await syncConfigToStore(store.prisma, config, clock.now());
    const profiles = accountProfiles(config, { now: clock.now(), firstSeen: synced.firstSeen });

    const loaded = loadFiles({ 'welcome.yaml': WELCOME, 'price.yaml': PRICE });
    if (!loaded.ok) throw new Error(`test playbooks have errors: ${JSON.stringify(loaded.diagnostics)}`);
    const set = loaded.set;

    // The staff member is a contact of the account in the gateway's world, with the owner's WeCom user id.
    const owner = person(gateway, '王敏', 'WangMin');
    const amy = person(gateway, '王芳');

    const handled: { event: ChannelEvent; command?: string; runsStarted: number }[] = [];
    const handledWaiters = new Set<() => void>();
    const waitForHandled = (count: number) => within(new Promise<void>((resolve) => {
      const check = () => {
        if (handled.length < count) return;
        handledWaiters.delete(check);
        resolve();
      };
      handledWaiters.add(check);
      check();
    }), DEADLINE_MS, `${count} handled inbound events (${handled.length} when the wait began)`);
    const statuses: BotStatus[] = [];
    let markLoggedIn = () => {};
    const loggedIn = new Promise<void>((resolve) => {
      markLoggedIn = resolve;
    });

    const runtime: Runtime = await startRuntime({
      prisma: store.prisma,
      reloader: { current: () => set, onChange: () => () => {} },
      accounts: [{
        profile: profiles[0]!,
        commanders: account.commanders,
        makePuppet: () => createPuppet(account.id, { kind: 'service', token: resolved.token, ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}) }, { dataDir: join(dataDir, account.id), logger: logs.logger, clock }),
      }],
      staff: config.staff.map((s) => ({ id: s.id, name: s.name })),
      playbooksRoot: '/virtual',
      clock,
      logger: logs.logger,
      random: seededRandom(7),
      startDriver: false,
      onBotStatus: (_accountId, status) => {
        statuses.push(status);
        if (status.state === 'logged_in') markLoggedIn();
      },
      onInbound: (event, outcome) => {
        handled.push({ event, ...outcome });
        for (const check of [...handledWaiters]) check();
      },
    });
    cleanups.push(() => runtime.stop());

    // Login arrives on the gRPC event stream, after start() resolved.
    await within(loggedIn, DEADLINE_MS, 'the bot to log in through the gateway');
    expect(runtime.fleet.get('guide-grpc')!.status()).toMatchObject({ state: 'logged_in', self: { externalId: 'wecom-guide-grpc', name: '导购小王' } });
    expect(runtime.fleet.get('guide-grpc')!.puppet()!.mocker).toBeUndefined(); // a real client: no mock on this side

    /** Ticks the engine at each due instant up to `end`, as the driver would. */
    const runUntil = (end: Date) => runClockUntil(clock, runtime, end, 1_000);

    // 1. A friend request: accepted over gRPC, the welcome flow's message reaches the customer, the tag is set.
    const welcome = amy.nextText();
    gateway.puppet.receiveFriendship(amy.contact, '朋友推荐来的');
    await waitForHandled(1);
    expect(handled[0]).toMatchObject({ event: { kind: 'friend.added', accountId: 'guide-grpc', hello: '朋友推荐来的', contact: { externalId: amy.contact.id, name: '王芳' } }, runsStarted: 1 });
    await runUntil(later(5));
    expect(await welcome).toBe('王芳您好，我是导购小王，欢迎！');
    expect(gateway.puppet.callLog.entries().filter((e) => e.kind === 'friendshipAccept')).toHaveLength(1);
    expect(await gateway.puppet.tagContactList(amy.contact.id)).toEqual(['新客']);

    // 2. The customer asks a price: the keyword flow answers over gRPC.
    const answer = amy.nextText();
    amy.say('这款多少钱？');
    await waitForHandled(2);
    expect(handled[1]).toMatchObject({ event: { kind: 'message', text: '这款多少钱？', contact: { externalId: amy.contact.id } }, runsStarted: 1 });
    await runUntil(later(10));
    expect(await answer).toBe('价格表马上发您');

    // 3. The owner asks for the status: answered at once, not through the outbox.
    const status = owner.nextText();
    owner.say('/status');
    await waitForHandled(3);
    expect(handled[2]!.command).toBe('status');
    const reply = await status;
    expect(reply).toContain('机器人：在线');
    // Two texts and the tag: every outbound action is an outbox row, and the day's count is the pacing ledger's.
    expect(reply).toMatch(/今日已发：3 \/ 600/);

    expect(amy.received).toEqual(['王芳您好，我是导购小王，欢迎！', '价格表马上发您']);
    expect(owner.received).toEqual([reply]);

    // What the store recorded: every inbound event and every send, with the outbox rows sent.
    const rows = await store.prisma.interaction.findMany({ where: { accountId: 'guide-grpc' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => `${r.direction}:${r.kind}`)).toEqual([
      'in:login', 'in:friend.added', 'out:say', 'out:tag', 'in:message', 'out:say', 'in:command', 'out:command_reply',
    ]);
    expect(await store.prisma.outboxEntry.findMany({ where: { accountId: 'guide-grpc' }, select: { kind: true, status: true }, orderBy: { id: 'asc' } }))
      .toEqual([{ kind: 'say', status: 'sent' }, { kind: 'tag', status: 'sent' }, { kind: 'say', status: 'sent' }]);

    // One session from start to stop (no reconnect); the client's caches went to the account's data directory;
    // nothing logged an error, and the token appears in no log line (the gateway's included).
    await runtime.stop();
    expect(runtime.fleet.get('guide-grpc')!.status().state).toBe('stopped');
    expect(existsSync(join(dataDir, account.id, 'puppet-service-cache'))).toBe(true);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'logged_in', 'stopped']);
    expect(logs.lines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(logs.text()).not.toContain(gateway.token);
  });
});
