import { normalizeCouponCode } from '../../referral/codes.ts';
import type { KocSummary } from '../../referral/ports.ts';
import type { PrismaClient } from '../generated/client.ts';
import { KOC_SELECT, kocSummary } from './kocs.ts';

/** Everything the store knows about one coupon, from issue to redemption (`kocflow coupons show`). */
export interface CouponHistory {
  coupon: {
    id: string;
    code: string;
    status: 'issued' | 'redeemed' | 'expired' | 'void';
    issuedAt: Date;
    expiresAt: Date;
    allowedStores: string[];
    voidReason: string | null;
  };
  campaign: { id: string; name: string; budget: number | null; issuedCount: number };
  /** How it was issued: by a flow step (its issue key names the run and step), by `kocflow coupons issue`, or other. */
  issuedBy:
    | { via: 'flow'; runId: string; step: number; flowId: string | null; accountId: string | null }
    | { via: 'cli'; batch: string; number: number }
    | { via: 'other'; key: string | null };
  /** The customer who holds it; null for offline coupons. */
  contact: { id: string; accountId: string; externalId: string; name: string | null } | null;
  /** The KOC the customer is credited to, with when, the code and the campaign. */
  attribution: { koc: KocSummary; at: Date | null; code: string | null; campaignId: string | null } | null;
  /** The KOC whose referral code the coupon was issued under, when recorded on the coupon. */
  referrer: KocSummary | null;
  /** The outbox row of the message that carried the coupon. */
  message: { outboxId: bigint; kind: string; accountId: string; status: string; mode: string; sentAt: Date | null; flowId: string | null } | null;
  redemption: {
    id: string;
    at: Date;
    storeId: string;
    storeName: string;
    channel: 'chat' | 'api';
    requestId: string | null;
    staff: { id: string; name: string } | null;
  } | null;
}

/** The coupon's history by code as typed (any case, separators); undefined when there is no such coupon. */
export async function couponHistory(prisma: PrismaClient, input: string): Promise<CouponHistory | undefined> {
  const code = normalizeCouponCode(input);
  if (!code) return undefined;
  const coupon = await prisma.coupon.findUnique({
    where: { code },
    select: {
      id: true, code: true, status: true, issuedAt: true, expiresAt: true, allowedStores: true, voidReason: true, issueKey: true, outboxId: true,
      campaign: { select: { id: true, name: true, budget: true, issuedCount: true } },
      contact: {
        select: {
          id: true, accountId: true, externalId: true, name: true, attributedAt: true, attributionCampaignId: true,
          attributedTo: { select: KOC_SELECT }, attributionReferralCode: { select: { code: true } },
        },
      },
      referralCode: { select: { staff: { select: KOC_SELECT } } },
      redemption: {
        select: { id: true, at: true, storeId: true, channel: true, requestId: true, store: { select: { name: true } }, staff: { select: { id: true, name: true } } },
      },
    },
  });
  if (!coupon) return undefined;

  const run = /^run:([^:]+):(\d+):/.exec(coupon.issueKey ?? '');
  const cli = /^cli:([^:]+):(\d+)$/.exec(coupon.issueKey ?? '');
  let issuedBy: CouponHistory['issuedBy'];
  if (run) {
    const row = await prisma.flowRun.findUnique({ where: { id: run[1]! }, select: { flowId: true, accountId: true } });
    issuedBy = { via: 'flow', runId: run[1]!, step: Number(run[2]), flowId: row?.flowId ?? null, accountId: row?.accountId ?? null };
  } else if (cli) {
    issuedBy = { via: 'cli', batch: cli[1]!, number: Number(cli[2]) };
  } else {
    issuedBy = { via: 'other', key: coupon.issueKey };
  }

  const outboxSelect = { id: true, kind: true, accountId: true, status: true, mode: true, sentAt: true, flowId: true } as const;
  const outbox = coupon.outboxId !== null
    ? await prisma.outboxEntry.findUnique({ where: { id: coupon.outboxId }, select: outboxSelect })
    : coupon.issueKey
      ? await prisma.outboxEntry.findUnique({ where: { idempotencyKey: coupon.issueKey }, select: outboxSelect })
      : null;

  const contact = coupon.contact;
  return {
    coupon: {
      id: coupon.id, code: coupon.code, status: coupon.status, issuedAt: coupon.issuedAt, expiresAt: coupon.expiresAt,
      allowedStores: coupon.allowedStores, voidReason: coupon.voidReason,
    },
    campaign: coupon.campaign,
    issuedBy,
    contact: contact ? { id: contact.id, accountId: contact.accountId, externalId: contact.externalId, name: contact.name } : null,
    attribution: contact?.attributedTo
      ? { koc: kocSummary(contact.attributedTo), at: contact.attributedAt, code: contact.attributionReferralCode?.code ?? null, campaignId: contact.attributionCampaignId }
      : null,
    referrer: coupon.referralCode ? kocSummary(coupon.referralCode.staff) : null,
    message: outbox
      ? { outboxId: outbox.id, kind: outbox.kind, accountId: outbox.accountId, status: outbox.status, mode: outbox.mode, sentAt: outbox.sentAt, flowId: outbox.flowId }
      : null,
    redemption: coupon.redemption
      ? {
          id: coupon.redemption.id, at: coupon.redemption.at, storeId: coupon.redemption.storeId, storeName: coupon.redemption.store.name,
          channel: coupon.redemption.channel, requestId: coupon.redemption.requestId, staff: coupon.redemption.staff,
        }
      : null,
  };
}
