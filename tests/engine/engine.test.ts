import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { engineWorld, guideAccount } from '../support/engine.ts';
import { loadFiles } from '../support/playbooks.ts';

const JOURNEY = `id: journey
trigger: { on: friend.added }
stopWhen: { tagged: [已购买] }
steps:
  - say: "{{contact.name}}您好，欢迎来到{{store.name}}"
  - tag: [新客]
  - wait: 1d
    at: "10:00"
  - say: "第二天：{{contact.name}}，有空来店里看看"
  - wait: 3d
  - when: { notTagged: [已到店] }
    say: "周末新品试穿，要帮您留位吗？"
`;
const PRICE = `id: price
trigger: { on: message.keyword, keywords: [价格] }
steps:
  - say: "价格我马上发您"
`;
const friend = (id: string, name: string, eventId = `add-${id}`) =>
  ({ kind: 'friend.added' as const, accountId: 'sh-guide-1', eventId, contact: { externalId: id, name } });

describeEachStore('the engine', (ctx) => {
  it('runs a journey across days: waits, a local time of day, tags, and a condition', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T12:00:00Z') }); // 20:00 in Shanghai
    await world.event(friend('wx-amy', 'Amy'));
    await world.runUntil(new Date('2026-12-10T00:00:00Z'));
    expect(world.texts()).toEqual([
      { at: '2026-12-01T12:00:00.000Z', kind: 'say', to: 'wx-amy', text: 'Amy您好，欢迎来到上海南京西路店' },
      { at: '2026-12-01T12:00:00.000Z', kind: 'tag', to: 'wx-amy', text: '新客' },
      // 1 day after 20:00 is 20:00 on the 2nd; the next 10:00 after that is the 3rd, 10:00 local = 02:00Z.
      { at: '2026-12-03T02:00:00.000Z', kind: 'say', to: 'wx-amy', text: '第二天：Amy，有空来店里看看' },
      { at: '2026-12-06T02:00:00.000Z', kind: 'say', to: 'wx-amy', text: '周末新品试穿，要帮您留位吗？' },
    ]);
    const contact = await world.deps.store.ensureContact('sh-guide-1', { externalId: 'wx-amy' }, world.clock.now());
    expect(contact.tags).toEqual(['新客']);
  });

  it('defers a message that falls in quiet hours to the end of the window', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T15:00:00Z') }); // 23:00 local
    await world.event(friend('wx-bob', 'Bob'));
    await world.runUntil(new Date('2026-12-02T06:00:00Z'));
    const [welcome] = world.texts();
    expect(welcome).toMatchObject({ at: '2026-12-02T00:30:00.000Z', text: 'Bob您好，欢迎来到上海南京西路店' }); // 08:30 local
    const events = await world.prisma.outboxEvent.findMany({ where: { decision: 'deferred' } });
    expect(events.map((e) => e.reason)).toContain('quiet_hours');
  });

  it('skips the rest of a journey once its stopWhen holds, and the when-condition per step', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event(friend('wx-cat', 'Cat'));
    await world.runUntil(new Date('2026-12-02T00:00:00Z'));
    const contact = await world.deps.store.ensureContact('sh-guide-1', { externalId: 'wx-cat' }, world.clock.now());
    await world.deps.store.setTags(contact.id, ['已购买'], [], 'test', world.clock.now());
    await world.runUntil(new Date('2026-12-10T00:00:00Z'));
    expect(world.texts().map((t) => t.kind)).toEqual(['say', 'tag']);
    const run = await world.prisma.flowRun.findFirstOrThrow({ where: { subjectId: contact.id } });
    expect([run.status, run.stopReason]).toEqual(['stopped', 'stopWhen holds']);
  });

  it('never starts a second run for a redelivered event', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event(friend('wx-dan', 'Dan', 'evt-1'));
    await world.event(friend('wx-dan', 'Dan', 'evt-1'));
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(await world.prisma.flowRun.count({ where: { flowId: 'journey' } })).toBe(1);
    expect(world.texts().filter((t) => t.kind === 'say')).toHaveLength(1);
  });

  it('resumes after a restart on the same store: nothing twice, nothing lost', async () => {
    const store = await ctx.freshStore();
    const first = await engineWorld(store, { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T04:00:00Z') });
    await first.event(friend('wx-eve', 'Eve'));
    await first.runUntil(new Date('2026-12-02T12:00:00Z')); // between the first and the second message
    expect(first.texts()).toHaveLength(2);
    const second = await first.restart();
    await second.runUntil(new Date('2026-12-10T00:00:00Z'));
    expect(second.texts().map((t) => t.at)).toEqual([
      '2026-12-01T04:00:00.000Z', '2026-12-01T04:00:00.000Z', '2026-12-03T02:00:00.000Z', '2026-12-06T02:00:00.000Z',
    ]);
    expect(await first.prisma.outboxEntry.count({ where: { status: 'sent' } })).toBe(4);
  });

  it('turns a send interrupted by a crash into in-doubt and never resends it', async () => {
    const store = await ctx.freshStore();
    const world = await engineWorld(store, { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T04:00:00Z') });
    world.channel.failWith((action) => (action.kind === 'say' ? 'throw' : undefined));
    await world.event(friend('wx-fay', 'Fay'));
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    const doubtful = await world.prisma.outboxEntry.findMany({ where: { status: 'in_doubt' } });
    expect(doubtful.map((d) => d.kind)).toEqual(['say']);
    // A process killed after the channel delivered but before the row was settled leaves it `sending`: the next
    // start marks it in doubt and does not deliver it again.
    world.channel.failWith(undefined);
    await world.prisma.outboxEntry.updateMany({ where: { kind: 'tag' }, data: { status: 'sending' } });
    const restarted = await world.restart();
    await restarted.runUntil(new Date('2026-12-01T06:00:00Z'));
    expect((await world.prisma.outboxEntry.findMany({ where: { status: 'in_doubt' }, orderBy: { id: 'asc' } })).map((d) => d.kind)).toEqual(['say', 'tag']);
    expect(restarted.texts().map((t) => t.kind)).toEqual(['tag']);
  });

  it('honours an opt-out: one confirmation, no proactive message, replies still answered', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY, 'p.yaml': PRICE }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event(friend('wx-gus', 'Gus'));
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm1', contact: { externalId: 'wx-gus' }, text: ' td ' });
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm2', contact: { externalId: 'wx-gus' }, text: '退订' });
    await world.runUntil(new Date('2026-12-01T06:00:00Z'));
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm3', contact: { externalId: 'wx-gus' }, text: '请问价格' });
    await world.runUntil(new Date('2026-12-10T00:00:00Z'));
    expect(world.texts().filter((t) => t.kind === 'say').map((t) => t.text)).toEqual([
      'Gus您好，欢迎来到上海南京西路店',
      '已为您退订，之后不会再主动给您发消息。如需帮助，直接回复即可。',
      '价格我马上发您',
    ]);
    const skipped = await world.prisma.outboxEntry.findMany({ where: { status: 'skipped' } });
    expect(skipped.map((s) => s.skipReason)).toEqual(['opted_out', 'opted_out']);
  });

  it('defers a second proactive message to a customer on the same day to the next day', async () => {
    const cron = (id: string, hour: number) => `id: ${id}\ntrigger: { cron: "0 ${hour} * * *", audience: { contacts: { tagged: [VIP] } } }\nsteps: [{ say: "${id}" }]\n`;
    const world = await engineWorld(await ctx.freshStore(), { files: { 'a.yaml': cron('morning', 10), 'b.yaml': cron('noon', 12) }, start: new Date('2026-12-01T00:00:00Z') });
    const contact = await world.deps.store.ensureContact('sh-guide-1', { externalId: 'wx-vip', name: 'V' }, world.clock.now());
    await world.deps.store.setTags(contact.id, ['VIP'], [], 'test', world.clock.now());
    await world.runUntil(new Date('2026-12-02T01:00:00Z'));
    expect(world.texts().map((t) => [t.at, t.text])).toEqual([
      ['2026-12-01T02:00:00.000Z', 'morning'],
      ['2026-12-02T00:30:00.000Z', 'noon'], // capped on the 1st: deferred past midnight and the quiet hours, to 08:30
    ]);
    const reasons = (await world.prisma.outboxEvent.findMany({ where: { decision: 'deferred' }, orderBy: { id: 'asc' } })).map((e) => e.reason);
    expect(reasons).toEqual(['contact_day_cap']);
  });

  it('fires schedules in each account\'s time zone', async () => {
    const newYork = guideAccount({ id: 'ny-guide-1', storeId: 'ny-01', storeName: 'New York', timeZone: 'America/New_York' });
    const flow = 'id: weekly\ntrigger: { cron: "0 20 * * 1", audience: { contacts: { tagged: [VIP] } } }\nsteps: [{ say: "本周新品" }]\n';
    const world = await engineWorld(await ctx.freshStore(), { files: { 'w.yaml': flow }, accounts: [guideAccount(), newYork], start: new Date('2026-11-30T00:00:00Z') });
    for (const account of ['sh-guide-1', 'ny-guide-1']) {
      const c = await world.deps.store.ensureContact(account, { externalId: `vip-${account}` }, world.clock.now());
      await world.deps.store.setTags(c.id, ['VIP'], [], 'test', world.clock.now());
    }
    await world.runUntil(new Date('2026-12-01T02:00:00Z'));
    expect(world.texts().map((t) => [t.at, t.to])).toEqual([
      ['2026-11-30T12:00:00.000Z', 'vip-sh-guide-1'], // Monday 20:00 in Shanghai
      ['2026-12-01T01:00:00.000Z', 'vip-ny-guide-1'], // Monday 20:00 in New York (EST)
    ]);
  });

  it('runs a missed schedule once within its grace window after downtime, and skips it with catchUp: skip', async () => {
    const flow = (id: string, catchUp: string) => `id: ${id}\ntrigger: { cron: "0 10 * * *", catchUp: ${catchUp}, grace: 3h }\nsteps: [{ moment: { text: "${id}" }, mode: auto }]\n`;
    const store = await ctx.freshStore();
    const world = await engineWorld(store, { files: { 'o.yaml': flow('once', 'once'), 's.yaml': flow('skip', 'skip') }, start: new Date('2026-12-01T00:00:00Z') });
    // Down from 08:00 to 11:00 local (00:00Z to 03:00Z): the 10:00 occurrence is missed.
    world.clock.set(new Date('2026-12-01T03:00:00Z'));
    const restarted = await world.restart();
    await restarted.runUntil(new Date('2026-12-01T04:00:00Z'));
    expect(restarted.texts().map((t) => [t.at, t.text])).toEqual([['2026-12-01T03:00:00.000Z', 'once']]);
  });

  it('keeps in-flight runs on their version, or moves them with inFlightRuns: latest', async () => {
    for (const policy of ['keep', 'latest'] as const) {
      const files = (text: string) => ({ 'j.yaml': JOURNEY.replace('第二天：', text).replace('stopWhen:', `inFlightRuns: ${policy}\nstopWhen:`) });
      const world = await engineWorld(await ctx.freshStore(), { files: files('第二天：'), start: new Date('2026-12-01T04:00:00Z') });
      await world.event(friend('wx-hal', 'Hal'));
      await world.runUntil(new Date('2026-12-02T00:00:00Z'));
      await world.engine.updatePlaybooks(loadFiles(files('新版：')).set);
      await world.runUntil(new Date('2026-12-04T00:00:00Z'));
      expect(world.texts()[2]!.text).toBe(policy === 'keep' ? '第二天：Hal，有空来店里看看' : '新版：Hal，有空来店里看看');
    }
  });

  it('stops the runs of a flow removed from the playbooks, with a reason', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'j.yaml': JOURNEY }, start: new Date('2026-12-01T04:00:00Z') });
    await world.event(friend('wx-ivy', 'Ivy'));
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    await world.engine.updatePlaybooks(loadFiles({ 'p.yaml': PRICE }).set);
    const run = await world.prisma.flowRun.findFirstOrThrow({ where: { flowId: 'journey' } });
    expect([run.status, run.stopReason]).toEqual(['stopped', 'the flow was removed from the playbooks']);
    await world.runUntil(new Date('2026-12-10T00:00:00Z'));
    expect(world.texts()).toHaveLength(2);
  });

  it('backs the whole account off when throttled, then sends', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: { 'p.yaml': PRICE }, start: new Date('2026-12-01T04:00:00Z') });
    world.channel.failWith((_action, attempt) => (attempt === 1 ? { ok: false, throttled: true, retryable: true, message: 'frequency limit' } : undefined));
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm1', contact: { externalId: 'wx-jo' }, text: '价格' });
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(world.texts().map((t) => t.at)).toEqual(['2026-12-01T04:10:00.000Z']);
    const account = await world.prisma.account.findUniqueOrThrow({ where: { id: 'sh-guide-1' } });
    expect(account.backoffReason).toBe('frequency limit');
  });

  it('resolves a room inviter among the staff: invitedBy koc for a KOC, staff for staff outside the program, customer otherwise', async () => {
    const CLUB = `id: club
trigger: { on: room.joined, room: { topic: "车友会*" } }
steps:
  - when: { invitedBy: koc }
    roomSay: "感谢KOC {{inviter.name}}（{{inviter.tier}}）邀请 {{member.name}}"
  - when: { invitedBy: staff }
    roomSay: "同事 {{inviter.name}} 邀请了 {{member.name}}"
  - when: { invitedBy: customer }
    roomSay: "老朋友邀请了 {{member.name}}"
  - when: { invitedBy: anyone }
    awardPoints: { to: inviter, amount: 5, reason: 邀请入群 }
`;
    const world = await engineWorld(await ctx.freshStore(), { files: { 'c.yaml': CLUB }, start: new Date('2026-12-01T04:00:00Z') });
    const koc = await world.prisma.staff.create({ data: { wecomUserId: 'u-koc', name: '员工小李', role: 'ambassador' } });
    await world.prisma.kocProfile.create({ data: { staffId: koc.id, tier: 'core', pointsBalance: 100 } });
    await world.prisma.staff.create({ data: { wecomUserId: 'u-staff', name: '店长', role: 'guide' } }); // not in the KOC program
    const gone = await world.prisma.staff.create({ data: { wecomUserId: 'u-gone', name: '离职KOC', role: 'ambassador', leftAt: new Date('2026-11-01T00:00:00Z') } });
    await world.prisma.kocProfile.create({ data: { staffId: gone.id, tier: 'core' } });
    const room = { externalId: 'club-1@chatroom', topic: '车友会·上海' };
    const join = (n: number, inviter?: { externalId: string; name?: string }) => world.event({
      kind: 'room.joined', accountId: 'sh-guide-1', eventId: `join-${n}`, room, member: { externalId: `wm-${n}`, name: `新人${n}` }, ...(inviter ? { inviter } : {}),
    });
    await join(1, { externalId: 'u-koc' }); // the channel may not know the inviter's name: the staff record does
    await join(2, { externalId: 'u-staff', name: '王店长' });
    await join(3, { externalId: 'wm-000042', name: '老客户' });
    await join(4, { externalId: 'u-gone', name: '离职KOC' }); // has left: no longer counted as staff
    await join(5); // joined by QR code: nobody invited them
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(world.texts().map((t) => t.text)).toEqual([
      '感谢KOC 员工小李（core）邀请 新人1',
      '同事 王店长 邀请了 新人2',
      '老朋友邀请了 新人3',
      '老朋友邀请了 新人4',
    ]);
    const runs = await world.prisma.flowRun.findMany({ where: { flowId: 'club' }, orderBy: { occurrenceKey: 'asc' } });
    expect(runs.map((r) => (r.state as { vars: { inviter: unknown } }).vars.inviter)).toEqual([
      { name: '员工小李', externalId: 'u-koc', isStaff: true, isKoc: true, tier: 'core' },
      { name: '王店长', externalId: 'u-staff', isStaff: true, isKoc: false, tier: '' },
      { name: '老客户', externalId: 'wm-000042', isStaff: false, isKoc: false, tier: '' },
      { name: '离职KOC', externalId: 'u-gone', isStaff: false, isKoc: false, tier: '' },
      null,
    ]);
    // The KOC is credited for the invitation, once.
    expect((await world.prisma.kocProfile.findUniqueOrThrow({ where: { staffId: koc.id } })).pointsBalance).toBe(105);
  });

  it('sees its own tag steps in later conditions and templates without reading the contact again', async () => {
    const TAGS = `id: tags
trigger: { on: friend.added }
stopWhen: { tagged: [黑名单] }
steps:
  - tag: [新客, 试驾, 待回访]
  - untag: [待回访, 不存在]
  - when: { tagged: [新客, 试驾], notTagged: [待回访] }
    say: "标签：{{#each contact.tags}}{{this}} {{/each}}"
  - when: { taggedAny: [待回访] }
    say: "不应发送"
  - tag: [黑名单]
  - say: "stopWhen 已生效，不应发送"
`;
    const world = await engineWorld(await ctx.freshStore(), { files: { 't.yaml': TAGS }, start: new Date('2026-12-01T04:00:00Z') });
    const store = world.deps.store;
    let reads = 0;
    world.deps.store = { ...store, getContact: (id) => { reads++; return store.getContact(id); } };
    await world.event(friend('wx-kim', 'Kim'));
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(world.texts().filter((t) => t.kind === 'say').map((t) => t.text)).toEqual(['标签：新客 试驾']);
    expect(reads).toBe(1); // one advance, one read
    const run = await world.prisma.flowRun.findFirstOrThrow({ where: { flowId: 'tags' } });
    expect([run.status, run.stopReason]).toEqual(['stopped', 'stopWhen holds']);
    // The copy the run used is what the store has.
    expect((await store.ensureContact('sh-guide-1', { externalId: 'wx-kim' }, world.clock.now())).tags).toEqual(['新客', '试驾', '黑名单'].sort());
  });

  it('costs one query for the next due instant and four for a tick that only sends', async () => {
    // No jitter: a deferred send is not deferred again by a fresh draw when its gap ends.
    const world = await engineWorld(await ctx.freshStore(), { files: { 'p.yaml': PRICE }, accounts: [guideAccount({}, { jitterSeconds: 0 })], start: new Date('2026-12-01T04:00:00Z') });
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm1', contact: { externalId: 'wx-lu' }, text: '价格' });
    await world.event({ kind: 'message', accountId: 'sh-guide-1', eventId: 'm2', contact: { externalId: 'wx-mo' }, text: '价格' });
    const calls: string[] = [];
    const store = world.deps.store;
    world.deps.store = new Proxy(store, {
      get(target, name: keyof typeof store) {
        const method = target[name];
        return (...args: unknown[]) => {
          calls.push(name);
          return (method as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await world.runUntil(new Date('2026-12-01T05:00:00Z'));
    expect(world.texts().map((t) => [t.to, t.text])).toEqual([['wx-lu', '价格我马上发您'], ['wx-mo', '价格我马上发您']]);
    const tick = ['nextDueAt', 'dueWork', 'pacingSnapshot', 'claim', 'settleMany'];
    // The first sends to wx-lu and defers wx-mo for the gap between two sends; the second sends to wx-mo.
    expect(calls).toEqual([...tick, ...tick, 'nextDueAt']);
  });

  it('falls back to a task card for the guide when the puppet cannot post Moments', async () => {
    const flow = 'id: moments\ntrigger: { cron: "0 20 * * 1" }\nsteps:\n  - moment: { text: "春日上新", images: [a.png] }\n    mode: auto\n';
    const world = await engineWorld(await ctx.freshStore(), { files: { 'm.yaml': flow }, assets: { 'a.png': 'png' }, unsupported: ['moment'], start: new Date('2026-11-30T00:00:00Z') });
    await world.runUntil(new Date('2026-11-30T13:00:00Z'));
    const [card] = world.channel.delivered;
    expect(card!.action).toMatchObject({ kind: 'staffNote', staffExternalId: 'guide-1', images: ['a.png'] });
    expect(card!.action.kind === 'staffNote' && card!.action.text).toMatch(/^【任务 #\d+】请发朋友圈\n春日上新\n完成后回复 \/done \d+$/);
  });
});
