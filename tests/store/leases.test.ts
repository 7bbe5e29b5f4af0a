/**
 * Account leases and the engine store's scope (several processes on PostgreSQL; docs/scaling.md), statement by
 * statement: who may take a lease, what a process may dispatch and claim, and which rows become in_doubt when an
 * account is taken over.
 */
import { expect, it } from 'vitest';
import type { NewOutboxEntry } from '../../src/engine/ports.ts';
import { createClusterStore } from '../../src/store/cluster/index.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('account leases and the dispatch scope', (ctx) => {
  const setup = async () => {
    const store = await ctx.freshStore();
    if (store.kind !== 'postgres') throw new Error('postgres only');
    for (const id of ['la', 'lb', 'lc']) await store.prisma.account.create({ data: { id, displayName: id, role: 'guide', timeZone: 'Asia/Shanghai' } });
    const cluster = createClusterStore(store.pool);
    const expire = (account: string) => store.pool.query(`UPDATE account_leases SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [account]);
    return { store, cluster, expire };
  };
  const entry = (accountId: string, key: string, at: Date): NewOutboxEntry => ({
    idempotencyKey: key, accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: false, contactId: null, roomId: null, dueAt: at,
    action: { kind: 'staffNote', accountId, staffExternalId: 'boss', text: key },
  });

  it('a lease is taken once; an expired one is taken over with one conditional statement; the owner renews and releases', async () => {
    const { cluster, expire } = await setup();
    const { leases } = cluster;
    expect(await leases.acquire('p1', ['la', 'lb'], 5, 20_000)).toEqual(['la', 'lb']);
    // Held: nobody else gets them, whatever limit it asks for.
    expect(await leases.acquire('p2', ['la', 'lb', 'lc'], 5, 20_000)).toEqual(['lc']);
    // Concurrent takers of one free account: exactly one wins.
    await leases.release('p2', ['lc']);
    const race = await Promise.all(['p3', 'p4', 'p5'].map((p) => leases.acquire(p, ['lc'], 1, 20_000)));
    expect(race.flat()).toEqual(['lc']);
    // Expired by the database's clock: taken over; the old owner's renewal then finds nothing.
    await expire('la');
    expect(await leases.acquire('p2', ['la'], 1, 20_000)).toEqual(['la']);
    expect(await leases.renew('p1', ['la', 'lb'], 20_000)).toEqual(['lb']);
    // An expired lease nobody took is still the owner's to renew (ownership never overlapped).
    await expire('lb');
    expect(await leases.renew('p1', ['lb'], 20_000)).toEqual(['lb']);
    await leases.release('p1', ['lb']);
    expect((await leases.list()).map((l) => [l.accountId, l.ownerId])).toEqual([['la', 'p2'], ['lc', ['p3', 'p4', 'p5'][race.findIndex((r) => r.length > 0)]]]);
  });

  it('heartbeats count the live bot processes; a forgotten or expired one does not count', async () => {
    const { store, cluster } = await setup();
    await cluster.leases.heartbeat('p1', 'all', 20_000);
    await cluster.leases.heartbeat('p2', 'bots', 20_000);
    await cluster.leases.heartbeat('p3', 'worker', 20_000);
    expect(await cluster.leases.liveBotProcesses()).toBe(2);
    await store.pool.query(`UPDATE process_heartbeats SET expires_at = now() - interval '1 second' WHERE id = 'p2'`);
    expect(await cluster.leases.liveBotProcesses()).toBe(1);
    await cluster.leases.forget('p1');
    expect(await cluster.leases.liveBotProcesses()).toBe(0);
  });

  it('a scoped store reads and claims only the sends of accounts whose lease it holds now', async () => {
    const { store, cluster, expire } = await setup();
    await cluster.leases.acquire('p1', ['la'], 1, 20_000);
    await cluster.leases.acquire('p2', ['lb'], 1, 20_000);
    const at = new Date();
    const plain = createEngineStore(store.prisma, { driver: store });
    await plain.enqueue([entry('la', 'k-a1', at), entry('la', 'k-a2', at), entry('lb', 'k-b1', at), entry('lc', 'k-c1', at)], at);
    let owned = ['la'];
    const p1 = createEngineStore(store.prisma, { driver: store, claimedBy: 'p1', scope: { ownerId: 'p1', ownedAccounts: () => owned, scheduled: false } });
    const due = await p1.dueForDispatch(at, 10);
    expect(due.map((e) => e.idempotencyKey)).toEqual(['k-a1', 'k-a2']);
    expect((await p1.dueWork(at, { runs: 10, outbox: 10 }, at)).outbox.map((e) => e.idempotencyKey)).toEqual(['k-a1', 'k-a2']);
    // nextDueAt sees only its accounts' sends (and no runs or schedules: not a worker).
    expect(await p1.nextDueAt(at, 1000)).toEqual(due[0]!.dueAt);
    // Even a row of another account read some other way cannot be claimed: the lease is checked in the statement.
    const all = await plain.dueForDispatch(at, 10);
    const ids = all.map((e) => e.id);
    expect((await p1.claim(ids, at)).map(String)).toEqual([String(due[0]!.id), String(due[1]!.id)]);
    // A process whose lease expired claims nothing more, whatever it believes it owns.
    await plain.settle(due[0]!.id, { decision: 'retry', until: at, reason: 'test' }, at);
    await expire('la');
    expect(await p1.claim([due[0]!.id], at)).toEqual([]);
    owned = [];
    expect(await p1.dueForDispatch(at, 10)).toEqual([]);
  });

  it('a takeover puts in doubt only the rows another process had in flight on the accounts taken over', async () => {
    const { store, cluster, expire } = await setup();
    await cluster.leases.acquire('p1', ['la'], 1, 20_000);
    await cluster.leases.acquire('p2', ['lb'], 1, 20_000);
    const at = new Date();
    const plain = createEngineStore(store.prisma, { driver: store });
    await plain.enqueue([entry('la', 't-a1', at), entry('la', 't-a2', at), entry('lb', 't-b1', at)], at);
    const scoped = (p: string, accounts: string[]) => createEngineStore(store.prisma, { driver: store, claimedBy: p, scope: { ownerId: p, ownedAccounts: () => accounts, scheduled: false } });
    const rows = await plain.dueForDispatch(at, 10);
    const byKey = new Map(rows.map((r) => [r.idempotencyKey, r.id]));
    await scoped('p1', ['la']).claim([byKey.get('t-a1')!], at); // p1 has t-a1 in flight
    await scoped('p2', ['lb']).claim([byKey.get('t-b1')!], at); // p2, alive, has t-b1 in flight
    // p1 stops renewing; p3 takes `la` over.
    await expire('la');
    expect(await cluster.leases.acquire('p3', ['la'], 1, 20_000)).toEqual(['la']);
    // Engine.start in a scoped process touches nothing (it holds nothing yet) …
    expect(await scoped('p3', []).markInterruptedInDoubt(at)).toBe(0);
    // … the takeover does: p1's row on `la`, not p2's on `lb`, not the pending one.
    expect(await cluster.markTakenOverInDoubt('p3', ['la'], at)).toBe(1);
    const status = async (key: string) => (await store.prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: key } })).status;
    expect([await status('t-a1'), await status('t-a2'), await status('t-b1')]).toEqual(['in_doubt', 'pending', 'sending']);
    const event = await store.prisma.outboxEvent.findFirstOrThrow({ where: { outboxId: byKey.get('t-a1')!, decision: 'in_doubt' } });
    expect(event).toMatchObject({ reason: 'taken_over', details: { claimedBy: 'p1' } });
    // p1's late outcome is ignored: the row stays in doubt for ops.
    await plain.settle(byKey.get('t-a1')!, { decision: 'sent' }, at);
    expect(await status('t-a1')).toBe('in_doubt');
  });
}, { kinds: ['postgres'] });
