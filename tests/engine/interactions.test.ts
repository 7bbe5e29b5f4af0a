import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { engineWorld } from '../support/engine.ts';

const FLOW = `id: welcome
trigger: { on: friend.added }
steps:
  - say: "您好"
  - tag: [新客]
`;

describeEachStore('the interaction log', (ctx) => {
  it('has one row per inbound event and per send, linked to the run and the outbox row', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'w.yaml': FLOW }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event({ kind: 'friend.added', accountId: 'sh-guide-1', eventId: 'e1', contact: { externalId: 'wx-kim', name: 'Kim' }, hello: '朋友推荐 Q123' });
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'e2', contact: { externalId: 'wx-kim' }, text: '你好' });
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    const rows = await world.prisma.interaction.findMany({ orderBy: { id: 'asc' } });
    const run = await world.prisma.flowRun.findFirstOrThrow({ where: { flowId: 'welcome' } });
    const sent = await world.prisma.outboxEntry.findMany({ where: { status: 'sent' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.direction, r.kind, r.body])).toEqual([
      ['in', 'friend.added', { eventId: 'e1', hello: '朋友推荐 Q123' }],
      ['in', 'message', { eventId: 'e2', text: '你好' }],
      ['out', 'say', { mode: 'auto' }],
      ['out', 'tag', { mode: 'auto' }],
    ]);
    expect(rows.slice(2).map((r) => [r.runId, r.flowId, r.outboxId])).toEqual(sent.map((s) => [run.id, 'welcome', s.id]));
    expect(new Set(rows.map((r) => r.contactId)).size).toBe(1);
  });
});

describeEachStore('tags set in WeCom', (ctx) => {
  it('are mirrored in the store, so conditions see them', async () => {
    const flow = 'id: vip\ntrigger: { on: tag.added, tag: VIP }\nsteps:\n  - when: { tagged: [VIP] }\n    say: "恭喜成为 VIP"\n';
    const world = await engineWorld(await ctx.freshStore(), { files: { 'v.yaml': flow }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event({ kind: 'tag.added', accountId: 'sh-guide-1', eventId: 't1', contact: { externalId: 'wx-lee' }, tag: 'VIP' });
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(world.texts().map((t) => t.text)).toEqual(['恭喜成为 VIP']);
    await world.event({ kind: 'tag.removed', accountId: 'sh-guide-1', eventId: 't2', contact: { externalId: 'wx-lee' }, tag: 'VIP' });
    const contact = await world.deps.store.ensureContact('sh-guide-1', { externalId: 'wx-lee' }, world.clock.now());
    expect(contact.tags).toEqual([]);
  });
});
