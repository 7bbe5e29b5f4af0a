import type { OutboundAction } from '../domain/channel.ts';
import type { DeliveredAction } from './fakeChannel.ts';

/**
 * `--out`: every delivery as one JSON line, in the order the channel received them, keys always in this order:
 *   at          ISO instant (simulated time)
 *   account     the account that sent it
 *   flow        the flow whose run enqueued it, or null (the opt-out confirmation)
 *   kind        what was delivered: say, roomSay, moment, tag, untag, invite, staffNote (assist task cards too)
 *   to          the contact's, room's or staff member's external id; null for a Moment
 *   outboxKey   the outbox entry's idempotency key (seeded ids make it the same for the same seed)
 *   text        the text, with attachments in brackets: [image …], [link …], [mini program …]; tags joined by ","
 * Nothing in a line comes from the wall clock or an unseeded random source, so the file is byte-identical for
 * the same seed, playbooks and options.
 */
export interface TimelineLine {
  at: string;
  account: string;
  flow: string | null;
  kind: OutboundAction['kind'];
  to: string | null;
  outboxKey: string;
  text: string;
}

export function timelineLine(delivery: DeliveredAction, flowId: string | null): string {
  const a = delivery.action;
  const line: TimelineLine = {
    at: delivery.at.toISOString(),
    account: a.accountId,
    flow: flowId,
    kind: a.kind,
    to: recipientOf(a),
    outboxKey: delivery.meta.idempotencyKey,
    text: textOf(a),
  };
  return JSON.stringify(line);
}

/** The whole file: one line per delivery, each ending in a newline. */
export function timeline(deliveries: readonly DeliveredAction[], flowOf: (outboxId: string) => string | null): string {
  let out = '';
  for (const d of deliveries) out += timelineLine(d, flowOf(d.meta.outboxId)) + '\n';
  return out;
}

function recipientOf(a: OutboundAction): string | null {
  switch (a.kind) {
    case 'say':
    case 'tag':
    case 'untag':
    case 'invite':
      return a.contactExternalId;
    case 'roomSay':
      return a.roomExternalId;
    case 'staffNote':
      return a.staffExternalId;
    case 'moment':
      return null;
  }
}

function textOf(a: OutboundAction): string {
  const parts: string[] = [];
  switch (a.kind) {
    case 'say':
    case 'roomSay': {
      const c = a.content;
      if (c.text) parts.push(c.text);
      if (c.image) parts.push(`[image ${c.image}]`);
      if (c.link) parts.push(`[link ${c.link.title} ${c.link.url}]`);
      if (c.miniProgram) parts.push(`[mini program ${c.miniProgram.title} ${c.miniProgram.pagePath}]`);
      break;
    }
    case 'moment':
      if (a.text) parts.push(a.text);
      if (a.images?.length) parts.push(`[images ${a.images.join(', ')}]`);
      if (a.video) parts.push(`[video ${a.video}]`);
      if (a.link) parts.push(`[link ${a.link.title} ${a.link.url}]`);
      break;
    case 'tag':
    case 'untag':
      parts.push(a.tags.join(','));
      break;
    case 'invite':
      parts.push(`[invite to ${a.roomTopicPattern}]`);
      break;
    case 'staffNote':
      parts.push(a.text);
      if (a.images?.length) parts.push(`[images ${a.images.join(', ')}]`);
      break;
  }
  return parts.join(' ');
}
