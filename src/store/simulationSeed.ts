/**
 * The store side of `kocflow simulate` (src/simulate/): everything the simulation needs from Prisma beyond the
 * engine's own store port, kept here because only src/store/ imports the generated client.
 *
 * - `withSeededIds`: Prisma fills `@default(uuid(7))` ids from the wall clock and crypto, and ids reach what the
 *   simulation prints (a wording is picked by hashing the contact and run ids, engine/render.ts `pickVariant`;
 *   idempotency keys name the run). For a timeline that is byte-identical for the same seed, a Prisma query extension
 *   supplies ids in uuid v7 shape from the *simulated* clock and a counter (so they still sort in creation order, as
 *   real v7 ids do). Coupon codes, the other random input, come seeded through createRewards' `newCouponCode`.
 * - `seedSimulation`: stores, accounts, staff with KOC profiles (tier, points) and referral codes, campaigns.
 * - `attributeReferral`, `redeemCoupon`: the referral module's part of "a customer sends a code" and "a coupon is
 *   redeemed at the till", which the synthetic customers do; first touch wins, a coupon is redeemed once.
 * - `readSimulationLedger`: the outbox rows and the aggregated outbox events the report is computed from.
 * - `openSimulationStore`: the throwaway embedded store a simulation runs on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../shared/logger.ts';
import { globToRegExp } from '../playbook/glob.ts';
import { openStore, openStoreOnPGlite, type EmbeddedStore } from './openStore.ts';
import type { PrismaClient } from './generated/client.ts';
import type { AccountRole, StaffRole } from './generated/enums.ts';

// ─────────────────────────────────────────────────────────────────────────────────────── seeded ids and codes

/** Models whose id is `@default(uuid(7))` in prisma/schema.prisma. */
const UUID_MODELS = new Set([
  'Staff', 'Contact', 'Room', 'RoomMember', 'PlaybookVersion', 'FlowRun', 'ReferralCode', 'Coupon', 'Redemption',
  'TaskAssignment', 'Feedback', 'TierChange', 'DashboardUser',
]);

export interface SeededIdSource {
  /** The simulated clock: ids carry its milliseconds, like a v7 uuid carries the wall clock's. */
  now(): Date;
}

/**
 * A uuid v7-shaped id from the simulated time and a counter: 48 bits of milliseconds, version 7, variant 8, and a
 * 72-bit counter in the remaining places. Monotonic as long as the clock does not go back (the fake clock cannot).
 */
