import type { MessageContent, OutboundAction } from '../domain/channel.ts';
import { parseDuration, parseTimeOfDay } from '../playbook/duration.ts';
import type { FlowDocument } from '../playbook/schema/documents.ts';
import type { Step } from '../playbook/schema/steps.ts';
import { stepKinds } from '../playbook/schema/steps.ts';
import { conditionHolds, type ConditionFacts } from './conditions.ts';
import type { AccountProfile, ContactRecord, EngineDeps, NewOutboxEntry, RoomRecord, RunRecord, StaffRecord } from './ports.ts';
import { pickVariant, renderTemplate } from './render.ts';
import { wakeAfterWait } from './waits.ts';

/**
 * Advances one run: executes its steps from `stepIndex` until a wait or the end, turning every outbound action
 * into an outbox entry with a deterministic idempotency key (run, step, action). Re-running a step after a crash
 * yields the same keys, so the store's unique index makes the re-run harmless; coupons and points carry the same
 * per-step key to the same end.
 */
export interface FlowDefinition {
  document: FlowDocument;
  templates: Record<string, string[]>;
}

export type Subject =
  | { kind: 'contact'; contact: ContactRecord }
  | { kind: 'room'; room: RoomRecord }
  | { kind: 'staff'; staff: StaffRecord }
  | { kind: 'account' };

export interface AdvanceContext {
  deps: EngineDeps;
  account: AccountProfile;
  flow: FlowDefinition;
  /** Asset name → path in the playbook folder. */
  assets: ReadonlyMap<string, string>;
  now: Date;
}

export interface AdvanceResult {
  run: RunRecord;
  outbox: NewOutboxEntry[];
}

