import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import type { Condition } from '../playbook/schema/conditions.ts';
import type { FlowDocument } from '../playbook/schema/documents.ts';
import type { Step, StepKind } from '../playbook/schema/steps.ts';
import { stepKinds } from '../playbook/schema/steps.ts';
import type { SubjectKind, Trigger } from '../playbook/schema/triggers.ts';
import type { Lang } from '../i18n/lang.ts';
import { t, type MessageKey } from '../i18n/messages.ts';

/**
 * A flow in plain words, in Chinese or English: its trigger, its account selector, conditions and steps. Only
 * words: what happens when is computed by the engine's functions in explain.ts.
 */
export function list(lang: Lang, items: readonly (string | number)[]): string {
  return items.join(t(lang, 'list.sep'));
}

export function subjectWord(lang: Lang, subject: SubjectKind): string {
  return t(lang, `subject.${subject}`);
}

function roleWords(lang: Lang, roles: readonly string[]): string {
  return roles.map((r) => t(lang, `role.${r}` as MessageKey)).join(t(lang, 'list.or'));
}

function roomWords(lang: Lang, topic: string | undefined): string {
  return topic === undefined ? t(lang, 'room.any') : t(lang, 'room.topic', { topic });
}

/** `zone`: the zone a schedule runs in (the trigger's own, else the account's). */
export function describeTrigger(lang: Lang, trigger: Trigger, flowId: string, zone: string): string {
  if ('cron' in trigger) {
    const a = trigger.audience;
    let audience = t(lang, 'audience.account');
    if (a?.rooms) audience = t(lang, 'audience.rooms', { topic: a.rooms.topic });
    else if (a?.contacts) {
      const c = a.contacts;
      const parts = [
        ...(c.tagged || c.notTagged || c.attributes ? [describeCondition(lang, { tagged: c.tagged, notTagged: c.notTagged, attributes: c.attributes })] : []),
        ...(c.referredByTier ? [t(lang, 'audience.referredByTier', { tiers: c.referredByTier.join(t(lang, 'list.or')) })] : []),
      ];
      audience = t(lang, 'audience.contacts', { filters: parts.length ? t(lang, 'audience.filters', { condition: parts.join(t(lang, 'list.and')) }) : '' });
    } else if (a?.staff) {
      const s = a.staff;
      const parts = [
        ...(s.roles ? [t(lang, 'audience.roles', { roles: roleWords(lang, s.roles) })] : []),
        ...(s.tiers ? [t(lang, 'audience.tiers', { tiers: s.tiers.join(t(lang, 'list.or')) })] : []),
      ];
      audience = t(lang, 'audience.staff', { filters: parts.length ? t(lang, 'audience.filters', { condition: parts.join(t(lang, 'list.and')) }) : '' });
    }
    return t(lang, 'trigger.cron', { cron: trigger.cron, zone: trigger.timeZone ?? zone, audience });
  }
  switch (trigger.on) {
    case 'friend.added':
      return t(lang, 'trigger.friend.added', { accept: trigger.accept ? t(lang, 'trigger.accept') : '' });
    case 'message.keyword': {
      const room = roomWords(lang, trigger.room?.topic);
      const where = trigger.in === 'private' ? t(lang, 'where.private') : trigger.in === 'room' ? t(lang, 'where.room', { room }) : t(lang, 'where.any', { room });
      const matches = [
        ...(trigger.keywords ? [t(lang, 'match.keywords', { words: list(lang, trigger.keywords) })] : []),
        ...(trigger.regex ? [t(lang, 'match.regex', { regex: trigger.regex })] : []),
      ];
      return t(lang, 'trigger.message.keyword', { where, match: matches.join(t(lang, 'list.or')) });
    }
    case 'room.joined':
      return t(lang, 'trigger.room.joined', { room: roomWords(lang, trigger.room?.topic) });
    case 'room.left':
      return t(lang, 'trigger.room.left', { room: roomWords(lang, trigger.room?.topic) });
    case 'tag.added':
      return t(lang, 'trigger.tag.added', { tag: trigger.tag });
    case 'tag.removed':
      return t(lang, 'trigger.tag.removed', { tag: trigger.tag });
    case 'code.sent':
      return t(lang, 'trigger.code.sent', { campaign: trigger.campaign ? t(lang, 'campaign.of', { campaign: trigger.campaign }) : '' });
    case 'coupon.redeemed':
      return t(lang, 'trigger.coupon.redeemed', { campaign: trigger.campaign ? t(lang, 'campaign.of', { campaign: trigger.campaign }) : '' });
    case 'fission.goal':
      return t(lang, 'trigger.fission.goal', { campaign: trigger.campaign ? t(lang, 'campaign.of', { campaign: trigger.campaign }) : '' });
    case 'manual':
      return t(lang, 'trigger.manual', { flow: flowId, subject: trigger.subject });
  }
}

export function describeSelector(lang: Lang, selector: FlowDocument['accounts']): string {
  const parts = [
    ...(selector?.roles ? [t(lang, 'selector.roles', { roles: roleWords(lang, selector.roles) })] : []),
    ...(selector?.stores ? [t(lang, 'selector.stores', { stores: list(lang, selector.stores) })] : []),
    ...(selector?.ids ? [t(lang, 'selector.ids', { ids: list(lang, selector.ids) })] : []),
  ];
  return parts.length ? parts.join(t(lang, 'list.and')) : t(lang, 'selector.all');
}

