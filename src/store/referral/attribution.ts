import { decideAttribution, type AttributionFacts } from '../../referral/attribution.ts';
import { campaignTerms } from '../../referral/campaigns.ts';
import { normalizeReferralCode } from '../../referral/codes.ts';
import type { AttributeOptions, AttributionResult, KocSummary } from '../../referral/ports.ts';
import type { CampaignDocument } from '../../playbook/schema/documents.ts';
import { KocError } from '../../shared/errors.ts';
import type { PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';
import { creditPointsIn } from '../koc/points.ts';
import { syncCampaign } from './campaigns.ts';
import { TRANSACTION_OPTIONS } from './codes.ts';
import { KOC_SELECT, kocSummary, loadKoc } from './kocs.ts';

/** Thrown inside the transaction to roll it back: another code was credited for the contact first. */
class Preempted extends Error {}

/** What an attribution interaction row keeps, enough to give a redelivered event the same answer. */
interface AttributionBody {
  code: string | null;
  reason?: string;
  holderStaffId?: string;
  holderAttributedAt?: string;
}

/**
 * Credits a contact to the KOC of `rawCode` (the rules: src/referral/attribution.ts). Writes the contact's
 * attribution fields and one interaction row (`referral_arrival`, or `referral_refused` with the reason) in one
 * transaction; a refusal writes only the row. Two codes racing for one contact: the contact is updated only while
 * it is still unattributed, so exactly one wins and the other is decided again (`already_attributed`).
 *
 * The campaign's `referrerReward.onArrival` points are credited to the KOC in the same transaction (one ledger row
 * per campaign and contact, source kind "referral").
 *
 * The interaction's account is the contact's; its `staff_id` the code's KOC, `campaign_id` the campaign. With
 * `eventId`, the row's event id is `referral:<eventId>`, and a second call for the same event returns the first
 * answer. Throws KOC_CONTACT_NOT_FOUND for an unknown contact id.
 */
export async function attributeContact(
  prisma: PrismaClient,
  campaigns: (id: string) => CampaignDocument | undefined,
  contactId: string,
  rawCode: string,
  options: AttributeOptions,
): Promise<AttributionResult> {
  const at = options.at;
  const contact = await prisma.contact.findUnique({
    where: { id: contactId },
    select: { accountId: true, externalId: true, firstSeenAt: true, account: { select: { timeZone: true } } },
  });
  if (!contact) {
    throw new KocError('KOC_CONTACT_NOT_FOUND', `no contact ${contactId} is stored`, { hint: 'store the contact first (the engine store\'s ensureContact)' });
  }
  const eventId = options.eventId === undefined ? undefined : `referral:${options.eventId}`;
  if (eventId) {
    const earlier = await replay(prisma, contact.accountId, eventId);
    if (earlier) return earlier;
  }

  const normalized = normalizeReferralCode(rawCode);
  const code = normalized
    ? await prisma.referralCode.findUnique({ where: { code: normalized }, select: { id: true, code: true, disabledAt: true, campaignId: true, staff: { select: KOC_SELECT } } })
    : null;
  const koc = code ? kocSummary(code.staff) : undefined;
  const campaignId = options.campaignId ?? code?.campaignId ?? null;
  let campaign: AttributionFacts['campaign'] = null;
  let reward: { points: number; reason: string } | undefined;
  if (campaignId !== null) {
    const doc = campaigns(campaignId);
    if (doc?.referrerReward?.onArrival) reward = { points: doc.referrerReward.onArrival, reason: `${doc.name}：推荐新客` };
    if (doc) {
      const terms = campaignTerms(doc, contact.account.timeZone);
      const row = await syncCampaign(prisma, terms);
      campaign = { ...terms, issuedCount: row.issuedCount };
    } else {
      campaign = undefined;
    }
  }

  const log = (kind: 'referral_arrival' | 'referral_refused', body: AttributionBody) => ({
    occurredAt: at, direction: 'in' as const, kind, accountId: contact.accountId, contactId, staffId: koc?.staffId ?? null,
    campaignId: campaign ? campaignId : null, body: { ...body }, ...(eventId ? { eventId } : {}),
  });

  // Decided again after losing a race: the second time the contact is attributed, so the answer is a refusal.
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await prisma.contact.findUniqueOrThrow({ where: { id: contactId }, select: { attributedToStaffId: true, attributedAt: true } });
    const decision = decideAttribution({
      at,
      contact: { externalId: contact.externalId, firstSeenAt: contact.firstSeenAt, attributedToStaffId: current.attributedToStaffId },
      code: code ? { staffId: code.staff.id, wecomUserId: code.staff.wecomUserId, disabledAt: code.disabledAt, staffLeftAt: code.staff.leftAt, isKoc: code.staff.koc !== null } : undefined,
      campaign,
    });
    try {
      if (!decision.ok) {
        const holder = decision.reason === 'already_attributed' ? await loadKoc(prisma, current.attributedToStaffId) : undefined;
        const holderAt = current.attributedAt ?? at;
        await prisma.interaction.create({
          data: log('referral_refused', {
            code: code?.code ?? null, reason: decision.reason,
            ...(holder ? { holderStaffId: holder.staffId, holderAttributedAt: holderAt.toISOString() } : {}),
          }),
        });
        return refusal(decision.reason, koc, holder, holderAt);
      }
      await prisma.$transaction(async (tx) => {
        const { count } = await tx.contact.updateMany({
          where: { id: contactId, attributedToStaffId: null },
          data: { attributedToStaffId: koc!.staffId, attributedAt: at, attributionCampaignId: campaign ? campaignId : null, attributionReferralCodeId: code!.id },
        });
        if (count === 0) throw new Preempted();
        await tx.interaction.create({ data: log('referral_arrival', { code: code!.code }) });
        // The campaign's referrerReward.onArrival, once per campaign and customer.
        if (reward) {
          await creditPointsIn(tx, { staffId: koc!.staffId, amount: reward.points, reason: reward.reason, sourceKind: 'referral', sourceId: `${campaignId}:${contactId}`, at });
        }
      }, TRANSACTION_OPTIONS);
      return { ok: true, koc: koc!, code: code!.code, campaignId: campaign ? campaignId : null, attributedAt: at };
    } catch (error) {
      if (error instanceof Preempted) continue;
      if (eventId && isUniqueViolation(error)) {
        // The same event, handled concurrently: its answer is the one stored.
        const earlier = await replay(prisma, contact.accountId, eventId);
        if (earlier) return earlier;
      }
      throw error;
    }
  }
  throw new Error(`attribution of contact ${contactId} lost three races in a row`);
}

