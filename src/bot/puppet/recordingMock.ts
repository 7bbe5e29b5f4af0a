/**
 * The mock puppet, made honest enough for kocflow's tests and the demo.
 *
 * wechaty-puppet-mock 1.19.4 silently drops tags, UrlLink, MiniProgram, Moments (`postPublish`), room invites
 * (`roomAdd`) and friendship accepts, and `say()` gives back no message (its send returns no id). This subclass:
 * - records each of those calls in a bounded `PuppetCallLog`, stamped by an injected clock;
 * - keeps tag state, so `contact.tags()` reads back what was added;
 * - delivers UrlLink and MiniProgram sends to the mocker side as messages of that type (the payload reads back);
 * - returns a message id from every send, so wechaty's `say()` resolves to a `Message`;
 * - seeds friend requests (`receiveFriendship`), which the stock mocker has no helper for;
 * - bounds the messages the mock keeps (the stock one keeps every payload, file content included, forever);
 * - logs in as a fixed self contact when started, like a real puppet with a saved session.
 *
 * It fakes the outside world, never kocflow: tests observe what a bot asked for through `callLog` and the mocker.
 */
import { randomUUID } from 'node:crypto';
import * as PUPPET from 'wechaty-puppet';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { PuppetCallLog, type RecordedSayable } from './callLog.ts';

type FileBoxLike = Parameters<PuppetMock['messageSendFile']>[1];

// wechaty-puppet-mock narrowed its sends to Promise<void>; the puppet contract it implements (wechaty-puppet's
// abstract class) is Promise<void | string>, and wechaty turns a returned id into the Message `say()` resolves to.
// Typing the base as that contract lets the overrides below return ids.
const PuppetMockBase = PuppetMock as unknown as new (
  options?: ConstructorParameters<typeof PuppetMock>[0],
) => PUPPET.Puppet & { mocker: mock.Mocker };

export interface MockSelf {
  id: string;
  name: string;
}

export interface RecordingPuppetMockOptions {
  /** Drive customers with it; one is created when not given. */
  mocker?: mock.Mocker;
  /** Timestamps for the call log and for messages this puppet sends. @default () => new Date() */
  now?: () => Date;
  /** Share a log (a gateway and its test); otherwise one is created with `maxLogEntries`. */
  callLog?: PuppetCallLog;
  /** @default 1000 */
  maxLogEntries?: number;
  /**
   * Message payloads kept in the mocker (oldest dropped first; a dropped one can no longer be looked up by id).
   * Large enough for a 2,000-message burst that wechaty has not read yet. @default 10000 @minimum 1
   */
  maxMessages?: number;
  /** The account's own contact: created and logged in on every start. `false`: the test logs in itself. */
  self?: MockSelf | false;
}

// Room ids are told from contact ids by an '@' (as the stock mock does; `@chatroom` in real WeChat).
const isRoomId = (id: string): boolean => id.includes('@');

export class RecordingPuppetMock extends PuppetMockBase {
  readonly callLog: PuppetCallLog;
  readonly maxMessages: number;
  private readonly now: () => Date;
  private readonly tags = new Map<string, Set<string>>();
  private readonly urlLinks = new Map<string, PUPPET.payloads.UrlLink>();
  private readonly miniPrograms = new Map<string, PUPPET.payloads.MiniProgram>();
  private readonly posts = new Map<string, PUPPET.payloads.PostServer>();
  private readonly friendships = new Map<string, PUPPET.payloads.FriendshipReceive>();