export function describeCondition(lang: Lang, c: Condition): string {
  const parts: string[] = [];
  if (c.tagged) parts.push(t(lang, 'cond.tagged', { tags: list(lang, c.tagged) }));
  if (c.taggedAny) parts.push(t(lang, 'cond.taggedAny', { tags: list(lang, c.taggedAny) }));
  if (c.notTagged) parts.push(t(lang, 'cond.notTagged', { tags: list(lang, c.notTagged) }));
  for (const [key, value] of Object.entries(c.attributes ?? {})) parts.push(t(lang, 'cond.attribute', { key, value: String(value) }));
  if (c.referred !== undefined) parts.push(t(lang, c.referred ? 'cond.referred' : 'cond.notReferred'));
  if (c.invitedBy) parts.push(t(lang, `cond.invitedBy.${c.invitedBy}`));
  if (c.tier) parts.push(t(lang, 'cond.tier', { tiers: c.tier.join(t(lang, 'list.or')) }));
  if (c.optedOut !== undefined) parts.push(t(lang, c.optedOut ? 'cond.optedOut' : 'cond.notOptedOut'));
  if (c.any) parts.push(t(lang, 'cond.any', { alternatives: c.any.map((inner) => describeCondition(lang, inner)).join(t(lang, 'list.or')) }));
  return parts.join(t(lang, 'list.and'));
}

/** The action key of a parsed step. */
export function stepKindOf(step: FlowDocument['steps'][number]): StepKind {
  return stepKinds.find((k) => k in step)!;
}

const EXCERPT_CHARS = 24;

function excerpt(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > EXCERPT_CHARS ? chars.slice(0, EXCERPT_CHARS).join('') + '…' : chars.join('');
}

/** Text, a list of wordings or { template } in words: the first wording, cut, and how many there are. */
function textWords(lang: Lang, text: string | string[] | { template: string }, set: PlaybookSet): string {
  if (typeof text === 'string') return t(lang, 'content.text', { text: excerpt(text) });
  if (Array.isArray(text)) {
    return text.length === 1 ? t(lang, 'content.text', { text: excerpt(text[0]!) }) : t(lang, 'content.variants', { text: excerpt(text[0]!), count: text.length });
  }
  const count = set.templates.get(text.template)?.length ?? 1;
  return count > 1 ? t(lang, 'content.templateVariants', { name: text.template, count }) : t(lang, 'content.template', { name: text.template });
}

type MessageShape = Extract<Step, { kind: 'say' }>['say'];

function messageWords(lang: Lang, content: MessageShape, set: PlaybookSet): string {
  if (typeof content === 'string' || Array.isArray(content)) return textWords(lang, content, set);
  const c = content as { text?: string | string[]; template?: string; image?: string; link?: { title: string }; miniProgram?: { title: string } };
  let out = c.text !== undefined ? textWords(lang, c.text, set) : c.template !== undefined ? textWords(lang, { template: c.template }, set) : '';
  if (c.image) out += t(lang, 'content.image', { asset: c.image });
  if (c.link) out += t(lang, 'content.link', { title: c.link.title });
  if (c.miniProgram) out += t(lang, 'content.miniProgram', { title: c.miniProgram.title });
  return out.replace(/^ \+ /, '');
}

/** One step in words, without its `when` (the caller wraps it) and without timing. */
export function describeStep(lang: Lang, raw: FlowDocument['steps'][number], flow: LoadedFlow, set: PlaybookSet): string {
  const step = { ...raw, kind: stepKindOf(raw) } as Step;
  const assist = 'mode' in step && step.mode === 'assist' && step.kind !== 'moment' ? t(lang, 'step.assist') : '';
  switch (step.kind) {
    case 'say':
      return t(lang, 'step.say', { content: messageWords(lang, step.say, set) }) + (step.coupon ? t(lang, 'step.coupon', { campaign: step.coupon.campaign }) : '') + assist;
    case 'roomSay':
      return t(lang, 'step.roomSay', {
        content: messageWords(lang, step.roomSay, set),
        mention: step.mention?.length ? t(lang, 'step.mention', { who: step.mention.map((m) => t(lang, `mention.${m}`)).join(t(lang, 'list.sep')) }) : '',
      }) + assist;
    case 'moment': {
      const m = step.moment;
      let content = m.text !== undefined ? textWords(lang, m.text, set) : '';
      if (m.images?.length) content += t(lang, 'content.images', { count: m.images.length });
      if (m.video) content += t(lang, 'content.video');
      if (m.link) content += t(lang, 'content.link', { title: m.link.title });
      const visible = m.visibleTo ? t(lang, 'moment.visible', { tags: list(lang, m.visibleTo.tags) }) : '';
      return t(lang, 'step.moment', { content: content.replace(/^ \+ /, ''), visible }) + (step.mode === 'assist' ? t(lang, 'step.assist') : '');
    }
    case 'tag':
      return t(lang, 'step.tag', { tags: list(lang, step.tag) });
    case 'untag':
      return t(lang, 'step.untag', { tags: list(lang, step.untag) });
    case 'inviteToRoom':
      return t(lang, 'step.inviteToRoom', { topic: step.inviteToRoom.topic });
    case 'issueCoupon':
      return t(lang, 'step.issueCoupon', { campaign: step.issueCoupon.campaign });
    case 'awardPoints':
      return t(lang, 'step.awardPoints', { amount: step.awardPoints.amount, to: t(lang, `points.${step.awardPoints.to}`), reason: step.awardPoints.reason });
    case 'wait':
      return step.at === undefined ? t(lang, 'step.wait', { duration: step.wait }) : t(lang, 'step.waitAt', { duration: step.wait, at: step.at });
    case 'assignTask':
      return t(lang, 'step.assignTask', { task: step.assignTask.task, title: set.tasks.get(step.assignTask.task)?.document.title ?? '' });
    case 'notifyStaff':
      return t(lang, 'step.notifyStaff', { to: t(lang, `notify.${step.notifyStaff.to}`), content: textWords(lang, step.notifyStaff.text, set) });
  }
}
