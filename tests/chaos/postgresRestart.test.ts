import { Mutex } from 'async-mutex';
import { afterAll, expect, it } from 'vitest';
import type { ActionMeta, ActionResult, Channel, OutboundAction } from '../../src/domain/channel.ts';
import { Engine } from '../../src/engine/engine.ts';
import { DEFAULT_PACING } from '../../src/engine/pacing/settings.ts';
import type { AccountProfile } from '../../src/engine/ports.ts';
import { EngineDriver } from '../../src/runtime/engineDriver.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { systemClock } from '../../src/shared/systemClock.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { createRewards } from '../../src/store/rewards.ts';
import { chaosFlow, CHAOS_ACCOUNT, CHAOS_FLOW } from '../../scripts/chaos/flow.ts';
import { loadFiles } from '../support/playbooks.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts';

/**
 * PostgreSQL going away in the middle of a send storm (a restart, a network cut), simulated by a loopback proxy in
 * front of the shared server that drops every connection and refuses new ones for a while. The driver's ticks fail
 * and are retried with back-off; when the database is back the storm completes: nothing sent twice, every send
 * sent — or, for the one whose outcome could not be recorded, in doubt after a restart, never resent.
 */
const CONTACTS = 20;
const STEPS = 10;

class CountingChannel implements Channel {
  readonly counts = new Map<string, number>();
  async perform(_action: OutboundAction, meta: ActionMeta): Promise<ActionResult> {
    this.counts.set(meta.idempotencyKey, (this.counts.get(meta.idempotencyKey) ?? 0) + 1);
    await new Promise((resolve) => setImmediate(resolve));
    return { ok: true };
  }
  supports(): boolean { return true; }
  available(): boolean { return true; }
  total(): number { return [...this.counts.values()].reduce((a, b) => a + b, 0); }
}

const until = async (what: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
};

describeEachStore('PostgreSQL restarted in the middle of a run', (ctx) => {
  let proxy: TcpProxy | undefined;
  afterAll(() => proxy?.close());

  it('retries, recovers, and loses nothing: no send twice, every run done', async () => {
    const direct = new URL(await ctx.freshDatabaseUrl());
    // In front of the tests' server (TEST_DATABASE_URL, by default 127.0.0.1:5432), which is never touched itself.
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct.href);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const store: Store = await openStore({ databaseUrl: viaProxy.href });
    const loaded = loadFiles({ 'chaos.yaml': chaosFlow(STEPS) });
    if (!loaded.ok) throw new Error('bad flow');
    const account: AccountProfile = {
      id: CHAOS_ACCOUNT, name: '导购', role: 'guide', storeId: null, storeName: '', timeZone: 'Asia/Shanghai', ownerStaffExternalId: null, activeSince: new Date('2020-01-01T00:00:00Z'),
      pacing: { ...DEFAULT_PACING, maxPerMinute: 1e6, maxPerHour: 1e6, maxPerDay: 1e6, perContactPerDay: 1000, perContactPerMonth: 1000, quietHours: null, minGapSeconds: 0.001, jitterSeconds: 0, rampUpDays: 0 },
    };
    await createRepositories(store.prisma).accounts.upsert({ id: account.id, displayName: account.name, role: account.role, storeId: null, timeZone: account.timeZone });
    const channel = new CountingChannel();
    const build = () => new Engine({
      clock: systemClock, channel, store: createEngineStore(store.prisma, { driver: store }), logger: silentLogger(), random: Math.random,
      accounts: { list: () => [account], get: (id) => (id === account.id ? account : undefined) }, rewards: createRewards(store.prisma, () => loaded.set),
    }, loaded.set);
    let engine = build();
    await engine.start();
    for (let i = 0; i < CONTACTS; i++) {
      await engine.handleEvent({ kind: 'friend.added', accountId: account.id, eventId: `friendship:pg-${i}`, at: systemClock.now(), contact: { externalId: `wm-pg-${i}`, name: `客户${i}` } });
    }
    const failures: unknown[] = [];
    const logger = silentLogger();
    logger.error = ((obj: unknown) => void failures.push(obj)) as never;
    let driver = new EngineDriver(engine, { clock: systemClock, logger, mutex: new Mutex(), maxSleepMs: 200 });
    driver.start();
    try {
      expect(await until(() => channel.total() >= 40, 20_000)).toBe(true);
      await proxy.cut();
      const cutAt = channel.total();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(failures.length).toBeGreaterThan(0); // the ticks failed while it was gone …
      expect(channel.total()).toBeLessThanOrEqual(cutAt + 1); // … and nothing was sent without a database
      await proxy.restore();
      const finished = async () => (await store.prisma.outboxEntry.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0
        && (await store.prisma.outboxEntry.count()) === CONTACTS * STEPS;
      const recovered = await until(finished, 30_000);
      if (!recovered) {
        // A send whose outcome could not be written is left `sending`: a restart turns it into in-doubt.
        await driver.stop();
        engine = build();
        await engine.start();
        driver = new EngineDriver(engine, { clock: systemClock, logger, mutex: new Mutex(), maxSleepMs: 200 });
        driver.start();
        expect(await until(finished, 30_000)).toBe(true);
      }
    } finally {
      await driver.stop();
    }
    const rows = await store.prisma.outboxEntry.findMany({ select: { idempotencyKey: true, status: true } });
    const statuses = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(Object.keys(statuses).filter((s) => s !== 'sent' && s !== 'in_doubt')).toEqual([]);
    expect(statuses.in_doubt ?? 0).toBeLessThanOrEqual(1);
    expect([...channel.counts.values()].filter((n) => n > 1)).toEqual([]);
    for (const row of rows) if (row.status === 'sent') expect(channel.counts.get(row.idempotencyKey)).toBe(1);
    expect(await store.prisma.flowRun.count({ where: { flowId: CHAOS_FLOW, status: 'done' } })).toBe(CONTACTS);
    console.log(`postgres restart: ${rows.length} sends, ${JSON.stringify(statuses)}, ${failures.length} failed ticks, ${proxy.connections()} connections through the proxy`);
    await store.close();
  }, 90_000);
}, { kinds: ['postgres'] });
