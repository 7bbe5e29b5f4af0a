import { normalizeCouponCode } from '../../referral/codes.ts';
import type { KocSummary, RedeemInput, RedemptionRecord, RedemptionResult } from '../../referral/ports.ts';
import { decideRedemption } from '../../referral/redemption.ts';
import { KocError } from '../../shared/errors.ts';
import type { PrismaClient } from '../generated/client.ts';
import { isUniqueViolation } from '../prismaErrors.ts';
import type { CampaignDocument } from '../../playbook/schema/documents.ts';
import { creditPointsIn } from '../koc/points.ts';
import { TRANSACTION_OPTIONS } from './codes.ts';
import { KOC_SELECT, kocSummary } from './kocs.ts';

/** Thrown inside the transaction to roll it back: another call redeemed the coupon first. */
class Outrun extends Error {}

const COUPON_SELECT = {
  id: true, code: true, campaignId: true, status: true, issuedAt: true, expiresAt: true, allowedStores: true, voidReason: true,
  outboxId: true, issueKey: true,
  campaign: { select: { id: true, name: true } },
  contact: { select: { id: true, accountId: true, externalId: true, name: true, attributedTo: { select: KOC_SELECT } } },
  referralCode: { select: { staff: { select: KOC_SELECT } } },
  redemption: { select: { id: true, storeId: true, staffId: true, channel: true, requestId: true, at: true, store: { select: { name: true } } } },
} as const;

/**
 * Redeems a coupon exactly once (the rules: src/referral/redemption.ts).
 *
 * Exactly once: in one transaction, the coupon moves `issued → redeemed` only if it is still `issued` (a conditional
 * update: on PostgreSQL a concurrent one waits for the row lock and then finds it redeemed), the redemption row is
 * inserted (`redemptions.coupon_id` is unique: a second guard), and the interaction and audit rows are appended.
 * A call that loses reads the coupon again and answers `already_redeemed` with the winner's redemption — or, for
 * the same request id in the same store, the winner's success (`replay: true`).
 *
 * The interaction row (kind `redemption`) is on the contact's account and links the contact, the outbox row of the
 * message that carried the coupon (`coupons.outbox_id`, else the row whose idempotency key is the coupon's issue key:
 * a `say` step with `coupon:` shares its key) and, as `staff_id`, the KOC credited (the referral code the coupon was
 * issued under, else the contact's attribution). A coupon without a contact (offline) is logged on the redeeming
 * staff member's account, or not at all when there is none; its redemption row is the record.
 *
 * The KOC credited earns the campaign's `referrerReward.onRedeem` points in the same transaction (one ledger row per
 * coupon, source kind "redemption").
 *
 * Throws KOC_REDEEM_STORE_UNKNOWN / KOC_REDEEM_STAFF_UNKNOWN for a store or staff id that is not stored (a
 * misconfigured till or command, not a customer's mistake), and KOC_COUPON_INCONSISTENT for a coupon marked redeemed
 * without its redemption row (a hand edit).
 */
