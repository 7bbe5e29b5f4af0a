import type { Instant } from './types.ts';

/**
 * The Channel port: how the engine hears from and acts on WeCom. `bot/` implements it with Wechaty (one bot per
 * account); tests and `simulate` use a fake. Ids here are the puppet's external ids; the store maps them to rows.
 */

export interface ContactRef {
  externalId: string;
  name?: string;
}

export interface RoomRef {
  externalId: string;
  topic: string;
}

interface EventBase {
  accountId: string;
  /** Unique per event from the source; a redelivered event carries the same id (dedup key). */
  eventId: string;
  at: Instant;
}

export type ChannelEvent =
  | (EventBase & { kind: 'friend.added'; contact: ContactRef; hello?: string })
  | (EventBase & {
      kind: 'message';
      contact: ContactRef;
      room?: RoomRef;
      /** The text; for a link card its title, for an image or other media the empty string. */
      text: string;
      /** Absent for plain text. Keyword triggers look at `text` only. */
      media?: 'link' | 'image' | 'other';
      link?: { url: string; title: string };
    })
  | (EventBase & { kind: 'room.joined'; room: RoomRef; member: ContactRef; inviter?: ContactRef })
  | (EventBase & { kind: 'room.left'; room: RoomRef; member: ContactRef })
  | (EventBase & { kind: 'tag.added' | 'tag.removed'; contact: ContactRef; tag: string })
  | (EventBase & { kind: 'code.sent'; contact: ContactRef; code: string; campaignId?: string; referrerName?: string })
  | (EventBase & { kind: 'coupon.redeemed'; contact: ContactRef; couponCode: string; campaignId: string; storeName: string; couponExpiresAt?: Instant })
  /** A customer's invitees into a fission campaign's group reached its goal (raised once per inviter and campaign). */
  | (EventBase & { kind: 'fission.goal'; contact: ContactRef; room: RoomRef; campaignId: string; invites: number; goal: number });

export type ChannelEventKind = ChannelEvent['kind'];

/** A message as it will be sent: templates already rendered. */
export interface MessageContent {
  text?: string;
  /** Asset path relative to the playbook folder. */
  image?: string;
  link?: { url: string; title: string; description?: string; thumbnail?: string };
  miniProgram?: { appId: string; title: string; pagePath: string; thumbnail?: string };
}

export type OutboundAction =
  | { kind: 'say'; accountId: string; contactExternalId: string; content: MessageContent }
  | { kind: 'roomSay'; accountId: string; roomExternalId: string; content: MessageContent; mentionExternalIds: string[]; mentionAll: boolean }
  | { kind: 'moment'; accountId: string; text?: string; images?: string[]; video?: string; link?: MessageContent['link']; visibleToTags?: string[] }
  | { kind: 'tag' | 'untag'; accountId: string; contactExternalId: string; tags: string[] }
  | { kind: 'invite'; accountId: string; contactExternalId: string; roomTopicPattern: string }
  /** Assist mode and staff notes: a message to a staff member in chat. */
  | { kind: 'staffNote'; accountId: string; staffExternalId: string; text: string; images?: string[] };

export type OutboundKind = OutboundAction['kind'];

/**
 * In assist mode these become a task card a person carries out and confirms with /done N; a staff note or a tag in
 * assist mode is still done by the bot itself (see the dispatcher's assistCard).
 */
export const ASSIST_CARD_KINDS: readonly OutboundKind[] = ['say', 'roomSay', 'moment', 'invite'];

export type ActionResult =
  | { ok: true; externalMessageId?: string }
  | {
      ok: false;
      /** The puppet cannot do this at all (e.g. Moments on the stock puppet): fall back to assist mode. */
      unsupported?: boolean;
      /** WeCom or the puppet says slow down: the whole account backs off. */
      throttled?: boolean;
      /** Trying again may succeed. */
      retryable: boolean;
      retryAfterMs?: number;
      message: string;
    };

/** Which outbox row an action comes from: for the channel's logs and for `simulate`'s duplicate check. */
export interface ActionMeta {
  outboxId: string;
  idempotencyKey: string;
}

export interface Channel {
  perform(action: OutboundAction, meta: ActionMeta): Promise<ActionResult>;
  /** Whether this account's puppet can do this kind of action at all; when not, the engine falls back to assist. */
  supports(accountId: string, kind: OutboundKind): boolean;
  /** Whether the account can act now (its bot is logged in); when not, its sends are deferred as account_offline. */
  available(accountId: string): boolean;
}
