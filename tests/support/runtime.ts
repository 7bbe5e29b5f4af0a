import { EventEmitter } from 'node:events';
import { afterEach } from 'vitest';
import type { mock } from 'wechaty-puppet-mock';
import { createPuppet, type CreatedPuppet } from '../../src/bot/puppet/createPuppet.ts';
import type { RecordingPuppetMock } from '../../src/bot/puppet/recordingMock.ts';
import type { PuppetHandle } from '../../src/bot/puppetHandle.ts';
import type { ChannelEvent } from '../../src/domain/channel.ts';
import type { AccountProfile } from '../../src/engine/ports.ts';
import type { PlaybookSet } from '../../src/playbook/model.ts';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/app.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';
import type { Store } from '../../src/store/openStore.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { runClockUntil } from './clock.ts';
import { guideAccount } from './engine.ts';
import { loadFiles } from './playbooks.ts';

/**
 * The whole product on mock puppets, for conversation tests: real Wechaty bots whose customers are driven through
 * the mocker, the real engine and store, a fake clock. Time moves only in `runUntil`, which ticks the engine at
 * each due instant, as the driver would.
 */
export interface WorldAccount {
  profile: AccountProfile;
  /** Staff who may command it, besides the owner. */
  commanders?: string[];
  /** Replaces the mock (a failing account). */
  makePuppet?: () => Promise<PuppetHandle>;
}

export interface RuntimeWorld {
  runtime: Runtime;
  /** The playbooks it runs. */
  set: PlaybookSet;
  clock: FakeClock;
  prisma: Store['prisma'];
  /** The mock world of an account (after its bot started). */
  mocks(accountId?: string): { mocker: mock.Mocker; puppet: RecordingPuppetMock; self: mock.ContactMock };
  /** A customer in an account's world; everything they receive is collected. */
  customer(name: string, accountId?: string, id?: string): Customer;
  room(topic: string, members: Customer[], accountId?: string): Room;
  /** Inbound events handled so far (after the engine or the command router dealt with them). */
  handled: { event: ChannelEvent; command?: string; runsStarted: number }[];
  /** Waits until `count` inbound events were handled (events travel through Wechaty asynchronously). */
  waitForHandled(count: number): Promise<void>;
  runUntil(end: Date): Promise<void>;
  /** Until every bot logged in (or failed). */
  waitForLogins(): Promise<void>;
  stop(): Promise<void>;
}

export interface Customer {
  contact: mock.ContactMock;
  id: string;
  /** What this person received from the bot, in order: texts, and `[type: file name]` for media. */
  received: string[];
  say(text: string): void;
}

export interface Room {
  room: mock.RoomMock;
  id: string;
  received: { text: string; mentions: string[] }[];
}

export const STAFF = [{ id: 'staff-lin', name: '林导购' }, { id: 'staff-zhou', name: '周大使' }];

