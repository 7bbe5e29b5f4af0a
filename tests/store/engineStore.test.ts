/**
 * The engine's store port (src/store/engineStore.ts) on both stores: every method, with explicit instants (never
 * the system clock) and the semantics the engine relies on: one run per key under concurrency, idempotent
 * enqueue in one statement, the outbox state machine and its stale-dispatcher rule, pacing windows, subjects.
 *
 * Tests share the block's database and use distinct ids; the few that read whole queues (due runs, due outbox,
 * in-doubt, schedules) clear those tables first.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { describe, expect, it, vi } from 'vitest';
import type { OutboundAction } from '../../src/domain/channel.ts';
import type { EngineStore, NewOutboxEntry, NewRun, RunRecord } from '../../src/engine/ports.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { startOfLocalDay } from '../../src/engine/localTime.ts';
import { globToLike } from '../../src/store/engine/subjects.ts';
import { createEngineStore, type EngineStoreOptions } from '../../src/store/engineStore.ts';
import type { SqlDriver } from '../../src/store/engine/sql.ts';
import { PrismaClient } from '../../src/store/generated/client.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../src/store/prismaErrors.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { rejection } from '../support/errors.ts';
import { describeEachStore, type StoreTestContext } from '../support/stores.ts';

let seq = 0;
function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${seq}`;
}

/** 2026-12-01 10:00 in Shanghai. */
const T0 = new Date('2026-12-01T02:00:00.000Z');
function at(ms: number, from: Date = T0): Date {
  return new Date(from.getTime() + ms);
}
const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function quietLogger() {
  const warn = vi.fn();
  const logger = { warn, info: vi.fn(), error: vi.fn(), debug: vi.fn() } as unknown as Logger;
  return { logger, warn };
}

function say(accountId: string, contactExternalId: string, text: string): OutboundAction {
  return { kind: 'say', accountId, contactExternalId, content: { text } };
}

function entry(accountId: string, overrides: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  return {
    idempotencyKey: unique('key'),
    accountId,
    runId: null,
    stepIndex: null,
    flowId: 'welcome',
    mode: 'auto',
    proactive: true,
    contactId: null,
    roomId: null,
    action: say(accountId, 'wm-ext-1', '您好'),
    dueAt: T0,
    ...overrides,
  };
}

/** How the engine store runs its own SQL (src/store/engine/sql.ts): every test runs both ways, on both stores. */
type Via = 'prisma' | 'driver';

/** An engine store on the block's database, its SQL run `via` Prisma or the driver. */
function engineStore(ctx: StoreTestContext, via: Via, options: EngineStoreOptions = {}): EngineStore {
  return createEngineStore(ctx.prisma, { ...options, ...(via === 'driver' ? { driver: ctx.store } : {}) });
}

/**
 * An engine store whose statements are recorded as the database receives them: through a second Prisma client on
 * the block store's connection (Prisma's query log), or through a driver that notes each statement.
 */
function queryRecorder(ctx: StoreTestContext, via: Via) {
  const queries: string[] = [];
  if (via === 'prisma') {
    const adapter = ctx.store.kind === 'embedded' ? new PrismaPGlite(ctx.store.pglite) : new PrismaPg(ctx.store.pool);
    const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
    prisma.$on('query', (event) => queries.push(event.query));
    return { queries, store: (options: EngineStoreOptions = {}) => createEngineStore(prisma, options) };
  }
  const noting = <T extends object>(target: T): T => new Proxy(target, {
    get(object, name) {
      const value = Reflect.get(object, name) as unknown;
      if (name !== 'query' || typeof value !== 'function') return typeof value === 'function' ? value.bind(object) : value;
      return (text: string, ...rest: unknown[]) => {
        queries.push(text);
        return (value as (...args: unknown[]) => unknown).call(object, text, ...rest);
      };
    },
  });
  const driver: SqlDriver = ctx.store.kind === 'embedded' ? { kind: 'embedded', pglite: noting(ctx.store.pglite) } : { kind: 'postgres', pool: noting(ctx.store.pool) };
  return { queries, store: (options: EngineStoreOptions = {}) => createEngineStore(ctx.prisma, { ...options, driver }) };
}

