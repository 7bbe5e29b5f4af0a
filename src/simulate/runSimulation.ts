import type { ChannelEvent } from '../domain/channel.ts';
import { Engine } from '../engine/engine.ts';
import type { EngineDeps } from '../engine/ports.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import { KocError } from '../shared/errors.ts';
import { silentLogger, type Logger } from '../shared/logger.ts';
import { seededRandom } from '../shared/random.ts';
import { createEngineStore } from '../store/engineStore.ts';
import { createRewards } from '../store/rewards.ts';
import type { PrismaClient } from '../store/types.ts';
import {
  attributeReferral,
  openSimulationStore,
  readSimulationLedger,
  redeemCoupon,
  seedSimulation,
  withSeededIds,
  type SimulationLedger,
  type SimulationStoreKind,
} from '../store/simulationSeed.ts';
import { planBehaviour, type SimEvent } from './behaviour.ts';
import { FakeChannel, FakeClock, type DeliveredAction } from './fakeChannel.ts';
import { playbookFacts, type PlaybookFacts } from './playbookFacts.ts';
import { buildPopulation, type Population } from './population.ts';
import { rngStream } from './rng.ts';
import { seededCode } from './seededCode.ts';

/**
 * One simulation: the real engine (the playbooks as loaded, pacing, outbox, runs) on a throwaway embedded store,
 * a fake channel that records every delivery, a fake clock, and synthetic customers (population.ts, behaviour.ts).
 *
 * Time moves only here: the clock jumps to whichever comes first, the next customer event or the engine's next due
 * instant (`engine.nextDueAt()`); the events due then are delivered, then the engine ticks. So every send happens
 * at the instant pacing allowed it, and a month takes as long as the work in it, not as long as a month.
 *
 * Reproducible: the engine's jitter is `seededRandom(seed)`, the world and its behaviour come from streams of the
 * same seed, and the store's ids and coupon codes are seeded too (store/simulationSeed.ts `withSeededIds`); the
 * only wall-clock values are the timings reported, which the timeline never contains.
 */
