import { formatLocal } from '../playbook/templates/helpers.ts';
import type { ChatCommand } from './command.ts';

/** The coupon loop in chat: a guide redeems a customer's coupon at the till (/redeem), a KOC asks for their code (/code). */

const ZONE = 'Asia/Shanghai';

export const redeemCommand: ChatCommand = {
  name: 'redeem',
  usage: '/redeem 券码',
  summary: '在本店核销客户的优惠券',
  async run({ accountId, staff, services }, args) {
    if (!args) return '请写券码，例如：/redeem Q7KX-M3TA';
    const result = await services.redeem(args, accountId, staff);
    if (result.ok) {
      const who = result.referrer ? `，推荐人：${result.referrer.name}` : '';
      return `核销成功：${result.campaign.name}（${result.coupon.code}），${result.redemption.storeName}${who}。`;
    }
    switch (result.reason) {
      case 'locked':
        return `查询太频繁，请在 ${formatLocal(result.until, 'HH:mm', ZONE)} 之后再试。`;
      case 'no_store':
        return '这个账号没有配置门店，不能核销。';
      case 'not_found':
        return result.wellFormed ? '没有这个券码，请核对后再试。' : '券码格式不对，请核对后再试。';
      case 'already_redeemed':
        return `这张券已于 ${formatLocal(result.redemption.at, 'MM-DD HH:mm', ZONE)} 在 ${result.redemption.storeName} 核销过，不能重复使用。`;
      case 'expired':
        return `这张券已于 ${formatLocal(result.expiresAt, 'MM-DD', ZONE)} 过期。`;
      case 'wrong_store':
        return `这张券不能在本店使用（限 ${result.allowedStores.join('、')}）。`;
      case 'voided':
        return `这张券已作废${result.voidReason ? `（${result.voidReason}）` : ''}。`;
    }
  },
};

export const codeCommand: ChatCommand = {
  name: 'code',
  usage: '/code',
  summary: '查看我的专属推荐码和链接',
  async run({ staff, services }) {
    const code = await services.referralCode(staff);
    if (!code) return '你还没有推荐码（只有 KOC 有）。';
    const link = services.koc?.referralLink(code);
    return `你的专属推荐码：${code}${link ? `\n专属链接：${link}` : ''}\n朋友加导购时在招呼语里写上它，或发给导购，就会记在你名下。`;
  },
};

export const REFERRAL_COMMANDS: readonly ChatCommand[] = [redeemCommand, codeCommand];
