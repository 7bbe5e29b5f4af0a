/**
 * The recording mock through a real Wechaty: every call the stock mock drops is recorded with the injected clock's
 * time, say() gives back messages, and what it keeps in memory is bounded.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBox } from 'file-box';
import { afterEach, describe, expect, it } from 'vitest';
import { types, WechatyBuilder, type Friendship } from 'wechaty';
import type { mock } from 'wechaty-puppet-mock';
import { PuppetCallLog } from '../../src/bot/puppet/callLog.ts';
import { createPuppet, type PuppetChoice } from '../../src/bot/puppet/createPuppet.ts';
import { RecordingPuppetMock } from '../../src/bot/puppet/recordingMock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { nextEvent } from '../support/eventWait.ts';
import { mockEvents } from '../support/puppetGateway.ts';

const T0 = new Date('2026-03-01T02:00:00Z');
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
});

/** A logged-in bot on the recording mock, a customer, and a fake clock that tests move by hand. */
async function mockBot(choice: Partial<Extract<PuppetChoice, { kind: 'mock' }>> = {}) {
  let now = T0;
  const created = await createPuppet('acc-mock', { kind: 'mock', ...choice }, {
    dataDir: join(tmpdir(), 'unused-by-the-mock'),
    logger: silentLogger(),
    clock: { now: () => now },
  });
  cleanups.push(() => created.dispose());
  const bot = WechatyBuilder.build({ puppet: created.puppet });
  bot.on('error', () => {});
  const login = nextEvent(bot, 'login', 5_000);
  await bot.start();
  cleanups.push(() => bot.stop());
  const self = await login;
  const mocker = created.mocker!;
  const alice = mocker.createContact({ id: 'alice', name: 'Alice' });
  const contact = (await bot.Contact.find({ id: alice.id }))!;
  return {
    bot,
    created,
    recorder: created.recorder!,
    mocker,
    self,
    alice,
    contact,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** What the mocker's customer receives from the bot. */
function received(alice: mock.ContactMock, selfId: string) {
  return nextEvent<mock.MessageMock>(mockEvents(alice), 'message', 2_000, (m) => m.talker().id === selfId);
}

describe('RecordingPuppetMock through Wechaty', () => {
  it('logs in as the account’s own contact on start', async () => {
    const { self, created } = await mockBot();
    expect(self.id).toBe('self-acc-mock');
    expect(self.name()).toBe('acc-mock');
    expect([...created.capabilities].sort()).toEqual(
      ['friendshipAccept', 'image', 'miniProgram', 'moment', 'roomInvite', 'tag', 'urlLink'],
    );
  });

  it('say() returns the sent message (the stock mock returns none), with mentions kept in rooms', async () => {
    const { bot, contact, alice, self, mocker } = await mockBot();
    const arrived = received(alice, self.id);
    const sent = await contact.say('hello Alice');
    expect(sent && 'id' in sent ? sent.id : undefined).toMatch(/^[0-9a-f-]{36}$/);
    expect((await arrived).text()).toBe('hello Alice');

    const roomMock = mocker.createRoom({ id: 'vip@chatroom', topic: 'VIP', memberIdList: [self.id, alice.id] });
    const inRoom = nextEvent<mock.MessageMock>(mockEvents(roomMock), 'message', 2_000);
    const room = (await bot.Room.find({ id: roomMock.id }))!;
    await room.say('welcome', contact);
    expect((await inRoom).payload).toMatchObject({ roomId: 'vip@chatroom', mentionIdList: ['alice'] });
  });

  it('records tags with the injected time and reads them back from contact.tags()', async () => {
    const { bot, contact, recorder, advance } = await mockBot();
    const vip = await bot.Tag.get('vip');
    await vip.add(contact);
    advance(60_000);
    await (await bot.Tag.get('koc')).add(contact);
    expect((await contact.tags()).map((tag) => tag.id).sort()).toEqual(['koc', 'vip']);
    advance(60_000);
    await vip.remove(contact);
    expect((await contact.tags()).map((tag) => tag.id)).toEqual(['koc']);

    expect(recorder.entries()).toEqual([
      { kind: 'tagContactAdd', at: T0, tagId: 'vip', contactId: 'alice' },
      { kind: 'tagContactAdd', at: new Date(T0.getTime() + 60_000), tagId: 'koc', contactId: 'alice' },
      { kind: 'tagContactRemove', at: new Date(T0.getTime() + 120_000), tagId: 'vip', contactId: 'alice' },
    ]);
  });

  it('delivers and records UrlLink and MiniProgram sends; their payloads read back', async () => {
    const { bot, contact, alice, self, recorder, created } = await mockBot();
    const linkArrives = received(alice, self.id);
    const link = await contact.say(new bot.UrlLink({ url: 'https://example.com/c/42', title: 'Your coupon' }));
    const linkMessage = await linkArrives;
    expect(linkMessage.type()).toBe(types.Message.Url);
    expect(link && 'id' in link ? link.id : undefined).toBe(linkMessage.id);
    expect(await created.puppet.messageUrl(linkMessage.id)).toEqual({ url: 'https://example.com/c/42', title: 'Your coupon' });

    const appArrives = received(alice, self.id);
    await contact.say(new bot.MiniProgram({ appid: 'wx123', title: 'Member card', pagePath: 'pages/card' }));
    expect((await appArrives).type()).toBe(types.Message.MiniProgram);

    expect(recorder.entries('messageSendUrl')).toEqual([
      {
        kind: 'messageSendUrl',
        at: T0,
        conversationId: 'alice',
        urlLink: { url: 'https://example.com/c/42', title: 'Your coupon' },
        messageId: linkMessage.id,
      },
    ]);
    expect(recorder.last('messageSendMiniProgram')).toMatchObject({
      conversationId: 'alice',
      miniProgram: { appid: 'wx123', title: 'Member card', pagePath: 'pages/card' },
    });
  });

  it('records a Moments post as text and file names (not file contents), and bot.publish() gets the post back', async () => {
    const { bot, recorder } = await mockBot();
    const post = await bot.Post.builder()
      .add('New season, new looks')
      .add(FileBox.fromBase64(Buffer.from('fake-png').toString('base64'), 'look.png'))
      .type(types.Post.Moment)
      .build();
    const published = await bot.publish(post);
    const entry = recorder.last('postPublish')!;
    expect(entry).toMatchObject({ at: T0, postType: types.Post.Moment });
    expect(entry.sayables).toEqual([
      { type: 'Text', text: 'New season, new looks' },
      { type: 'Attachment', fileName: 'look.png' },
    ]);
    expect(published && 'id' in published ? published.id : undefined).toBe(entry.postId);
  });

  it('records room invites', async () => {
    const { bot, contact, mocker, self, recorder } = await mockBot();
    const roomMock = mocker.createRoom({ id: 'vip@chatroom', topic: 'VIP', memberIdList: [self.id] });
    await (await bot.Room.find({ id: roomMock.id }))!.add(contact);
    expect(recorder.entries('roomAdd')).toEqual([
      { kind: 'roomAdd', at: T0, roomId: 'vip@chatroom', contactId: 'alice', inviteOnly: false },
    ]);
  });

  it('seeds a friend request the bot can accept, and records the accept', async () => {
    const { bot, created, recorder, mocker } = await mockBot();
    const bob = mocker.createContact({ id: 'bob', name: 'Bob' });
    const request = nextEvent<Friendship>(bot, 'friendship', 2_000);
    const friendshipId = created.mockPuppet!.receiveFriendship(bob, 'I got your card at the store');
    const friendship = await request;
    expect(friendship.type()).toBe(types.Friendship.Receive);
    expect(friendship.hello()).toBe('I got your card at the store');
    expect(friendship.contact().id).toBe('bob');
    await friendship.accept();
    expect(recorder.entries('friendshipAccept')).toEqual([
      { kind: 'friendshipAccept', at: T0, friendshipId, contactId: 'bob' },
    ]);
    expect(mocker.contactPayload('bob').friend).toBe(true);
  });

  it('sends a local file (the stock mock only sends URL and base64 boxes)', async () => {
    const { contact, alice, self } = await mockBot();
    const dir = await mkdtemp(join(tmpdir(), 'kocflow-mock-file-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'poster.png');
    await writeFile(file, Buffer.from('not really a png'));
    const arrives = received(alice, self.id);
    const sent = await contact.say(FileBox.fromFile(file));
    const message = await arrives;
    expect(message.type()).toBe(types.Message.Image);
    expect(sent && 'id' in sent ? sent.id : undefined).toBe(message.id);
  });

  it('can pretend to lack abilities, for assist-mode tests', async () => {
    const { created } = await mockBot({ capabilities: ['tag', 'image'] });
    expect([...created.capabilities].sort()).toEqual(['image', 'tag']);
  });
});

describe('bounds', () => {
  it('the call log keeps the newest maxEntries and counts what it dropped', () => {
    const log = new PuppetCallLog({ maxEntries: 3 });
    const seen: string[] = [];
    const unsubscribe = log.subscribe((entry) => seen.push(entry.kind === 'tagContactAdd' ? entry.tagId : ''));
    for (let i = 0; i < 5; i++) log.record({ kind: 'tagContactAdd', at: T0, tagId: `t${i}`, contactId: 'c' });
    unsubscribe();
    log.record({ kind: 'friendshipAccept', at: T0, friendshipId: 'f' });
    expect(log.size).toBe(3);
    expect(log.dropped).toBe(3);
    expect(log.entries('tagContactAdd').map((entry) => entry.tagId)).toEqual(['t3', 't4']);
    expect(seen).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(() => new PuppetCallLog({ maxEntries: 0 })).toThrow(RangeError);
  });

  it('the mock keeps at most maxMessages message payloads, newest first to survive', async () => {
    const puppet = new RecordingPuppetMock({ self: { id: 'me', name: 'Me' }, maxMessages: 5, maxLogEntries: 2 });
    cleanups.push(() => puppet.stop());
    const login = nextEvent(puppet, 'login', 2_000);
    await puppet.start();
    await login;
    const bob = puppet.mocker.createContact({ id: 'bob', name: 'Bob' });
    const me = puppet.mocker.ContactMock.load('me');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      bob.say(`inbound ${i}`).to(me);
      ids.push((await puppet.messageSendText('bob', `outbound ${i}`)) as string);
    }
    expect(puppet.retainedMessageCount).toBe(5);
    const pool = (puppet.mocker.MessageMock as unknown as { pool: Map<string, unknown> }).pool;
    expect(pool.size).toBe(5);
    expect(puppet.mocker.cacheMessagePayload.has(ids[9]!)).toBe(true);
    expect(puppet.mocker.cacheMessagePayload.has(ids[0]!)).toBe(false);

    for (let i = 0; i < 4; i++) await puppet.tagContactAdd(`t${i}`, 'bob');
    expect(puppet.callLog.size).toBe(2);
    expect(puppet.callLog.dropped).toBe(2);
  });
});
