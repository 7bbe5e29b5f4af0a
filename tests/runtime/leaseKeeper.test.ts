/**
 * The lease keeper's decisions (src/runtime/leaseKeeper.ts) on a fake lease store: a fair share, the excess given
 * back when a process joins, a lease lost to another process stops its bot, and no dispatch once renewals have failed
 * for longer than the lease could still be valid. The statements themselves: tests/store/leases.test.ts.
 */
import { Mutex } from 'async-mutex';
import { describe, expect, it } from 'vitest';
import { LeaseKeeper } from '../../src/runtime/leaseKeeper.ts';
import type { LeaseStore } from '../../src/store/cluster/leases.ts';
import { silentLogger } from '../../src/shared/logger.ts';

/** Leases in memory, by a clock the test moves. */
function fakeLeases(clock: { now: number }) {
  const leases = new Map<string, { owner: string; expires: number }>();
  const beats = new Map<string, number>();
  let failing = false;
  const check = () => { if (failing) throw new Error('database unreachable'); };
  const store: LeaseStore = {
    async heartbeat(id, _role, ttl) { check(); beats.set(id, clock.now + ttl); },
    async liveBotProcesses() { check(); return [...beats.values()].filter((e) => e > clock.now).length; },
    async renew(id, accounts, ttl) {
      check();
      return accounts.filter((a) => leases.get(a)?.owner === id).map((a) => { leases.set(a, { owner: id, expires: clock.now + ttl }); return a; });
    },
    async acquire(id, candidates, limit, ttl) {
      check();
      const won = candidates.filter((a) => { const l = leases.get(a); return !l || l.expires <= clock.now; }).sort().slice(0, limit);
      for (const a of won) leases.set(a, { owner: id, expires: clock.now + ttl });
      return won;
    },
    async release(id, accounts) { for (const a of accounts) if (leases.get(a)?.owner === id) leases.delete(a); },
    async forget(id) { beats.delete(id); },
    async list() { return []; },
  };
  return { store, leases, beats, fail: (on: boolean) => { failing = on; } };
}

const ACCOUNTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

function keeper(id: string, store: LeaseStore, clock: { now: number }, log: string[]) {
  return new LeaseKeeper({
    leases: store, processId: id, role: 'all', accounts: ACCOUNTS, ttlMs: 20_000, renewEveryMs: 5_000, mutex: new Mutex(), logger: silentLogger(),
    now: () => clock.now, timers: { setTimeout: () => 0, clearTimeout: () => {} },
    onTakenOver: async (ids) => { log.push(`${id} took over ${ids.join(',')}`); },
    onGained: async (ids) => { log.push(`${id} started ${ids.join(',')}`); },
    onLost: async (ids) => { log.push(`${id} stopped ${ids.join(',')}`); },
  });
}

describe('LeaseKeeper', () => {
  it('takes a fair share, gives back the excess when another process joins, and takes over a dead one\'s accounts', async () => {
    const clock = { now: 0 };
    const fake = fakeLeases(clock);
    const log: string[] = [];
    const p1 = keeper('p1', fake.store, clock, log);
    await p1.start();
    expect(p1.owned()).toEqual(ACCOUNTS); // alone: everything
    const p2 = keeper('p2', fake.store, clock, log);
    await p2.start();
    expect(p2.owned()).toEqual([]); // all held
    clock.now += 5_000;
    await p1.cycle(); // two live processes: share 3, the last three given back
    expect(p1.owned()).toEqual(['a1', 'a2', 'a3']);
    expect(log).toContain('p1 stopped a4,a5,a6');
    await p2.cycle();
    expect(p2.owned()).toEqual(['a4', 'a5', 'a6']);
    // p1 dies: no more renewals. p2 takes its accounts once its heartbeat and leases have expired.
    clock.now += 10_000;
    await p2.cycle();
    expect(p2.owned()).toEqual(['a4', 'a5', 'a6']);
    clock.now += 11_000; // 21 s after p1's last renewal
    await p2.cycle();
    expect(p2.owned()).toEqual(ACCOUNTS);
    expect(log.at(-2)).toBe('p2 took over a1,a2,a3'); // in doubt first, then the bots start
    expect(log.at(-1)).toBe('p2 started a1,a2,a3');
  });

  it('a lease lost to another process stops its bot here', async () => {
    const clock = { now: 0 };
    const fake = fakeLeases(clock);
    const log: string[] = [];
    const p1 = keeper('p1', fake.store, clock, log);
    await p1.start();
    fake.leases.set('a2', { owner: 'p9', expires: 99_999 }); // p1 stalled past its lease and p9 took a2
    await p1.cycle();
    expect(p1.owned()).not.toContain('a2');
    expect(log).toContain('p1 stopped a2');
  });

  it('stops dispatching by itself when renewals fail for longer than the lease minus one renewal period', async () => {
    const clock = { now: 0 };
    const fake = fakeLeases(clock);
    const p1 = keeper('p1', fake.store, clock, []);
    await p1.start();
    fake.fail(true);
    clock.now += 10_000;
    await p1.cycle(); // fails (logged), the leases still valid in the database for 10 s more
    expect(p1.owned()).toEqual(ACCOUNTS);
    clock.now += 5_001; // 15 s since the last renewal: TTL 20 s − 5 s
    expect(p1.owned()).toEqual([]);
    fake.fail(false);
    await p1.cycle();
    expect(p1.owned()).toEqual(ACCOUNTS);
  });

  it('a clean stop stops the bots, releases the leases and the heartbeat', async () => {
    const clock = { now: 0 };
    const fake = fakeLeases(clock);
    const log: string[] = [];
    const p1 = keeper('p1', fake.store, clock, log);
    await p1.start();
    await p1.stop();
    expect(log.at(-1)).toBe(`p1 stopped ${ACCOUNTS.join(',')}`);
    expect(fake.leases.size).toBe(0);
    expect(fake.beats.size).toBe(0);
    expect(p1.owned()).toEqual([]);
  });
});
