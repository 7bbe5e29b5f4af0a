import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DemoTraffic } from '../../src/demo/traffic.ts';
import { seededRandom } from '../../src/shared/random.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { guideAccount } from '../support/engine.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * Conversations through real Wechaty bots on the mock puppet: customers act in the mocker, the bots turn that into
 * events, the engine runs the flows, the sends come back out through Wechaty to the customer. 10:00 in Shanghai.
 */
const START = new Date('2026-12-01T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

const WELCOME = `id: welcome
trigger: { on: friend.added }
steps:
  - say: "{{contact.name}}您好，我是小林，欢迎！"
  - tag: [新客]
`;
const PRICE = `id: price
trigger: { on: message.keyword, keywords: [多少钱, 价格] }
steps:
  - say: "价格表马上发您"
`;
const CLUB = `id: club
trigger: { on: room.joined, room: { topic: "车友会*" } }
steps:
  - roomSay: "欢迎 {{member.name}} 加入{{room.topic}}"
    mention: [member]
`;
const FAREWELL = `id: farewell
trigger: { on: room.left, room: { topic: "车友会*" } }
steps:
  - notifyStaff: { to: owner, text: "{{member.name}} 退出了{{room.topic}}" }
`;
const MOMENT = `id: moment
trigger: { on: manual, subject: account }
steps:
  - moment: { text: "春季新品到店" }
    mode: assist
`;

const EVERY_ACTION = `id: every-action
trigger: { on: manual, subject: contact }
steps:
  - say: { text: "您好，这是本季画册", image: img/a.png }
  - say:
      link: { url: "https://example.com/spring", title: 春季新品, description: 点击查看, thumbnail: img/a.png }
  - say:
      miniProgram: { appId: wx1234567890abcdef, title: 领取回归礼, pagePath: pages/coupon/index }
  - tag: [老客, 沉睡]
  - untag: [沉睡]
  - inviteToRoom: { topic: "VIP*" }
`;

const worlds = stoppedAfterEach();

describeEachStore('conversations on the mock puppet', (ctx) => {
  async function world(files: Record<string, string>, options: Parameters<typeof runtimeWorld>[1] extends infer O ? Omit<O & object, 'files' | 'start'> : never = {}) {
    const w = await runtimeWorld(await ctx.freshStore(), { files, start: START, ...options });
    worlds.push(w);
    return w;
  }

  it('accepts a friend request, runs the welcome flow, and the customer receives it', async () => {
    const w = await world({ 'welcome.yaml': WELCOME });
    const amy = w.customer('王芳');
    w.mocks().puppet.receiveFriendship(amy.contact, '朋友推荐来的');
    await w.waitForHandled(1);
    expect(w.handled[0]!.event).toMatchObject({ kind: 'friend.added', hello: '朋友推荐来的', contact: { externalId: amy.id, name: '王芳' } });
    expect(w.handled[0]!.runsStarted).toBe(1);
    await w.runUntil(later(5));
    expect(amy.received).toEqual(['王芳您好，我是小林，欢迎！']);
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'friendshipAccept')).toHaveLength(1);
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'tagContactAdd')).toMatchObject([{ contactId: amy.id }]);
    const rows = await w.prisma.interaction.findMany({ where: { accountId: 'sh-guide-1' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => `${r.direction}:${r.kind}`)).toEqual(['in:login', 'in:friend.added', 'out:say', 'out:tag']);
    const sent = await w.prisma.outboxEntry.findMany({ where: { kind: 'say' } });
    expect(sent).toMatchObject([{ status: 'sent' }]);
    expect(rows[2]!.outboxId).toBe(sent[0]!.id);
  });

  it('leaves a friend request to a person when no playbook accepts requests', async () => {
    const w = await world({ 'price.yaml': PRICE });
    const amy = w.customer('王芳');
    w.mocks().puppet.receiveFriendship(amy.contact, 'hi');
    await w.runUntil(later(1));
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'friendshipAccept')).toHaveLength(0);
    expect(w.handled).toHaveLength(0);
  });

  it('answers a keyword in private chat, once, even when the puppet delivers the message twice', async () => {
    const w = await world({ 'price.yaml': PRICE });
    const bob = w.customer('李强');
    bob.say('这款多少钱？');
    await w.waitForHandled(1);
    // A puppet that resends: the same message id again.
    const { puppet } = w.mocks();
    const [messageId] = [...w.mocks().mocker.cacheMessagePayload.keys()].slice(-1);
    puppet.emit('message', { messageId: messageId! });
    await w.waitForHandled(2);
    await w.runUntil(later(5));
    expect(bob.received).toEqual(['价格表马上发您']);
    expect(await w.prisma.flowRun.count({ where: { flowId: 'price' } })).toBe(1);
    expect(await w.prisma.interaction.count({ where: { kind: 'message', direction: 'in' } })).toBe(1); // logged once
  });

  it('welcomes a member who joins a car-club group, with the inviter, and tells the owner when one leaves', async () => {
    const w = await world({ 'club.yaml': CLUB, 'farewell.yaml': FAREWELL });
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const amy = w.customer('王芳');
    const carl = w.customer('赵磊');
    const club = w.room('车友会3群', [amy]);
    club.room.add(carl.contact).by(amy.contact);
    await w.waitForHandled(1);
    expect(w.handled[0]!.event).toMatchObject({ kind: 'room.joined', room: { topic: '车友会3群' }, member: { externalId: carl.id }, inviter: { externalId: amy.id } });
    await w.runUntil(later(5));
    expect(club.received.map((m) => m.text)).toEqual(['@赵磊 欢迎 赵磊 加入车友会3群']);
    club.room.remove(carl.contact).by(w.mocks().self);
    await w.waitForHandled(2);
    await w.runUntil(later(10));
    expect(lin.received).toEqual(['赵磊 退出了车友会3群']);
  });

  it('staff commands: /help, /status and an unknown command from the owner; a customer typing /status gets nothing', async () => {
    const w = await world({ 'price.yaml': PRICE });
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const amy = w.customer('王芳');
    lin.say('/status');
    await w.waitForHandled(1);
    expect(w.handled[0]!.command).toBe('status');
    expect(lin.received[0]).toContain('今日已发：0 / 600');
    expect(lin.received[0]).toContain('机器人：在线');
    lin.say('/frobnicate');
    await w.waitForHandled(2);
    expect(lin.received[1]).toMatch(/^没有 \/frobnicate 这个指令。\n可用指令：/);
    lin.say('/help');
    await w.waitForHandled(3);
    expect(lin.received[2]).toContain('/done N');
    amy.say('/status');
    await w.waitForHandled(4);
    expect(w.handled[3]!.command).toBeUndefined();
    await w.runUntil(later(5));
    expect(amy.received).toEqual([]);
    const commands = await w.prisma.interaction.findMany({ where: { kind: { in: ['command', 'command_reply'] } } });
    expect(commands).toHaveLength(6);
  });

  it('an assist-mode Moment goes to the owner as a task card; /done N confirms it; an unconfirmed card is reminded once', async () => {
    const w = await world({ 'moment.yaml': MOMENT }, { runtime: { assistRemindAfterMs: 60 * 60_000 } });
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    await w.runtime.engine.startManual('moment', 'sh-guide-1', { kind: 'account', id: 'sh-guide-1' }, 'first');
    await w.runtime.engine.startManual('moment', 'sh-guide-1', { kind: 'account', id: 'sh-guide-1' }, 'second');
    await w.runUntil(later(5));
    expect(lin.received).toHaveLength(2);
    const cards = await w.prisma.outboxEntry.findMany({ where: { kind: 'moment' }, orderBy: { id: 'asc' } });
    expect(cards.map((c) => [c.mode, c.status])).toEqual([['assist', 'sent'], ['assist', 'sent']]);
    expect(lin.received[0]).toBe(`【任务 #${cards[0]!.id}】请发朋友圈\n春季新品到店\n完成后回复 /done ${cards[0]!.id}`);
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'postPublish')).toHaveLength(0);

    lin.say(`/done ${cards[0]!.id}`);
    await w.waitForHandled(1);
    expect(lin.received[2]).toBe(`好的，任务 #${cards[0]!.id} 已确认完成。`);
    lin.say(`/done ${cards[0]!.id}`);
    await w.waitForHandled(2);
    expect(lin.received[3]).toMatch(/之前已确认完成/);
    lin.say('/done 999999');
    await w.waitForHandled(3);
    expect(lin.received[4]).toBe('没有找到你的任务 #999999，请检查编号。');

    await w.runUntil(later(3 * 60));
    expect(lin.received.slice(5)).toEqual([`提醒：任务 #${cards[1]!.id} 还没有确认完成。做完后回复 /done ${cards[1]!.id}`]);
    await w.runUntil(later(10 * 60));
    expect(lin.received).toHaveLength(6); // reminded once only
    const done = await w.prisma.outboxEntry.findUnique({ where: { id: cards[0]!.id } });
    expect(done).toMatchObject({ assistDoneBy: 'staff-lin' });
  });

  it('/pause holds proactive sends and lets replies through; /resume releases them', async () => {
    const w = await world({ 'price.yaml': PRICE, 'moment.yaml': MOMENT.replace('mode: assist', 'mode: auto') });
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const bob = w.customer('李强');
    lin.say('/pause');
    await w.waitForHandled(1);
    expect(lin.received[0]).toMatch(/^已暂停本账号的主动推送/);
    await w.runtime.engine.startManual('moment', 'sh-guide-1', { kind: 'account', id: 'sh-guide-1' }, 'one');
    bob.say('价格？');
    await w.waitForHandled(2);
    await w.runUntil(later(30));
    expect(bob.received).toEqual(['价格表马上发您']);
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'postPublish')).toHaveLength(0);
    expect(await w.prisma.outboxEntry.findFirst({ where: { kind: 'moment' } })).toMatchObject({ status: 'pending', deferredReason: 'account_paused' });
    expect((await w.prisma.account.findUnique({ where: { id: 'sh-guide-1' } }))?.status).toBe('paused');

    lin.say('/resume');
    await w.waitForHandled(3);
    expect(lin.received.at(-1)).toBe('已恢复主动推送。暂停期间待发的 1 条消息将按节奏陆续发出。');
    await w.runUntil(later(35));
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'postPublish')).toHaveLength(1);
  });

  it('holds sends while an account is offline and sends them once it is back', async () => {
    const w = await world({ 'price.yaml': PRICE });
    const bob = w.customer('李强');
    bob.say('价格？');
    await w.waitForHandled(1);
    const bot = w.runtime.fleet.get('sh-guide-1')!;
    await bot.stop();
    await w.runUntil(later(5));
    expect(await w.prisma.outboxEntry.findFirst({ where: { kind: 'say' } })).toMatchObject({ status: 'pending', deferredReason: 'account_offline' });
    await bot.start();
    await w.waitForLogins();
    const again = w.customer('李强', 'sh-guide-1', bob.id);
    await w.runUntil(later(10));
    expect(again.received).toEqual(['价格表马上发您']);
  });

  it('every action kind on a contact goes through Wechaty: image, link card, mini program, tag, untag, room invite', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kocflow-assets-'));
    mkdirSync(join(folder, 'img'));
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2217bc70000000049454e44ae426082', 'hex');
    writeFileSync(join(folder, 'img/a.png'), png);
    try {
      const w = await world({ 'every.yaml': EVERY_ACTION }, {
        assets: { 'img/a.png': '' }, runtime: { playbooksRoot: folder },
        accounts: [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }, { perContactPerDay: 10 }) }],
      });
      const amy = w.customer('王芳');
      const vip = w.room('VIP 专属群', []);
      await w.runtime.inbound.handle({ kind: 'message', accountId: 'sh-guide-1', eventId: 'seed', at: w.clock.now(), contact: { externalId: amy.id, name: '王芳' }, text: '你好' });
      const contact = await w.prisma.contact.findFirstOrThrow({ where: { externalId: amy.id } });
      await w.runtime.engine.startManual('every-action', 'sh-guide-1', { kind: 'contact', id: contact.id }, 'one');
      await w.runUntil(later(60));
      const calls = w.mocks().puppet.callLog.entries();
      expect(calls.map((c) => c.kind)).toEqual(['messageSendUrl', 'messageSendMiniProgram', 'tagContactAdd', 'tagContactAdd', 'tagContactRemove', 'roomAdd']);
      expect(calls[0]).toMatchObject({ conversationId: amy.id, urlLink: { url: 'https://example.com/spring', title: '春季新品' } });
      expect((calls[0] as { urlLink: { thumbnailUrl?: string } }).urlLink.thumbnailUrl).toBeUndefined(); // an asset is not a URL a phone can load
      expect(calls[1]).toMatchObject({ miniProgram: { appid: 'wx1234567890abcdef', pagePath: 'pages/coupon/index' } });
      expect(calls.slice(2, 5).map((c) => [c.kind, (c as { tagId: string }).tagId])).toEqual([['tagContactAdd', '老客'], ['tagContactAdd', '沉睡'], ['tagContactRemove', '沉睡']]);
      expect(calls[5]).toMatchObject({ roomId: vip.id, contactId: amy.id });
      // The text, then the image as its own message, then the cards.
      expect(amy.received.slice(0, 2)).toEqual(['您好，这是本季画册', '[6: ]']); // 6: an image (the mock drops its name)
      const kinds = await w.prisma.outboxEntry.findMany({ orderBy: { id: 'asc' }, select: { kind: true, status: true } });
      expect(kinds).toEqual(['say', 'say', 'say', 'tag', 'untag', 'invite'].map((kind) => ({ kind, status: 'sent' })));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('the demo traffic drives real flows: new friends get the welcome, price questions the answer, group joins a greeting', async () => {
    const w = await world({ 'welcome.yaml': WELCOME, 'price.yaml': PRICE, 'club.yaml': CLUB });
    const traffic = new DemoTraffic({
      accounts: [{ id: 'sh-guide-1', staff: ['staff-lin'], world: () => ({ mocker: w.mocks().mocker, puppet: w.mocks().puppet, selfId: w.mocks().self.id }) }],
      playbooks: () => w.set, random: seededRandom(3), logger: silentLogger(),
      timers: { setTimeout: () => 0, clearTimeout: () => {} },
    });
    for (let i = 0; i < 40; i++) traffic.act();
    // Each action reaches the bot as an event, through Wechaty: wait until they stop coming.
    for (let quiet = 0, seen = -1, i = 0; quiet < 50 && i < 5000; i++) {
      quiet = w.handled.length === seen ? quiet + 1 : 0;
      seen = w.handled.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await w.runUntil(later(120));
    const kinds = (kind: string) => w.handled.filter((h) => h.event.kind === kind);
    expect(kinds('friend.added').length).toBeGreaterThan(5);
    expect(kinds('room.joined').length).toBeGreaterThan(0);
    const runs = await w.prisma.flowRun.groupBy({ by: ['flowId'], _count: true, orderBy: { flowId: 'asc' } });
    expect(Object.fromEntries(runs.map((r) => [r.flowId, r._count]))).toEqual({
      club: kinds('room.joined').length,
      price: kinds('message').filter((h) => /多少钱|价格/.test((h.event as { text: string }).text)).length,
      welcome: kinds('friend.added').length,
    });
    const sent = await w.prisma.outboxEntry.groupBy({ by: ['kind', 'status'], _count: true });
    expect(sent.every((row) => row.status === 'sent')).toBe(true);
  });

  it('one account failing to start and one throwing handler leave the other account working', async () => {
    const ok = guideAccount({ id: 'ok-guide', ownerStaffExternalId: 'staff-lin' });
    const broken = guideAccount({ id: 'broken-guide', ownerStaffExternalId: 'staff-zhou' });
    const w = await world({ 'price.yaml': PRICE }, {
      accounts: [
        { profile: ok },
        { profile: broken, makePuppet: async () => { throw Object.assign(new Error('KOC_PUPPET_TOKEN_MISSING: set KOCFLOW_TOKEN_BROKEN'), { retryable: false }); } },
      ],
    });
    expect(w.runtime.fleet.get('broken-guide')!.status()).toMatchObject({ state: 'failed', reason: 'KOC_PUPPET_TOKEN_MISSING: set KOCFLOW_TOKEN_BROKEN' });
    expect(w.runtime.fleet.get('ok-guide')!.status().state).toBe('logged_in');
    const bob = w.customer('李强', 'ok-guide');
    // A handler that throws (here: the store refuses the event's contact) is logged; the bot keeps going.
    const original = w.runtime.inbound.handle.bind(w.runtime.inbound);
    let thrown = 0;
    w.runtime.inbound.handle = async (event) => {
      if (thrown++ === 0) throw new Error('boom');
      return original(event);
    };
    bob.say('价格？');
    bob.say('多少钱');
    await w.waitForHandled(1);
    await w.runUntil(later(5));
    expect(bob.received).toEqual(['价格表马上发您']);
    expect(w.runtime.fleet.get('ok-guide')!.status().state).toBe('logged_in');
  });
});
