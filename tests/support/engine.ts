import { Engine } from '../../src/engine/engine.ts';
import { DEFAULT_PACING, type PacingSettings } from '../../src/engine/pacing/settings.ts';
import type { AccountProfile, EngineDeps, RewardsPort } from '../../src/engine/ports.ts';
import type { ChannelEvent, OutboundKind } from '../../src/domain/channel.ts';
import type { PlaybookSet } from '../../src/playbook/model.ts';
import { FakeChannel, FakeClock } from '../../src/simulate/fakeChannel.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { createRewards } from '../../src/store/rewards.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import type { Store } from '../../src/store/openStore.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { runClockUntil } from './clock.ts';
import { loadFiles } from './playbooks.ts';

/** One guide account in Shanghai with default pacing, owned by staff member `guide-1`. */
export function guideAccount(overrides: Partial<AccountProfile> = {}, pacing: Partial<PacingSettings> = {}): AccountProfile {
  return {
    id: 'sh-guide-1', name: '小林', role: 'guide', storeId: 'sh-01', storeName: '上海南京西路店', timeZone: 'Asia/Shanghai',
    pacing: { ...DEFAULT_PACING, rampUpDays: 0, ...pacing }, ownerStaffExternalId: 'guide-1', activeSince: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** An event as a test writes it: the world stamps it with the fake clock's time. */
export type EventWithoutTime = ChannelEvent extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;

export interface EngineWorld {
  engine: Engine;
  /** The world's own store, for assertions on rows. */
  prisma: Store['prisma'];
  clock: FakeClock;
  channel: FakeChannel;
  deps: EngineDeps;
  /** Runs every due thing until `end`, jumping the clock from one due instant to the next. */
  runUntil(end: Date): Promise<void>;
  event(event: EventWithoutTime): Promise<void>;
  /** A new engine on the same store (a restart), sharing clock and channel. */
  restart(): Promise<EngineWorld>;
  texts(): { at: string; kind: string; to: string; text: string }[];
}

export async function engineWorld(store: Store, options: {
  files: Record<string, string>;
  /** Other files of the playbook folder (images, template files), by path. */
  assets?: Record<string, string>;
  accounts?: AccountProfile[];
  start: Date;
  unsupported?: OutboundKind[];
  rewards?: RewardsPort;
  clock?: FakeClock;
  channel?: FakeChannel;
}): Promise<EngineWorld> {
  const loaded = loadFiles(options.files, options.assets);
  if (!loaded.ok) throw new Error(`test playbooks have errors: ${JSON.stringify(loaded.diagnostics)}`);
  const accounts = options.accounts ?? [guideAccount()];
  const repos = createRepositories(store.prisma);
  for (const account of accounts) {
    if (account.storeId) await repos.stores.upsert({ id: account.storeId, name: account.storeName });
    await repos.accounts.upsert({ id: account.id, displayName: account.name, role: account.role, storeId: account.storeId, timeZone: account.timeZone });
  }
  const clock = options.clock ?? new FakeClock(options.start);
  const channel = options.channel ?? new FakeChannel(clock, { unsupported: options.unsupported ?? [] });
  const build = async (set: PlaybookSet): Promise<EngineWorld> => {
    const deps: EngineDeps = {
      clock, channel, store: createEngineStore(store.prisma, { driver: store }), rewards: options.rewards ?? createRewards(store.prisma, () => set),
      accounts: { list: () => accounts, get: (id) => accounts.find((a) => a.id === id) }, random: seededRandom(7), logger: silentLogger(),
    };
    const engine = new Engine(deps, set);
    await engine.start();
    const world: EngineWorld = {
      engine, prisma: store.prisma, clock, channel, deps,
      runUntil: (end) => runClockUntil(clock, engine, end),
      async event(event) {
        await engine.handleEvent({ ...event, at: clock.now() } as ChannelEvent);
      },
      restart: () => build(set),
      texts: () => channel.delivered.map((d) => ({
        at: d.at.toISOString(),
        kind: d.action.kind,
        to: 'contactExternalId' in d.action ? d.action.contactExternalId : 'roomExternalId' in d.action ? d.action.roomExternalId : 'staffExternalId' in d.action ? d.action.staffExternalId : d.action.accountId,
        text: 'content' in d.action ? (d.action.content.text ?? '') : 'text' in d.action ? (d.action.text ?? '') : 'tags' in d.action ? d.action.tags.join(',') : '',
      })),
    };
    return world;
  };
  return build(loaded.set);
}
