import { afterEach, expect, it } from 'vitest';
import { runtimeWorld, type RuntimeWorld } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/** A staff command the puppet delivers twice (same message id) runs once. */
const START = new Date('2026-12-05T02:00:00Z');
const worlds: RuntimeWorld[] = [];
afterEach(async () => {
  while (worlds.length > 0) await worlds.pop()!.stop();
});

describeEachStore('a redelivered staff command', (ctx) => {
  it('runs once: one feedback row, one answer', async () => {
    const store = await ctx.freshStore();
    await store.prisma.staff.create({ data: { wecomUserId: 'staff-lin', name: '林导购', role: 'guide' } });
    const w = await runtimeWorld(store, { files: { 'noop.yaml': 'id: noop\ntrigger: { on: friend.added }\nsteps:\n  - say: "hi"\n' }, start: START });
    worlds.push(w);
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    lin.say('/feedback 门店缺货');
    await w.waitForHandled(1);
    const { puppet, mocker } = w.mocks();
    const [messageId] = [...mocker.cacheMessagePayload.entries()].filter(([, m]) => m.text === '/feedback 门店缺货').map(([id]) => id);
    puppet.emit('message', { messageId: messageId! });
    await w.waitForHandled(2);
    await w.runUntil(new Date(START.getTime() + 60_000));
    expect(lin.received, lin.received.join(' / ')).toHaveLength(1);
    expect(lin.received[0]).toContain('反馈');
    expect(await store.prisma.feedback.count()).toBe(1);
  });
}, { kinds: ['embedded'] });
