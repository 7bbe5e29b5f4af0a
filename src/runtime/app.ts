import { hostname } from 'node:os';
import { Mutex } from 'async-mutex';
import { Fleet } from '../bot/fleet.ts';
import type { BotStatus, BotTimers } from '../bot/accountBot.ts';
import type { PuppetHandle } from '../bot/puppetHandle.ts';
import { WechatyChannel } from '../bot/wechatyChannel.ts';
import { FOUNDATION_COMMANDS } from '../chat/foundationCommands.ts';
import { REFERRAL_COMMANDS } from '../chat/referralCommands.ts';
import { KOC_COMMANDS } from '../chat/kocCommands.ts';
import { StaffCommandRouter, type StaffAccess } from '../chat/router.ts';
import type { ChatCommand } from '../chat/command.ts';
import type { ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import { Engine, type TickStats } from '../engine/engine.ts';
import type { AccountProfile, EngineStore } from '../engine/ports.ts';
import type { PlaybookReloader } from '../playbook/watch.ts';
import type { Logger } from '../shared/logger.ts';
import { createEngineStore } from '../store/engineStore.ts';
import type { SqlDriver } from '../store/engine/sql.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { createRewards } from '../store/rewards.ts';
import { RuntimeAccounts } from './accounts.ts';
import { createCommandServices } from './commandServices.ts';
import { EngineDriver } from './engineDriver.ts';
import { InboundHandler } from './inbound.ts';
import { LiveLog } from './liveLog.ts';
import { ReferralIntake } from './referralIntake.ts';
import { withDueWork, type DueWork } from './dueWork.ts';
import { RetentionWork } from './retention.ts';
import { Fission } from './fission.ts';
import { createReferrals } from '../store/referral/index.ts';
import type { ReferralService } from '../referral/ports.ts';
import { KocProgram } from './koc/program.ts';

/**
 * The running product in one process: the fleet of bots, the engine and its driver, staff commands, the live log.
 * `kocflow start` builds it from the configuration; the conversation tests build it with their own puppets.
 */
export interface RuntimeAccount {
  profile: AccountProfile;
  /** Staff (WeCom user ids) who may command this account in chat; the owner is always one of them. */
  commanders: string[];
  makePuppet: () => Promise<PuppetHandle>;
}

export interface RuntimeOptions {
  prisma: PrismaClient;
  /** The opened store: the engine store then runs its own SQL on the driver (~0.3 ms less a statement than Prisma). */
  driver?: SqlDriver;
  reloader: Pick<PlaybookReloader, 'current' | 'onChange'>;
  accounts: RuntimeAccount[];
  staff: { id: string; name: string }[];
  /** The playbook folder (image assets are read from it). */
  playbooksRoot: string;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  optOutWords?: string[];
  /** The live log's output (the terminal in `kocflow start`); none when undefined. */
  liveLog?: { write(line: string): void; showText: boolean };
  commands?: readonly ChatCommand[];
  timers?: BotTimers;
  loginTimeoutMs?: number;
  reconnectBackoff?: { baseMs: number; maxMs: number };
  assistRemindAfterMs?: number;
  /** Outbox claims are stamped with it (`host:pid` by default). */
  processId?: string;
  /**
   * false: no driver loop; the caller ticks (`Runtime.tick`) — tests on a fake clock. @default true
   */
  startDriver?: boolean;
  /** Told about every bot status change (the terminal prints login QR codes). */
  onBotStatus?(accountId: string, status: BotStatus): void;
  /** Told about every inbound event once it was handled (tests wait on it). */
  onInbound?(event: ChannelEvent, outcome: { command?: string; runsStarted: number }): void;
  /** PIPL retention (kocflow.yaml `retention`): interactions older than this many days are purged as they age. */
  retention?: { interactionsDays?: number | undefined };
  /** The KOC program: where tracking links live (`/code`, {{staff.link}}), and a cron replacing the tiers file's `evaluate`. */
  koc?: { linkBase?: string; evaluateCron?: string };
}

export interface Runtime {
  /** The referral loop (codes, attribution, redemption) on this runtime's store. */
  referrals: ReferralService;
  /** The KOC program (tiers, tasks, participation points, the leaderboard). */
  koc: KocProgram;
  /** Hands an event to the engine as the bots do (under the engine lock): the till API's coupon.redeemed. */
  raise(event: ChannelEvent): Promise<void>;
  fleet: Fleet;
  engine: Engine;
  store: EngineStore;
  accounts: RuntimeAccounts;
  driver: EngineDriver;
  inbound: InboundHandler;
  /** One engine tick now, under the engine lock (for callers that drive time themselves). */
  tick(): Promise<TickStats & { dueWork?: number }>;
  nextDueAt(): Promise<Date | null>;
  /** Stops the bots' intake, finishes the sends in flight, stops the bots. The caller closes the store. */
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { prisma, clock, logger } = options;
  const mutex = new Mutex();
  const store = createEngineStore(prisma, { logger, claimedBy: options.processId ?? `${hostname()}:${process.pid}`, ...(options.driver ? { driver: options.driver } : {}) });

  // A pause set in chat survives restarts: it lives in accounts.status.
  const paused = new Set((await prisma.account.findMany({ where: { status: 'paused' }, select: { id: true } })).map((a) => a.id));
  const accounts = new RuntimeAccounts(options.accounts.map((a) => ({ ...a.profile, pausedAt: paused.has(a.profile.id) ? clock.now() : null })));

  const live = options.liveLog ? new LiveLog({ write: options.liveLog.write, accounts, now: () => clock.now(), showText: options.liveLog.showText }) : undefined;
  let inbound: InboundHandler | undefined;
  let engine: Engine | undefined;
  const fleet = new Fleet({
    logger, clock,
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.loginTimeoutMs ? { loginTimeoutMs: options.loginTimeoutMs } : {}),
    ...(options.reconnectBackoff ? { backoff: options.reconnectBackoff } : {}),
    hooks: {
      onEvent: async (event) => {
        await inbound?.handle(event);
      },
      acceptsFriendRequests: (accountId) => engine?.acceptsFriendRequests(accountId) ?? false,
      onStatus: (accountId, status) => {
        live?.botStatus(accountId, status);
        options.onBotStatus?.(accountId, status);
        const write = recordStatus(accountId, status)
          .catch((error: unknown) => logger.warn({ account: accountId, err: error }, 'could not record the bot status'))
          .finally(() => statusWrites.delete(write));
        statusWrites.add(write);
      },
    },
  });

  /** Status writes in flight: stop() waits for them (the last logouts land before the store closes). */
  const statusWrites = new Set<Promise<void>>();
  /** Login and logout are interactions, and the account row remembers when the bot was last seen. */
  const wasLoggedIn = new Set<string>();
  async function recordStatus(accountId: string, status: BotStatus): Promise<void> {
    const now = clock.now();
    if (status.state === 'logged_in' && !wasLoggedIn.has(accountId)) {
      wasLoggedIn.add(accountId);
      await prisma.account.update({ where: { id: accountId }, data: { lastSeenAt: now } });
      await store.logInteraction({ at: now, direction: 'in', kind: 'login', accountId, body: {} });
      driver.kick(); // sends held while it was offline can go now
    } else if (status.state !== 'logged_in' && wasLoggedIn.delete(accountId)) {
      await prisma.account.update({ where: { id: accountId }, data: { lastSeenAt: now } });
      await store.logInteraction({ at: now, direction: 'in', kind: 'logout', accountId, body: { state: status.state, reason: status.reason ?? null } });
    }
  }

  // Every KOC has an exclusive referral code before the first customer can send one.
  const referrals = createReferrals(prisma, { playbooks: () => options.reloader.current() });
  await referrals.ensureReferralCodes(clock.now());

  // The KOC program reaches a KOC through the account they own or command (src/koc/reach.ts).
  const koc = new KocProgram({
    prisma, store, playbooks: () => options.reloader.current(), clock, logger,
    accounts: options.accounts.map((a) => ({ id: a.profile.id, role: a.profile.role, timeZone: a.profile.timeZone, owner: a.profile.ownerStaffExternalId, commanders: a.commanders })),
    ...(options.koc?.linkBase ? { linkBase: options.koc.linkBase } : {}),
    ...(options.koc?.evaluateCron ? { evaluateCron: options.koc.evaluateCron } : {}),
    handleEvent: (event) => engine!.handleEvent(event),
  });

  const channel = new WechatyChannel(fleet, options.playbooksRoot);
  engine = new Engine({
    clock, store, channel, accounts, logger,
    random: options.random ?? Math.random,
    rewards: createRewards(prisma, () => options.reloader.current(), { leaderboard: ({ at }) => koc.leaderboard(at) }),
    ...(options.optOutWords ? { optOutWords: options.optOutWords } : {}),
    ...(live ? { observer: live.observer() } : {}),
    ...(options.assistRemindAfterMs ? { assistRemindAfterMs: options.assistRemindAfterMs } : {}),
  }, options.reloader.current());
  await engine.start();
  const running = engine;

  // The domain services' time-based work ticks with the engine (src/runtime/dueWork.ts).
  const fission = new Fission({
    prisma, store, engine: running, accounts, playbooks: () => options.reloader.current(), clock, logger,
    ...(live ? { onOutcome: (accountId: string, line: string) => live.note(accountId, line) } : {}),
  });
  const dueWork: DueWork[] = [fission, ...koc.dueWork];
  const retentionDays = options.retention?.interactionsDays;
  if (retentionDays !== undefined) dueWork.push(new RetentionWork({ prisma, interactionsDays: retentionDays, logger }));
  const driven = withDueWork(running, dueWork, clock, logger);
  const driver = new EngineDriver(driven, { clock, logger, mutex, ...(options.timers ? { timers: options.timers } : {}) });
  const unsubscribe = options.reloader.onChange((set) => {
    mutex.runExclusive(() => running.updatePlaybooks(set)).then(
      () => driver.kick(),
      (error: unknown) => logger.error({ err: error }, 'could not adopt the reloaded playbooks'),
    );
  });

  const router = new StaffCommandRouter(
    options.commands ?? [...FOUNDATION_COMMANDS, ...REFERRAL_COMMANDS, ...KOC_COMMANDS],
    staffAccess(options.accounts, options.staff),
    {
      ...createCommandServices({ prisma, store, engine: running, accounts, fleet, clock, kick: () => driver.kick(), referrals, handleEvent: (event) => running.handleEvent(event) }),
      koc: koc.commandServices(),
    },
    logger,
  );
  const intake = new ReferralIntake({
    referrals, engine: running, store, accounts, playbooks: () => options.reloader.current(), clock, logger,
    ...(live ? { onOutcome: (accountId: string, outcome: Parameters<LiveLog['referral']>[1]) => live.referral(accountId, outcome) } : {}),
  });
  inbound = new InboundHandler({
    engine: running, router, channel, store, mutex, clock, logger, kick: () => driver.kick(),
    afterEngine: async (event) => (await intake.afterEvent(event)) + (await fission.afterEvent(event)) + (await koc.afterEvent(event)),
    ...(live ? { onReceived: (event: ChannelEvent) => live.inbound(event) } : {}),
    onEvent: (event, outcome) => {
      if (outcome.command) live?.command(event, outcome.command);
      options.onInbound?.(event, outcome);
    },
  });

  if (options.startDriver !== false) driver.start();
  await fleet.start(options.accounts.map((a) => ({ id: a.profile.id, name: a.profile.name, makePuppet: a.makePuppet })));

  return {
    referrals, koc, raise: (event) => inbound!.handle(event),
    fleet, engine: running, store, accounts, driver, inbound,
    tick: () => mutex.runExclusive(() => driven.tick()),
    nextDueAt: () => mutex.runExclusive(() => driven.nextDueAt()),
    async stop() {
      unsubscribe();
      await driver.stop();
      await fleet.stop();
      await Promise.all([...statusWrites]);
    },
  };
}

function staffAccess(accounts: RuntimeAccount[], staff: { id: string; name: string }[]): StaffAccess {
  const names = new Map(staff.map((s) => [s.id, s.name]));
  const commanders = new Map(accounts.map((a) => [a.profile.id, new Set([...a.commanders, ...(a.profile.ownerStaffExternalId ? [a.profile.ownerStaffExternalId] : [])])]));
  return {
    commander(accountId, externalId) {
      if (!commanders.get(accountId)?.has(externalId)) return undefined;
      return { externalId, name: names.get(externalId) ?? externalId };
    },
    accountsOf(externalId) {
      return [...commanders].filter(([, ids]) => ids.has(externalId)).map(([id]) => id);
    },
  };
}
