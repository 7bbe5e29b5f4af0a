import type { OutboundAction } from '../domain/channel.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import { decidePacing, mergePacing, nextThrottleBackoff, retryDelayMs } from './pacing/policy.ts';
import type { AccountProfile, ContactRecord, EngineDeps, OutboxRecord } from './ports.ts';

/**
 * Sends what is due, through pacing. Order of business for each due entry: pacing decides (defer or skip, with a
 * recorded reason — never silently dropped); only then is the row claimed (pending → sending) and the channel
 * called; the outcome is settled. A process that dies between claim and settle leaves the row `sending`, which the
 * next start turns into `in_doubt` for ops: it is never resent blindly. Moments are at most once: no retries.
 */
export interface DispatchStats {
  sent: number;
  deferred: number;
  skipped: number;
  failed: number;
  retried: number;
}

const BATCH = 200;
/** Deferral reasons that hold for every send of the account, not just this recipient. */
const ACCOUNT_WIDE = new Set(['quiet_hours', 'account_backoff', 'rate_minute', 'rate_hour', 'rate_day', 'spacing']);

export async function dispatchDue(deps: EngineDeps, set: PlaybookSet, now: Date): Promise<DispatchStats> {
  const stats: DispatchStats = { sent: 0, deferred: 0, skipped: 0, failed: 0, retried: 0 };
  const { store } = deps;
  // A recipient whose earlier message was deferred in this batch: later ones wait for it (messages stay in order).
  const heldBack = new Map<string, Date>();
  // An account held back as a whole (quiet hours, backoff, rate limits, spacing): its other entries in the batch
  // are deferred with it instead of each being evaluated again — that would grow with the square of the queue.
  const accountHeld = new Map<string, { until: Date; reason: string }>();
  for (const entry of await store.dueOutbox(now, BATCH)) {
    const log = { account: entry.accountId, flow: entry.flowId, run: entry.runId, outbox: String(entry.id), kind: entry.action.kind };
    const account = deps.accounts.get(entry.accountId);
    if (!account) {
      await store.settle(entry.id, { decision: 'skipped', reason: 'account_unknown' }, now);
      stats.skipped++;
      continue;
    }
    const silent = entry.action.kind === 'tag' || entry.action.kind === 'untag';
    const wholeAccount = silent ? undefined : accountHeld.get(account.id);
    if (wholeAccount) {
      await store.settle(entry.id, { decision: 'deferred', until: wholeAccount.until, reason: wholeAccount.reason }, now);
      stats.deferred++;
      continue;
    }
    const recipient = entry.contactId ?? entry.roomId;
    const held = recipient ? heldBack.get(recipient) : undefined;
    if (held) {
      await store.settle(entry.id, { decision: 'deferred', until: held, reason: 'ordering' }, now);
      stats.deferred++;
      continue;
    }
    const contact = entry.contactId ? await store.getContact(entry.contactId) : undefined;

    let mode = entry.mode;
    if (mode === 'auto' && !deps.channel.supports(account.id, entry.action.kind)) {
      mode = 'assist'; // the puppet cannot do it: a staff member does it by hand, and the row says so
      deps.logger.info(log, 'the puppet does not support this action: falling back to assist mode');
    }
    const action = mode === 'assist' ? assistCard(entry, account, contact) : entry.action;
    if (!action) {
      await store.settle(entry.id, { decision: 'skipped', reason: 'assist_without_staff' }, now);
      stats.skipped++;
      continue;
    }

    const flowPacing = entry.flowId ? set.flows.get(entry.flowId)?.document.pacing : undefined;
    const verdict = decidePacing({
      now, kind: entry.action.kind, proactive: entry.proactive, hasContact: entry.contactId !== null,
      optedOut: contact?.optedOutAt != null, settings: mergePacing(account.pacing, flowPacing), timeZone: account.timeZone,
      activeSince: account.activeSince, backoffUntil: await store.accountBackoffUntil(account.id),
      counts: await store.pacingCounts(account.id, entry.contactId, now, account.timeZone), random: deps.random,
    });
    if (verdict.action === 'defer') {
      await store.settle(entry.id, { decision: 'deferred', until: verdict.until, reason: verdict.reason }, now);
      if (recipient) heldBack.set(recipient, verdict.until);
      // A flow's own quiet window is not the account's: it holds only this entry.
      const flowQuiet = verdict.reason === 'quiet_hours' && flowPacing?.quietHours !== undefined;
      if (ACCOUNT_WIDE.has(verdict.reason) && !silent && !flowQuiet) accountHeld.set(account.id, { until: verdict.until, reason: verdict.reason });
      stats.deferred++;
      continue;
    }
    if (verdict.action === 'skip') {
      await store.settle(entry.id, { decision: 'skipped', reason: verdict.reason }, now);
      deps.logger.info({ ...log, reason: verdict.reason }, 'send skipped');
      stats.skipped++;
      continue;
    }

    if (!(await store.markSending(entry.id, now))) continue; // another dispatcher took it
    let result;
    try {
      result = await deps.channel.perform(action, { outboxId: String(entry.id), idempotencyKey: entry.idempotencyKey });
    } catch (error) {
      await store.settle(entry.id, { decision: 'in_doubt', reason: `the channel failed mid-send: ${(error as Error).message}` }, now);
      deps.logger.error({ ...log, err: error }, 'send outcome unknown: marked in-doubt for ops to resolve');
      stats.failed++;
      continue;
    }
    if (result.ok) {
      await store.settle(entry.id, { decision: 'sent', ...(result.externalMessageId ? { externalMessageId: result.externalMessageId } : {}) }, now);
      await store.logInteraction({
        at: now, direction: 'out', kind: mode === 'assist' ? 'task_card' : entry.action.kind, accountId: entry.accountId,
        contactId: entry.contactId, roomId: entry.roomId, flowId: entry.flowId, runId: entry.runId, outboxId: entry.id, body: { mode },
      });
      stats.sent++;
      continue;
    }
    if (result.throttled) {
      const minutes = nextThrottleBackoff(null, account.pacing);
      const until = new Date(now.getTime() + (result.retryAfterMs ?? minutes * 60_000));
      await store.setAccountBackoff(account.id, until, result.message);
      deps.logger.warn({ ...log, until: until.toISOString() }, 'throttled: the whole account backs off');
    }
    const atMostOnce = entry.action.kind === 'moment';
    if ((result.retryable || result.throttled) && !atMostOnce && entry.attempts + 1 < account.pacing.maxAttempts) {
      const until = new Date(now.getTime() + (result.retryAfterMs ?? retryDelayMs(entry.attempts + 1)));
      await store.settle(entry.id, { decision: 'retry', until, reason: result.message }, now);
      stats.retried++;
    } else {
      await store.settle(entry.id, { decision: 'failed', reason: result.message }, now);
      deps.logger.warn({ ...log, reason: result.message }, 'send failed');
      stats.failed++;
    }
  }
  return stats;
}

