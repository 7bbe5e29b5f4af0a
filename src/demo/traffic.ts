import { EventEmitter } from 'node:events';
import type { mock } from 'wechaty-puppet-mock';
import { realTimers, type Timers } from '../shared/timers.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * The demo's customers: synthetic people who add guides (some with a KOC's referral code), ask prices, join the car
 * club, leave it, opt out, and
 * staff who confirm their task cards. They act through the mock puppet's world (the mocker), so everything after
 * that — Wechaty events, the engine, pacing, the outbox, the bots' replies — is the real product at work.
 *
 * What they say comes from the playbooks (their keywords and room topics), so a newcomer's own edits show up.
 */
export interface DemoAccount {
  id: string;
  /** The mock world behind the account's puppet, and the puppet (for friend requests). */
  world(): { mocker: mock.Mocker; puppet: { receiveFriendship(contact: mock.ContactMock | string, hello?: string): string }; selfId: string } | undefined;
  /** Staff who confirm this account's task cards with /done (their external ids; they are contacts in the world). */
  staff: string[];
  /** Of them, the KOCs: they look at /tasks now and then, accept what they are offered, submit it, and chat in the group. */
  kocs?: string[];
}

export interface DemoTrafficOptions {
  accounts: DemoAccount[];
  playbooks: () => PlaybookSet;
  random: () => number;
  logger: Logger;
  timers?: Timers;
  /** The KOCs' referral codes: some new friends bring one in their greeting (a few with a typo). */
  referralCodes?: () => readonly string[];
  /** Pause between two customer actions. @default 2–5 s */
  intervalMs?: [number, number];
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '马', '朱', '胡', '林'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '晓梅', '子涵', '浩然'];
const HELLOS = ['你好，想了解一下新车', '朋友推荐来的', '在店里扫码加的', '', '你好'];
const SMALL_TALK = ['好的', '谢谢', '收到', '周末有空过去看看', '👍'];
const KOC_TALK = ['这周的新品我试过了，真的不错', '有问题的朋友可以私信我', '周末店里有试驾活动，欢迎来玩', '分享一下我的用车体验'];


interface Customer {
  contact: mock.ContactMock;
  optedOut: boolean;
}

export class DemoTraffic {
  readonly #o: DemoTrafficOptions;
  readonly #timers: Timers;
  readonly #customers = new Map<string, Customer[]>();
  readonly #rooms = new Map<string, mock.RoomMock[]>();
  readonly #watched = new Set<string>();
  /** Task numbers a demo KOC already answered (accept, submit), so a repeated list is not answered twice. */
  readonly #answered = new Set<string>();
  #timer: unknown;
  #stopped = true;

  constructor(options: DemoTrafficOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
  }

  start(): void {
    if (!this.#stopped || this.#o.accounts.length === 0) return;
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One customer action now (the timer calls it; tests may too). */
  act(): void {
    const account = this.#pick(this.#o.accounts);
    const world = account.world();
    if (!world) return; // its bot is not up yet
    this.#watchStaff(account, world.mocker);
    const customers = this.#customers.get(account.id) ?? [];
    this.#customers.set(account.id, customers);
    const active = customers.filter((c) => !c.optedOut);
    const roll = this.#o.random();
    const self = world.mocker.ContactMock.load(world.selfId);
    const kocs = (account.kocs ?? []).filter((id) => world.mocker.cacheContactPayload.has(id));
    if (kocs.length > 0 && this.#o.random() < 0.12) {
      // A KOC looks at their tasks (and answers the offers when the list comes back), or chats in the group.
      const koc = world.mocker.ContactMock.load(this.#pick(kocs));
      const room = this.#o.random() < 0.5 ? this.#room(account.id, world.mocker, world.selfId, kocs) : undefined;
      if (room) koc.say(this.#pick(KOC_TALK)).to(room);
      else koc.say('/tasks').to(self);
      return;
    }
    if (active.length < 3 || roll < 0.3) {
      const contact = world.mocker.createContact({ name: this.#name() });
      customers.push({ contact, optedOut: false });
      world.puppet.receiveFriendship(contact, this.#hello());
    } else if (roll < 0.55) {
      this.#pick(active).contact.say(this.#pick(this.#keywords())).to(self);
    } else if (roll < 0.72) {
      const room = this.#room(account.id, world.mocker, world.selfId, kocs);
      if (!room) return;
      const member = this.#pick(active).contact;
      const members = new Set(world.mocker.roomPayload(room.id).memberIdList);
      if (members.has(member.id)) return;
      // Invited by an earlier customer now and then, so the car club's "invited by" shows.
      const inviter = this.#o.random() < 0.5 && active.length > 1 ? this.#pick(active).contact : self;
      room.add(member).by(inviter);
    } else if (roll < 0.78) {
      const room = this.#room(account.id, world.mocker, world.selfId, kocs);
      if (!room) return;
      const members = world.mocker.roomPayload(room.id).memberIdList.filter((id) => id !== world.selfId && active.some((c) => c.contact.id === id));
      if (members.length === 0) return;
      room.remove(world.mocker.ContactMock.load(this.#pick(members))).by(self);
    } else if (roll < 0.82) {
      const customer = this.#pick(active);
      customer.optedOut = true;
      customer.contact.say('退订').to(self);
    } else {
      this.#pick(active).contact.say(this.#pick(SMALL_TALK)).to(self);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    const [min, max] = this.#o.intervalMs ?? [2000, 5000];
    this.#timer = this.#timers.setTimeout(() => {
      try {
        this.act();
      } catch (error) {
        this.#o.logger.warn({ err: error }, 'demo traffic action failed');
      }
      this.#schedule();
    }, min + Math.floor(this.#o.random() * (max - min)));
  }

  /** Staff read their task cards and confirm them a little later, as a person would. */
  #watchStaff(account: DemoAccount, mocker: mock.Mocker): void {
    for (const staffId of account.staff) {
      const key = `${account.id}:${staffId}`;
      if (this.#watched.has(key) || !mocker.cacheContactPayload.has(staffId)) continue;
      this.#watched.add(key);
      const staff = mocker.ContactMock.load(staffId);
      (staff as unknown as EventEmitter).on('message', (message: { text(): string; talker(): { id: string } }) => {
        const text = message.text?.() ?? '';
        const from = message.talker().id;
        if (this.#stopped || from === staffId) return;
        const later = (reply: string) => this.#timers.setTimeout(() => {
          if (!this.#stopped) staff.say(reply).to(mocker.ContactMock.load(from));
        }, 3000 + Math.floor(this.#o.random() * 5000));
        const done = /\/done (\d+)/.exec(text);
        if (done) later(`/done ${done[1]}`);
        if (!(account.kocs ?? []).includes(staffId)) return;
        // A KOC takes the first task they are offered, and submits it once its content pack arrived.
        const offer = /\/accept (\d+)/.exec(text);
        if (offer && !this.#answered.has(`accept:${offer[1]}`)) {
          this.#answered.add(`accept:${offer[1]}`);
          later(`/accept ${offer[1]}`);
        }
        const pack = /【任务 #(\d+) 素材】/.exec(text);
        if (pack && !this.#answered.has(`submit:${pack[1]}`)) {
          this.#answered.add(`submit:${pack[1]}`);
          later(`/submit ${pack[1]} https://example.com/moments/${pack[1]}`);
        }
      });
    }
  }

  /** Keywords of the message.keyword flows (the demo asks what the playbooks listen for). */
  #keywords(): string[] {
    const words: string[] = [];
    for (const flow of this.#o.playbooks().flows.values()) {
      const t = flow.document.trigger;
      if (flow.document.enabled && 'on' in t && t.on === 'message.keyword' && t.in !== 'room') words.push(...(t.keywords ?? []));
    }
    return words.length > 0 ? words : ['你好'];
  }

  /** A room whose topic a room.joined flow listens for (created with the bot in it the first time). */
  #room(accountId: string, mocker: mock.Mocker, selfId: string, kocs: string[] = []): mock.RoomMock | undefined {
    const rooms = this.#rooms.get(accountId) ?? [];
    this.#rooms.set(accountId, rooms);
    if (rooms.length > 0) return this.#pick(rooms);
    const pattern = [...this.#o.playbooks().flows.values()]
      .map((f) => f.document.trigger)
      .map((t) => ('on' in t && (t.on === 'room.joined' || t.on === 'room.left') ? t.room?.topic : undefined))
      .find((topic): topic is string => topic !== undefined);
    if (!pattern) return undefined;
    const topic = pattern.replace(/\*/g, '1群').replace(/\?/g, '1');
    // The account's KOCs are in the group from the start: their messages there earn participation points.
    const room = mocker.createRoom({ topic, memberIdList: [selfId, ...kocs], ownerId: selfId });
    rooms.push(room);
    return room;
  }

  /** A greeting; a third of them carry a KOC's referral code (now and then mistyped: its check letter is wrong). */
  #hello(): string {
    const codes = this.#o.referralCodes?.() ?? [];
    if (codes.length === 0 || this.#o.random() >= 0.35) return this.#pick(HELLOS);
    let code = this.#pick(codes);
    if (this.#o.random() < 0.1) code = code.slice(0, -1) + (code.endsWith('Q') ? 'R' : 'Q');
    return `朋友推荐的，推荐码 ${code}`;
  }

  #name(): string {
    return this.#pick(SURNAMES) + this.#pick(GIVEN);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#o.random() * items.length)]!;
  }
}