for (const via of ['prisma', 'driver'] as const) describeEachStore(`engine store, SQL via ${via}`, (ctx) => {
  let cached: { prisma: unknown; store: EngineStore } | undefined;
  /** One engine store per block database. */
  const es = (): EngineStore => {
    if (cached?.prisma !== ctx.prisma) cached = { prisma: ctx.prisma, store: engineStore(ctx, via) };
    return cached.store;
  };

  async function account(role: 'guide' | 'ambassador' | 'assistant' = 'guide', id = unique('acct')): Promise<string> {
    await createRepositories(ctx.prisma).accounts.upsert({ id, displayName: '导购小王', role });
    return id;
  }

  async function version(flowId = unique('flow')): Promise<{ flowId: string; hash: string }> {
    const hash = unique('hash').padEnd(64, '0');
    await es().recordVersion(flowId, hash, `sop-playbooks/journeys/${flowId}.yaml`, { steps: [{ say: '您好' }] });
    return { flowId, hash };
  }

  async function newRun(overrides: Partial<NewRun> = {}): Promise<NewRun> {
    const v = await version();
    return {
      flowId: v.flowId,
      versionHash: v.hash,
      accountId: overrides.accountId ?? (await account()),
      subjectKind: 'contact',
      subjectId: unique('contact'),
      occurrenceKey: '',
      state: { vars: { member: { name: '张三' } }, reply: false },
      startedAt: T0,
      ...overrides,
    };
  }

  async function clearQueues(): Promise<void> {
    await ctx.prisma.$transaction([
      ctx.prisma.outboxEvent.deleteMany(),
      ctx.prisma.outboxEntry.deleteMany(),
      ctx.prisma.flowRun.deleteMany(),
      ctx.prisma.flowSchedule.deleteMany(),
    ]);
  }

  /** Enqueues, claims and settles as sent at `sentAt` (the entry is due then). */
  async function sendAt(e: NewOutboxEntry, sentAt: Date): Promise<bigint> {
    await es().enqueue([{ ...e, dueAt: sentAt }], sentAt);
    const row = await ctx.prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: e.idempotencyKey } });
    expect(await es().markSending(row.id, sentAt)).toBe(true);
    await es().settle(row.id, { decision: 'sent' }, sentAt);
    return row.id;
  }

  async function outboxRow(id: bigint) {
    return ctx.prisma.outboxEntry.findUniqueOrThrow({ where: { id } });
  }

  async function events(id: bigint) {
    const rows = await ctx.prisma.outboxEvent.findMany({ where: { outboxId: id }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ decision: r.decision, reason: r.reason, at: r.at.toISOString(), details: r.details }));
  }

  async function enqueueOne(e: NewOutboxEntry, when: Date = T0): Promise<bigint> {
    expect(await es().enqueue([e], when)).toBe(1);
    return (await ctx.prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: e.idempotencyKey } })).id;
  }

  // ─────────────────────────────────────────────────────────────────────────────────── versions, runs

  it('records a playbook version once and loads its definition by (flow, hash)', async () => {
    const flowId = unique('flow');
    const hash = 'f'.repeat(64);
    const definition = { steps: [{ say: '欢迎' }, { wait: '1d' }], n: 1.5, ok: true };
    await es().recordVersion(flowId, hash, 'journeys/a.yaml', definition);
    await es().recordVersion(flowId, hash, 'journeys/a.yaml', { other: true }); // same hash: the first content stays
    expect(await ctx.prisma.playbookVersion.count({ where: { flowId } })).toBe(1);
    expect(await es().loadVersion(flowId, hash)).toEqual(definition);
    // A fresh store object (no cache) reads the same.
    expect(await engineStore(ctx, via).loadVersion(flowId, hash)).toEqual(definition);
    expect(await es().loadVersion(flowId, 'e'.repeat(64))).toBeUndefined();
    expect(await es().loadVersion(unique('flow'), hash)).toBeUndefined();
  });

  it('startRun inserts a run with the given instant, and returns the existing one for the same key', async () => {
    const run = await newRun();
    const first = await es().startRun(run);
    expect(first.created).toBe(true);
    expect(first.run).toEqual({
      id: expect.any(String) as string,
      flowId: run.flowId,
      versionHash: run.versionHash,
      accountId: run.accountId,
      subjectKind: 'contact',
      subjectId: run.subjectId,
      occurrenceKey: '',
      status: 'running',
      stepIndex: 0,
      wakeAt: null,
      state: run.state,
      stopReason: null,
    });
    const row = await ctx.prisma.flowRun.findUniqueOrThrow({ where: { id: first.run.id } });
    expect(row.startedAt.toISOString()).toBe(T0.toISOString());
    expect(row.updatedAt.toISOString()).toBe(T0.toISOString());

    // Same key, later, with other state: the first run comes back unchanged (a fresh store: no cache).
    const again = await engineStore(ctx, via).startRun({ ...run, startedAt: at(HOUR), state: { vars: {}, reply: true } });
    expect(again).toEqual({ run: first.run, created: false });

    // Another occurrence is another run.
    const other = await es().startRun({ ...run, occurrenceKey: '2026-12-08T12:00:00.000Z' });
    expect(other.created).toBe(true);
    expect(other.run.id).not.toBe(first.run.id);
  });

  it('startRun: concurrent starts of the same run create exactly one', async () => {
    const run = await newRun();
    const results = await Promise.all(Array.from({ length: 8 }, () => es().startRun(run)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(await ctx.prisma.flowRun.count({ where: { flowId: run.flowId } })).toBe(1);
  });

  it('startRun: an unrecorded version or a missing account is a KocError', async () => {
    const run = await newRun();
    expect((await rejection(es().startRun({ ...run, versionHash: 'd'.repeat(64) }))).code).toBe('KOC_PLAYBOOK_VERSION_UNKNOWN');
    expect((await rejection(es().startRun({ ...run, accountId: unique('nobody') }))).code).toBe('KOC_ACCOUNT_UNKNOWN');
  });

  it('saveRun writes progress with the given instant; finishing sets finishedAt; a finished run is final', async () => {
    const { logger, warn } = quietLogger();
    const store = engineStore(ctx, via, { logger });
    const { run } = await store.startRun(await newRun());
    const waiting: RunRecord = {
      ...run,
      status: 'waiting',
      stepIndex: 2,
      wakeAt: at(DAY),
      state: { vars: { coupon: { code: 'K7QX', expiresAt: '2026-12-31T15:59:59.000Z' } }, reply: false },
    };
    await store.saveRun(waiting, at(MINUTE));
    let row = await ctx.prisma.flowRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ status: 'waiting', stepIndex: 2, state: waiting.state, stopReason: null, finishedAt: null });
    expect(row.wakeAt?.toISOString()).toBe(at(DAY).toISOString());
    expect(row.updatedAt.toISOString()).toBe(at(MINUTE).toISOString());
    expect(row.startedAt.toISOString()).toBe(T0.toISOString());

    await store.saveRun({ ...waiting, status: 'stopped', wakeAt: null, stopReason: 'opted_out' }, at(2 * DAY));
    row = await ctx.prisma.flowRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ status: 'stopped', stopReason: 'opted_out', wakeAt: null });
    expect(row.finishedAt?.toISOString()).toBe(at(2 * DAY).toISOString());

    // A stale copy saved later does not revive it.
    await store.saveRun({ ...waiting, status: 'running', stepIndex: 3 }, at(3 * DAY));
    expect(await ctx.prisma.flowRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: 'stopped', stepIndex: 2 });
    expect(warn).toHaveBeenCalledOnce();

    expect((await rejection(store.saveRun({ ...waiting, id: '00000000-0000-7000-8000-000000000000' }, T0))).code).toBe('KOC_RUN_UNKNOWN');
  });

  it('activeRunsOfFlow lists the running and waiting runs of one flow, by id', async () => {
    const base = await newRun();
    const started = [];
    for (let i = 0; i < 4; i += 1) started.push((await es().startRun({ ...base, subjectId: unique('contact') })).run);
    await es().saveRun({ ...started[1]!, status: 'waiting', wakeAt: at(HOUR) }, T0);
    await es().saveRun({ ...started[2]!, status: 'done' }, T0);
    await es().saveRun({ ...started[3]!, status: 'failed', stopReason: 'step_error' }, T0);
    const active = await es().activeRunsOfFlow(base.flowId);
    expect(active.map((r) => [r.id, r.status, r.versionHash])).toEqual([
      [started[0]!.id, 'running', base.versionHash],
      [started[1]!.id, 'waiting', base.versionHash],
    ]);
    expect(await es().activeRunsOfFlow(unique('flow'))).toEqual([]);
  });

  it('dueRuns: running runs and waiting runs whose wakeAt has come, wakeAt nulls first then id, limited', async () => {
    await clearQueues();
    const base = await newRun();
    const start = async (status: RunRecord['status'], wakeAt: Date | null) => {
      const { run } = await es().startRun({ ...base, subjectId: unique('contact') });
      if (status !== 'running' || wakeAt !== null) await es().saveRun({ ...run, status, wakeAt }, T0);
      return run.id;
    };
    const running1 = await start('running', null);
    const wakesLater = await start('waiting', at(HOUR + 1));
    const wakesAtNow = await start('waiting', at(HOUR));
    const wokeEarlier = await start('waiting', at(MINUTE));
    const running2 = await start('running', null);
    await start('done', null);
    await start('stopped', null);

    const now = at(HOUR);
    expect((await es().dueRuns(now, 10)).map((r) => r.id)).toEqual([running1, running2, wokeEarlier, wakesAtNow]);
    expect((await es().dueRuns(now, 3)).map((r) => r.id)).toEqual([running1, running2, wokeEarlier]);
    expect((await es().dueRuns(at(HOUR + 1), 10)).map((r) => r.id)).toContain(wakesLater);
    const [due] = await es().dueRuns(now, 1);
    expect(due).toMatchObject({ versionHash: base.versionHash, state: base.state });
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────── outbox

  it('enqueue inserts in one INSERT … ON CONFLICT DO NOTHING and returns how many were new; a repeat changes nothing', async () => {
    const accountId = await account();
    const contact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    const entries = [
      entry(accountId, { contactId: contact.id, action: say(accountId, contact.externalId, '第一条'), runId: 'run-x', stepIndex: 0 }),
      entry(accountId, { proactive: false, mode: 'assist', action: { kind: 'staffNote', accountId, staffExternalId: 'wx-guide', text: '请跟进' } }),
      entry(accountId, {
        action: { kind: 'roomSay', accountId, roomExternalId: 'r@chatroom', content: { text: '@all' }, mentionExternalIds: [], mentionAll: true },
      }),
    ];
    const recorder = queryRecorder(ctx, via);
    const recorded = recorder.store();
    expect(await recorded.enqueue(entries, at(SECOND))).toBe(3);
    const inserts = recorder.queries.filter((q) => /^\s*INSERT/i.test(q));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toMatch(/ON CONFLICT DO NOTHING\s*$/);
    // A fan-out to a large audience is still one statement (createMany would split past ~2,000 rows).
    recorder.queries.length = 0;
    const many = Array.from({ length: 2_500 }, (_, i) => entry(accountId, { action: say(accountId, `wm-${i}`, `第${i}条`) }));
    expect(await recorded.enqueue(many, at(SECOND))).toBe(2_500);
    expect(recorder.queries.filter((q) => /^\s*INSERT/i.test(q))).toHaveLength(1);
    // (not disconnected: the adapter would close the block store's connection)

    const rows = await ctx.prisma.outboxEntry.findMany({
      where: { idempotencyKey: { in: entries.map((e) => e.idempotencyKey) } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.kind, r.mode, r.proactive, r.recipientExternalId, r.flowId, r.status, r.attempts])).toEqual([
      ['say', 'auto', true, contact.externalId, 'welcome', 'pending', 0],
      ['staffNote', 'assist', false, 'wx-guide', 'welcome', 'pending', 0],
      ['roomSay', 'auto', true, 'r@chatroom', 'welcome', 'pending', 0],
    ]);
    for (const r of rows) {
      expect(r.createdAt.toISOString()).toBe(at(SECOND).toISOString());
      expect(r.updatedAt.toISOString()).toBe(at(SECOND).toISOString());
      expect(r.dueAt.toISOString()).toBe(T0.toISOString());
    }
    expect(rows[0]).toMatchObject({ runId: 'run-x', stepIndex: 0, contactId: contact.id, payload: entries[0]!.action });

    // Same keys again (other content, later), one new key, and a duplicate inside the batch.
    const fresh = entry(accountId);
    const again = entries.map((e) => ({ ...e, action: say(accountId, 'wm-other', '改过的'), dueAt: at(DAY) }));
    expect(await es().enqueue([...again, fresh, { ...fresh }], at(HOUR))).toBe(1);
    const after = await ctx.prisma.outboxEntry.findMany({
      where: { idempotencyKey: { in: entries.map((e) => e.idempotencyKey) } },
      orderBy: { id: 'asc' },
    });
    expect(after).toEqual(rows);
    expect(await es().enqueue([], T0)).toBe(0);
  });

  it('enqueue: a missing account or an action for another account is a KocError', async () => {
    const accountId = await account();
    expect((await rejection(es().enqueue([entry(accountId), entry(unique('nobody'))], T0))).code).toBe('KOC_ACCOUNT_UNKNOWN');
    const wrong = entry(accountId, { action: say('another-account', 'wm-1', 'x') });
    expect((await rejection(es().enqueue([wrong], T0))).code).toBe('KOC_OUTBOX_INVALID');
  });

  it('dueOutbox: pending entries due at now, by dueAt then id, with the action back from JSON and BigInt ids', async () => {
    await clearQueues();
    const accountId = await account();
    const moment: OutboundAction = {
      kind: 'moment',
      accountId,
      text: '春季新品 🌸',
      images: ['assets/a.jpg'],
      link: { url: 'https://example.com/?a=1&b=2', title: '新品', description: '"quoted"' },
      visibleToTags: ['VIP'],
    };
    const late = entry(accountId, { dueAt: at(MINUTE), action: moment, contactId: null, roomId: null });
    const first = entry(accountId, { dueAt: at(-MINUTE) });
    const sameTime1 = entry(accountId, { dueAt: at(0) });
    const sameTime2 = entry(accountId, { dueAt: at(0) });
    const future = entry(accountId, { dueAt: at(MINUTE + 1) });
    await es().enqueue([late, sameTime1, first, sameTime2, future], at(-HOUR));
    const claimed = entry(accountId, { dueAt: at(-HOUR) });
    const claimedId = await enqueueOne(claimed);
    expect(await es().markSending(claimedId, T0)).toBe(true);

    const due = await es().dueOutbox(at(MINUTE), 10);
    expect(due.map((r) => r.idempotencyKey)).toEqual([first, sameTime1, sameTime2, late].map((e) => e.idempotencyKey));
    expect(typeof due[0]!.id).toBe('bigint');
    expect(due[3]).toEqual({
      ...late,
      id: expect.any(BigInt) as bigint,
      status: 'pending',
      attempts: 0,
      deferredReason: null,
    });
    expect(due[3]!.dueAt).toBeInstanceOf(Date);
    expect((await es().dueOutbox(at(MINUTE), 2)).map((r) => r.idempotencyKey)).toEqual([first.idempotencyKey, sameTime1.idempotencyKey]);
    expect(await es().dueOutbox(at(-2 * MINUTE), 10)).toEqual([]);
  });

  it('markSending claims a due pending entry once: attempts + 1, claimedAt, claimedBy', async () => {
    const accountId = await account();
    const store = engineStore(ctx, via, { claimedBy: 'host-a:123' });
    const id = await enqueueOne(entry(accountId, { dueAt: T0 }));
    expect(await store.markSending(id, at(-SECOND))).toBe(false); // not due yet at that instant
    expect(await store.markSending(id, at(SECOND))).toBe(true);
    expect(await store.markSending(id, at(2 * SECOND))).toBe(false);
    const row = await outboxRow(id);
    expect(row).toMatchObject({ status: 'sending', attempts: 1, claimedBy: 'host-a:123' });
    expect(row.claimedAt?.toISOString()).toBe(at(SECOND).toISOString());
    expect(row.updatedAt.toISOString()).toBe(at(SECOND).toISOString());

    // Several dispatchers at once: exactly one wins.
    const contested = await enqueueOne(entry(accountId));
    const wins = await Promise.all(Array.from({ length: 6 }, () => es().markSending(contested, T0)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await outboxRow(contested)).attempts).toBe(1);
  });

  it('settle: sent, failed and in_doubt from sending, each with an event row', async () => {
    const accountId = await account();
    const sent = await enqueueOne(entry(accountId));
    await es().markSending(sent, T0);
    await es().settle(sent, { decision: 'sent', externalMessageId: 'msg-42' }, at(SECOND));
    const sentRow = await outboxRow(sent);
    expect(sentRow).toMatchObject({ status: 'sent', externalMessageId: 'msg-42' });
    expect(sentRow.sentAt?.toISOString()).toBe(at(SECOND).toISOString());
    expect(sentRow.updatedAt.toISOString()).toBe(at(SECOND).toISOString());
    expect(await events(sent)).toEqual([{ decision: 'sent', reason: null, at: at(SECOND).toISOString(), details: { externalMessageId: 'msg-42' } }]);

    const failed = await enqueueOne(entry(accountId));
    await es().markSending(failed, T0);
    await es().settle(failed, { decision: 'failed', reason: 'not_friend' }, at(2 * SECOND));
    expect(await outboxRow(failed)).toMatchObject({ status: 'failed', lastError: 'not_friend', sentAt: null });
    expect(await events(failed)).toEqual([{ decision: 'failed', reason: 'not_friend', at: at(2 * SECOND).toISOString(), details: null }]);

    const doubt = await enqueueOne(entry(accountId));
    await es().markSending(doubt, T0);
    await es().settle(doubt, { decision: 'in_doubt', reason: 'channel_threw' }, at(3 * SECOND));
    expect(await outboxRow(doubt)).toMatchObject({ status: 'in_doubt', lastError: 'channel_threw' });
    expect((await events(doubt))[0]).toMatchObject({ decision: 'in_doubt', reason: 'channel_threw' });
  });

  it('settle: retry puts a claimed entry back to pending at `until`; it is claimed again with attempts 2', async () => {
    const accountId = await account();
    const id = await enqueueOne(entry(accountId));
    await es().markSending(id, T0);
    await es().settle(id, { decision: 'retry', until: at(5 * MINUTE), reason: 'timeout' }, at(SECOND));
    const row = await outboxRow(id);
    expect(row).toMatchObject({ status: 'pending', lastError: 'timeout', attempts: 1 });
    expect(row.dueAt.toISOString()).toBe(at(5 * MINUTE).toISOString());
    expect(await es().markSending(id, at(4 * MINUTE))).toBe(false);
    expect(await es().markSending(id, at(5 * MINUTE))).toBe(true);
    await es().settle(id, { decision: 'sent' }, at(5 * MINUTE + SECOND));
    expect(await outboxRow(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await events(id)).map((e) => [e.decision, e.reason, e.details])).toEqual([
      ['retry', 'timeout', { until: at(5 * MINUTE).toISOString() }],
      ['sent', null, null],
    ]);
  });

  it('settle: deferred and skipped apply to due pending entries (before the claim)', async () => {
    const accountId = await account();
    const id = await enqueueOne(entry(accountId));
    await es().settle(id, { decision: 'deferred', until: at(10 * HOUR), reason: 'quiet_hours' }, at(SECOND));
    const deferred = await outboxRow(id);
    expect(deferred).toMatchObject({ status: 'pending', deferredReason: 'quiet_hours', attempts: 0 });
    expect(deferred.dueAt.toISOString()).toBe(at(10 * HOUR).toISOString());
    const [record] = (await es().dueOutbox(at(10 * HOUR), 1000)).filter((r) => r.id === id);
    expect(record?.deferredReason).toBe('quiet_hours');

    await es().settle(id, { decision: 'skipped', reason: 'contact_daily_cap' }, at(10 * HOUR));
    expect(await outboxRow(id)).toMatchObject({ status: 'skipped', skipReason: 'contact_daily_cap' });
    expect((await events(id)).map((e) => [e.decision, e.reason, e.at])).toEqual([
      ['deferred', 'quiet_hours', at(SECOND).toISOString()],
      ['skipped', 'contact_daily_cap', at(10 * HOUR).toISOString()],
    ]);
  });

  it('settle: a stale decision changes nothing and is recorded as ignored', async () => {
    const { logger, warn } = quietLogger();
    const store = engineStore(ctx, via, { logger });
    const accountId = await account();

    // An outcome for a row that is not sending (never claimed).
    const pending = await enqueueOne(entry(accountId));
    await store.settle(pending, { decision: 'sent', externalMessageId: 'x' }, at(SECOND));
    expect(await outboxRow(pending)).toMatchObject({ status: 'pending', sentAt: null, externalMessageId: null });
    expect(await events(pending)).toEqual([
      { decision: 'ignored', reason: 'sent', at: at(SECOND).toISOString(), details: { reason: null, until: null, status: 'pending' } },
    ]);

    // A deferral from a dispatcher that read the row before another one claimed it.
    await store.markSending(pending, at(2 * SECOND));
    await store.settle(pending, { decision: 'deferred', until: at(HOUR), reason: 'account_rate' }, at(2 * SECOND));
    expect(await outboxRow(pending)).toMatchObject({ status: 'sending', deferredReason: null });
    await store.settle(pending, { decision: 'skipped', reason: 'opted_out' }, at(2 * SECOND));
    expect((await outboxRow(pending)).status).toBe('sending');
    await store.settle(pending, { decision: 'sent' }, at(3 * SECOND));
    // A duplicate outcome after the real one.
    await store.settle(pending, { decision: 'failed', reason: 'late' }, at(4 * SECOND));
    expect(await outboxRow(pending)).toMatchObject({ status: 'sent', lastError: null });
    expect((await events(pending)).map((e) => [e.decision, e.reason])).toEqual([
      ['ignored', 'sent'],
      ['ignored', 'deferred'],
      ['ignored', 'skipped'],
      ['sent', null],
      ['ignored', 'failed'],
    ]);

    // Dispatcher A read the row at T0; B deferred it to T0+1h first. A's deferral, skip and claim, all made from its
    // T0 reading, are refused: the row is not due at T0 any more.
    const raced = await enqueueOne(entry(accountId));
    await store.settle(raced, { decision: 'deferred', until: at(HOUR), reason: 'quiet_hours' }, T0);
    await store.settle(raced, { decision: 'deferred', until: at(MINUTE), reason: 'account_rate' }, T0);
    await store.settle(raced, { decision: 'skipped', reason: 'contact_daily_cap' }, T0);
    expect(await store.markSending(raced, T0)).toBe(false);
    const racedRow = await outboxRow(raced);
    expect(racedRow).toMatchObject({ status: 'pending', deferredReason: 'quiet_hours', attempts: 0 });
    expect(racedRow.dueAt.toISOString()).toBe(at(HOUR).toISOString());
    expect((await events(raced)).at(1)).toEqual({
      decision: 'ignored',
      reason: 'deferred',
      at: T0.toISOString(),
      details: { reason: 'account_rate', until: at(MINUTE).toISOString(), status: 'pending' },
    });
    expect(warn).toHaveBeenCalledTimes(6);

    expect((await rejection(store.settle(987_654_321n, { decision: 'sent' }, T0))).code).toBe('KOC_OUTBOX_UNKNOWN');
  });

  it('markInterruptedInDoubt moves every sending entry to in_doubt with an event; late outcomes are ignored', async () => {
    await clearQueues();
    const accountId = await account();
    const a = await enqueueOne(entry(accountId));
    const b = await enqueueOne(entry(accountId));
    const untouched = await enqueueOne(entry(accountId));
    await es().markSending(a, T0);
    await es().markSending(b, T0);
    expect(await es().markInterruptedInDoubt(at(HOUR))).toBe(2);
    for (const id of [a, b]) {
      const row = await outboxRow(id);
      expect(row.status).toBe('in_doubt');
      expect(row.updatedAt.toISOString()).toBe(at(HOUR).toISOString());
      expect(await events(id)).toEqual([{ decision: 'in_doubt', reason: 'interrupted', at: at(HOUR).toISOString(), details: null }]);
    }
    expect((await outboxRow(untouched)).status).toBe('pending');
    expect(await es().markInterruptedInDoubt(at(2 * HOUR))).toBe(0);

    await es().settle(a, { decision: 'sent' }, at(HOUR + SECOND));
    expect(await outboxRow(a)).toMatchObject({ status: 'in_doubt', sentAt: null });
    expect(await es().dueOutbox(at(DAY), 10)).toHaveLength(1);
  });

  it('a dispatch cycle: dueOutbox → markSending → settle for 200 entries', async () => {
    await clearQueues();
    const accountId = await account();
    const entries = Array.from({ length: 200 }, (_, i) => entry(accountId, { dueAt: at(i * SECOND) }));
    expect(await es().enqueue(entries, T0)).toBe(200);
    const now = at(HOUR);
    let settled = 0;
    for (;;) {
      const batch = await es().dueOutbox(now, 50);
      if (batch.length === 0) break;
      for (const record of batch) {
        if (!(await es().markSending(record.id, now))) continue;
        await es().settle(record.id, { decision: 'sent' }, now);
        settled += 1;
      }
    }
    expect(settled).toBe(200);
    expect(await ctx.prisma.outboxEntry.count({ where: { accountId, status: 'sent' } })).toBe(200);
    expect(await ctx.prisma.outboxEvent.count({ where: { decision: 'sent', outbox: { accountId } } })).toBe(200);
  });

  it('dueForDispatch: the entries dueOutbox returns, each with its contact (name, alias, opt-out), in one query', async () => {
    await clearQueues();
    const accountId = await account();
    const amy = await es().ensureContact(accountId, { externalId: unique('wm'), name: 'Amy' }, T0);
    await ctx.prisma.contact.update({ where: { id: amy.id }, data: { alias: '艾米' } });
    const bob = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    await es().setOptedOut(bob.id, at(-HOUR));
    const entries = [
      entry(accountId, { contactId: amy.id, dueAt: at(-MINUTE) }),
      entry(accountId, { contactId: bob.id, dueAt: at(-MINUTE) }),
      entry(accountId, { contactId: null, action: { kind: 'moment', accountId, text: '上新' } }),
      entry(accountId, { contactId: '00000000-0000-7000-8000-000000000000' }), // purged since it was enqueued
      entry(accountId, { dueAt: at(SECOND) }), // not due yet
    ];
    await es().enqueue(entries, at(-HOUR));

    const recorder = queryRecorder(ctx, via);
    const due = await recorder.store().dueForDispatch(T0, 10);
    expect(recorder.queries).toHaveLength(1);
    const plain = await es().dueOutbox(T0, 10);
    expect(due.map(({ contact, ...record }) => record)).toEqual(plain);
    expect(due.map((d) => d.contact)).toEqual([
      { name: 'Amy', alias: '艾米', optedOutAt: null },
      { name: null, alias: null, optedOutAt: at(-HOUR) },
      null,
      null,
    ]);
    expect(due[2]!.action).toEqual(entries[2]!.action);
    expect(typeof due[0]!.id).toBe('bigint');
    expect((await es().dueForDispatch(T0, 2)).map((d) => d.idempotencyKey)).toEqual(entries.slice(0, 2).map((e) => e.idempotencyKey));
  });

  it('claim: the due pending entries among the ids, in one statement, each won by exactly one caller', async () => {
    const accountId = await account();
    const store = engineStore(ctx, via, { claimedBy: 'host-b:7' });
    const a = await enqueueOne(entry(accountId));
    const b = await enqueueOne(entry(accountId));
    const later = await enqueueOne(entry(accountId, { dueAt: at(MINUTE) }));
    const taken = await enqueueOne(entry(accountId));
    expect(await store.markSending(taken, T0)).toBe(true);

    const recorder = queryRecorder(ctx, via);
    const won = await recorder.store({ claimedBy: 'host-b:7' }).claim([a, later, taken, b, 987_654_321n], at(SECOND));
    expect(recorder.queries).toHaveLength(1);
    expect(new Set(won)).toEqual(new Set([a, b]));
    for (const id of [a, b]) {
      const row = await outboxRow(id);
      expect(row).toMatchObject({ status: 'sending', attempts: 1, claimedBy: 'host-b:7' });
      expect(row.claimedAt?.toISOString()).toBe(at(SECOND).toISOString());
    }
    expect(await outboxRow(later)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await outboxRow(taken)).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await store.claim([a, b], at(2 * SECOND))).toEqual([]);
    expect(await store.claim([], T0)).toEqual([]);

    // Overlapping claims at once: every entry goes to exactly one of them.
    const ids = await Promise.all(Array.from({ length: 6 }, () => enqueueOne(entry(accountId))));
    const results = await Promise.all([ids.slice(0, 4), ids.slice(2), ids, ids.slice(1, 5)].map((some) => es().claim(some, T0)));
    expect(results.flat().sort()).toEqual([...ids].sort());
  });

  it('settleMany: every kind of decision in one statement; events in order; interaction rows for logged sends', async () => {
    const { logger, warn } = quietLogger();
    const accountId = await account();
    const room = await es().ensureRoom(accountId, { externalId: unique('r@chatroom'), topic: '车友会' }, T0);
    const contact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    const claimed = async (overrides: Partial<NewOutboxEntry> = {}) => {
      const id = await enqueueOne(entry(accountId, overrides));
      expect(await es().markSending(id, T0)).toBe(true);
      return id;
    };
    const sent = await claimed({ contactId: contact.id, runId: 'run-s', flowId: 'welcome' });
    const sentToRoom = await claimed({ roomId: room.id, action: { kind: 'roomSay', accountId, roomExternalId: room.externalId, content: { text: '大家好' }, mentionExternalIds: [], mentionAll: false } });
    const sentToGone = await claimed({ contactId: '00000000-0000-7000-8000-000000000000' });
    const sentUnlogged = await claimed();
    const failed = await claimed();
    const doubt = await claimed();
    const retry = await claimed();
    const released = await claimed();
    const deferred = await enqueueOne(entry(accountId));
    const skipped = await enqueueOne(entry(accountId));
    const staleSent = await enqueueOne(entry(accountId)); // never claimed
    const staleDeferral = await claimed(); // claimed by someone else meanwhile

    const recorder = queryRecorder(ctx, via);
    const now = at(SECOND);
    await recorder.store({ logger }).settleMany([
      { id: sent, outcome: { decision: 'sent', externalMessageId: 'msg-1', log: { kind: 'say', body: { mode: 'auto' } } } },
      { id: sentToRoom, outcome: { decision: 'sent', log: { kind: 'roomSay', body: { mode: 'auto' } } } },
      { id: sentToGone, outcome: { decision: 'sent', log: { kind: 'task_card', body: { mode: 'assist' } } } },
      { id: sentUnlogged, outcome: { decision: 'sent' } },
      { id: failed, outcome: { decision: 'failed', reason: 'not_friend' } },
      { id: doubt, outcome: { decision: 'in_doubt', reason: 'channel_threw' } },
      { id: retry, outcome: { decision: 'retry', until: at(5 * MINUTE), reason: 'timeout' } },
      { id: released, outcome: { decision: 'released', until: at(10 * MINUTE), reason: 'account_backoff' } },
      { id: deferred, outcome: { decision: 'deferred', until: at(HOUR), reason: 'spacing' } },
      { id: skipped, outcome: { decision: 'skipped', reason: 'opted_out' } },
      { id: staleSent, outcome: { decision: 'sent', log: { kind: 'say', body: {} } } },
      { id: staleDeferral, outcome: { decision: 'deferred', until: at(HOUR), reason: 'spacing' } },
    ], now);
    expect(recorder.queries).toHaveLength(1);

    const row = (id: bigint) => outboxRow(id);
    expect(await row(sent)).toMatchObject({ status: 'sent', externalMessageId: 'msg-1', attempts: 1 });
    expect((await row(sent)).sentAt?.toISOString()).toBe(now.toISOString());
    expect(await row(sentUnlogged)).toMatchObject({ status: 'sent', externalMessageId: null });
    expect(await row(failed)).toMatchObject({ status: 'failed', lastError: 'not_friend' });
    expect(await row(doubt)).toMatchObject({ status: 'in_doubt', lastError: 'channel_threw' });
    expect(await row(retry)).toMatchObject({ status: 'pending', lastError: 'timeout', attempts: 1, dueAt: at(5 * MINUTE) });
    // Released: back to pending, its attempt given back, recorded as a deferral.
    expect(await row(released)).toMatchObject({ status: 'pending', deferredReason: 'account_backoff', attempts: 0, dueAt: at(10 * MINUTE), lastError: null });
    expect(await row(deferred)).toMatchObject({ status: 'pending', deferredReason: 'spacing', dueAt: at(HOUR) });
    expect(await row(skipped)).toMatchObject({ status: 'skipped', skipReason: 'opted_out' });
    expect(await row(staleSent)).toMatchObject({ status: 'pending', sentAt: null });
    expect(await row(staleDeferral)).toMatchObject({ status: 'sending', deferredReason: null });

    const all = [sent, sentToRoom, sentToGone, sentUnlogged, failed, doubt, retry, released, deferred, skipped, staleSent, staleDeferral];
    const recorded = await ctx.prisma.outboxEvent.findMany({ where: { outboxId: { in: all } }, orderBy: { id: 'asc' } });
    expect(recorded.map((e) => [e.outboxId, e.decision, e.reason, e.details])).toEqual([
      [sent, 'sent', null, { externalMessageId: 'msg-1' }],
      [sentToRoom, 'sent', null, null],
      [sentToGone, 'sent', null, null],
      [sentUnlogged, 'sent', null, null],
      [failed, 'failed', 'not_friend', null],
      [doubt, 'in_doubt', 'channel_threw', null],
      [retry, 'retry', 'timeout', { until: at(5 * MINUTE).toISOString() }],
      [released, 'deferred', 'account_backoff', { until: at(10 * MINUTE).toISOString(), released: true }],
      [deferred, 'deferred', 'spacing', { until: at(HOUR).toISOString() }],
      [skipped, 'skipped', 'opted_out', null],
      [staleSent, 'ignored', 'sent', { reason: null, until: null, status: 'pending' }],
      [staleDeferral, 'ignored', 'deferred', { reason: 'spacing', until: at(HOUR).toISOString(), status: 'sending' }],
    ]);
    expect(recorded.every((e) => e.at.toISOString() === now.toISOString())).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);

    // One interaction row per applied send that carries `log`, in order; a purged contact is not referenced.
    const logged = await ctx.prisma.interaction.findMany({ where: { outboxId: { in: all } }, orderBy: { id: 'asc' } });
    expect(logged.map((r) => [r.outboxId, r.direction, r.kind, r.accountId, r.contactId, r.roomId, r.flowId, r.runId, r.body])).toEqual([
      [sent, 'out', 'say', accountId, contact.id, null, 'welcome', 'run-s', { mode: 'auto' }],
      [sentToRoom, 'out', 'roomSay', accountId, null, room.id, 'welcome', null, { mode: 'auto' }],
      [sentToGone, 'out', 'task_card', accountId, null, null, 'welcome', null, { mode: 'assist' }],
    ]);
    expect(logged.every((r) => r.occurredAt.toISOString() === now.toISOString())).toBe(true);
  });

  it('settleMany: unknown entries are a KocError after the others are applied; one entry twice is refused', async () => {
    const accountId = await account();
    const known = await enqueueOne(entry(accountId));
    const error = await rejection(es().settleMany([
      { id: 987_654_321n, outcome: { decision: 'sent' } },
      { id: known, outcome: { decision: 'skipped', reason: 'opted_out' } },
      { id: 987_654_322n, outcome: { decision: 'sent' } },
    ], T0));
    expect(error.code).toBe('KOC_OUTBOX_UNKNOWN');
    expect(error.message).toContain('987654321, 987654322');
    expect((await outboxRow(known)).status).toBe('skipped');

    const twice = await enqueueOne(entry(accountId));
    const refused = await rejection(es().settleMany([
      { id: twice, outcome: { decision: 'deferred', until: at(HOUR), reason: 'spacing' } },
      { id: twice, outcome: { decision: 'skipped', reason: 'opted_out' } },
    ], T0));
    expect(refused.code).toBe('KOC_OUTBOX_INVALID');
    expect(await events(twice)).toEqual([]);
    await es().settleMany([], T0);
  });

  it('recognises constraint violations of raw queries (P2010) and of the driver as of model queries', async () => {
    const storeId = unique('raw-store');
    const unique23505 = await ctx.prisma.$executeRaw`INSERT INTO stores (id, name, updated_at) VALUES (${storeId}, 'a', ${T0}::timestamptz), (${storeId}, 'b', ${T0}::timestamptz)`.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(unique23505)).toBe(true);
    expect(isForeignKeyViolation(unique23505)).toBe(false);
    const fk23503 = await ctx.prisma.$executeRaw`INSERT INTO rooms (id, account_id, external_id, topic, updated_at) VALUES (${unique('room')}, 'nobody', 'r', 't', ${T0}::timestamptz)`.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isForeignKeyViolation(fk23503)).toBe(true);
    expect(isUniqueViolation(fk23503)).toBe(false);
    // The same statements on the driver itself (how the engine store runs its SQL with `driver`): its own errors.
    const onDriver = (text: string) => (ctx.store.kind === 'embedded' ? ctx.store.pglite.query(text) : ctx.store.pool.query(text)).then(() => undefined, (error: unknown) => error);
    const twice = unique('raw-store');
    const driverUnique = await onDriver(`INSERT INTO stores (id, name, updated_at) VALUES ('${twice}', 'a', now()), ('${twice}', 'b', now())`);
    expect([isUniqueViolation(driverUnique), isForeignKeyViolation(driverUnique)]).toEqual([true, false]);
    const driverFk = await onDriver(`INSERT INTO rooms (id, account_id, external_id, topic, updated_at) VALUES ('${unique('room')}', 'nobody', 'r', 't', now())`);
    expect([isForeignKeyViolation(driverFk), isUniqueViolation(driverFk)]).toEqual([true, false]);
    expect(isForeignKeyViolation(new Error('23503'))).toBe(false);
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────── pacing

  /** One account's and one contact's counts, as the policy reads them, from a snapshot of just those two. */
  async function pacingCounts(accountId: string, contactId: string | null, now: Date, timeZone: string) {
    const snapshot = await es().pacingSnapshot(now, [{ accountId, timeZone }], contactId === null ? [] : [{ contactId, timeZone }]);
    const a = snapshot.accounts.get(accountId)!;
    const c = contactId === null ? undefined : snapshot.contacts.get(contactId);
    return {
      accountSentLastMinute: a.sentLastMinute,
      accountSentLastHour: a.sentLastHour,
      accountSentToday: a.sentToday,
      contactProactiveToday: c?.proactiveToday ?? 0,
      contactProactiveThisMonth: c?.proactiveThisMonth ?? 0,
      accountLastSentAt: a.lastSentAt,
    };
  }

  async function backoffUntil(accountId: string): Promise<Date | null> {
    return (await es().pacingSnapshot(T0, [{ accountId, timeZone: 'Asia/Shanghai' }], [])).accounts.get(accountId)!.backoffUntil;
  }

  it('pacingSnapshot: sent entries over windows ending at now, today in the given zone', async () => {
    const accountId = await account();
    const other = await account();
    const contact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    const otherContact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    // now = 2026-12-01 20:00 in Shanghai; the Shanghai day started at 2026-11-30T16:00Z, the UTC day at 00:00Z.
    const now = new Date('2026-12-01T12:00:00.000Z');
    const shanghaiDay = new Date('2026-11-30T16:00:00.000Z');
    const toContact = (proactive = true) => entry(accountId, { contactId: contact.id, proactive });
    await sendAt(toContact(), at(-30 * SECOND, now)); // minute, hour, today; contact today
    await sendAt(entry(accountId), at(-60 * SECOND, now)); // not the last minute (open end), in the hour
    await sendAt(toContact(false), at(-59 * MINUTE, now)); // hour; a reply: not counted for the contact
    await sendAt(entry(accountId), at(-HOUR, now)); // not the last hour; today
    await sendAt(toContact(), shanghaiDay); // today in Shanghai (the day's first instant)
    await sendAt(toContact(), at(-1, shanghaiDay)); // yesterday in Shanghai; this month
    await sendAt(toContact(), at(-29 * DAY, now)); // this month
    await sendAt(toContact(), at(-30 * DAY, now)); // not in the last 30 days
    await sendAt(toContact(), at(SECOND, now)); // after now: in no window
    await sendAt(entry(accountId, { contactId: otherContact.id }), at(-2 * HOUR, now)); // another contact
    await sendAt(entry(other, { contactId: null }), at(-10 * SECOND, now)); // another account
    const failed = await enqueueOne(toContact(), at(-5 * SECOND, now));
    await es().markSending(failed, at(-5 * SECOND, now));
    await es().settle(failed, { decision: 'failed', reason: 'x' }, at(-5 * SECOND, now)); // not sent
    await es().enqueue([{ ...toContact(), dueAt: at(-SECOND, now) }], now); // pending

    expect(await pacingCounts(accountId, contact.id, now, 'Asia/Shanghai')).toEqual({
      accountSentLastMinute: 1,
      accountSentLastHour: 3,
      accountSentToday: 6, // -30s, -60s, -59min, -1h, -2h (other contact), Shanghai midnight
      contactProactiveToday: 2, // -30s, Shanghai midnight
      contactProactiveThisMonth: 4, // + 1 ms before Shanghai midnight, -29 d
      accountLastSentAt: at(-30 * SECOND, now),
    });
    // The same sends counted in UTC: the day started at 00:00Z, so Shanghai's midnight (and the 1 ms before) are
    // yesterday.
    expect(await pacingCounts(accountId, contact.id, now, 'UTC')).toMatchObject({
      accountSentToday: 5,
      contactProactiveToday: 1,
      contactProactiveThisMonth: 4,
    });
    expect(await pacingCounts(accountId, null, now, 'Asia/Shanghai')).toMatchObject({
      accountSentToday: 6,
      contactProactiveToday: 0,
      contactProactiveThisMonth: 0,
    });
    // Earlier now: the windows move with it.
    // A day earlier (2026-11-30 20:00 in Shanghai): every later send is "in the future" and not counted.
    expect(await pacingCounts(accountId, contact.id, at(-DAY, now), 'Asia/Shanghai')).toEqual({
      accountSentLastMinute: 0,
      accountSentLastHour: 0,
      accountSentToday: 0,
      contactProactiveToday: 0,
      contactProactiveThisMonth: 2, // -29 d and -30 d (from the later now) are within 30 days of this one
      accountLastSentAt: at(-29 * DAY, now),
    });
    expect(await pacingCounts(unique('nobody'), null, now, 'Asia/Shanghai')).toEqual({
      accountSentLastMinute: 0,
      accountSentLastHour: 0,
      accountSentToday: 0,
      contactProactiveToday: 0,
      contactProactiveThisMonth: 0,
      accountLastSentAt: null,
    });
    expect((await rejection(pacingCounts(accountId, null, now, 'Mars/Olympus'))).code).toBe('KOC_TIMEZONE_INVALID');
  });

  it('pacingSnapshot: many accounts and contacts in one query, each day in its own zone, back-offs, zeros when nothing was sent', async () => {
    const shanghai = await account();
    const newYork = await account();
    const quiet = await account();
    const amy = await es().ensureContact(shanghai, { externalId: unique('wm') }, T0);
    const bob = await es().ensureContact(newYork, { externalId: unique('wm') }, T0);
    const cat = await es().ensureContact(quiet, { externalId: unique('wm') }, T0);
    // now = 2026-12-01T12:00Z: 20:00 in Shanghai (its day began at 2026-11-30T16:00Z), 07:00 in New York (05:00Z).
    const now = new Date('2026-12-01T12:00:00.000Z');
    await sendAt(entry(shanghai, { contactId: amy.id }), at(-10 * SECOND, now));
    await sendAt(entry(shanghai, { contactId: amy.id }), new Date('2026-12-01T04:00:00.000Z')); // Shanghai today, New York yesterday
    await sendAt(entry(newYork, { contactId: bob.id }), at(-2 * HOUR, now));
    await sendAt(entry(newYork, { contactId: bob.id }), new Date('2026-12-01T04:00:00.000Z')); // before New York's day began
    await es().setAccountBackoff(newYork, at(HOUR, now), 'throttled', 60);

    const recorder = queryRecorder(ctx, via);
    const snapshot = await recorder.store().pacingSnapshot(
      now,
      [{ accountId: shanghai, timeZone: 'Asia/Shanghai' }, { accountId: newYork, timeZone: 'America/New_York' }, { accountId: quiet, timeZone: 'Asia/Shanghai' },
        { accountId: unique('nobody'), timeZone: 'UTC' }, { accountId: shanghai, timeZone: 'Asia/Shanghai' }],
      [{ contactId: amy.id, timeZone: 'Asia/Shanghai' }, { contactId: bob.id, timeZone: 'America/New_York' }, { contactId: cat.id, timeZone: 'Asia/Shanghai' }],
    );
    expect(recorder.queries).toHaveLength(1);
    expect(snapshot.accounts.get(shanghai)).toEqual({ sentLastMinute: 1, sentLastHour: 1, sentToday: 2, lastSentAt: at(-10 * SECOND, now), backoffUntil: null, backoffMinutes: null });
    expect(snapshot.accounts.get(newYork)).toEqual({ sentLastMinute: 0, sentLastHour: 0, sentToday: 1, lastSentAt: at(-2 * HOUR, now), backoffUntil: at(HOUR, now), backoffMinutes: 60 });
    expect(snapshot.accounts.get(quiet)).toEqual({ sentLastMinute: 0, sentLastHour: 0, sentToday: 0, lastSentAt: null, backoffUntil: null, backoffMinutes: null });
    expect(snapshot.accounts.size).toBe(4); // the unknown account too (zeros), the repeated one once
    expect(snapshot.contacts.get(amy.id)).toEqual({ proactiveToday: 2, proactiveThisMonth: 2 });
    expect(snapshot.contacts.get(bob.id)).toEqual({ proactiveToday: 1, proactiveThisMonth: 2 });
    expect(snapshot.contacts.get(cat.id)).toEqual({ proactiveToday: 0, proactiveThisMonth: 0 });
    expect(await es().pacingSnapshot(now, [], [])).toEqual({ accounts: new Map(), contacts: new Map() });
  });

  it('account back-off: null until set, only ever extended, the streak kept until endBackoffStreak; KOC_ACCOUNT_UNKNOWN for a missing account', async () => {
    const accountId = await account();
    const backoff = async () => {
      const state = (await es().pacingSnapshot(T0, [{ accountId, timeZone: 'Asia/Shanghai' }], [])).accounts.get(accountId)!;
      return { until: state.backoffUntil?.toISOString() ?? null, minutes: state.backoffMinutes };
    };
    expect(await backoff()).toEqual({ until: null, minutes: null });
    await es().setAccountBackoff(accountId, at(10 * MINUTE), 'throttled', 10);
    expect(await backoff()).toEqual({ until: at(10 * MINUTE).toISOString(), minutes: 10 });
    // A late answer from a send already in flight: the instant and reason stay, the streak keeps the larger length.
    await es().setAccountBackoff(accountId, at(MINUTE), 'throttled again', 5);
    expect(await backoff()).toEqual({ until: at(10 * MINUTE).toISOString(), minutes: 10 });
    await es().setAccountBackoff(accountId, at(HOUR), 'risk_control', 20);
    expect(await backoff()).toEqual({ until: at(HOUR).toISOString(), minutes: 20 });
    const row = await ctx.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(row.backoffUntil?.toISOString()).toBe(at(HOUR).toISOString());
    expect(row.backoffReason).toBe('risk_control');
    // A send went through: the streak ends, the last back-off's instant stays for ops.
    await es().endBackoffStreak(accountId);
    expect(await backoff()).toEqual({ until: at(HOUR).toISOString(), minutes: null });
    await es().endBackoffStreak(accountId); // idempotent
    expect(await backoffUntil(unique('nobody'))).toBeNull();
    expect((await rejection(es().setAccountBackoff(unique('nobody'), T0, 'x', 10))).code).toBe('KOC_ACCOUNT_UNKNOWN');
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────── subjects

  it('ensureContact creates, then updates the name when given; instants as given', async () => {
    const accountId = await account();
    const externalId = unique('wm');
    const created = await es().ensureContact(accountId, { externalId, name: '张三' }, T0);
    expect(created).toEqual({
      id: expect.any(String) as string,
      accountId,
      externalId,
      name: '张三',
      alias: null,
      tags: [],
      attributes: {},
      optedOutAt: null,
      referrer: null,
    });
    let row = await ctx.prisma.contact.findUniqueOrThrow({ where: { id: created.id } });
    expect([row.firstSeenAt, row.lastSeenAt, row.createdAt, row.updatedAt].map((d) => d?.toISOString())).toEqual(Array(4).fill(T0.toISOString()));

    const unnamed = await es().ensureContact(accountId, { externalId }, at(HOUR));
    expect(unnamed).toMatchObject({ id: created.id, name: '张三' });
    const renamed = await es().ensureContact(accountId, { externalId, name: '张三丰' }, at(2 * HOUR));
    expect(renamed).toMatchObject({ id: created.id, name: '张三丰' });
    row = await ctx.prisma.contact.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.firstSeenAt.toISOString()).toBe(T0.toISOString());
    expect(row.lastSeenAt?.toISOString()).toBe(at(2 * HOUR).toISOString());

    expect(await es().getContact(created.id)).toEqual(renamed);
    expect(await es().getContact('00000000-0000-7000-8000-000000000000')).toBeUndefined();

    // The same external id on another account is another contact.
    const elsewhere = await es().ensureContact(await account(), { externalId }, T0);
    expect(elsewhere.id).not.toBe(created.id);
  });

  it('ensureContact: concurrent calls for a new contact give one row; a missing account is KOC_ACCOUNT_UNKNOWN', async () => {
    const accountId = await account();
    const externalId = unique('wm');
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => es().ensureContact(accountId, { externalId, name: `n${i}` }, T0)));
    expect(new Set(results.map((c) => c.id)).size).toBe(1);
    expect(await ctx.prisma.contact.count({ where: { accountId, externalId } })).toBe(1);

    const error = await rejection(es().ensureContact(unique('nobody'), { externalId }, T0));
    expect(error.code).toBe('KOC_ACCOUNT_UNKNOWN');
    expect(error.message).toContain('nobody');
  });

  it('contacts carry sorted tags, attributes, opt-out and the referrer (name, current code, tier)', async () => {
    const accountId = await account();
    const koc = await ctx.prisma.staff.create({ data: { wecomUserId: unique('wx-koc'), name: '李娜', role: 'ambassador' } });
    const code = await ctx.prisma.referralCode.create({ data: { code: unique('LN7Q'), staffId: koc.id } });
    await ctx.prisma.kocProfile.create({ data: { staffId: koc.id, tier: 'core', pointsBalance: 120, referralCodeId: code.id } });
    const plain = await ctx.prisma.staff.create({ data: { wecomUserId: unique('wx-staff'), name: '王强', role: 'guide' } });

    const referred = await es().ensureContact(accountId, { externalId: unique('wm'), name: '客户' }, T0);
    await ctx.prisma.contact.update({ where: { id: referred.id }, data: { attributedToStaffId: koc.id, attributes: { city: '上海', vip: true, visits: 3 } } });
    await es().setTags(referred.id, ['新客', 'VIP', 'b-tag', 'A-tag'], [], 'playbook', T0);
    expect(await es().getContact(referred.id)).toMatchObject({
      tags: ['A-tag', 'VIP', 'b-tag', '新客'],
      attributes: { city: '上海', vip: true, visits: 3 },
      referrer: { staffId: koc.id, name: '李娜', code: code.code, tier: 'core' },
    });

    const byPlain = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    await ctx.prisma.contact.update({ where: { id: byPlain.id }, data: { attributedToStaffId: plain.id } });
    expect((await es().getContact(byPlain.id))?.referrer).toEqual({ staffId: plain.id, name: '王强', code: null, tier: null });
  });

  it('setTags adds and removes idempotently; setOptedOut is true only the first time', async () => {
    const accountId = await account();
    const contact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    await es().setTags(contact.id, ['VIP', '新客', 'VIP'], [], 'playbook', at(MINUTE));
    await es().setTags(contact.id, ['VIP'], [], 'command', at(HOUR)); // already there: keeps source and time
    const vip = await ctx.prisma.contactTag.findUniqueOrThrow({ where: { contactId_tag: { contactId: contact.id, tag: 'VIP' } } });
    expect(vip.source).toBe('playbook');
    expect(vip.createdAt.toISOString()).toBe(at(MINUTE).toISOString());
    await es().setTags(contact.id, ['老客'], ['新客', 'absent'], 'flow:welcome', at(HOUR));
    expect((await es().getContact(contact.id))?.tags).toEqual(['VIP', '老客']);
    await es().setTags(contact.id, ['x'], ['x'], 'playbook', at(HOUR)); // in both lists: removed
    expect((await es().getContact(contact.id))?.tags).toEqual(['VIP', '老客']);
    await es().setTags(contact.id, [], [], 'playbook', at(HOUR));
    expect((await rejection(es().setTags('00000000-0000-7000-8000-000000000000', ['VIP'], [], 'playbook', T0))).code).toBe('KOC_CONTACT_UNKNOWN');

    expect(await es().setOptedOut(contact.id, at(DAY))).toBe(true);
    expect(await es().setOptedOut(contact.id, at(2 * DAY))).toBe(false);
    expect((await es().getContact(contact.id))?.optedOutAt?.toISOString()).toBe(at(DAY).toISOString());
    expect((await rejection(es().setOptedOut('00000000-0000-7000-8000-000000000000', T0))).code).toBe('KOC_CONTACT_UNKNOWN');
  });

  it('listContacts: not opted out or forgotten, every tagged, no notTagged, attributes equal; by id', async () => {
    const accountId = await account();
    const make = async (tags: string[], attributes: Record<string, string | number | boolean> = {}) => {
      const c = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
      if (tags.length > 0) await es().setTags(c.id, tags, [], 'sync', T0);
      if (Object.keys(attributes).length > 0) await ctx.prisma.contact.update({ where: { id: c.id }, data: { attributes } });
      return c.id;
    };
    const vipSh = await make(['VIP', '新客'], { city: '上海', level: 3, member: true });
    const vipBj = await make(['VIP'], { city: '北京', level: 3 });
    const newOnly = await make(['新客'], { city: '上海', level: '3' });
    const none = await make([]);
    const optedOut = await make(['VIP'], { city: '上海' });
    await es().setOptedOut(optedOut, T0);
    const forgotten = await make(['VIP'], { city: '上海' });
    await ctx.prisma.contact.update({ where: { id: forgotten }, data: { forgottenAt: T0, name: null } });
    await es().ensureContact(await account(), { externalId: unique('wm') }, T0); // another account's contact

    const ids = async (filter: Parameters<EngineStore['listContacts']>[1]) => (await es().listContacts(accountId, filter)).map((c) => c.id);
    expect(await ids({})).toEqual([vipSh, vipBj, newOnly, none]);
    expect(await ids({ tagged: ['VIP'] })).toEqual([vipSh, vipBj]);
    expect(await ids({ tagged: ['VIP', '新客'] })).toEqual([vipSh]);
    expect(await ids({ notTagged: ['VIP'] })).toEqual([newOnly, none]);
    expect(await ids({ tagged: ['新客'], notTagged: ['VIP', 'other'] })).toEqual([newOnly]);
    expect(await ids({ attributes: { city: '上海' } })).toEqual([vipSh, newOnly]);
    expect(await ids({ attributes: { level: 3 } })).toEqual([vipSh, vipBj]); // the number 3, not the string "3"
    expect(await ids({ attributes: { level: '3' } })).toEqual([newOnly]);
    expect(await ids({ attributes: { city: '上海', member: true }, tagged: ['VIP'] })).toEqual([vipSh]);
    expect(await ids({ attributes: { member: false } })).toEqual([]);
    expect(await ids({ tagged: ["it's"], notTagged: ['%'] })).toEqual([]);
    const [first] = await es().listContacts(accountId, { tagged: ['VIP', '新客'] });
    expect(first).toMatchObject({ tags: ['VIP', '新客'], attributes: { city: '上海', level: 3, member: true } });
  });

  it('ensureRoom creates or updates the topic; listRooms matches the glob with LIKE wildcards escaped', async () => {
    const accountId = await account();
    const room = (topic: string) => es().ensureRoom(accountId, { externalId: unique('r@chatroom'), topic }, T0);
    const sh = await room('车友会-上海');
    const bj = await room('车友会_北京');
    const pct = await room('100% 粉丝群');
    const pct2 = await room('100分 粉丝群');
    const vip = await room('VIP群');
    const back = await room('a\\b');
    await es().ensureRoom(await account(), { externalId: unique('r@chatroom'), topic: '车友会-上海' }, T0); // other account

    const renamed = await es().ensureRoom(accountId, { externalId: vip.externalId, topic: 'VIP 群' }, at(HOUR));
    expect(renamed).toEqual({ ...vip, topic: 'VIP 群' });
    const row = await ctx.prisma.room.findUniqueOrThrow({ where: { id: vip.id } });
    expect(row.createdAt.toISOString()).toBe(T0.toISOString());
    expect(row.updatedAt.toISOString()).toBe(at(HOUR).toISOString());
    expect(await es().getRoom(vip.id)).toEqual(renamed);
    expect(await es().getRoom('00000000-0000-7000-8000-000000000000')).toBeUndefined();

    const ids = async (pattern: string) => (await es().listRooms(accountId, pattern)).map((r) => r.id);
    expect(await ids('车友会*')).toEqual([sh.id, bj.id]);
    expect(await ids('车友会?北京')).toEqual([bj.id]);
    expect(await ids('*_*')).toEqual([bj.id]); // _ is literal
    expect(await ids('100%*')).toEqual([pct.id]); // % is literal
    expect(await ids('100? 粉丝群')).toEqual([pct.id, pct2.id]);
    expect(await ids('vip*')).toEqual([]); // case-sensitive
    expect(await ids('a\\b')).toEqual([back.id]);
    expect(await ids('*')).toHaveLength(6);
    expect((await es().listRooms(accountId, '车友会-上海'))[0]).toEqual(sh);
    expect((await rejection(es().ensureRoom(unique('nobody'), { externalId: 'r@x', topic: 't' }, T0))).code).toBe('KOC_ACCOUNT_UNKNOWN');
  });

  it('listStaff: everyone for the assistant account, the owner for an own account; by role and tier', async () => {
    const assistant = await account('assistant');
    const guideAccount = await account('guide');
    const tier = unique('core');
    const staff = async (role: 'guide' | 'ambassador', name: string, kocTier?: string, extra: { accountId?: string; leftAt?: Date } = {}) => {
      const s = await ctx.prisma.staff.create({ data: { wecomUserId: unique('wx'), name, role, ...extra } });
      if (kocTier) await ctx.prisma.kocProfile.create({ data: { staffId: s.id, tier: kocTier, pointsBalance: 42 } });
      return s.id;
    };
    const owner = await staff('guide', '导购小王', tier, { accountId: guideAccount });
    const amb = await staff('ambassador', '员工KOC', tier);
    const normal = await staff('ambassador', '普通KOC', unique('normal'));
    const left = await staff('ambassador', '离职KOC', tier, { leftAt: T0 });

    const all = (await es().listStaff(assistant, {})).map((s) => s.id);
    expect(all).toEqual(expect.arrayContaining([owner, amb, normal]));
    expect(all).not.toContain(left);
    expect((await es().listStaff(assistant, { tiers: [tier] })).map((s) => s.id)).toEqual([owner, amb]);
    expect((await es().listStaff(assistant, { tiers: [tier], roles: ['ambassador'] })).map((s) => s.id)).toEqual([amb]);
    expect(await es().listStaff(assistant, { roles: ['assistant'] })).toEqual([]);
    expect(await es().listStaff(guideAccount, {})).toEqual([
      { id: owner, externalId: expect.any(String) as string, name: '导购小王', role: 'guide', tier, points: 42, accountId: guideAccount },
    ]);
    expect(await es().listStaff(guideAccount, { roles: ['ambassador'] })).toEqual([]);
    expect((await rejection(es().listStaff(unique('nobody'), {}))).code).toBe('KOC_ACCOUNT_UNKNOWN');

    expect(await es().getStaff(amb)).toMatchObject({ id: amb, name: '员工KOC', role: 'ambassador', tier, points: 42, accountId: null });
    const noKoc = await staff('guide', '新导购');
    expect(await es().getStaff(noKoc)).toMatchObject({ tier: null, points: 0 });
    expect(await es().getStaff('00000000-0000-7000-8000-000000000000')).toBeUndefined();

    // By WeCom user id (a room's inviter): only staff who have not left.
    const byWecom = async (id: string) => (await ctx.prisma.staff.findUniqueOrThrow({ where: { id } })).wecomUserId;
    expect(await es().findStaffByExternalId(await byWecom(amb))).toEqual(await es().getStaff(amb));
    expect(await es().findStaffByExternalId(await byWecom(noKoc))).toMatchObject({ id: noKoc, tier: null });
    expect(await es().findStaffByExternalId(await byWecom(left))).toBeUndefined();
    expect(await es().findStaffByExternalId(unique('wm-customer'))).toBeUndefined();
  });

  // ─────────────────────────────────────────────────────────────────────────────────── schedules, log

  it('schedules: upsert, list, due by nextDueAt, delete (idempotent)', async () => {
    await clearQueues();
    const a = await account('guide', unique('sched-a'));
    const b = await account('guide', unique('sched-b'));
    const weekly = { flowId: 'weekly-moment', accountId: a, cron: '0 20 * * 1', timeZone: 'Asia/Shanghai', nextDueAt: at(HOUR), lastFiredAt: null };
    await es().upsertSchedule(weekly);
    await es().upsertSchedule({ ...weekly, accountId: b, nextDueAt: at(MINUTE) });
    await es().upsertSchedule({ ...weekly, flowId: 'daily', cron: '0 9 * * *', nextDueAt: at(DAY) });
    expect(await es().listSchedules()).toEqual([
      { flowId: 'daily', accountId: a, cron: '0 9 * * *', timeZone: 'Asia/Shanghai', nextDueAt: at(DAY), lastFiredAt: null },
      weekly,
      { ...weekly, accountId: b, nextDueAt: at(MINUTE) },
    ]);
    expect((await es().dueSchedules(at(HOUR))).map((s) => [s.flowId, s.accountId])).toEqual([
      ['weekly-moment', b],
      ['weekly-moment', a],
    ]);
    expect(await es().dueSchedules(at(-1))).toEqual([]);

    const fired = { ...weekly, nextDueAt: at(7 * DAY), lastFiredAt: at(HOUR), timeZone: 'Asia/Urumqi' };
    await es().upsertSchedule(fired);
    expect((await es().listSchedules()).find((s) => s.flowId === 'weekly-moment' && s.accountId === a)).toEqual(fired);
    expect((await es().dueSchedules(at(HOUR))).map((s) => s.accountId)).toEqual([b]);

    await es().deleteSchedule('weekly-moment', b);
    await es().deleteSchedule('weekly-moment', b);
    expect((await es().listSchedules()).map((s) => [s.flowId, s.accountId])).toEqual([
      ['daily', a],
      ['weekly-moment', a],
    ]);
    expect((await rejection(es().upsertSchedule({ ...weekly, accountId: unique('nobody') }))).code).toBe('KOC_ACCOUNT_UNKNOWN');
  });

  it('nextDueAt: now while a run is running, else the earliest wake, pending send or schedule; null when nothing is pending', async () => {
    await clearQueues();
    const accountId = await account();
    const recorder = queryRecorder(ctx, via);
    const next = async (now = T0) => (await recorder.store().nextDueAt(now, 4 * HOUR))?.toISOString() ?? null;
    expect(await next()).toBeNull();
    await es().upsertSchedule({ flowId: 'weekly', accountId, cron: '0 20 * * 1', timeZone: 'Asia/Shanghai', nextDueAt: at(DAY + 7), lastFiredAt: null });
    expect(await next()).toBe(at(DAY + 7).toISOString());
    await sendAt(entry(accountId), at(-HOUR)); // sent: not pending
    await es().enqueue([entry(accountId, { dueAt: at(HOUR + 5) })], T0);
    expect(await next()).toBe(at(HOUR + 5).toISOString());
    const base = await newRun({ accountId });
    const { run } = await es().startRun(base);
    await es().saveRun({ ...run, status: 'waiting', wakeAt: at(MINUTE + 3) }, T0);
    const { run: finished } = await es().startRun({ ...base, subjectId: unique('contact') });
    await es().saveRun({ ...finished, status: 'done', wakeAt: at(-DAY) }, T0); // finished: never due
    expect(await next()).toBe(at(MINUTE + 3).toISOString());
    // Due instants in the past are returned as they are (the clock is already later).
    expect(await next(at(2 * DAY))).toBe(at(MINUTE + 3).toISOString());
    await es().startRun({ ...base, subjectId: unique('contact') }); // running: continues at once
    expect(await next(at(SECOND))).toBe(at(SECOND).toISOString());
    expect(recorder.queries).toHaveLength(6);
  });

  it('an assist card neither confirmed nor reminded is due (nextDueAt, dueWork) its reminder delay after it was sent', async () => {
    await clearQueues();
    const accountId = await account();
    const next = async () => (await es().nextDueAt(T0, 4 * HOUR))?.toISOString() ?? null;
    const card = await sendAt(entry(accountId, { mode: 'assist', action: { kind: 'moment', accountId, text: '新品' } }), at(-HOUR));
    await sendAt(entry(accountId, { mode: 'assist', action: { kind: 'staffNote', accountId, staffExternalId: 'staff-1', text: 'hi' } }), at(-2 * HOUR)); // a note, not a card
    expect(await next()).toBe(at(3 * HOUR).toISOString());
    // A tick then reads it with its work: cards sent at or before (now − delay), the note never.
    expect((await es().dueWork(at(3 * HOUR), { runs: 10, outbox: 10 }, at(-HOUR))).reminders).toMatchObject([{ id: card, kind: 'moment', sentAt: at(-HOUR) }]);
    expect((await es().dueWork(at(3 * HOUR), { runs: 10, outbox: 10 }, at(-HOUR - 1))).reminders).toEqual([]);
    await es().markAssistReminded([card], T0);
    expect(await next()).toBeNull();
  });

  it('dueWork: what dueSchedules, dueRuns and dueForDispatch return, in one query, each in its order and limit', async () => {
    await clearQueues();
    const accountId = await account('guide', unique('due-b'));
    const other = await account('guide', unique('due-a'));
    const now = at(HOUR);
    for (const [flowId, acct, due] of [['weekly', accountId, at(MINUTE + 7)], ['daily', accountId, at(MINUTE + 7)], ['weekly', other, at(SECOND)], ['later', other, at(DAY)]] as const) {
      await es().upsertSchedule({ flowId, accountId: acct, cron: '0 20 * * 1', timeZone: 'Asia/Shanghai', nextDueAt: due, lastFiredAt: flowId === 'daily' ? at(-DAY + 1) : null });
    }
    const base = await newRun({ accountId, state: { vars: { member: { name: '张三', tags: ['VIP'] }, n: 1.5 }, reply: true } });
    for (const wakeAt of [null, at(MINUTE + 1), at(2 * MINUTE), null, at(HOUR + 1)]) {
      const { run } = await es().startRun({ ...base, subjectId: unique('contact') });
      if (wakeAt) await es().saveRun({ ...run, status: 'waiting', wakeAt, stepIndex: 2 }, T0);
    }
    const amy = await es().ensureContact(accountId, { externalId: unique('wm'), name: 'Amy' }, T0);
    await ctx.prisma.contact.update({ where: { id: amy.id }, data: { alias: '艾米' } });
    await es().setOptedOut(amy.id, at(-HOUR + 123));
    await es().enqueue([
      entry(accountId, { contactId: amy.id, dueAt: at(MINUTE + 456) }),
      entry(other, { contactId: null, action: { kind: 'moment', accountId: other, text: '上新 🎉', images: ['a.png'] }, dueAt: at(-MINUTE) }),
      entry(accountId, { dueAt: at(MINUTE + 456) }),
      entry(accountId, { dueAt: at(HOUR + 1) }), // not due
    ], T0);

    const recorder = queryRecorder(ctx, via);
    const work = await recorder.store().dueWork(now, { runs: 3, outbox: 2 }, at(-DAY));
    expect(recorder.queries).toHaveLength(1);
    expect(work).toEqual({ schedules: await es().dueSchedules(now), runs: await es().dueRuns(now, 3), outbox: await es().dueForDispatch(now, 2), reminders: [] });
    expect(work.schedules.map((s) => [s.flowId, s.accountId])).toEqual([['weekly', other], ['daily', accountId], ['weekly', accountId]]);
    expect(work.runs.map((r) => [r.status, r.wakeAt?.toISOString() ?? null])).toEqual([['running', null], ['running', null], ['waiting', at(MINUTE + 1).toISOString()]]);
    expect(work.outbox.map((o) => [o.dueAt.toISOString(), o.contact?.optedOutAt?.toISOString() ?? null])).toEqual([
      [at(-MINUTE).toISOString(), null], [at(MINUTE + 456).toISOString(), at(-HOUR + 123).toISOString()],
    ]);
    expect(typeof work.outbox[0]!.id).toBe('bigint');
    expect(await es().dueWork(at(-DAY), { runs: 10, outbox: 10 }, at(-DAY))).toEqual({ schedules: [], runs: (await es().dueRuns(at(-DAY), 10)), outbox: [], reminders: [] });
  });

  it('logInteraction appends one row with the given instant, ids and JSON body', async () => {
    const accountId = await account();
    const contact = await es().ensureContact(accountId, { externalId: unique('wm') }, T0);
    const body = { text: '你好 👋', matched: ['hello'], nested: { n: 1.5, ok: true, none: null } };
    await es().logInteraction({ at: at(SECOND), direction: 'in', kind: 'message', accountId, contactId: contact.id, flowId: 'welcome', runId: 'run-1', outboxId: 12n, body });
    await es().logInteraction({ at: at(2 * SECOND), direction: 'out', kind: 'moment', accountId, body: {} });
    const rows = await ctx.prisma.interaction.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(2);
    expect(typeof rows[0]!.id).toBe('bigint');
    expect(rows[0]).toMatchObject({ direction: 'in', kind: 'message', contactId: contact.id, roomId: null, flowId: 'welcome', runId: 'run-1', outboxId: 12n, body });
    expect(rows[0]!.occurredAt.toISOString()).toBe(at(SECOND).toISOString());
    expect(rows[1]).toMatchObject({ direction: 'out', kind: 'moment', contactId: null, outboxId: null, body: {} });

    expect((await rejection(es().logInteraction({ at: T0, direction: 'in', kind: 'message', accountId: unique('nobody'), body: {} }))).code).toBe('KOC_ACCOUNT_UNKNOWN');
    expect(
      (await rejection(es().logInteraction({ at: T0, direction: 'in', kind: 'message', accountId, contactId: '00000000-0000-7000-8000-000000000000', body: {} }))).code,
    ).toBe('KOC_CONTACT_UNKNOWN');
  });
});