/** The task card a staff member gets for an assist-mode action: the content ready to forward, and how to confirm. */
export function assistCard(entry: OutboxRecord, account: AccountProfile, contact: ContactRecord | undefined): OutboundAction | undefined {
  if (entry.action.kind === 'staffNote' || entry.action.kind === 'tag' || entry.action.kind === 'untag') return entry.action;
  if (!account.ownerStaffExternalId) return undefined;
  const number = String(entry.id);
  const a = entry.action;
  let what = '';
  let body = '';
  let images: string[] | undefined;
  switch (a.kind) {
    case 'say':
      what = `请发给客户「${contact?.alias || contact?.name || '客户'}」`;
      body = a.content.text ?? '';
      if (a.content.image) images = [a.content.image];
      if (a.content.link) body += `\n链接：${a.content.link.title} ${a.content.link.url}`;
      break;
    case 'roomSay':
      what = '请在群里发';
      body = a.content.text ?? '';
      break;
    case 'moment':
      what = '请发朋友圈';
      body = a.text ?? '';
      images = a.images;
      if (a.link) body += `\n链接：${a.link.title} ${a.link.url}`;
      if (a.visibleToTags?.length) body += `\n可见范围：${a.visibleToTags.join('、')}`;
      break;
    case 'invite':
      what = `请邀请客户「${contact?.alias || contact?.name || '客户'}」进群（${a.roomTopicPattern}）`;
      break;
  }
  return {
    kind: 'staffNote', accountId: account.id, staffExternalId: account.ownerStaffExternalId,
    text: `【任务 #${number}】${what}\n${body}`.trim() + `\n完成后回复 /done ${number}`,
    ...(images ? { images } : {}),
  };
}