export async function runtimeWorld(store: Store, options: {
  files: Record<string, string>;
  assets?: Record<string, string>;
  accounts?: WorldAccount[];
  start: Date;
  staff?: { id: string; name: string }[];
  runtime?: Partial<RuntimeOptions>;
  /** Called with each mock puppet the world creates, before its bot uses it (fault injection). */
  onPuppet?: (accountId: string, puppet: CreatedPuppet) => void;
}): Promise<RuntimeWorld> {
  const loaded = loadFiles(options.files, options.assets);
  if (!loaded.ok) throw new Error(`test playbooks have errors: ${JSON.stringify(loaded.diagnostics)}`);
  const set: PlaybookSet = loaded.set;
  const accounts = options.accounts ?? [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }) }];
  const staff = options.staff ?? STAFF;
  const repos = createRepositories(store.prisma);
  for (const { profile } of accounts) {
    if (profile.storeId) await repos.stores.upsert({ id: profile.storeId, name: profile.storeName });
    await repos.accounts.upsert({ id: profile.id, displayName: profile.name, role: profile.role, storeId: profile.storeId, timeZone: profile.timeZone });
  }
  const clock = new FakeClock(options.start);
  const created = new Map<string, CreatedPuppet>();
  const handled: RuntimeWorld['handled'] = [];
  const waiters: { count: number; resolve: () => void }[] = [];

  const runtime = await startRuntime({
    prisma: store.prisma,
    driver: store,
    reloader: { current: () => set, onChange: () => () => {} },
    accounts: accounts.map((a) => ({
      profile: a.profile,
      commanders: a.commanders ?? [],
      makePuppet: a.makePuppet ?? (async () => {
        const puppet = await createPuppet(a.profile.id, { kind: 'mock', self: { id: `bot-${a.profile.id}`, name: a.profile.name } }, { dataDir: '/nonexistent', logger: silentLogger(), clock });
        // Staff are contacts of the accounts they own or command, so task cards and answers reach them.
        for (const person of staff) puppet.mocker!.createContact({ id: person.id, name: person.name });
        created.set(a.profile.id, puppet);
        options.onPuppet?.(a.profile.id, puppet);
        return puppet;
      }),
    })),
    staff,
    playbooksRoot: '/virtual',
    clock,
    logger: silentLogger(),
    random: seededRandom(7),
    startDriver: false,
    onInbound: (event, outcome) => {
      handled.push({ event, ...outcome });
      for (const waiter of [...waiters]) {
        if (handled.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    ...options.runtime,
  });

  // The mock logs in by itself, a moment after its bot started (a failing account never does).
  const waitForLogins = async () => {
    for (let i = 0; i < 1000; i++) {
      const states = [...runtime.fleet.statuses().values()].map((s) => s.state);
      if (states.every((state) => state === 'logged_in' || state === 'failed' || state === 'reconnecting')) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`bots did not log in: ${JSON.stringify([...runtime.fleet.statuses()])}`);
  };
  await waitForLogins();
  const firstAccount = accounts[0]!.profile.id;
  const mocks = (accountId = firstAccount) => {
    const puppet = created.get(accountId);
    if (!puppet?.mockPuppet || !puppet.mocker) throw new Error(`account ${accountId} has no mock puppet (did its bot start?)`);
    const selfId = runtime.fleet.get(accountId)?.status().self?.externalId ?? `bot-${accountId}`;
    return { mocker: puppet.mocker, puppet: puppet.mockPuppet, self: puppet.mocker.ContactMock.load(selfId) };
  };

  return {
    runtime, set, clock, prisma: store.prisma, handled, mocks, waitForLogins,
    customer(name, accountId = firstAccount, id) {
      const { mocker, self } = mocks(accountId);
      const contact = id && mocker.cacheContactPayload.has(id) ? mocker.ContactMock.load(id) : mocker.createContact({ name, ...(id ? { id } : {}) });
      const received: string[] = [];
      // The mocker tells a contact about every message of its conversations, its own included.
      (contact as unknown as EventEmitter).on('message', (message: { text(): string | undefined; talker(): { id: string }; payload: { type: number; filename?: string } }) => {
        if (message.talker().id === contact.id) return;
        // Text as is; anything else as [type number: file name] (an image arrives as a file).
        received.push(message.text() ?? `[${message.payload.type}: ${message.payload.filename ?? ''}]`);
      });
      return { contact, id: contact.id, received, say: (text) => contact.say(text).to(self) };
    },
    room(topic, members, accountId = firstAccount) {
      const { mocker, self } = mocks(accountId);
      const room = mocker.createRoom({ topic, memberIdList: [self.id, ...members.map((m) => m.id)], ownerId: self.id });
      const received: Room['received'] = [];
      (room as unknown as EventEmitter).on('message', (message: { text(): string; talker(): { id: string } }, ...rest: unknown[]) => {
        void rest;
        received.push({ text: message.text(), mentions: [] });
      });
      return { room, id: room.id, received };
    },
    waitForHandled(count) {
      if (handled.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited for ${count} handled events, got ${handled.length}: ${handled.map((h) => h.event.kind).join(', ')}`)), 5000);
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    async runUntil(end) {
      await runClockUntil(clock, runtime, end, 10_000);
      // Sends reach the mocker side through Wechaty's event loop: let them land.
      await new Promise((resolve) => setImmediate(resolve));
    },
    stop: () => runtime.stop(),
  };
}

/** The worlds a test file starts, each stopped after its test (push every world you start). */
export function stoppedAfterEach(): RuntimeWorld[] {
  const worlds: RuntimeWorld[] = [];
  afterEach(async () => {
    while (worlds.length > 0) await worlds.pop()!.stop();
  });
  return worlds;
}
