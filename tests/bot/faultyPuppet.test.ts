import { afterEach, expect, it } from 'vitest';
import type { CreatedPuppet } from '../../src/bot/puppet/createPuppet.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { chaosFlow } from '../../scripts/chaos/flow.ts';
import { guideAccount } from '../support/engine.ts';
import { runtimeWorld, type RuntimeWorld } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * A faulty puppet under the real fleet, engine and store: its sends throw (before or after the message went out),
 * hang for a while, or are silently dropped, and the account logs out and back in at random. What must hold: no
 * customer receives a message twice; a send the puppet confirmed is `sent`; one whose call threw is in doubt and
 * never resent; while the bot is offline its sends wait, and they resume when it is back: every run finishes.
 */
const START = new Date('2026-12-05T02:00:00Z');
const CUSTOMERS = 12;
const STEPS = 8;

const worlds: RuntimeWorld[] = [];
afterEach(async () => {
  while (worlds.length > 0) await worlds.pop()!.stop();
});

describeEachStore('a faulty puppet', (ctx) => {
  it('throws, hangs, drops and disconnects: nothing twice, sends resume, every run done', async () => {
    const store = await ctx.freshStore();
    const random = seededRandom(42);
    const faults = { threwBefore: 0, threwAfter: 0, delayed: 0, dropped: 0, disconnects: 0 };
    const profile = guideAccount({}, { perContactPerDay: 50, perContactPerMonth: 500, quietHours: null, minGapSeconds: 1, jitterSeconds: 0, maxPerMinute: 600, maxPerHour: 10_000, maxPerDay: 100_000 });
    let created: CreatedPuppet | undefined;
    const w = await runtimeWorld(store, {
      files: { 'storm.yaml': chaosFlow(STEPS) }, start: START,
      accounts: [{ profile }],
      onPuppet: (_accountId, puppet) => {
        const mock = puppet.mockPuppet!;
        const send = mock.messageSendText.bind(mock);
        mock.messageSendText = async (conversationId: string, text: string, mentions?: string[]) => {
          // Staff notes and the like pass; the storm's sends to customers meet the faults.
          if (!text.startsWith('s0')) return send(conversationId, text, mentions);
          const r = random();
          if (r < 0.08) { faults.threwBefore++; throw new Error('puppet: connection reset before sending'); }
          if (r < 0.14) { faults.threwAfter++; await send(conversationId, text, mentions); throw new Error('puppet: timeout after sending'); }
          if (r < 0.22) { faults.delayed++; for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve)); }
          if (r < 0.26) { faults.dropped++; return `dropped-${Math.floor(random() * 1e9)}`; }
          return send(conversationId, text, mentions);
        };
        created = puppet;
      },
    });
    worlds.push(w);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => w.customer(`客户${i}`));
    for (const [i, customer] of customers.entries()) {
      w.mocks().puppet.receiveFriendship(customer.contact, '你好');
      await w.waitForHandled(i + 1);
    }
    // Time moves in 2-minute slices; now and then the account logs out and comes back some slices later.
    let offlineFor = 0;
    for (let minute = 2; minute <= 24 * 60; minute += 2) {
      const puppet = created!.mockPuppet!;
      if (offlineFor === 0 && random() < 0.05) {
        faults.disconnects++;
        puppet.emit('logout', { contactId: `bot-${profile.id}`, data: 'network down' });
        offlineFor = 1 + Math.floor(random() * 3);
      } else if (offlineFor > 0 && --offlineFor === 0) {
        puppet.emit('login', { contactId: `bot-${profile.id}` });
      }
      await w.runUntil(new Date(START.getTime() + minute * 60_000));
      if (offlineFor === 0 && minute > 120 && (await store.prisma.outboxEntry.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0) break;
    }
    if (offlineFor > 0) created!.mockPuppet!.emit('login', { contactId: `bot-${profile.id}` });
    await w.runUntil(new Date(START.getTime() + 25 * 3_600_000));

    const rows = await store.prisma.outboxEntry.findMany({ where: { flowId: 'chaos-storm' }, select: { status: true, contactId: true, payload: true } });
    const statuses = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(rows.length).toBe(CUSTOMERS * STEPS);
    expect(Object.keys(statuses).filter((s) => s !== 'sent' && s !== 'in_doubt')).toEqual([]);
    // Nothing twice.
    for (const customer of customers) expect(customer.received.length).toBe(new Set(customer.received).size);
    const received = customers.reduce((n, c) => n + c.received.length, 0);
    // Every confirmed send arrived except the silently dropped; every in-doubt one arrived at most once.
    expect(received).toBe((statuses.sent ?? 0) - faults.dropped + faults.threwAfter);
    expect(statuses.in_doubt ?? 0).toBe(faults.threwBefore + faults.threwAfter);
    expect(await store.prisma.flowRun.count({ where: { flowId: 'chaos-storm', status: 'done' } })).toBe(CUSTOMERS);
    expect(faults.disconnects).toBeGreaterThan(0);
    expect(faults.threwBefore + faults.threwAfter + faults.delayed + faults.dropped).toBeGreaterThan(5);
    console.log(`faulty puppet [${ctx.kind}]: ${rows.length} sends ${JSON.stringify(statuses)}, faults ${JSON.stringify(faults)}, ${received} received`);
  }, 120_000);
}, { kinds: ['embedded'] });