  constructor(options: RecordingPuppetMockOptions = {}) {
    super(options.mocker ? { mocker: options.mocker } : {});
    this.now = options.now ?? (() => new Date());
    this.callLog = options.callLog ?? new PuppetCallLog({ maxEntries: options.maxLogEntries ?? 1000 });
    const maxMessages = options.maxMessages ?? 10_000;
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      throw new RangeError(`maxMessages must be a positive integer, got ${maxMessages}`);
    }
    this.maxMessages = maxMessages;
    // Runs in the same emit as the message it follows, so the newest message is always still there.
    this.on('message', () => this.trimMessages());
    const self = options.self;
    if (self) {
      this.mocker.use((mocker) => {
        const contact = mocker.cacheContactPayload.has(self.id)
          ? mocker.ContactMock.load(self.id)
          : mocker.createContact({ id: self.id, name: self.name });
        mocker.login(contact);
        return () => {};
      });
    }
  }

  /** Message payloads the mocker currently holds (bounded by `maxMessages`). */
  get retainedMessageCount(): number {
    return this.mocker.cacheMessagePayload.size;
  }

  // Declared again only because the base is typed as the abstract contract (see PuppetMockBase), whose onStart and
  // onStop TypeScript will not let `super` call.
  override async onStart(): Promise<void> {
    await PuppetMock.prototype.onStart.call(this);
  }

  override async onStop(): Promise<void> {
    await PuppetMock.prototype.onStop.call(this);
  }

  // The stock ding answers through a 1 s timer, which can keep the process alive for a second after stop.
  override ding(data?: string): void {
    setImmediate(() => this.emit('dong', { data: data ?? '' }));
  }

  override async messageSendText(conversationId: string, text: string, mentionIdList?: string[]): Promise<string> {
    return this.deliver(conversationId, { type: PUPPET.types.Message.Text, text }, mentionIdList);
  }

  override async messageSendFile(conversationId: string, file: FileBoxLike): Promise<string> {
    const sendable = await serializableFileBox(file);
    // The stock path detects the message type from the file; its id is only visible in the event it emits,
    // synchronously, before the send's promise settles.
    let messageId: string | undefined;
    const spy = ({ messageId: id }: PUPPET.payloads.EventMessage): void => {
      messageId ??= id;
    };
    this.on('message', spy);
    try {
      await super.messageSendFile(conversationId, sendable);
    } finally {
      this.off('message', spy);
    }
    if (messageId === undefined) throw new Error(`messageSendFile(${conversationId}) produced no message`);
    return messageId;
  }

  override async messageSendUrl(conversationId: string, urlLink: PUPPET.payloads.UrlLink): Promise<string> {
    const messageId = this.deliver(conversationId, { type: PUPPET.types.Message.Url, text: urlLink.url }, [], (id) =>
      this.urlLinks.set(id, { ...urlLink }),
    );
    this.callLog.record({ kind: 'messageSendUrl', at: this.now(), conversationId, urlLink: { ...urlLink }, messageId });
    return messageId;
  }

  override async messageUrl(messageId: string): Promise<PUPPET.payloads.UrlLink> {
    return this.urlLinks.get(messageId) ?? super.messageUrl(messageId);
  }

  override async messageSendMiniProgram(
    conversationId: string,
    miniProgram: PUPPET.payloads.MiniProgram,
  ): Promise<string> {
    const messageId = this.deliver(
      conversationId,
      { type: PUPPET.types.Message.MiniProgram, text: miniProgram.title ?? '' },
      [],
      (id) => this.miniPrograms.set(id, { ...miniProgram }),
    );
    this.callLog.record({
      kind: 'messageSendMiniProgram',
      at: this.now(),
      conversationId,
      miniProgram: { ...miniProgram },
      messageId,
    });
    return messageId;
  }

  override async messageMiniProgram(messageId: string): Promise<PUPPET.payloads.MiniProgram> {
    return this.miniPrograms.get(messageId) ?? super.messageMiniProgram(messageId);
  }

  override async tagContactAdd(tagId: string, contactId: string): Promise<void> {
    let set = this.tags.get(contactId);
    if (!set) this.tags.set(contactId, (set = new Set()));
    set.add(tagId);
    this.callLog.record({ kind: 'tagContactAdd', at: this.now(), tagId, contactId });
  }

  override async tagContactRemove(tagId: string, contactId: string): Promise<void> {
    this.tags.get(contactId)?.delete(tagId);
    this.callLog.record({ kind: 'tagContactRemove', at: this.now(), tagId, contactId });
  }

  override async tagContactDelete(tagId: string): Promise<void> {
    for (const set of this.tags.values()) set.delete(tagId);
  }

  /** A contact's tags; without a contact, every tag any contact has. */
  override async tagContactList(contactId?: string): Promise<string[]> {
    if (contactId !== undefined) return [...(this.tags.get(contactId) ?? [])];
    const all = new Set<string>();
    for (const set of this.tags.values()) for (const tag of set) all.add(tag);
    return [...all];
  }

  override async postPublish(payload: PUPPET.payloads.Post): Promise<string> {
    const postId = `post-${randomUUID()}`;
    const at = this.now();
    this.posts.set(postId, {
      id: postId,
      contactId: this.isLoggedIn ? this.currentUserId : '',
      timestamp: at.getTime(),
      sayableList: [],
      counter: {},
      type: payload.type ?? PUPPET.types.Post.Unspecified,
    });
    trimOldest(this.posts, this.callLog.maxEntries);
    this.callLog.record({
      kind: 'postPublish',
      at,
      postId,
      postType: payload.type ?? PUPPET.types.Post.Unspecified,
      sayables: (payload.sayableList as ReadonlyArray<PUPPET.payloads.Sayable | string>).map(summarise),
    });
    return postId;
  }

  override async postRawPayload(postId: string): Promise<PUPPET.payloads.PostServer> {
    const post = this.posts.get(postId);
    if (!post) throw new Error(`no post ${postId} in the recording mock`);
    return post;
  }

  override async roomAdd(roomId: string, contactId: string | string[], inviteOnly?: boolean): Promise<void> {
    const at = this.now();
    for (const id of Array.isArray(contactId) ? contactId : [contactId]) {
      this.callLog.record({ kind: 'roomAdd', at, roomId, contactId: id, inviteOnly: inviteOnly ?? false });
    }
  }

  /**
   * A customer asks to become the account's friend: seeds the request and emits `friendship`, as a real puppet
   * would. Returns the friendship id (accept it with wechaty's `friendship.accept()`).
   */
  receiveFriendship(contact: mock.ContactMock | string, hello = ''): string {
    const contactId = typeof contact === 'string' ? contact : contact.id;
    const payload = this.mocker.contactPayload(contactId);
    this.mocker.contactPayload(contactId, { ...payload, friend: false });
    const id = `friendship-${randomUUID()}`;
    this.friendships.set(id, {
      id,
      contactId,
      hello,
      timestamp: this.now().getTime(),
      ticket: id,
      type: PUPPET.types.Friendship.Receive,
    });
    trimOldest(this.friendships, this.callLog.maxEntries);
    this.emit('friendship', { friendshipId: id });
    return id;
  }

  override async friendshipRawPayload(friendshipId: string): Promise<PUPPET.payloads.Friendship> {
    return this.friendships.get(friendshipId) ?? { id: friendshipId } as unknown as PUPPET.payloads.Friendship;
  }

  override async friendshipAccept(friendshipId: string): Promise<void> {
    const request = this.friendships.get(friendshipId);
    if (request && this.mocker.cacheContactPayload.has(request.contactId)) {
      const payload = this.mocker.contactPayload(request.contactId);
      this.mocker.contactPayload(request.contactId, { ...payload, friend: true });
    }
    this.callLog.record({
      kind: 'friendshipAccept',
      at: this.now(),
      friendshipId,
      ...(request ? { contactId: request.contactId } : {}),
    });
  }

  private deliver(
    conversationId: string,
    fields: { type: PUPPET.types.Message; text: string },
    mentionIdList: string[] = [],
    beforeEmit?: (messageId: string) => void,
  ): string {
    if (!this.isLoggedIn) throw new Error('not logged in');
    // Same failure as the stock mock for an unknown conversation: load() throws.
    if (isRoomId(conversationId)) this.mocker.RoomMock.load(conversationId);
    else this.mocker.ContactMock.load(conversationId);
    const base = { id: randomUUID(), talkerId: this.currentUserId, timestamp: this.now().getTime(), ...fields };
    const payload: PUPPET.payloads.Message = isRoomId(conversationId)
      ? { ...base, roomId: conversationId, mentionIdList }
      : { ...base, listenerId: conversationId };
    beforeEmit?.(payload.id);
    // create() stores the payload and notifies the room/contact mocks; the puppet event is ours to emit, as the
    // stock ContactMock.say().to() does.
    this.mocker.MessageMock.create(payload);
    this.emit('message', { messageId: payload.id });
    return payload.id;
  }

  private trimMessages(): void {
    const cache = this.mocker.cacheMessagePayload;
    if (cache.size <= this.maxMessages) return;
    // MessageMock keeps its own pool (a protected static getter on the mockerified class) next to the mocker's maps.
    const pool = (this.mocker.MessageMock as unknown as { pool: Map<string, unknown> }).pool;
    for (const id of cache.keys()) {
      if (cache.size <= this.maxMessages) break;
      cache.delete(id);
      pool.delete(id);
      this.mocker.cacheFileBoxPayload.delete(id);
      this.urlLinks.delete(id);
      this.miniPrograms.delete(id);
    }
  }
}

