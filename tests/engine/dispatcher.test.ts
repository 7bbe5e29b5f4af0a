/**
 * The dispatcher on both stores, one batch at a time (dispatchDue called directly): which rows a batch with a mix of
 * sends, deferrals and skips leaves, with which events; a throttle in the middle of a wave; a claim lost to another
 * dispatcher; and how many store calls a batch costs.
 */
import { expect, it } from 'vitest';
import type { OutboundAction } from '../../src/domain/channel.ts';
import { dispatchDue } from '../../src/engine/dispatcher.ts';
import type { EngineStore, NewOutboxEntry } from '../../src/engine/ports.ts';
import { createRepositories } from '../../src/store/repositories/index.ts';
import { engineWorld, guideAccount, type EngineWorld } from '../support/engine.ts';
import { loadFiles } from '../support/playbooks.ts';
import { describeEachStore } from '../support/stores.ts';

const FILES = { 'p.yaml': 'id: price\ntrigger: { on: message.keyword, keywords: [价格] }\nsteps:\n  - say: "价格我马上发您"\n' };
const SET = loadFiles(FILES).set;
/** 12:00 in Shanghai; 23:00 the day before in New York (inside its quiet hours, 21:30–08:30). */
const NOW = new Date('2026-12-01T04:00:00.000Z');
const SECOND = 1_000;
const MINUTE = 60_000;
/** No gap between sends, no caps in the way: several sends of one account go in one wave. */
const OPEN = { minGapSeconds: 0, jitterSeconds: 0, perContactPerDay: 50, perContactPerMonth: 500, maxPerMinute: 600 };

let keys = 0;
/** Contact id → external id, for the actions' recipients. */
const externalIds = new Map<string, string>();
function send(accountId: string, contactId: string | null, text: string, overrides: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  const action: OutboundAction = { kind: 'say', accountId, contactExternalId: externalIds.get(contactId ?? '') ?? 'ext-none', content: { text } };
  return {
    idempotencyKey: `k-${++keys}`, accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: true,
    contactId, roomId: null, action, dueAt: NOW, ...overrides,
  };
}

function tag(accountId: string, contactId: string, tags: string[]): NewOutboxEntry {
  return send(accountId, contactId, '', { action: { kind: 'tag', accountId, contactExternalId: externalIds.get(contactId)!, tags } });
}

async function contacts(world: EngineWorld, accountId: string, names: string[]): Promise<string[]> {
  const ids = [];
  for (const name of names) {
    const contact = await world.deps.store.ensureContact(accountId, { externalId: `ext-${name}`, name }, NOW);
    externalIds.set(contact.id, contact.externalId);
    ids.push(contact.id);
  }
  return ids;
}

/** Each row by its text (or tags), in id order: status and the reasons and instants the batch wrote. */
async function rows(world: EngineWorld) {
  const all = await world.prisma.outboxEntry.findMany({ orderBy: { id: 'asc' }, include: { events: { orderBy: { id: 'asc' } } } });
  return all.map((row) => {
    const action = row.payload as unknown as OutboundAction;
    return {
      what: action.kind === 'say' ? action.content.text : action.kind === 'tag' ? `tag ${action.tags.join(',')}` : action.kind,
      status: row.status,
      attempts: row.attempts,
      dueAt: row.dueAt.toISOString(),
      reason: row.skipReason ?? row.deferredReason ?? row.lastError,
      events: row.events.map((e) => [e.decision, e.reason, e.details]),
    };
  });
}