export async function redeemCoupon(prisma: PrismaClient, input: RedeemInput, campaigns: (id: string) => CampaignDocument | undefined = () => undefined): Promise<RedemptionResult> {
  const code = normalizeCouponCode(input.code);
  if (!code) return { ok: false, reason: 'not_found', wellFormed: false };
  const store = await prisma.store.findUnique({ where: { id: input.storeId }, select: { id: true, name: true } });
  if (!store) {
    throw new KocError('KOC_REDEEM_STORE_UNKNOWN', `store "${input.storeId}" is not configured`, { hint: 'use a store id from kocflow.yaml (stores:)' });
  }
  const staff = input.staffId
    ? await prisma.staff.findUnique({ where: { id: input.staffId }, select: { id: true, accountId: true } })
    : null;
  if (input.staffId && !staff) {
    throw new KocError('KOC_REDEEM_STAFF_UNKNOWN', `staff member ${input.staffId} is not stored`, { hint: 'pass the id of a configured guide or ambassador' });
  }

  for (let attempt = 0; attempt < 3; attempt++) {
    const coupon = await readCoupon(prisma, code);
    const decision = decideRedemption({
      at: input.at,
      storeId: input.storeId,
      requestId: input.requestId,
      coupon: coupon ?? undefined,
    });
    if (!coupon) return { ok: false, reason: 'not_found', wellFormed: true };
    const referrerStaff = coupon.referralCode?.staff ?? coupon.contact?.attributedTo ?? null;
    const referrer = referrerStaff ? kocSummary(referrerStaff) : undefined;
    if (!decision.ok) {
      switch (decision.reason) {
        case 'already_redeemed':
          if (coupon.redemption) return { ok: false, reason: 'already_redeemed', redemption: record(coupon.redemption) };
          // Status and row are written in one transaction, so one without the other was changed by hand.
          throw new KocError('KOC_COUPON_INCONSISTENT', `coupon ${code} is marked redeemed but has no redemption row`, {
            hint: 'someone changed the coupons table by hand: set its status back to issued, or void it',
          });
        case 'expired':
          return { ok: false, reason: 'expired', expiresAt: coupon.expiresAt };
        case 'wrong_store':
          return { ok: false, reason: 'wrong_store', allowedStores: coupon.allowedStores };
        case 'voided':
          return { ok: false, reason: 'voided', voidReason: coupon.voidReason };
        case 'not_found':
          return { ok: false, reason: 'not_found', wellFormed: true };
      }
    }
    if (decision.replay) return success(coupon, record(coupon.redemption!), referrer, true);

    const outboxId = coupon.outboxId
      ?? (coupon.issueKey ? (await prisma.outboxEntry.findUnique({ where: { idempotencyKey: coupon.issueKey }, select: { id: true } }))?.id : undefined)
      ?? null;
    const accountId = coupon.contact?.accountId ?? staff?.accountId ?? null;
    try {
      const redemption = await prisma.$transaction(async (tx) => {
        const { count } = await tx.coupon.updateMany({ where: { id: coupon.id, status: 'issued' }, data: { status: 'redeemed', outboxId } });
        if (count === 0) throw new Outrun();
        const row = await tx.redemption.create({
          data: { couponId: coupon.id, storeId: store.id, staffId: staff?.id ?? null, channel: input.channel, requestId: input.requestId ?? null, at: input.at },
          select: { id: true, storeId: true, staffId: true, channel: true, requestId: true, at: true },
        });
        if (accountId !== null) {
          await tx.interaction.create({
            data: {
              occurredAt: input.at, direction: 'in', kind: 'redemption', accountId, contactId: coupon.contact?.id ?? null, outboxId,
              staffId: referrer?.staffId ?? null, campaignId: coupon.campaignId,
              body: { coupon: coupon.code, redemptionId: row.id, storeId: store.id, channel: input.channel, redeemedBy: staff?.id ?? null, requestId: input.requestId ?? null },
            },
          });
        }
        const onRedeem = campaigns(coupon.campaignId)?.referrerReward?.onRedeem ?? 0;
        if (referrer && onRedeem > 0) {
          await creditPointsIn(tx, {
            staffId: referrer.staffId, amount: onRedeem, reason: `${coupon.campaign.name}：推荐客户核销`, sourceKind: 'redemption', sourceId: coupon.id, at: input.at,
          });
        }
        await tx.auditLog.create({
          data: {
            at: input.at, actor: staff ? `staff:${staff.id}` : input.channel === 'api' ? 'api' : 'system', action: 'coupon.redeem', subject: `coupon:${coupon.id}`,
            details: { store: store.id, channel: input.channel, requestId: input.requestId ?? null },
          },
        });
        return row;
      }, TRANSACTION_OPTIONS);
      return success({ ...coupon, status: 'redeemed', outboxId }, record({ ...redemption, store: { name: store.name } }), referrer, false);
    } catch (error) {
      if (error instanceof Outrun || isUniqueViolation(error)) continue;
      throw error;
    }
  }
  throw new Error(`redemption of coupon ${code} lost three races in a row`);
}

type CouponRow = NonNullable<Awaited<ReturnType<typeof readCoupon>>>;
function readCoupon(prisma: PrismaClient, code: string) {
  return prisma.coupon.findUnique({ where: { code }, select: COUPON_SELECT });
}

type RedemptionRow = { id: string; storeId: string; staffId: string | null; channel: 'chat' | 'api'; requestId: string | null; at: Date; store: { name: string } };

function record(row: RedemptionRow): RedemptionRecord {
  return { id: row.id, storeId: row.storeId, storeName: row.store.name, staffId: row.staffId, channel: row.channel, requestId: row.requestId, at: row.at };
}

function success(coupon: CouponRow, redemption: RedemptionRecord, referrer: KocSummary | undefined, replay: boolean): RedemptionResult {
  return {
    ok: true,
    replay,
    redemption,
    coupon: {
      id: coupon.id, code: coupon.code, campaignId: coupon.campaignId, status: coupon.status, issuedAt: coupon.issuedAt, expiresAt: coupon.expiresAt,
      allowedStores: coupon.allowedStores, outboxId: coupon.outboxId,
    },
    campaign: { id: coupon.campaign.id, name: coupon.campaign.name },
    contactId: coupon.contact?.id ?? null,
    contact: coupon.contact ? { id: coupon.contact.id, accountId: coupon.contact.accountId, externalId: coupon.contact.externalId, name: coupon.contact.name } : null,
    ...(referrer ? { referrer } : {}),
  };
}