export interface SimulationOptions {
  days: number;
  /** Bot accounts (see population.ts for the mix). */
  accounts: number;
  /** Customers in all, spread over the guide and ambassador accounts. */
  contacts: number;
  seed: number;
  /** The first instant simulated: local midnight of the first day. */
  from: Date;
  playbooks: PlaybookSet;
  /** @default 'memory': as fast as a temp data directory within noise (docs/bench/simulate.txt), and leaves nothing behind */
  store?: SimulationStoreKind;
  /** Called as simulated time advances (about once per simulated hour) and once at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  logger?: Logger;
}

export interface SimulationProgress {
  simulatedMs: number;
  totalMs: number;
  sends: number;
}

export interface SimulationRun {
  from: Date;
  to: Date;
  seed: number;
  population: Population;
  facts: PlaybookFacts;
  playbooks: PlaybookSet;
  /** Every delivery the fake channel recorded, in order. */
  deliveries: DeliveredAction[];
  ledger: SimulationLedger;
  /** Customer events delivered to the engine (a redemption without a coupon is not one). */
  eventsDelivered: number;
  ticks: number;
  simulatedSeconds: number;
  wallSeconds: number;
  /** Wall milliseconds per phase, for the benchmark. */
  phases: { openStore: number; seed: number; run: number; report: number };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Ticks in a row at one instant that change nothing before the simulation calls the engine stuck. */
const STALL_LIMIT = 5;

export async function runSimulation(options: SimulationOptions): Promise<SimulationRun> {
  const wallStart = performance.now();
  const logger = options.logger ?? silentLogger();
  const from = new Date(options.from);
  const to = new Date(from.getTime() + options.days * DAY_MS);
  const facts = playbookFacts(options.playbooks);
  const population = buildPopulation({ accounts: options.accounts, contacts: options.contacts, seed: options.seed, from, facts });
  const events = planBehaviour(population, facts, { from, days: options.days, seed: options.seed });

  const clock = new FakeClock(from);
  const { store, dispose } = await openSimulationStore(options.store ?? 'memory', logger);
  const opened = performance.now();
  try {
    const prisma = withSeededIds(store.prisma, { now: () => clock.now() });
    const codeRandom = rngStream(options.seed, 'codes').next;
    await seedSimulation(prisma, {
      stores: population.stores,
      accounts: population.accounts.map((a) => ({ id: a.id, displayName: a.name, role: a.role, storeId: a.storeId, timeZone: a.timeZone })),
      staff: population.staff,
      campaigns: [...options.playbooks.campaigns.values()].map((c) => ({ id: c.document.id, name: c.document.name, budget: c.document.budget ?? null })),
      at: from,
    });
    const byId = new Map(population.accounts.map((a) => [a.id, a]));
    const channel = new FakeChannel(clock);
    const deps: EngineDeps = {
      clock,
      channel,
      store: createEngineStore(prisma, { logger, driver: store }),
      rewards: createRewards(prisma, () => options.playbooks, { newCouponCode: () => seededCode(codeRandom, 8, 'Q') }),
      accounts: { list: () => population.accounts, get: (id) => byId.get(id) },
      random: seededRandom(options.seed),
      logger,
    };
    const engine = new Engine(deps, options.playbooks);
    await engine.start();
    const seeded = performance.now();

    const ownerStaffId = new Map(population.staff.flatMap((s) => (s.accountId ? [[s.accountId, s.id] as const] : [])));
    const storeName = new Map(population.stores.map((s) => [s.id, s.name]));
    let delivered = 0;
    const deliver = async (planned: SimEvent): Promise<void> => {
      const now = clock.now();
      const account = byId.get(planned.kind === 'redeem' ? planned.accountId : planned.event.accountId)!;
      let event: ChannelEvent | undefined;
      if (planned.kind === 'redeem') {
        const redeemed = await redeemCoupon(prisma, {
          accountId: account.id, contactExternalId: planned.contact.externalId, storeId: planned.storeId, staffId: ownerStaffId.get(account.id) ?? null, at: now,
        });
        if (redeemed) {
          event = {
            kind: 'coupon.redeemed', accountId: account.id, eventId: planned.eventId, at: now, contact: planned.contact,
            couponCode: redeemed.couponCode, campaignId: redeemed.campaignId, storeName: storeName.get(planned.storeId) ?? planned.storeId,
          };
        }
      } else {
        event = { ...planned.event, at: now };
        await sideEffectsOf(event, deps, prisma, now);
      }
      if (!event) return;
      await engine.handleEvent(event);
      delivered++;
    };

    const total = to.getTime() - from.getTime();
    let ticks = 0;
    let next = 0;
    let stalled = 0;
    let reportedHour = -1;
    const progress = () => {
      const simulatedMs = clock.now().getTime() - from.getTime();
      options.onProgress?.({ simulatedMs, totalMs: total, sends: channel.delivered.length });
    };
    for (;;) {
      const due = await engine.nextDueAt();
      const candidates = [due?.getTime(), events[next]?.at.getTime()].filter((t): t is number => t !== undefined);
      if (candidates.length === 0) break;
      const at = Math.min(...candidates);
      if (at >= to.getTime()) break;
      const before = clock.now().getTime();
      if (at > before) clock.set(new Date(at));
      let handled = 0;
      while (next < events.length && events[next]!.at.getTime() <= clock.now().getTime()) {
        await deliver(events[next++]!);
        handled++;
      }
      const stats = await engine.tick();
      ticks++;
      const worked = handled + stats.sent + stats.deferred + stats.skipped + stats.failed + stats.retried + stats.runsAdvanced + stats.runsStarted;
      stalled = at > before || worked > 0 ? 0 : stalled + 1;
      if (stalled >= STALL_LIMIT) {
        throw new KocError('KOC_SIMULATION_STALLED', `the engine reports work due at ${clock.now().toISOString()} but a tick does none of it`, {
          hint: 'this is a bug in kocflow: report it with the command line (seed included), which reproduces it exactly',
          details: { at: clock.now().toISOString(), ticks },
        });
      }
      const hour = Math.floor((clock.now().getTime() - from.getTime()) / HOUR_MS);
      if (hour !== reportedHour) {
        reportedHour = hour;
        progress();
      }
    }
    clock.set(to);
    progress();
    const ran = performance.now();
    const ledger = await readSimulationLedger(prisma);
    const done = performance.now();
    return {
      from, to, seed: options.seed, population, facts, playbooks: options.playbooks, deliveries: channel.delivered, ledger,
      eventsDelivered: delivered, ticks, simulatedSeconds: total / 1000, wallSeconds: (done - wallStart) / 1000,
      phases: { openStore: opened - wallStart, seed: seeded - opened, run: ran - seeded, report: done - ran },
    };
  } finally {
    await dispose();
  }
}

/**
 * What happens around an event before the engine hears of it, done by other parts of kocflow in production: a tag
 * the guide set in WeCom is synchronised into the store (the bot), a referral code is resolved and the customer
 * attributed to its KOC (the referral module). Without them the flows would see a contact without the tag or the
 * referrer the event is about.
 */
async function sideEffectsOf(event: ChannelEvent, deps: EngineDeps, prisma: PrismaClient, now: Date): Promise<void> {
  if (event.kind === 'tag.added' || event.kind === 'tag.removed') {
    const contact = await deps.store.ensureContact(event.accountId, event.contact, now);
    const added = event.kind === 'tag.added';
    await deps.store.setTags(contact.id, added ? [event.tag] : [], added ? [] : [event.tag], 'sync', now);
  } else if (event.kind === 'code.sent') {
    await deps.store.ensureContact(event.accountId, event.contact, now);
    await attributeReferral(prisma, { accountId: event.accountId, contactExternalId: event.contact.externalId, code: event.code, campaignId: event.campaignId ?? null, at: now });
  }
}
