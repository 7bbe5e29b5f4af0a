import { readFile } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { FileBox } from 'file-box';
import type { Wechaty, impls } from 'wechaty';
import type { ActionMeta, ActionResult, Channel, MessageContent, OutboundAction, OutboundKind } from '../domain/channel.ts';
import { globToRegExp } from '../playbook/glob.ts';
import type { AccountBot } from './accountBot.ts';
import type { PuppetCapability } from './puppet/createPuppet.ts';

/**
 * The Channel port on Wechaty: the engine's outbound actions done by the account's bot.
 *
 * What counts as what (the dispatcher acts on it):
 * - a result with ok: false is a send that certainly did not happen (the contact is unknown, the bot is offline);
 * - a throw is a send whose fate is unknown (the puppet failed mid-call): the outbox marks it in-doubt and never
 *   resends it blindly. So only calls that may have reached WeCom are left to throw.
 */
export interface BotDirectory {
  get(accountId: string): AccountBot | undefined;
}

/** Which capability an action needs beyond plain text. */
function needs(kind: OutboundKind): PuppetCapability | undefined {
  switch (kind) {
    case 'moment':
      return 'moment';
    case 'tag':
    case 'untag':
      return 'tag';
    case 'invite':
      return 'roomInvite';
    default:
      return undefined;
  }
}

export class WechatyChannel implements Channel {
  readonly #bots: BotDirectory;
  readonly #assetRoot: string;

  /** `assetRoot`: the playbook folder; image paths in actions are relative to it. */
  constructor(bots: BotDirectory, assetRoot: string) {
    this.#bots = bots;
    this.#assetRoot = resolve(assetRoot);
  }

  supports(accountId: string, kind: OutboundKind): boolean {
    const capability = needs(kind);
    if (!capability) return true;
    const handle = this.#bots.get(accountId)?.puppet();
    // Unknown until the puppet exists: say yes, and let `available` hold the send until the bot is up.
    return handle ? handle.capabilities.has(capability) : true;
  }

  available(accountId: string): boolean {
    return this.#bots.get(accountId)?.wechaty() !== undefined;
  }

  async perform(action: OutboundAction, _meta: ActionMeta): Promise<ActionResult> {
    const bot = this.#bots.get(action.accountId)?.wechaty();
    if (!bot) return { ok: false, retryable: true, retryAfterMs: 60_000, message: 'the account is not logged in' };
    switch (action.kind) {
      case 'say': {
        const contact = await bot.Contact.find({ id: action.contactExternalId });
        if (!contact) return notFound('contact');
        return this.#sayContent(bot, contact, action.content);
      }
      case 'staffNote': {
        const staff = await bot.Contact.find({ id: action.staffExternalId });
        if (!staff) return notFound('staff member (are they a contact of this account?)');
        const images = await Promise.all((action.images ?? []).map((image) => this.#file(image)));
        const first = await staff.say(action.text);
        for (const image of images) await staff.say(image);
        return sent(first);
      }
      case 'roomSay': {
        const room = await bot.Room.find({ id: action.roomExternalId });
        if (!room) return notFound('room');
        const mentions: impls.ContactInterface[] = [];
        for (const id of action.mentionExternalIds) {
          const member = await bot.Contact.find({ id });
          if (member) mentions.push(member);
        }
        // Wechaty 1.20 has no @all: WeCom shows "@所有人" as text to everyone, which is what the step asks for.
        const content = action.mentionAll ? { ...action.content, text: `@所有人 ${action.content.text ?? ''}`.trim() } : action.content;
        return this.#sayContent(bot, room, content, mentions);
      }
      case 'moment': {
        const builder = bot.Post.builder();
        if (action.text) builder.add(action.text);
        for (const image of action.images ?? []) builder.add(await this.#file(image));
        if (action.video) builder.add(await this.#file(action.video));
        if (action.link) builder.add(new bot.UrlLink({ url: action.link.url, title: action.link.title, description: action.link.description ?? '', ...(isUrl(action.link.thumbnail) ? { thumbnailUrl: action.link.thumbnail } : {}) }));
        const post = await bot.publish(await builder.build());
        return post ? { ok: true, externalMessageId: post.id } : { ok: true };
      }
      case 'tag':
      case 'untag': {
        const contact = await bot.Contact.find({ id: action.contactExternalId });
        if (!contact) return notFound('contact');
        for (const name of action.tags) {
          const tag = await bot.Tag.get(name);
          if (action.kind === 'tag') await tag.add(contact);
          else await tag.remove(contact);
        }
        return { ok: true };
      }
      case 'invite': {
        const contact = await bot.Contact.find({ id: action.contactExternalId });
        if (!contact) return notFound('contact');
        const pattern = globToRegExp(action.roomTopicPattern);
        const rooms = await bot.Room.findAll();
        let target: impls.RoomInterface | undefined;
        for (const room of rooms) {
          if (pattern.test(await room.topic())) {
            target = room;
            break;
          }
        }
        if (!target) return { ok: false, retryable: false, message: `no room of this account matches "${action.roomTopicPattern}"` };
        await target.add(contact);
        return { ok: true };
      }
    }
  }

  async #sayContent(bot: Wechaty, to: impls.ContactInterface | impls.RoomInterface, content: MessageContent, mentions: impls.ContactInterface[] = []): Promise<ActionResult> {
    // Everything is prepared before the first message goes (a missing asset is then a clean failure, not a send
    // left half done); a step with text and an image or a card sends them as consecutive messages, text first.
    const parts: Array<FileBox | impls.UrlLinkInterface | impls.MiniProgramInterface> = [];
    if (content.image) parts.push(await this.#file(content.image));
    if (content.link) {
      parts.push(new bot.UrlLink({ url: content.link.url, title: content.link.title, description: content.link.description ?? '', ...(isUrl(content.link.thumbnail) ? { thumbnailUrl: content.link.thumbnail } : {}) }));
    }
    if (content.miniProgram) {
      const mp = content.miniProgram;
      parts.push(new bot.MiniProgram({ appid: mp.appId, title: mp.title, pagePath: mp.pagePath, ...(isUrl(mp.thumbnail) ? { thumbUrl: mp.thumbnail } : {}) }));
    }
    let first: unknown;
    if (content.text) first = mentions.length > 0 ? await (to as impls.RoomInterface).say(content.text, ...mentions) : await to.say(content.text);
    for (const part of parts) {
      const message = await to.say(part);
      first ??= message;
    }
    return sent(first);
  }

  /** An asset from the playbook folder as a FileBox (base64: the one form every puppet, the mock included, takes). */
  async #file(relativePath: string): Promise<FileBox> {
    const path = resolve(this.#assetRoot, relativePath);
    if (!path.startsWith(this.#assetRoot + sep)) throw new Error(`asset path leaves the playbook folder: ${relativePath}`);
    return FileBox.fromBase64((await readFile(path)).toString('base64'), basename(path));
  }
}

/**
 * Card thumbnails must be URLs the phone can load; a playbook asset is a file on this machine, which nothing
 * serves yet (the web server of issue #9 will), so such a card goes without its thumbnail.
 */
function isUrl(value: string | undefined): value is string {
  return value !== undefined && /^https?:\/\//.test(value);
}

function notFound(what: string): ActionResult {
  return { ok: false, retryable: false, message: `${what} not found on this account` };
}

function sent(message: unknown): ActionResult {
  const id = message && typeof message === 'object' && 'id' in message ? String((message as { id: unknown }).id) : undefined;
  return id ? { ok: true, externalMessageId: id } : { ok: true };
}
