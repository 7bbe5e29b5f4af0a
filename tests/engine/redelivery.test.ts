import { expect, it } from 'vitest';
import { engineWorld } from '../support/engine.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * Found by scripts/chaos: a process killed after it logged an inbound event but before it started the event's
 * runs lost those runs for good — the redelivered event (every restart re-announces, puppets resend) was
 * "already handled" and ignored. A redelivery now starts what the first delivery did not, and still nothing twice.
 */
const START = new Date('2026-12-05T02:00:00Z');
const WELCOME = `id: welcome
trigger: { on: friend.added }
steps:
  - say: "您好"
  - say: "欢迎"
`;

describeEachStore('a redelivered event after a crash', (ctx) => {
  it('starts the run the crash left unstarted, and a further redelivery starts nothing', async () => {
    const store = await ctx.freshStore();
    const w = await engineWorld(store, { files: { 'welcome.yaml': WELCOME }, start: START });
    const event = { kind: 'friend.added' as const, accountId: 'sh-guide-1', eventId: 'friendship:crash-1', contact: { externalId: 'wm-crash', name: '王芳' } };
    // The first delivery got as far as logging the event, then the process died.
    const contact = await w.deps.store.ensureContact('sh-guide-1', event.contact, START);
    expect(await w.deps.store.logInteraction({ at: START, direction: 'in', kind: 'friend.added', accountId: 'sh-guide-1', contactId: contact.id, roomId: null, body: {}, eventId: event.eventId })).toBe(true);

    const restarted = await w.restart();
    await restarted.event(event);
    await restarted.event(event);
    await restarted.runUntil(new Date(START.getTime() + 3_600_000));
    expect(await store.prisma.flowRun.count({ where: { flowId: 'welcome' } })).toBe(1);
    expect(restarted.texts().map((t) => t.text)).toEqual(['您好', '欢迎']);
    expect(await store.prisma.interaction.count({ where: { kind: 'friend.added' } })).toBe(1);
  });
});