// ──────────────────────────────────────────────────────────────────────────────────── pure helpers

describe('engine store helpers', () => {
  it('startOfLocalDay: local midnight as an instant, in any zone, DST included', () => {
    const iso = (d: Date) => d.toISOString();
    expect(iso(startOfLocalDay(new Date('2026-12-01T12:00:00Z'), 'Asia/Shanghai'))).toBe('2026-11-30T16:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-11-30T15:59:59.999Z'), 'Asia/Shanghai'))).toBe('2026-11-29T16:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-11-30T16:00:00.000Z'), 'Asia/Shanghai'))).toBe('2026-11-30T16:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-12-01T12:00:00Z'), 'UTC'))).toBe('2026-12-01T00:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-12-01T03:00:00Z'), 'America/New_York'))).toBe('2026-11-30T05:00:00.000Z');
    // New York on its spring-forward and fall-back days (23 h and 25 h long): midnight is before the change.
    expect(iso(startOfLocalDay(new Date('2026-03-08T20:00:00Z'), 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-11-01T20:00:00Z'), 'America/New_York'))).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(startOfLocalDay(new Date('2026-05-01T12:00:00Z'), 'Asia/Kolkata'))).toBe('2026-04-30T18:30:00.000Z');
    // Santiago skips midnight when DST starts (00:00 → 01:00 on 2026-09-06): the day begins at 01:00 local.
    expect(iso(startOfLocalDay(new Date('2026-09-06T15:00:00Z'), 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });

  it('globToLike: * and ? become % and _, LIKE wildcards and the escape are literal', () => {
    expect(globToLike('车友会*')).toBe('车友会%');
    expect(globToLike('a?c')).toBe('a_c');
    expect(globToLike('100%_\\*')).toBe('100\\%\\_\\\\%');
  });
});
