import type { ChannelEvent, ContactRef } from '../domain/channel.ts';
import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import type { EventTrigger } from '../playbook/schema/triggers.ts';
import { accountMatches, topicMatches } from './accountMatch.ts';
import type { AccountProfile, StaffRecord } from './ports.ts';

/**
 * Which flows an event starts, for which subject, with which variables. The occurrence key is the event id, so a
 * redelivered event maps to the same run (unique in the store) and never starts a second one.
 */
export interface TriggerMatch {
  flow: LoadedFlow;
  subject: 'contact' | 'room';
  occurrenceKey: string;
  vars: Record<string, unknown>;
  /** The run answers the customer's own action: its messages before the first wait are replies, not proactive. */
  reply: boolean;
}

/** What the engine looked up in the store about the event before matching it. */
export interface EventFacts {
  /** room.joined: the inviter among the staff (by WeCom user id); undefined when they are not staff (a customer). */
  inviterStaff?: StaffRecord | undefined;
}

export function matchEvent(event: ChannelEvent, set: PlaybookSet, account: AccountProfile, facts: EventFacts = {}): TriggerMatch[] {
  const matches: TriggerMatch[] = [];
  for (const flow of set.flows.values()) {
    const doc = flow.document;
    if (!doc.enabled || 'cron' in doc.trigger || !accountMatches(doc.accounts, account)) continue;
    const match = matchOne(doc.trigger, event, facts, set);
    if (match) matches.push({ flow, occurrenceKey: `event:${event.eventId}`, ...match });
  }
  return matches;
}

function matchOne(trigger: EventTrigger, event: ChannelEvent, facts: EventFacts, set: PlaybookSet): Omit<TriggerMatch, 'flow' | 'occurrenceKey'> | undefined {
  // The campaign's name and coupon wording as the playbooks say now (the event carries only its id).
  const campaignOf = (id: string | undefined) => (id ? set.campaigns.get(id)?.document : undefined);
  switch (trigger.on) {
    case 'friend.added':
      return event.kind === 'friend.added' ? { subject: 'contact', vars: { friend: { hello: event.hello ?? '' } }, reply: true } : undefined;
    case 'message.keyword': {
      if (event.kind !== 'message') return undefined;
      const where = event.room ? 'room' : 'private';
      if (trigger.in !== 'any' && trigger.in !== where) return undefined;
      if (event.room && !topicMatches(trigger.room?.topic, event.room.topic)) return undefined;
      const text = event.text;
      const hit = (trigger.keywords?.some((k) => text.includes(k)) ?? false) || (trigger.regex !== undefined && new RegExp(trigger.regex, 'u').test(text));
      if (!hit) return undefined;
      const vars: Record<string, unknown> = { message: { text } };
      if (event.room) Object.assign(vars, { room: { topic: event.room.topic }, member: { name: event.contact.name ?? '', externalId: event.contact.externalId } });
      return { subject: event.room ? 'room' : 'contact', vars, reply: true };
    }
    case 'room.joined':
      if (event.kind !== 'room.joined' || !topicMatches(trigger.room?.topic, event.room.topic)) return undefined;
      return {
        subject: 'room',
        vars: {
          member: { name: event.member.name ?? '', externalId: event.member.externalId },
          inviter: event.inviter ? inviterVars(event.inviter, facts.inviterStaff) : null,
        },
        reply: false,
      };
    case 'room.left':
      if (event.kind !== 'room.left' || !topicMatches(trigger.room?.topic, event.room.topic)) return undefined;
      return { subject: 'room', vars: { member: { name: event.member.name ?? '', externalId: event.member.externalId } }, reply: false };
    case 'tag.added':
    case 'tag.removed':
      return event.kind === trigger.on && event.tag === trigger.tag ? { subject: 'contact', vars: { tag: event.tag }, reply: false } : undefined;
    case 'code.sent':
      if (event.kind !== 'code.sent' || (trigger.campaign && trigger.campaign !== event.campaignId)) return undefined;
      return { subject: 'contact', vars: { code: event.code, campaign: { id: event.campaignId ?? '', name: campaignOf(event.campaignId)?.name ?? '' } }, reply: true };
    case 'coupon.redeemed':
      if (event.kind !== 'coupon.redeemed' || (trigger.campaign && trigger.campaign !== event.campaignId)) return undefined;
      return {
        subject: 'contact',
        vars: {
          coupon: {
            code: event.couponCode, title: campaignOf(event.campaignId)?.coupon.title ?? '', value: campaignOf(event.campaignId)?.coupon.value ?? '',
            ...(event.couponExpiresAt ? { expiresAt: event.couponExpiresAt } : {}),
          },
          redemption: { store: event.storeName, at: event.at },
        },
        reply: false,
      };
    case 'fission.goal':
      if (event.kind !== 'fission.goal' || (trigger.campaign && trigger.campaign !== event.campaignId)) return undefined;
      return {
        subject: 'contact',
        vars: { campaign: { id: event.campaignId, name: campaignOf(event.campaignId)?.name ?? '' }, fission: { invites: event.invites, goal: event.goal }, room: { topic: event.room.topic } },
        reply: false,
      };
    case 'manual':
      return undefined;
  }
}

/**
 * The inviter as a run keeps it (template variables, and `invitedBy` for conditions): a KOC is a staff member in the
 * KOC program (with a KOC profile, hence a tier), other staff are `staff`, anyone else a customer. Decided when the
 * run starts, so a later change of the inviter's standing does not change what the run does.
 */
function inviterVars(inviter: ContactRef, staff: StaffRecord | undefined): Record<string, unknown> {
  return {
    name: inviter.name ?? staff?.name ?? '',
    externalId: inviter.externalId,
    isStaff: staff !== undefined,
    isKoc: staff !== undefined && staff.tier !== null,
    tier: staff?.tier ?? '',
  };
}