export function seededUuid(ms: number, counter: number): string {
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  const count = counter.toString(16).padStart(18, '0').slice(-18);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${count.slice(0, 3)}-8${count.slice(3, 6)}-${count.slice(6, 18)}`;
}

type Data = Record<string, unknown>;

/** The same client, with ids from `source` (see the file comment). */
export function withSeededIds(prisma: PrismaClient, source: SeededIdSource): PrismaClient {
  let counter = 0;
  const withId = (model: string, data: unknown): unknown => {
    if (Array.isArray(data)) return data.map((row) => withId(model, row));
    if (!data || typeof data !== 'object') return data;
    const row = { ...(data as Data) };
    if (UUID_MODELS.has(model) && row.id === undefined) row.id = seededUuid(source.now().getTime(), ++counter);
    return row;
  };
  // The args are rewritten in place: they are the caller's object for this one query, and a new object would have
  // to satisfy the union of every model's argument type.
  const fill = (model: string, args: object, key: 'data' | 'create') => {
    const holder = args as Record<string, unknown>;
    holder[key] = withId(model, holder[key]);
  };
  const extended = prisma.$extends({
    name: 'kocflow-simulate-seeded-ids',
    query: {
      $allModels: {
        create({ model, args, query }) {
          fill(model, args, 'data');
          return query(args);
        },
        createMany({ model, args, query }) {
          fill(model, args, 'data');
          return query(args);
        },
        createManyAndReturn({ model, args, query }) {
          fill(model, args, 'data');
          return query(args);
        },
        upsert({ model, args, query }) {
          fill(model, args, 'create');
          return query(args);
        },
      },
    },
  });
  // The extension changes no query's result type; the engine store and rewards take the plain client type.
  return extended as unknown as PrismaClient;
}

// ─────────────────────────────────────────────────────────────────────────────────────── seed

export interface SeedStore {
  id: string;
  name: string;
}

export interface SeedAccount {
  id: string;
  displayName: string;
  role: AccountRole;
  storeId: string | null;
  timeZone: string;
}

export interface SeedStaff {
  id: string;
  /** The person's WeCom user id: what staff notes and task cards are addressed to. */
  wecomUserId: string;
  name: string;
  role: StaffRole;
  storeId: string | null;
  /** The account the person owns, if any (guides; ambassadors with an account of their own). */
  accountId: string | null;
  /** KOC tier name from the tiers file, with the points balance that goes with it; null: not in the KOC program. */
  koc: { tier: string; points: number; referralCode: string } | null;
}

export interface SeedCampaign {
  id: string;
  name: string;
  budget: number | null;
}

export interface SimulationSeed {
  stores: SeedStore[];
  accounts: SeedAccount[];
  staff: SeedStaff[];
  campaigns: SeedCampaign[];
  at: Date;
}

/** Writes the synthetic organisation into an empty store: a handful of batched statements. */
export async function seedSimulation(prisma: PrismaClient, seed: SimulationSeed): Promise<void> {
  const at = seed.at;
  const kocs = seed.staff.filter((s): s is SeedStaff & { koc: NonNullable<SeedStaff['koc']> } => s.koc !== null);
  const codeId = (staffId: string) => `${staffId}-code`;
  await prisma.$transaction([
    prisma.store.createMany({ data: seed.stores.map((s) => ({ id: s.id, name: s.name, createdAt: at, updatedAt: at })) }),
    prisma.account.createMany({
      data: seed.accounts.map((a) => ({ id: a.id, displayName: a.displayName, role: a.role, storeId: a.storeId, timeZone: a.timeZone, createdAt: at, updatedAt: at })),
    }),
    prisma.staff.createMany({
      data: seed.staff.map((s) => ({
        id: s.id, wecomUserId: s.wecomUserId, name: s.name, role: s.role, storeId: s.storeId, accountId: s.accountId, createdAt: at, updatedAt: at,
      })),
    }),
    prisma.referralCode.createMany({ data: kocs.map((s) => ({ id: codeId(s.id), code: s.koc.referralCode, staffId: s.id, createdAt: at })) }),
    prisma.kocProfile.createMany({
      data: kocs.map((s) => ({ staffId: s.id, tier: s.koc.tier, pointsBalance: s.koc.points, referralCodeId: codeId(s.id), joinedAt: at, updatedAt: at })),
    }),
    prisma.campaign.createMany({ data: seed.campaigns.map((c) => ({ id: c.id, name: c.name, budget: c.budget, createdAt: at, updatedAt: at })) }),
  ]);
}

// ─────────────────────────────────────────────────────────────────────────────────────── customer actions

/**
 * A customer sent a KOC's referral code: the contact is attributed to that KOC (first touch wins: a contact
 * already attributed keeps its KOC). Returns the KOC the code belongs to, or undefined for an unknown or disabled
 * code. The contact must exist (the engine store's ensureContact).
 */
export async function attributeReferral(
  prisma: PrismaClient,
  input: { accountId: string; contactExternalId: string; code: string; campaignId: string | null; at: Date },
): Promise<{ staffId: string; name: string } | undefined> {
  const code = await prisma.referralCode.findUnique({ where: { code: input.code }, include: { staff: { select: { id: true, name: true } } } });
  if (!code || code.disabledAt) return undefined;
  const campaign = input.campaignId ? await prisma.campaign.findUnique({ where: { id: input.campaignId }, select: { id: true } }) : null;
  await prisma.contact.updateMany({
    where: { accountId: input.accountId, externalId: input.contactExternalId, attributedToStaffId: null },
    data: {
      attributedToStaffId: code.staff.id, attributedAt: input.at, attributionReferralCodeId: code.id,
      attributionCampaignId: campaign?.id ?? null, updatedAt: input.at,
    },
  });
  return { staffId: code.staff.id, name: code.staff.name };
}

/**
 * The customer redeems their oldest coupon that is still valid at `at` in this store (allowed stores are globs
 * like `sh-*`). Marks it redeemed and records the redemption, once: returns undefined when there is nothing to
 * redeem.
 */
export async function redeemCoupon(
  prisma: PrismaClient,
  input: { accountId: string; contactExternalId: string; storeId: string; staffId: string | null; at: Date },
): Promise<{ couponCode: string; campaignId: string } | undefined> {
  const contact = await prisma.contact.findUnique({
    where: { accountId_externalId: { accountId: input.accountId, externalId: input.contactExternalId } },
    select: { id: true },
  });
  if (!contact) return undefined;
  const coupons = await prisma.coupon.findMany({
    where: { contactId: contact.id, status: 'issued', expiresAt: { gt: input.at }, issuedAt: { lte: input.at } },
    orderBy: [{ issuedAt: 'asc' }, { id: 'asc' }],
  });
  const coupon = coupons.find((c) => c.allowedStores.length === 0 || c.allowedStores.some((glob) => globToRegExp(glob).test(input.storeId)));
  if (!coupon) return undefined;
  const [taken] = await prisma.$transaction([
    prisma.coupon.updateMany({ where: { id: coupon.id, status: 'issued' }, data: { status: 'redeemed', updatedAt: input.at } }),
    prisma.redemption.create({ data: { couponId: coupon.id, storeId: input.storeId, staffId: input.staffId, channel: 'api', at: input.at } }),
  ]);
  return taken.count === 1 ? { couponCode: coupon.code, campaignId: coupon.campaignId } : undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────── ledger

export interface LedgerOutboxRow {
  /** The outbox row id (a bigint, as a decimal string: what `ActionMeta.outboxId` carries). */
  id: string;
  idempotencyKey: string;
  accountId: string;
  flowId: string | null;
  kind: string;
  mode: 'auto' | 'assist';
  proactive: boolean;
  contactId: string | null;
  roomId: string | null;
  status: string;
  skipReason: string | null;
  /** The last deferral's reason: non-null for every entry deferred at least once. */
  deferredReason: string | null;
  sentAt: Date | null;
  dueAt: Date;
}

export interface LedgerDecisionCount {
  flowId: string | null;
  decision: string;
  reason: string | null;
  /** Outbox events with this decision and reason. */
  events: number;
  /** Distinct outbox entries they concern. */
  entries: number;
}

export interface SimulationLedger {
  outbox: LedgerOutboxRow[];
  decisions: LedgerDecisionCount[];
  rewards: { couponsIssued: number; couponsRedeemed: number; pointsAwarded: number; tasksOffered: number; attributedContacts: number };
}

/** What the report reads after the run, in a deterministic order (outbox by id; decisions by flow, decision, reason). */
export async function readSimulationLedger(prisma: PrismaClient): Promise<SimulationLedger> {
  const rows = await prisma.outboxEntry.findMany({
    select: {
      id: true, idempotencyKey: true, accountId: true, flowId: true, kind: true, mode: true, proactive: true, contactId: true,
      roomId: true, status: true, skipReason: true, deferredReason: true, sentAt: true, dueAt: true,
    },
    orderBy: { id: 'asc' },
  });
  const decisions = await prisma.$queryRaw<{ flow_id: string | null; decision: string; reason: string | null; events: number; entries: number }[]>`
    SELECT o.flow_id, e.decision, e.reason, count(*)::int AS events, count(DISTINCT e.outbox_id)::int AS entries
      FROM outbox_events e JOIN outbox o ON o.id = e.outbox_id
     GROUP BY o.flow_id, e.decision, e.reason
     ORDER BY o.flow_id COLLATE "C" NULLS FIRST, e.decision COLLATE "C", e.reason COLLATE "C" NULLS FIRST`;
  // One after the other: PGlite has a single connection.
  const couponsIssued = await prisma.coupon.count();
  const couponsRedeemed = await prisma.coupon.count({ where: { status: 'redeemed' } });
  const points = await prisma.pointsLedger.aggregate({ _sum: { amount: true } });
  const tasksOffered = await prisma.taskAssignment.count();
  const attributedContacts = await prisma.contact.count({ where: { attributedToStaffId: { not: null } } });
  return {
    outbox: rows.map((row) => ({ ...row, id: String(row.id) })),
    decisions: decisions.map((d) => ({ flowId: d.flow_id, decision: d.decision, reason: d.reason, events: Number(d.events), entries: Number(d.entries) })),
    rewards: { couponsIssued, couponsRedeemed, pointsAwarded: points._sum.amount ?? 0, tasksOffered, attributedContacts },
  };
}

// ─────────────────────────────────────────────────────────────────────────────────────── throwaway store

export type SimulationStoreKind = 'memory' | 'disk';

/**
 * A new, migrated embedded store that lives for one simulation: an in-memory PGlite, or a data directory in the
 * system's temp folder (removed by `dispose`). Never the user's store.
 */
export async function openSimulationStore(kind: SimulationStoreKind, logger?: Logger): Promise<{ store: EmbeddedStore; dispose(): Promise<void> }> {
  if (kind === 'memory') {
    const store = await openStoreOnPGlite(new PGlite(), logger ? { logger } : {});
    return { store, dispose: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kocflow-simulate-'));
  try {
    const store = await openStore({ dataDir: dir, migrate: true, ...(logger ? { logger } : {}) });
    if (store.kind !== 'embedded') throw new Error('expected the embedded store');
    return {
      store,
      async dispose() {
        try {
          await store.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