function refusal(reason: Exclude<AttributionResult, { ok: true }>['reason'], koc: KocSummary | undefined, holder: KocSummary | undefined, holderAt: Date): AttributionResult {
  return { ok: false, reason, ...(koc ? { koc } : {}), ...(holder ? { holder: { koc: holder, attributedAt: holderAt } } : {}) };
}

/** The answer given the first time for this event, from its interaction row; undefined when there is none. */
async function replay(prisma: PrismaClient, accountId: string, eventId: string): Promise<AttributionResult | undefined> {
  const row = await prisma.interaction.findUnique({
    where: { accountId_eventId: { accountId, eventId } },
    select: { kind: true, occurredAt: true, staffId: true, campaignId: true, body: true },
  });
  if (!row) return undefined;
  const body = row.body as unknown as AttributionBody;
  const koc = await loadKoc(prisma, row.staffId);
  if (row.kind === 'referral_arrival' && koc) {
    return { ok: true, koc, code: body.code ?? '', campaignId: row.campaignId, attributedAt: row.occurredAt };
  }
  const holder = await loadKoc(prisma, body.holderStaffId);
  const holderAt = body.holderAttributedAt ? new Date(body.holderAttributedAt) : row.occurredAt;
  return refusal((body.reason ?? 'unknown_code') as Exclude<AttributionResult, { ok: true }>['reason'], koc, holder, holderAt);
}
