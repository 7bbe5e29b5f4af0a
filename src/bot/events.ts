import { types, type impls } from 'wechaty';
import type { ChannelEvent, ContactRef, RoomRef } from '../domain/channel.ts';
import { storableText } from '../shared/text.ts';

/**
 * Wechaty objects → the engine's ChannelEvents. Event ids are what makes a redelivered event harmless: they are
 * built only from what the puppet resends unchanged (message id, friendship id, room + member + the event's own
 * timestamp), never from the time we received it.
 */

export function contactRef(contact: impls.ContactInterface): ContactRef {
  const name = contact.name() ? storableText(contact.name()) : '';
  return { externalId: contact.id, ...(name ? { name } : {}) };
}

export async function roomRef(room: impls.RoomInterface): Promise<RoomRef> {
  return { externalId: room.id, topic: storableText(await room.topic()) };
}

/** A message from someone else (the bot's own messages return undefined: they are logged as outbound sends). */
export async function messageEvent(accountId: string, message: impls.MessageInterface): Promise<Extract<ChannelEvent, { kind: 'message' }> | undefined> {
  if (message.self()) return undefined;
  const talker = message.talker();
  const room = message.room();
  const base = {
    kind: 'message' as const, accountId, eventId: `message:${message.id}`, at: message.date(),
    contact: contactRef(talker), ...(room ? { room: await roomRef(room) } : {}),
  };
  switch (message.type()) {
    case types.Message.Text:
      return { ...base, text: storableText(message.text()) };
    case types.Message.Url: {
      const link = await message.toUrlLink();
      const title = storableText(link.title());
      return { ...base, text: title, media: 'link', link: { url: storableText(link.url()), title } };
    }
    case types.Message.Image:
      return { ...base, text: '', media: 'image' };
    default:
      return { ...base, text: '', media: 'other' };
  }
}

/** A friendship the account now has (a request it accepted, or one WeCom confirmed): the contact was added. */
export function friendAddedEvent(accountId: string, friendship: impls.FriendshipInterface, at: Date): Extract<ChannelEvent, { kind: 'friend.added' }> {
  const greeting = friendship.hello();
  const hello = greeting ? storableText(greeting) : '';
  return {
    kind: 'friend.added', accountId, eventId: `friendship:${friendship.id}`, at,
    contact: contactRef(friendship.contact()), ...(hello ? { hello } : {}),
  };
}

export async function roomJoinEvents(accountId: string, room: impls.RoomInterface, invitees: impls.ContactInterface[], inviter: impls.ContactInterface | undefined, date: Date | undefined, now: Date, selfId: string | undefined): Promise<ChannelEvent[]> {
  const ref = await roomRef(room);
  const at = date ?? now;
  // The inviter is the one who added them; a member who joined by QR code or link has the bot itself or nobody.
  const by = inviter && inviter.id !== selfId ? contactRef(inviter) : undefined;
  return invitees
    .filter((member) => member.id !== selfId)
    .map((member) => ({
      kind: 'room.joined' as const, accountId, eventId: `room-join:${room.id}:${member.id}:${at.getTime()}`, at,
      room: ref, member: contactRef(member), ...(by ? { inviter: by } : {}),
    }));
}

export async function roomLeaveEvents(accountId: string, room: impls.RoomInterface, leavers: impls.ContactInterface[], date: Date | undefined, now: Date, selfId: string | undefined): Promise<ChannelEvent[]> {
  const ref = await roomRef(room);
  const at = date ?? now;
  return leavers
    .filter((member) => member.id !== selfId)
    .map((member) => ({ kind: 'room.left' as const, accountId, eventId: `room-leave:${room.id}:${member.id}:${at.getTime()}`, at, room: ref, member: contactRef(member) }));
}