export async function advanceRun(input: RunRecord, ctx: AdvanceContext): Promise<AdvanceResult> {
  const run: RunRecord = { ...input, state: { ...input.state, vars: { ...input.state.vars } } };
  const outbox: NewOutboxEntry[] = [];
  // Parsed steps carry their action as a key (`say:`); the executor switches on it as `kind`.
  const steps = ctx.flow.document.steps.map((raw) => ({ ...raw, kind: stepKinds.find((k) => k in raw)! }) as Step);
  const { store } = ctx.deps;

  // The subject is read once per advance: nothing but the run's own tag steps changes it between two steps of one
  // advance, and those are applied to this copy as the store applies them. This read is the engine's most frequent.
  let loaded = await loadSubject(run, ctx);
  while (run.stepIndex < steps.length) {
    const subject = loaded;
    if (!subject) return finish(run, outbox, 'stopped', 'the subject no longer exists (forgotten or removed)');
    const facts = factsOf(subject, run);
    if (ctx.flow.document.stopWhen && conditionHolds(ctx.flow.document.stopWhen, facts)) {
      return finish(run, outbox, 'stopped', 'stopWhen holds');
    }
    const index = run.stepIndex;
    const step = steps[index]!;
    const kind = step.kind;
    if (step.when && !conditionHolds(step.when, facts)) {
      ctx.deps.logger.debug({ flow: run.flowId, run: run.id, step: index }, 'step skipped: when does not hold');
      run.stepIndex++;
      continue;
    }
    const key = `run:${run.id}:${index}:${kind}`;
    const vars = templateVars(subject, run, ctx);
    const entry = (action: OutboundAction, mode: 'auto' | 'assist' = 'auto', proactive = !run.state.reply): NewOutboxEntry => ({
      idempotencyKey: key, accountId: run.accountId, runId: run.id, stepIndex: index, flowId: run.flowId,
      mode: ctx.account.role === 'ambassador' && action.kind !== 'tag' && action.kind !== 'untag' ? 'assist' : mode,
      proactive, contactId: subject.kind === 'contact' ? subject.contact.id : null, roomId: subject.kind === 'room' ? subject.room.id : null,
      action, dueAt: ctx.now,
    });

    switch (step.kind) {
      case 'wait': {
        const wake = wakeAfterWait(ctx.now, parseDuration(step.wait)!, step.at === undefined ? undefined : parseTimeOfDay(step.at), ctx.account.timeZone);
        run.stepIndex = index + 1;
        run.status = 'waiting';
        run.wakeAt = wake;
        run.state.reply = false; // after a wait nothing answers the customer any more: it is proactive
        return { run, outbox };
      }
      case 'say': {
        if (subject.kind !== 'contact') break;
        if (step.coupon) {
          const issued = await issueCoupon(step.coupon.campaign, subject.contact, run, key, ctx);
          if (!issued) break;
          vars.coupon = run.state.vars.coupon;
        }
        outbox.push(entry({ kind: 'say', accountId: run.accountId, contactExternalId: subject.contact.externalId, content: renderContent(step.say, vars, ctx, `${subject.contact.id}:${key}`) }, step.mode));
        break;
      }
      case 'roomSay': {
        if (subject.kind !== 'room') break;
        const mentions = (step.mention ?? []).flatMap((who) => {
          const ref = who === 'all' ? undefined : (run.state.vars[who] as { externalId?: string } | null | undefined);
          return ref?.externalId ? [ref.externalId] : [];
        });
        outbox.push(entry({
          kind: 'roomSay', accountId: run.accountId, roomExternalId: subject.room.externalId,
          content: renderContent(step.roomSay, vars, ctx, `${subject.room.id}:${key}`), mentionExternalIds: mentions,
          mentionAll: step.mention?.includes('all') ?? false,
        }, step.mode, false));
        break;
      }
      case 'moment': {
        const m = step.moment;
        const text = m.text === undefined ? undefined : renderTexts(m.text, vars, ctx, `${run.accountId}:${key}`);
        outbox.push(entry({
          kind: 'moment', accountId: run.accountId, ...(text ? { text } : {}),
          ...(m.images ? { images: m.images.map((a) => asset(a, ctx)) } : {}), ...(m.video ? { video: asset(m.video, ctx) } : {}),
          ...(m.link ? { link: m.link } : {}), ...(m.visibleTo ? { visibleToTags: m.visibleTo.tags } : {}),
        }, step.mode, false));
        break;
      }
      case 'tag':
      case 'untag': {
        if (subject.kind !== 'contact') break;
        const tags = step.kind === 'tag' ? step.tag : step.untag;
        const add = step.kind === 'tag' ? tags : [];
        const remove = step.kind === 'untag' ? tags : [];
        await store.setTags(subject.contact.id, add, remove, `flow:${run.flowId}`, ctx.now);
        outbox.push(entry({ kind: step.kind, accountId: run.accountId, contactExternalId: subject.contact.externalId, tags }, 'auto', false));
        loaded = { kind: 'contact', contact: { ...subject.contact, tags: withTags(subject.contact.tags, add, remove) } };
        break;
      }
      case 'inviteToRoom':
        if (subject.kind !== 'contact') break;
        outbox.push(entry({ kind: 'invite', accountId: run.accountId, contactExternalId: subject.contact.externalId, roomTopicPattern: step.inviteToRoom.topic }));
        break;
      case 'issueCoupon':
        if (subject.kind === 'contact') await issueCoupon(step.issueCoupon.campaign, subject.contact, run, key, ctx);
        break;
      case 'awardPoints': {
        const target = pointsTarget(step.awardPoints.to, subject, run, ctx);
        if (!target) {
          ctx.deps.logger.info({ flow: run.flowId, run: run.id, step: index, to: step.awardPoints.to }, 'points not awarded: no KOC to credit');
          break;
        }
        const result = await ctx.deps.rewards.awardPoints({ staff: target, amount: step.awardPoints.amount, reason: step.awardPoints.reason, key, at: ctx.now });
        if (!result.ok) ctx.deps.logger.info({ flow: run.flowId, run: run.id, step: index, reason: result.reason }, 'points not awarded');
        break;
      }
      case 'assignTask': {
        if (subject.kind !== 'staff') break;
        const offer = await ctx.deps.rewards.offerTask({ taskId: step.assignTask.task, staffId: subject.staff.id, key, at: ctx.now, timeZone: ctx.account.timeZone });
        if (!offer.ok) {
          ctx.deps.logger.info({ flow: run.flowId, run: run.id, step: index, reason: offer.reason }, 'task not offered');
          break;
        }
        run.state.vars.task = {
          id: step.assignTask.task, number: offer.number, title: offer.title ?? step.assignTask.task, points: offer.points ?? 0,
          due: offer.dueAt ? offer.dueAt.toISOString() : '',
        };
        break;
      }
      case 'notifyStaff': {
        const to = await staffRecipient(step.notifyStaff.to, subject, ctx);
        if (!to) {
          ctx.deps.logger.info({ flow: run.flowId, run: run.id, step: index }, 'staff note not sent: no staff member to notify');
          break;
        }
        const text = renderTexts(step.notifyStaff.text, vars, ctx, key);
        outbox.push(entry({ kind: 'staffNote', accountId: run.accountId, staffExternalId: to, text }, 'auto', false));
        break;
      }
    }
    run.stepIndex = index + 1;
  }
  return finish(run, outbox, 'done', null);
}