function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}

function summarise(sayable: PUPPET.payloads.Sayable | string): RecordedSayable {
  if (typeof sayable === 'string') return { type: 'MessageId', text: sayable };
  switch (sayable.type) {
    case 'Text':
      return { type: sayable.type, text: sayable.payload.text };
    case 'Url':
      return { type: sayable.type, url: sayable.payload.url, title: sayable.payload.title };
    case 'MiniProgram':
      return { type: sayable.type, ...(sayable.payload.title ? { title: sayable.payload.title } : {}) };
    case 'Attachment':
    case 'Audio':
    case 'Emoticon':
    case 'Image':
    case 'Video': {
      const fileName = fileNameOf(sayable.payload.filebox);
      return { type: sayable.type, ...(fileName ? { fileName } : {}) };
    }
    default:
      return { type: sayable.type };
  }
}

function fileNameOf(filebox: string | FileBoxLike): string | undefined {
  if (typeof filebox !== 'string') return filebox.name;
  try {
    const parsed = JSON.parse(filebox) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}

// file-box's FileBoxType values for the boxes whose toJSON() carries their content (Base64, Url, QRCode).
const SELF_CONTAINED_FILE_BOX_TYPES: ReadonlySet<number> = new Set([1, 2, 3]);

/**
 * The stock mock stores a sent file as `fileBox.toJSON()`. A local file, buffer or stream cannot be serialised at all
 * (toJSON throws), and a UUID box — what puppet-service's server hands its puppet — serialises to a reference that is
 * only readable while the upload lasts. Both are turned into base64 first, so a playbook asset can be sent and read
 * back from the mocker.
 */
async function serializableFileBox(file: FileBoxLike): Promise<FileBoxLike> {
  if (SELF_CONTAINED_FILE_BOX_TYPES.has(file.type)) return file;
  const FileBoxClass = file.constructor as unknown as { fromBase64(base64: string, name?: string): FileBoxLike };
  return FileBoxClass.fromBase64(await file.toBase64(), file.name);
}
