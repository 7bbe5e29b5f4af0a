import { randomBytes } from 'node:crypto';
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
import { BOT_ROLES, createClusterStore, type ProcessRole } from '../store/cluster/index.ts';
import { KocError } from '../shared/errors.ts';
import { LeaseKeeper } from './leaseKeeper.ts';

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
  /**
   * Several processes on PostgreSQL (docs/scaling.md): this process's role, its account leases, the scheduled-work
   * lock. Needs `driver` to be the PostgreSQL store. Undefined: this process does everything alone (embedded store).
   */
  cluster?: ClusterOptions;
  /** PIPL retention (kocflow.yaml `retention`): interactions older than this many days are purged as they age. */
  retention?: { interactionsDays?: number | undefined };
  /** The KOC program: where tracking links live (`/code`, {{staff.link}}), and a cron replacing the tiers file's `evaluate`. */
  koc?: { linkBase?: string; evaluateCron?: string };
}

export interface ClusterOptions {
  role: ProcessRole;
  /** A lease not renewed for this long may be taken over. @default 20 s */
  leaseTtlMs?: number;
  /** @default 5 s */
  leaseRenewMs?: number;
  /** The driver looks at the store at least this often (sends queued by another process). @default 1 s */
  pollMs?: number;
}

export interface Runtime {
  /** This process as leases and outbox claims name it. */
  processId: string;
  /** Several processes: this process's account leases (undefined in one process, and for the worker and web roles). */
  leases?: LeaseKeeper;
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
  const { cluster } = options;
  if (cluster && options.driver?.kind !== 'postgres') {
    throw new KocError('KOC_ROLE_NEEDS_POSTGRES', `kocflow can run as several processes (role ${cluster.role}) only on PostgreSQL`, {
      hint: 'set DATABASE_URL; the embedded store is one process, which runs every role (--role all)',
    });
  }
  const processId = options.processId ?? (cluster ? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` : `${hostname()}:${process.pid}`);
  const runsBots = !cluster || BOT_ROLES.includes(cluster.role);
  const runsScheduled = !cluster || cluster.role === 'all' || cluster.role === 'worker';
  const shared = cluster && options.driver?.kind === 'postgres' ? createClusterStore(options.driver.pool) : undefined;
  let keeper: LeaseKeeper | undefined;
  const scope = cluster ? { ownerId: processId, ownedAccounts: () => keeper?.owned() ?? [], scheduled: runsScheduled } : undefined;
  const store = createEngineStore(prisma, {
    logger, claimedBy: processId, ...(options.driver ? { driver: options.driver } : {}), ...(scope ? { scope } : {}),
  });
  /** Concurrent starters' upserts (schedules, versions, referral codes) one after the other. */
  const startup = <T>(work: () => Promise<T>): Promise<T> => (shared ? shared.workLock.startup(work) : work());

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
  await startup(() => referrals.ensureReferralCodes(clock.now()));

  // The KOC program reaches a KOC through the account they own or command (src/koc/reach.ts).
  const koc = new KocProgram({
    prisma, store, playbooks: () => options.reloader.current(), clock, logger,
    accounts: options.accounts.map((a) => ({ id: a.profile.id, role: a.profile.role, timeZone: a.profile.timeZone, owner: a.profile.ownerStaffExternalId, commanders: a.commanders })),
    ...(options.koc?.linkBase ? { linkBase: options.koc.linkBase } : {}),
    ...(options.koc?.evaluateCron ? { evaluateCron: options.koc.evaluateCron } : {}),
    handleEvent: (event) => engine!.handleEvent(event),
    ...(live ? { onTierChange: (change: { accountId: string | undefined; kocName: string; from: string; to: string; reason: string }) => live.tierChange(change) } : {}),
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
  await startup(() => engine!.start());
  const running = engine;

  // The domain services' time-based work ticks with the engine (src/runtime/dueWork.ts).
  const fission = new Fission({
    prisma, store, engine: running, accounts, playbooks: () => options.reloader.current(), clock, logger,
    ...(live ? { onOutcome: (accountId: string, line: string) => live.note(accountId, line) } : {}),
  });
  const dueWork: DueWork[] = [fission, ...koc.dueWork];
  const retentionDays = options.retention?.interactionsDays;
  if (retentionDays !== undefined) dueWork.push(new RetentionWork({ prisma, interactionsDays: retentionDays, logger }));
  let driven = withDueWork(running, dueWork, clock, logger);
  if (shared) {
    // Several processes: the scheduled part of a tick (schedules, runs, reminders, the services' due work) in one
    // process at a time, under the work lock; the sends of this process's accounts in every tick.
    const scheduled = withDueWork({ tick: () => running.tick({ scheduled: true, dispatch: runsBots }), nextDueAt: () => running.nextDueAt() }, dueWork, clock, logger);
    driven = {
      async tick() {
        if (runsScheduled) {
          const done = await shared.workLock.tryWith(() => scheduled.tick());
          if (done) return done;
        }
        return running.tick({ scheduled: false, dispatch: runsBots });
      },
      nextDueAt: () => (runsScheduled ? scheduled.nextDueAt() : running.nextDueAt()),
    };
  }
  const driver = new EngineDriver(driven, {
    clock, logger, mutex, ...(options.timers ? { timers: options.timers } : {}), ...(cluster ? { maxSleepMs: cluster.pollMs ?? 1000 } : {}),
  });
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

  const fleetAccount = (a: RuntimeAccount) => ({ id: a.profile.id, name: a.profile.name, makePuppet: a.makePuppet });
  if (options.startDriver !== false && cluster?.role !== 'web') driver.start();
  if (shared && runsBots) {
    // Several processes: bots only for the accounts this process holds a lease on (src/runtime/leaseKeeper.ts).
    const byId = new Map(options.accounts.map((a) => [a.profile.id, a]));
    keeper = new LeaseKeeper({
      leases: shared.leases, processId, role: cluster!.role, accounts: options.accounts.map((a) => a.profile.id), mutex, logger,
      ...(cluster!.leaseTtlMs ? { ttlMs: cluster!.leaseTtlMs } : {}),
      ...(cluster!.leaseRenewMs ? { renewEveryMs: cluster!.leaseRenewMs } : {}),
      onTakenOver: async (ids) => {
        const doubtful = await shared.markTakenOverInDoubt(processId, ids, clock.now());
        if (doubtful > 0) logger.warn({ process: processId, accounts: ids, count: doubtful }, 'sends in flight under the previous owner are in doubt; resolve them in the outbox');
      },
      onGained: async (ids) => {
        // A pause set through the previous owner is in the store (accounts.status): this process sends now, so it reads it.
        const pausedNow = new Set((await prisma.account.findMany({ where: { id: { in: ids }, status: 'paused' }, select: { id: true } })).map((a) => a.id));
        for (const id of ids) accounts.setPaused(id, pausedNow.has(id) ? clock.now() : null);
        await fleet.start(ids.map((id) => fleetAccount(byId.get(id)!)));
        driver.kick();
      },
      onLost: (ids) => fleet.stopAccounts(ids),
    });
    await keeper.start();
  } else if (!cluster) {
    await fleet.start(options.accounts.map(fleetAccount));
  }

  return {
    processId, ...(keeper ? { leases: keeper } : {}),
    referrals, koc, raise: (event) => inbound!.handle(event),
    fleet, engine: running, store, accounts, driver, inbound,
    tick: () => mutex.runExclusive(() => driven.tick()),
    nextDueAt: () => mutex.runExclusive(() => driven.nextDueAt()),
    async stop() {
      unsubscribe();
      await driver.stop();
      await keeper?.stop(); // its bots stop, then its leases are released: another process takes them at once
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