function finish(run: RunRecord, outbox: NewOutboxEntry[], status: 'done' | 'stopped', reason: string | null): AdvanceResult {
  run.status = status;
  run.wakeAt = null;
  run.stopReason = reason;
  return { run, outbox };
}

async function loadSubject(run: RunRecord, ctx: AdvanceContext): Promise<Subject | undefined> {
  const { store } = ctx.deps;
  switch (run.subjectKind) {
    case 'contact': {
      const contact = await store.getContact(run.subjectId);
      return contact ? { kind: 'contact', contact } : undefined;
    }
    case 'room': {
      const room = await store.getRoom(run.subjectId);
      return room ? { kind: 'room', room } : undefined;
    }
    case 'staff': {
      const staff = await store.getStaff(run.subjectId);
      return staff ? { kind: 'staff', staff } : undefined;
    }
    case 'account':
      return { kind: 'account' };
  }
}

/** A contact's tags after setTags(add, remove), as the store returns them: sorted, a tag in both lists removed. */
function withTags(tags: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const set = new Set([...tags, ...add]);
  for (const tag of remove) set.delete(tag);
  return [...set].sort();
}

function factsOf(subject: Subject, run: RunRecord): ConditionFacts {
  const inviter = run.state.vars.inviter as { isKoc?: boolean; isStaff?: boolean } | null | undefined;
  const invitedBy = inviter ? (inviter.isKoc ? 'koc' : inviter.isStaff ? 'staff' : 'customer') : null;
  if (subject.kind === 'contact') {
    const c = subject.contact;
    return { tags: c.tags, attributes: c.attributes, referred: c.referrer !== null, invitedBy, tier: c.referrer?.tier ?? null, optedOut: c.optedOutAt !== null };
  }
  if (subject.kind === 'staff') {
    return { tags: [], attributes: {}, referred: false, invitedBy, tier: subject.staff.tier, optedOut: false };
  }
  return { tags: [], attributes: {}, referred: false, invitedBy, tier: null, optedOut: false };
}

function templateVars(subject: Subject, run: RunRecord, ctx: AdvanceContext): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    account: { id: ctx.account.id, name: ctx.account.name, role: ctx.account.role },
    store: { id: ctx.account.storeId ?? '', name: ctx.account.storeName },
    flow: { id: ctx.flow.document.id, name: ctx.flow.document.name ?? ctx.flow.document.id },
    now: ctx.now.toISOString(),
    ...run.state.vars,
  };
  if (subject.kind === 'contact') {
    const c = subject.contact;
    vars.contact = { id: c.id, name: c.name ?? '', alias: c.alias ?? '', tags: c.tags, attributes: c.attributes };
    vars.referrer = c.referrer ? { name: c.referrer.name, code: c.referrer.code ?? '', tier: c.referrer.tier ?? '' } : null;
  } else if (subject.kind === 'room') {
    vars.room = { ...((run.state.vars.room as object | undefined) ?? {}), id: subject.room.id, topic: subject.room.topic };
  } else if (subject.kind === 'staff') {
    const s = subject.staff;
    // rank, code and link come from the leaderboard read when a cron flow fired (Engine.#fire), kept in the run state.
    const standing = (run.state.vars.staff as { rank?: number; code?: string; link?: string } | undefined) ?? {};
    vars.staff = { rank: standing.rank ?? '', code: standing.code ?? '', link: standing.link ?? '', name: s.name, role: s.role, tier: s.tier ?? '', points: s.points };
  }
  return vars;
}

