import { formatLocal } from '../playbook/templates/helpers.ts';
import type { ChatCommand } from './command.ts';

/** The commands every staff member has: /help, /done N, /pause, /resume, /status. */

export const helpCommand: ChatCommand = {
  name: 'help',
  usage: '/help',
  summary: '查看可用指令',
  async run({ commands }) {
    return ['可用指令：', ...commands.map((c) => `${c.usage}  ${c.summary}`)].join('\n');
  },
};

export const doneCommand: ChatCommand = {
  name: 'done',
  usage: '/done N',
  summary: '确认任务卡 N 已完成',
  async run({ accountIds, staff, services }, args) {
    const match = /^#?(\d{1,18})$/.exec(args);
    if (!match) return '请写任务编号，例如：/done 12';
    const number = match[1]!;
    const result = await services.confirmAssist(BigInt(number), accountIds, staff);
    switch (result.result) {
      case 'confirmed':
        return `好的，任务 #${number} 已确认完成。`;
      case 'already_done':
        return `任务 #${number} 之前已确认完成（${formatLocal(result.doneAt, 'MM-DD HH:mm', 'Asia/Shanghai')}）。`;
      case 'not_sent_yet':
        return `任务 #${number} 还没有发给你，暂时不能确认。`;
      case 'not_a_card':
        return `#${number} 不是需要你手动完成的任务卡，不用确认。`;
      case 'not_found':
        return `没有找到你的任务 #${number}，请检查编号。`;
    }
  },
};

export const pauseCommand: ChatCommand = {
  name: 'pause',
  usage: '/pause',
  summary: '暂停本账号的主动推送（回复客户不受影响）',
  async run({ accountId, staff, services }) {
    const { changed } = await services.setPaused(accountId, true, staff);
    return changed ? '已暂停本账号的主动推送。客户发来的消息仍会照常回复。恢复请发 /resume' : '本账号的主动推送已经是暂停状态。恢复请发 /resume';
  },
};

export const resumeCommand: ChatCommand = {
  name: 'resume',
  usage: '/resume',
  summary: '恢复本账号的主动推送',
  async run({ accountId, staff, services }) {
    const { changed, released } = await services.setPaused(accountId, false, staff);
    if (!changed) return '本账号的主动推送没有暂停，无需恢复。';
    return released ? `已恢复主动推送。暂停期间待发的 ${released} 条消息将按节奏陆续发出。` : '已恢复主动推送。';
  },
};

export const statusCommand: ChatCommand = {
  name: 'status',
  usage: '/status',
  summary: '查看本账号状态：今日发送、待发、待确认任务',
  async run({ accountId, services }) {
    const s = await services.accountStatus(accountId);
    const lines = [
      `账号：${s.name}（${s.accountId}）`,
      `机器人：${s.bot}${s.paused ? '，主动推送已暂停' : ''}`,
      `今日已发：${s.sentToday} / ${s.maxPerDay}`,
      `待发：${s.pending}（其中延后 ${s.deferred}）`,
      `待确认任务卡：${s.openCards}`,
    ];
    if (s.inDoubt > 0) lines.push(`需人工核对的消息：${s.inDoubt}`);
    if (s.nextSendAt) lines.push(`下一条预计：${formatLocal(s.nextSendAt, 'MM-DD HH:mm', s.timeZone)}`);
    return lines.join('\n');
  },
};

export const FOUNDATION_COMMANDS: readonly ChatCommand[] = [helpCommand, doneCommand, pauseCommand, resumeCommand, statusCommand];
