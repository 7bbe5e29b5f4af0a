/**
 * The chaos child: the real engine (src/engine, the Prisma engine store, the real dispatcher and pacing) on a real
 * store, fed a storm of sends, sending through a channel that records every delivery durably — one JSON line per
 * delivery appended to a file and fsync'ed before the send returns — so that after any number of SIGKILLs the
 * parent can count what was really delivered. Run by scripts/chaos/chaos.ts; not a tool of its own.
 *
 * Environment: CHAOS_DELIVERIES (file), CHAOS_CONTACTS, CHAOS_STEPS, and DATABASE_URL or CHAOS_DATA_DIR.
 * Each start re-announces every customer (friend.added with a fixed event id): the engine must ignore what it
 * already handled and finish what a kill interrupted. Exits 0 when every run is done and no send is left pending.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { ActionMeta, ActionResult, Channel, OutboundAction } from '../../src/domain/channel.ts';
import { Engine } from '../../src/engine/engine.ts';
import { DEFAULT_PACING } from '../../src/engine/pacing/settings.ts';
import type { AccountProfile } from '../../src/engine/ports.ts';
import { loadPlaybookSources } from '../../src/playbook/load.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { systemClock } from '../../src/shared/systemClock.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { createRewards } from '../../src/store/rewards.ts';
import { openStore } from '../../src/store/openStore.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { CHAOS_ACCOUNT, CHAOS_FLOW, chaosFlow } from './flow.ts';

class RecordingChannel implements Channel {
  readonly #fd: number;
  constructor(path: string) {
    this.#fd = openSync(path, 'a');
  }
  async perform(action: OutboundAction, meta: ActionMeta): Promise<ActionResult> {
    const to = 'contactExternalId' in action ? action.contactExternalId : '?';
    const text = 'content' in action ? (action.content.text ?? '') : '';
    writeSync(this.#fd, JSON.stringify({ key: meta.idempotencyKey, outbox: meta.outboxId, to, step: text.slice(0, 4), pid: process.pid }) + '\n');
    fsyncSync(this.#fd);
    return { ok: true, externalMessageId: `m-${meta.outboxId}` };
  }
  supports(): boolean {
    return true;
  }
  available(): boolean {
    return true;
  }
  close(): void {
    closeSync(this.#fd);
  }
}

async function main(): Promise<void> {
  const deliveries = process.env.CHAOS_DELIVERIES!;
  const contacts = Number(process.env.CHAOS_CONTACTS ?? 200);
  const steps = Number(process.env.CHAOS_STEPS ?? 25);
  const logger = createLogger({ level: process.env.KOCFLOW_LOG_LEVEL ?? 'warn' });
  const store = await openStore({
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: process.env.CHAOS_DATA_DIR! }),
    migrate: true, logger,
  });
  const loaded = loadPlaybookSources('/chaos', [{ file: 'chaos.yaml', text: chaosFlow(steps) }], { exists: () => false, readText: () => undefined });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  // One account; pacing as permissive as the engine allows in code (not through kocflow.yaml's bounds): a tiny gap
  // keeps one send per wave, so a kill leaves at most one send of the account in doubt.
  const account: AccountProfile = {
    id: CHAOS_ACCOUNT, name: '混沌导购', role: 'guide', storeId: null, storeName: '', timeZone: 'Asia/Shanghai', ownerStaffExternalId: null,
    activeSince: new Date('2020-01-01T00:00:00Z'),
    pacing: { ...DEFAULT_PACING, maxPerMinute: 1_000_000, maxPerHour: 1_000_000, maxPerDay: 1_000_000, perContactPerDay: 1_000, perContactPerMonth: 10_000, quietHours: null, minGapSeconds: 0.001, jitterSeconds: 0, rampUpDays: 0 },
  };
  await createRepositories(store.prisma).accounts.upsert({ id: account.id, displayName: account.name, role: account.role, storeId: null, timeZone: account.timeZone });
  const channel = new RecordingChannel(deliveries);
  const engine = new Engine({
    clock: systemClock, channel, store: createEngineStore(store.prisma, { logger, driver: store, claimedBy: `chaos:${process.pid}` }),
    accounts: { list: () => [account], get: (id) => (id === account.id ? account : undefined) },
    random: Math.random, logger, rewards: createRewards(store.prisma, () => loaded.set),
  }, loaded.set);
  await engine.start();
  process.stdout.write(`started ${process.pid}\n`);
  for (let i = 0; i < contacts; i++) {
    await engine.handleEvent({ kind: 'friend.added', accountId: account.id, eventId: `friendship:chaos-${i}`, at: systemClock.now(), contact: { externalId: `wm-chaos-${i}`, name: `客户${i}` } });
  }
  for (;;) {
    await engine.tick();
    const next = await engine.nextDueAt();
    if (next === null) {
      const [done, open] = await Promise.all([
        store.prisma.flowRun.count({ where: { flowId: CHAOS_FLOW, status: 'done' } }),
        store.prisma.outboxEntry.count({ where: { status: { in: ['pending', 'sending'] } } }),
      ]);
      if (done >= contacts && open === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    const wait = next.getTime() - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 500)));
  }
  channel.close();
  await store.close();
  process.stdout.write('finished\n');
}

await main();