function renderTexts(text: string | string[] | { template: string }, vars: Record<string, unknown>, ctx: AdvanceContext, seed: string): string {
  const variants = typeof text === 'string' ? [text] : Array.isArray(text) ? text : (ctx.flow.templates[text.template] ?? []);
  return renderTemplate(pickVariant(variants, seed), vars, ctx.account.timeZone);
}

type SayContent = Extract<Step, { kind: 'say' }>['say'];

function renderContent(content: SayContent, vars: Record<string, unknown>, ctx: AdvanceContext, seed: string): MessageContent {
  if (typeof content === 'string' || Array.isArray(content)) return { text: renderTexts(content, vars, ctx, seed) };
  if ('template' in content && Object.keys(content).length === 1) return { text: renderTexts({ template: content.template! }, vars, ctx, seed) };
  const c = content as { text?: string | string[]; template?: string; image?: string; link?: MessageContent['link']; miniProgram?: MessageContent['miniProgram'] };
  const out: MessageContent = {};
  if (c.text !== undefined) out.text = renderTexts(c.text, vars, ctx, seed);
  if (c.template !== undefined) out.text = renderTexts({ template: c.template }, vars, ctx, seed);
  if (c.image) out.image = asset(c.image, ctx);
  if (c.link) out.link = { ...c.link, ...(c.link.thumbnail ? { thumbnail: asset(c.link.thumbnail, ctx) } : {}) };
  if (c.miniProgram) out.miniProgram = { ...c.miniProgram, ...(c.miniProgram.thumbnail ? { thumbnail: asset(c.miniProgram.thumbnail, ctx) } : {}) };
  return out;
}

function asset(ref: string, ctx: AdvanceContext): string {
  return ctx.assets.get(ref) ?? ref;
}

async function issueCoupon(campaignId: string, contact: ContactRecord, run: RunRecord, key: string, ctx: AdvanceContext): Promise<boolean> {
  const result = await ctx.deps.rewards.issueCoupon({ campaignId, contactId: contact.id, accountId: run.accountId, key, at: ctx.now, timeZone: ctx.account.timeZone });
  if (!result.ok) {
    ctx.deps.logger.info({ flow: run.flowId, run: run.id, step: run.stepIndex, campaign: campaignId, reason: result.reason }, 'coupon not issued; the step is skipped');
    return false;
  }
  run.state.vars.coupon = { ...result.coupon, expiresAt: result.coupon.expiresAt.toISOString() };
  return true;
}

function pointsTarget(to: 'inviter' | 'referrer' | 'staff' | 'owner', subject: Subject, run: RunRecord, ctx: AdvanceContext): { id: string } | { externalId: string; accountId: string } | undefined {
  switch (to) {
    case 'referrer':
      return subject.kind === 'contact' && subject.contact.referrer ? { id: subject.contact.referrer.staffId } : undefined;
    case 'staff':
      return subject.kind === 'staff' ? { id: subject.staff.id } : undefined;
    case 'inviter': {
      const inviter = run.state.vars.inviter as { externalId?: string } | null | undefined;
      return inviter?.externalId ? { externalId: inviter.externalId, accountId: run.accountId } : undefined;
    }
    case 'owner':
      return ctx.account.ownerStaffExternalId ? { externalId: ctx.account.ownerStaffExternalId, accountId: run.accountId } : undefined;
  }
}

async function staffRecipient(to: 'owner' | 'referrer' | 'staff', subject: Subject, ctx: AdvanceContext): Promise<string | undefined> {
  if (to === 'owner') return ctx.account.ownerStaffExternalId ?? undefined;
  if (to === 'staff') return subject.kind === 'staff' ? subject.staff.externalId : undefined;
  if (subject.kind !== 'contact' || !subject.contact.referrer) return undefined;
  return (await ctx.deps.store.getStaff(subject.contact.referrer.staffId))?.externalId;
}
