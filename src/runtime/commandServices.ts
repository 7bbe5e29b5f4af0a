import type { AccountStatusSummary, CommandServices, StaffIdentity } from '../chat/command.ts';
import type { Engine } from '../engine/engine.ts';
import { startOfLocalDay } from '../engine/localTime.ts';
import type { EngineStore } from '../engine/ports.ts';
import { ASSIST_CARD_KINDS, type ChannelEvent } from '../domain/channel.ts';
import type { Clock } from '../domain/types.ts';
import { formatCode } from '../referral/codes.ts';
import { RedemptionGuard } from '../referral/guard.ts';
import type { ReferralService } from '../referral/ports.ts';
import type { Fleet } from '../bot/fleet.ts';
import type { PrismaClient } from '../store/generated/client.ts';
import { auditLogRepository } from '../store/repositories/auditLog.ts';
import type { RuntimeAccounts } from './accounts.ts';

const BOT_STATE_WORDS: Record<string, string> = {
  starting: '启动中', waiting_for_scan: '等待扫码登录', logged_in: '在线', reconnecting: '重连中', failed: '失败', stopped: '已停止',
};

/** What staff chat commands do, over the store, the engine and the fleet. */
export function createCommandServices(deps: {
  prisma: PrismaClient;
  store: EngineStore;
  engine: Pick<Engine, 'releasePaused'>;
  accounts: RuntimeAccounts;
  fleet: Pick<Fleet, 'get'>;
  clock: Clock;
  /** After a command changed what is due (a resume): wake the engine. */
  kick: () => void;
  referrals: ReferralService;
  /** Raises coupon.redeemed for the customer's account (called under the engine lock, like every command). */
  handleEvent: (event: ChannelEvent) => Promise<unknown>;
}): CommandServices {
  const { prisma, store, clock } = deps;
  const audit = auditLogRepository(prisma);
  // Guessing coupon codes in chat is limited per staff member, as the till API limits it per key.
  const guard = new RedemptionGuard({ clock });
  return {
    async redeem(code, accountId, staff) {
      const storeId = deps.accounts.get(accountId)?.storeId;
      if (!storeId) return { ok: false, reason: 'no_store' as const };
      const source = `chat:${staff.externalId}`;
      const verdict = guard.check(source);
      if (!verdict.allowed) return { ok: false, reason: 'locked' as const, until: verdict.until };
      const person = await prisma.staff.findUnique({ where: { wecomUserId: staff.externalId }, select: { id: true } });
      const result = await deps.referrals.redeemCoupon({ code, storeId, channel: 'chat', at: clock.now(), ...(person ? { staffId: person.id } : {}) });
      guard.record(source, result);
      if (result.ok && !result.replay && result.contact) {
        await deps.handleEvent({
          kind: 'coupon.redeemed', accountId: result.contact.accountId, eventId: `redemption:${result.redemption.id}`, at: clock.now(),
          contact: { externalId: result.contact.externalId, ...(result.contact.name ? { name: result.contact.name } : {}) },
          couponCode: result.coupon.code, campaignId: result.campaign.id, storeName: result.redemption.storeName, couponExpiresAt: result.coupon.expiresAt,
        });
        deps.kick();
      }
      return result;
    },

    async referralCode(staff) {
      const person = await prisma.staff.findUnique({ where: { wecomUserId: staff.externalId }, select: { id: true } });
      const code = person ? await deps.referrals.referralCodeOf(person.id) : undefined;
      return code ? formatCode(code) : undefined;
    },

    async confirmAssist(outboxId: bigint, accountIds: string[], staff: StaffIdentity) {
      const result = await store.confirmAssist(outboxId, accountIds, staff.externalId, clock.now());
      if (result.result === 'confirmed') {
        await audit.append({ actor: `staff:${staff.externalId}`, action: 'assist.done', subject: `outbox:${outboxId}`, at: clock.now() });
      }
      return result;
    },

    async setPaused(accountId: string, paused: boolean, staff: StaffIdentity) {
      const now = clock.now();
      if (!deps.accounts.setPaused(accountId, paused ? now : null)) return { changed: false };
      await prisma.account.update({ where: { id: accountId }, data: { status: paused ? 'paused' : 'active' } });
      await audit.append({ actor: `staff:${staff.externalId}`, action: paused ? 'account.pause' : 'account.resume', subject: `account:${accountId}`, at: now });
      if (paused) return { changed: true };
      const released = await deps.engine.releasePaused(accountId);
      deps.kick();
      return { changed: true, released };
    },

    async accountStatus(accountId: string): Promise<AccountStatusSummary> {
      const now = clock.now();
      const profile = deps.accounts.get(accountId);
      const timeZone = profile?.timeZone ?? 'Asia/Shanghai';
      const dayStart = startOfLocalDay(now, timeZone);
      const [sentToday, pending, deferred, inDoubt, openCards, next] = await Promise.all([
        prisma.outboxEntry.count({ where: { accountId, status: 'sent', sentAt: { gte: dayStart } } }),
        prisma.outboxEntry.count({ where: { accountId, status: 'pending' } }),
        prisma.outboxEntry.count({ where: { accountId, status: 'pending', deferredReason: { not: null }, dueAt: { gt: now } } }),
        prisma.outboxEntry.count({ where: { accountId, status: 'in_doubt' } }),
        prisma.outboxEntry.count({ where: { accountId, mode: 'assist', status: 'sent', assistDoneAt: null, kind: { in: [...ASSIST_CARD_KINDS] } } }),
        prisma.outboxEntry.findFirst({ where: { accountId, status: 'pending' }, orderBy: { dueAt: 'asc' }, select: { dueAt: true } }),
      ]);
      const bot = deps.fleet.get(accountId)?.status().state ?? 'stopped';
      return {
        accountId, name: profile?.name ?? accountId, bot: BOT_STATE_WORDS[bot] ?? bot, paused: profile?.pausedAt != null,
        sentToday, maxPerDay: profile?.pacing.maxPerDay ?? 0, pending, deferred, inDoubt, openCards, nextSendAt: next?.dueAt ?? null, timeZone,
      };
    },
  };
}
