import type { ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import type { AccountDirectory, EngineStore } from '../engine/ports.ts';
import type { PlaybookSet } from '../playbook/model.ts';
import { referralCampaignAt } from '../referral/campaigns.ts';
import { findReferralCode } from '../referral/codes.ts';
import type { AttributionRefusal, ReferralService } from '../referral/ports.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * The first half of the closed loop, on the bots' side: a customer's friend-request greeting or private message
 * that carries a KOC's referral code credits the customer to that KOC (first touch wins; the rules are in
 * src/referral/attribution.ts) and raises the engine's `code.sent` trigger. A code with a wrong check character is
 * a typo: the customer is asked to check it instead of it being credited to someone else.
 */
export interface ReferralIntakeOptions {
  referrals: ReferralService;
  engine: { handleEvent(event: ChannelEvent): Promise<{ runsStarted: number }> };
  store: EngineStore;
  accounts: AccountDirectory;
  playbooks: () => PlaybookSet;
  clock: Clock;
  logger: Logger;
  /** Told each outcome (the live log). */
  onOutcome?(accountId: string, outcome: { credited: true; kocName: string; campaignId: string | null } | { credited: false; reason: string }): void;
}

/** Refusals the customer should hear about (the others — self-referral, already credited — stay silent). */
const TOLD: Partial<Record<AttributionRefusal, string>> = {
  budget_exhausted: '感谢您的支持！这次推荐活动的名额已经满了，后续有活动我们会第一时间告诉您。',
  campaign_ended: '感谢您的支持！这次推荐活动已经结束了，后续有活动我们会第一时间告诉您。',
  campaign_not_started: '感谢您的支持！推荐活动还没有开始，开始后您再发一次推荐码就可以了。',
};
const TYPO = '这个推荐码好像不太对，麻烦核对一下再发一次（大小写都可以）。';

export class ReferralIntake {
  readonly #o: ReferralIntakeOptions;

  constructor(options: ReferralIntakeOptions) {
    this.#o = options;
  }

  /** Called after the engine handled `event` (the contact is stored). Returns the runs `code.sent` started. */
  async afterEvent(event: ChannelEvent): Promise<number> {
    const text = event.kind === 'friend.added' ? event.hello : event.kind === 'message' && !event.room && !event.media ? event.text : undefined;
    if (!text || (event.kind !== 'friend.added' && event.kind !== 'message')) return 0;
    const found = findReferralCode(text);
    if (!found) return 0;
    const { store, clock, logger } = this.#o;
    const account = this.#o.accounts.get(event.accountId);
    if (!account) return 0;
    const now = clock.now();
    const contact = await store.ensureContact(account.id, event.contact, now);
    if ('typo' in found) {
      await this.#reply(account.id, contact.id, event.contact.externalId, `referral-typo:${event.eventId}`, TYPO, now);
      this.#o.onOutcome?.(account.id, { credited: false, reason: 'typo' });
      logger.info({ account: account.id, contact: contact.id }, 'a referral code with a wrong check character: the customer is asked to check it');
      return 0;
    }
    const campaigns = [...this.#o.playbooks().campaigns.values()].map((c) => c.document);
    const campaignId = referralCampaignAt(campaigns, now, account.timeZone);
    const attribution = await this.#o.referrals.attribute(contact.id, found.code, { ...(campaignId ? { campaignId } : {}), at: now, eventId: event.eventId });
    if (!attribution.ok) {
      logger.info({ account: account.id, contact: contact.id, reason: attribution.reason }, 'referral code not credited');
      this.#o.onOutcome?.(account.id, { credited: false, reason: attribution.reason });
      const told = TOLD[attribution.reason];
      if (told) await this.#reply(account.id, contact.id, event.contact.externalId, `referral-refused:${event.eventId}`, told, now);
      return 0;
    }
    this.#o.onOutcome?.(account.id, { credited: true, kocName: attribution.koc.name, campaignId: attribution.campaignId });
    const { runsStarted } = await this.#o.engine.handleEvent({
      kind: 'code.sent', accountId: account.id, eventId: `code:${event.eventId}`, at: now, contact: event.contact,
      code: attribution.code, ...(attribution.campaignId ? { campaignId: attribution.campaignId } : {}), referrerName: attribution.koc.name,
    });
    return runsStarted;
  }

  /** A reply to the customer's own message: through the outbox (paced, logged), never proactive. */
  async #reply(accountId: string, contactId: string, externalId: string, key: string, text: string, now: Date): Promise<void> {
    await this.#o.store.enqueue([{
      idempotencyKey: key, accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: false,
      contactId, roomId: null, dueAt: now, action: { kind: 'say', accountId, contactExternalId: externalId, content: { text } },
    }], now);
  }
}