describeEachStore('the dispatcher', (ctx) => {
  it('leaves exactly the right rows and events after a batch of sends, deferrals and skips', async () => {
    const noStaff = guideAccount({ id: 'sh-guide-2', storeId: 'sh-02', ownerStaffExternalId: null });
    const newYork = guideAccount({ id: 'ny-guide-1', storeId: 'ny-01', storeName: 'New York', timeZone: 'America/New_York' });
    const world = await engineWorld(await ctx.freshStore(), { files: FILES, accounts: [guideAccount(), noStaff, newYork], start: NOW });
    await createRepositories(world.prisma).accounts.upsert({ id: 'gone-1', displayName: '已停用', role: 'guide' }); // stored, not configured
    const [amy, ben, cat, dan, eve] = await contacts(world, 'sh-guide-1', ['amy', 'ben', 'cat', 'dan', 'eve']);
    const [ivy, joe] = await contacts(world, 'ny-guide-1', ['ivy', 'joe']);
    const [kim] = await contacts(world, 'sh-guide-2', ['kim']);
    await world.deps.store.setOptedOut(cat!, NOW);
    await world.deps.store.enqueue([
      send('sh-guide-1', amy!, 'amy 1'),
      send('sh-guide-1', amy!, 'amy 2'), // the contact's one proactive message a day is taken by "amy 1"
      tag('sh-guide-1', ben!, ['VIP']), // tags are not messages: no gap, no cap
      send('sh-guide-1', cat!, 'cat 1'), // opted out
      send('sh-guide-1', dan!, 'dan 1'), // "amy 1" went just now: the gap holds the account
      send('sh-guide-1', eve!, 'eve 1'), // held with the account
      send('sh-guide-1', amy!, 'amy reply', { proactive: false }), // held with the account too
      send('ny-guide-1', ivy!, 'ivy 1'), // 23:00 in New York
      tag('ny-guide-1', joe!, ['VIP']), // tags do not wait for quiet hours
      send('ny-guide-1', joe!, 'joe 1'), // held with the account
      send('sh-guide-2', kim!, 'kim 1', { mode: 'assist' }), // an assist card, but no staff member to send it to
      send('gone-1', null, 'ghost'),
    ], NOW);

    const stats = await dispatchDue(world.deps, SET, NOW);

    expect(stats).toEqual({ sent: 3, deferred: 6, skipped: 3, failed: 0, retried: 0 });
    expect(world.texts().map((t) => [t.kind, t.to, t.text])).toEqual([
      ['say', 'ext-amy', 'amy 1'],
      ['tag', 'ext-joe', 'VIP'],
      ['tag', 'ext-ben', 'VIP'],
    ]);
    const result = await rows(world);
    // The gap after "amy 1": 20 s plus a jitter of up to 30 s, the same instant for every entry it holds.
    const gapEnd = result[4]!.dueAt;
    expect(Date.parse(gapEnd) - NOW.getTime()).toBeGreaterThanOrEqual(20 * SECOND);
    expect(Date.parse(gapEnd) - NOW.getTime()).toBeLessThanOrEqual(50 * SECOND);
    const now = NOW.toISOString();
    const nextMorning = '2026-12-02T00:30:00.000Z'; // the next Shanghai day starts in quiet hours: 08:30 local
    const newYorkMorning = '2026-12-01T13:30:00.000Z'; // 08:30 in New York
    expect(result).toEqual([
      { what: 'amy 1', status: 'sent', attempts: 1, dueAt: now, reason: null, events: [['sent', null, { externalMessageId: 'fake-1' }]] },
      { what: 'amy 2', status: 'pending', attempts: 0, dueAt: nextMorning, reason: 'contact_day_cap', events: [['deferred', 'contact_day_cap', { until: nextMorning }]] },
      { what: 'tag VIP', status: 'sent', attempts: 1, dueAt: now, reason: null, events: [['sent', null, { externalMessageId: 'fake-3' }]] },
      { what: 'cat 1', status: 'skipped', attempts: 0, dueAt: now, reason: 'opted_out', events: [['skipped', 'opted_out', null]] },
      { what: 'dan 1', status: 'pending', attempts: 0, dueAt: gapEnd, reason: 'spacing', events: [['deferred', 'spacing', { until: gapEnd }]] },
      { what: 'eve 1', status: 'pending', attempts: 0, dueAt: gapEnd, reason: 'spacing', events: [['deferred', 'spacing', { until: gapEnd }]] },
      { what: 'amy reply', status: 'pending', attempts: 0, dueAt: gapEnd, reason: 'spacing', events: [['deferred', 'spacing', { until: gapEnd }]] },
      { what: 'ivy 1', status: 'pending', attempts: 0, dueAt: newYorkMorning, reason: 'quiet_hours', events: [['deferred', 'quiet_hours', { until: newYorkMorning }]] },
      { what: 'tag VIP', status: 'sent', attempts: 1, dueAt: now, reason: null, events: [['sent', null, { externalMessageId: 'fake-2' }]] },
      { what: 'joe 1', status: 'pending', attempts: 0, dueAt: newYorkMorning, reason: 'quiet_hours', events: [['deferred', 'quiet_hours', { until: newYorkMorning }]] },
      { what: 'kim 1', status: 'skipped', attempts: 0, dueAt: now, reason: 'assist_without_staff', events: [['skipped', 'assist_without_staff', null]] },
      { what: 'ghost', status: 'skipped', attempts: 0, dueAt: now, reason: 'account_unknown', events: [['skipped', 'account_unknown', null]] },
    ]);
    // One interaction row per send, linked to its outbox row and contact.
    const sent = await world.prisma.outboxEntry.findMany({ where: { status: 'sent' }, orderBy: { id: 'asc' } });
    const logged = await world.prisma.interaction.findMany({ where: { direction: 'out' }, orderBy: { outboxId: 'asc' } });
    expect(logged.map((r) => [r.outboxId, r.kind, r.contactId, r.accountId, r.body])).toEqual(
      sent.map((s) => [s.id, s.kind, s.contactId, s.accountId, { mode: 'auto' }]),
    );
    // Nothing is due any more at this instant.
    expect(await dispatchDue(world.deps, SET, NOW)).toEqual({ sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 });
  });

  it('after a throttle, performs none of the account\'s later sends in the wave: they are released to the back-off', async () => {
    const other = guideAccount({ id: 'sh-guide-2', storeId: 'sh-02' }, OPEN);
    const world = await engineWorld(await ctx.freshStore(), { files: FILES, accounts: [guideAccount({}, OPEN), other], start: NOW });
    const [amy, ben, cat] = await contacts(world, 'sh-guide-1', ['amy', 'ben', 'cat']);
    const [dan] = await contacts(world, 'sh-guide-2', ['dan']);
    await world.deps.store.enqueue([send('sh-guide-1', amy!, 'amy 1'), send('sh-guide-1', ben!, 'ben 1'), send('sh-guide-2', dan!, 'dan 1'), send('sh-guide-1', cat!, 'cat 1')], NOW);
    world.channel.failWith((action) =>
      action.kind === 'say' && action.content.text === 'amy 1' ? { ok: false, throttled: true, retryable: true, retryAfterMs: 5 * MINUTE, message: 'frequency limit' } : undefined);

    expect(await dispatchDue(world.deps, SET, NOW)).toEqual({ sent: 1, deferred: 2, skipped: 0, failed: 0, retried: 1 });
    expect(world.texts().map((t) => t.text)).toEqual(['dan 1']);
    const backoffEnd = new Date(NOW.getTime() + 5 * MINUTE).toISOString();
    const released = { status: 'pending', attempts: 0, dueAt: backoffEnd, reason: 'account_backoff', events: [['deferred', 'account_backoff', { until: backoffEnd, released: true }]] };
    expect(await rows(world)).toEqual([
      { what: 'amy 1', status: 'pending', attempts: 1, dueAt: backoffEnd, reason: 'frequency limit', events: [['retry', 'frequency limit', { until: backoffEnd }]] },
      { what: 'ben 1', ...released },
      { what: 'dan 1', status: 'sent', attempts: 1, dueAt: NOW.toISOString(), reason: null, events: [['sent', null, { externalMessageId: 'fake-1' }]] },
      { what: 'cat 1', ...released },
    ]);
    expect((await world.prisma.account.findUniqueOrThrow({ where: { id: 'sh-guide-1' } })).backoffUntil?.toISOString()).toBe(backoffEnd);

    // When the back-off ends, the three go in their order, each on its own attempt count.
    world.channel.failWith(undefined);
    world.clock.set(new Date(backoffEnd));
    expect(await dispatchDue(world.deps, SET, world.clock.now())).toMatchObject({ sent: 3 });
    expect(world.texts().map((t) => t.text)).toEqual(['dan 1', 'amy 1', 'ben 1', 'cat 1']);
    expect((await rows(world)).map((r) => [r.what, r.status, r.attempts])).toEqual([
      ['amy 1', 'sent', 2], ['ben 1', 'sent', 1], ['dan 1', 'sent', 1], ['cat 1', 'sent', 1],
    ]);
  });

  it('doubles the back-off while throttles repeat (at most 6 h); the first send that goes through ends the streak', async () => {
    const pacing = { ...OPEN, quietHours: null, maxAttempts: 20 }; // default throttleBackoffMinutes: 10
    const world = await engineWorld(await ctx.freshStore(), { files: FILES, accounts: [guideAccount({}, pacing)], start: NOW });
    const [amy, ben] = await contacts(world, 'sh-guide-1', ['amy', 'ben']);
    await world.deps.store.enqueue([send('sh-guide-1', amy!, 'amy 1')], NOW);
    let throttling = true;
    world.channel.failWith(() => (throttling ? { ok: false, throttled: true, retryable: true, message: 'frequency limit' } : undefined));
    const account = () => world.prisma.account.findUniqueOrThrow({ where: { id: 'sh-guide-1' } });
    /**
     * Dispatches when the entry is due again and the back-off is over (each call is a new batch: the streak comes
     * from the store) and returns the new back-off's length in minutes.
     */
    const throttledFor = async (): Promise<number> => {
      const due = await world.prisma.outboxEntry.findFirstOrThrow({ where: { status: 'pending' } });
      const next = Math.max(due.dueAt.getTime(), (await account()).backoffUntil?.getTime() ?? 0);
      if (next > world.clock.now().getTime()) world.clock.set(new Date(next));
      expect(await dispatchDue(world.deps, SET, world.clock.now())).toMatchObject({ sent: 0, retried: 1 });
      return ((await account()).backoffUntil!.getTime() - world.clock.now().getTime()) / MINUTE;
    };
    const lengths = [];
    for (let i = 0; i < 7; i++) lengths.push(await throttledFor());
    expect(lengths).toEqual([10, 20, 40, 80, 160, 320, 360]);
    expect((await account()).backoffMinutes).toBe(360);

    throttling = false;
    world.clock.set((await account()).backoffUntil!);
    expect(await dispatchDue(world.deps, SET, world.clock.now())).toMatchObject({ sent: 1 });
    expect(world.texts().map((t) => t.text)).toEqual(['amy 1']);
    expect((await account()).backoffMinutes).toBeNull();

    // The next throttle is a first one again.
    throttling = true;
    await world.deps.store.enqueue([send('sh-guide-1', ben!, 'ben 1', { dueAt: world.clock.now() })], world.clock.now());
    expect(await throttledFor()).toBe(10);
  });

  it('does not perform an entry another dispatcher claimed between the read and the claim', async () => {
    const world = await engineWorld(await ctx.freshStore(), { files: FILES, accounts: [guideAccount({}, OPEN)], start: NOW });
    const [amy, ben] = await contacts(world, 'sh-guide-1', ['amy', 'ben']);
    await world.deps.store.enqueue([send('sh-guide-1', amy!, 'amy 1'), send('sh-guide-1', ben!, 'ben 1')], NOW);
    const store = world.deps.store;
    const racing: EngineStore = {
      ...store,
      async claim(ids, at) {
        await store.markSending(ids[0]!, at); // the other dispatcher wins the first one
        return store.claim(ids, at);
      },
    };
    expect(await dispatchDue({ ...world.deps, store: racing }, SET, NOW)).toMatchObject({ sent: 1, deferred: 0, failed: 0 });
    expect(world.texts().map((t) => t.text)).toEqual(['ben 1']);
    const [taken] = await rows(world);
    expect(taken).toMatchObject({ what: 'amy 1', status: 'sending', attempts: 1, events: [] }); // the other dispatcher's to settle
  });

  for (const [pacing, expected] of [['no gap', { sent: 200, deferred: 0 }], ['the default gap', { sent: 4, deferred: 196 }]] as const) {
    it(`costs four store calls for a batch of 200 entries to 4 accounts (${pacing} between sends)`, async () => {
      const accounts = Array.from({ length: 4 }, (_, i) => guideAccount({ id: `sh-guide-${i + 1}`, storeId: `sh-0${i + 1}` }, pacing === 'no gap' ? OPEN : {}));
      const world = await engineWorld(await ctx.freshStore(), { files: FILES, accounts, start: NOW });
      const entries: NewOutboxEntry[] = [];
      for (const account of accounts) {
        const ids = await contacts(world, account.id, Array.from({ length: 50 }, (_, i) => `${account.id}-c${i}`));
        entries.push(...ids.map((id, i) => send(account.id, id, `${account.id} ${i}`)));
      }
      await world.deps.store.enqueue(entries, NOW);
      const calls: string[] = [];
      const counting = new Proxy(world.deps.store, {
        get(target, name: keyof EngineStore) {
          const method = target[name];
          return (...args: unknown[]) => {
            calls.push(name);
            return (method as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      expect(await dispatchDue({ ...world.deps, store: counting }, SET, NOW)).toMatchObject(expected);
      expect(calls).toEqual(['dueForDispatch', 'pacingSnapshot', 'claim', 'settleMany']);
      expect(await world.prisma.outboxEntry.count({ where: { status: 'sent' } })).toBe(expected.sent);
      expect(await world.prisma.outboxEvent.count()).toBe(200);
      expect(await world.prisma.interaction.count({ where: { direction: 'out' } })).toBe(expected.sent);
    });
  }
});
