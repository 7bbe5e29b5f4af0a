import { formatLocal } from '../playbook/templates/helpers.ts';
import type { ChatCommand, CommandContext, StaffIdentity } from './command.ts';

/**
 * The KOC program in chat: tasks chosen both ways (/tasks, /accept N, /decline N, /submit N), results and standing
 * (/stats, /rank), tagging a customer (/tag), and feedback to ops (/feedback). Answers are short; a wrong number,
 * a task someone may not take, a full task, a second accept or a submit of a declined task each get one clear line.
 */

export type TaskStatus = 'offered' | 'accepted' | 'declined' | 'submitted' | 'approved' | 'rejected' | 'expired';

export interface TaskLine {
  number: number;
  title: string;
  points: number;
  status: TaskStatus;
  dueAt: Date | null;
}

export type TaskAnswer =
  | { ok: true; task: TaskLine }
  | { ok: false; reason: 'not_koc' | 'not_found' }
  | { ok: false; reason: 'wrong_status' | 'task_gone'; task: TaskLine }
  | { ok: false; reason: 'not_eligible'; task: TaskLine; tiers?: string[]; roles?: string[]; myTier: string | null }
  | { ok: false; reason: 'full'; task: TaskLine; capacity: number };

export interface StatsAnswer {
  name: string;
  tier: string;
  windowDays: number;
  arrivals: number;
  coupons: number;
  redemptions: number;
  points: number;
  balance: number;
  rank: number;
  of: number;
}

export interface RankAnswer {
  windowDays: number;
  top: { rank: number; name: string; points: number; tier: string }[];
  me?: { rank: number; points: number; of: number };
}

export type TagAnswer =
  | { ok: true; contactName: string; already: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'ambiguous'; names: string[] };

/** What the KOC commands need; the runtime implements it over the store (src/runtime/koc/commandServices.ts). */
export interface KocCommandServices {
  /** Offers the KOC every open task they may take, then lists their open tasks. undefined: not a KOC. */
  tasks(staff: StaffIdentity): Promise<{ tasks: TaskLine[]; timeZone: string } | undefined>;
  accept(number: number, staff: StaffIdentity): Promise<TaskAnswer & { timeZone: string }>;
  decline(number: number, reason: string, staff: StaffIdentity): Promise<TaskAnswer>;
  submit(number: number, submission: string, staff: StaffIdentity): Promise<TaskAnswer>;
  stats(staff: StaffIdentity): Promise<StatsAnswer | undefined>;
  rank(staff: StaffIdentity): Promise<RankAnswer>;
  tag(accountId: string, contact: string, tag: string, staff: StaffIdentity): Promise<TagAnswer>;
  feedback(accountId: string, text: string, staff: StaffIdentity): Promise<{ ok: boolean }>;
  /** The tracking link of a referral code. */
  referralLink(code: string): string | undefined;
}

const NOT_KOC = '你还不是 KOC，暂时没有任务和积分。';
const STATUS_WORDS: Record<TaskStatus, string> = {
  offered: '待接受', accepted: '进行中', declined: '已拒绝', submitted: '已提交，等待审核', approved: '已通过', rejected: '未通过', expired: '已过期',
};

function services(context: CommandContext): KocCommandServices | undefined {
  return context.services.koc;
}

function taskNumber(args: string): { number: number; rest: string } | undefined {
  const match = /^#?(\d{1,9})(?:\s+([\s\S]*))?$/u.exec(args.trim());
  return match ? { number: Number(match[1]), rest: (match[2] ?? '').trim() } : undefined;
}

function unavailable(name: string): string {
  return `/${name} 暂时无法使用。`;
}

/** The line every refusal shares, by reason. */
function refusal(answer: Exclude<TaskAnswer, { ok: true }>, number: number, action: 'accept' | 'decline' | 'submit'): string {
  switch (answer.reason) {
    case 'not_koc':
      return NOT_KOC;
    case 'not_found':
      return `没有找到你的任务 #${number}。发 /tasks 查看你的任务。`;
    case 'task_gone':
      return `任务 #${number} 已下架。`;
    case 'not_eligible': {
      if (answer.tiers) return `任务 #${number} 只对 ${answer.tiers.join('、')} 等级开放，你目前是 ${answer.myTier ?? '非 KOC'}。`;
      return `任务 #${number} 只对 ${(answer.roles ?? []).map((r) => (r === 'guide' ? '导购' : '员工KOC')).join('、')} 开放。`;
    }
    case 'full':
      return `任务 #${number} 的名额已满（共 ${answer.capacity} 个）。`;
    case 'wrong_status':
      return wrongStatus(answer.task, action);
  }
}

function wrongStatus(task: TaskLine, action: 'accept' | 'decline' | 'submit'): string {
  const n = task.number;
  switch (task.status) {
    case 'accepted':
      return action === 'accept' ? `你已经接受了任务 #${n}，完成后发 /submit ${n} 链接或说明。` : `任务 #${n} 进行中。`;
    case 'declined':
      return action === 'submit' ? `任务 #${n} 你已经拒绝了，不能提交。想做的话先 /accept ${n}。` : `任务 #${n} 你已经拒绝了。`;
    case 'offered':
      return action === 'submit' ? `请先 /accept ${n} 接受任务 #${n}，再提交。` : `任务 #${n} 待接受。`;
    case 'submitted':
      return `任务 #${n} 已提交，正在等待审核。`;
    case 'approved':
      return `任务 #${n} 已审核通过，不用再操作。`;
    case 'rejected':
      return `任务 #${n} 审核未通过，已结束。`;
    case 'expired':
      return `任务 #${n} 已过期。`;
  }
}

export const tasksCommand: ChatCommand = {
  name: 'tasks',
  usage: '/tasks',
  summary: '查看可接的任务和我的任务',
  async run(context) {
    const koc = services(context);
    if (!koc) return unavailable('tasks');
    const answer = await koc.tasks(context.staff);
    if (!answer) return NOT_KOC;
    if (answer.tasks.length === 0) return '暂时没有可接的任务，有新任务会通知你。';
    const lines = answer.tasks.map((t) => {
      const due = t.dueAt ? `，${formatLocal(t.dueAt, 'MM-DD HH:mm', answer.timeZone)} 截止` : '';
      const next = t.status === 'offered' ? `\n  接受：/accept ${t.number}　不做：/decline ${t.number}`
        : t.status === 'accepted' ? `\n  完成后：/submit ${t.number} 链接或说明` : '';
      return `#${t.number} ${t.title}（${t.points} 分${due}）${STATUS_WORDS[t.status]}${next}`;
    });
    return ['你的任务：', ...lines].join('\n');
  },
};

export const acceptCommand: ChatCommand = {
  name: 'accept',
  usage: '/accept N',
  summary: '接受任务 N',
  async run(context, args) {
    const koc = services(context);
    if (!koc) return unavailable('accept');
    const parsed = taskNumber(args);
    if (!parsed) return '请写任务编号，例如：/accept 12';
    const answer = await koc.accept(parsed.number, context.staff);
    if (!answer.ok) return refusal(answer, parsed.number, 'accept');
    const due = answer.task.dueAt ? `，${formatLocal(answer.task.dueAt, 'MM-DD HH:mm', answer.timeZone)} 前完成` : '';
    return `好的，已接受任务 #${parsed.number}「${answer.task.title}」${due}。素材马上发给你，完成后发 /submit ${parsed.number} 链接或说明。`;
  },
};

export const declineCommand: ChatCommand = {
  name: 'decline',
  usage: '/decline N [原因]',
  summary: '不接任务 N（可以写原因）',
  async run(context, args) {
    const koc = services(context);
    if (!koc) return unavailable('decline');
    const parsed = taskNumber(args);
    if (!parsed) return '请写任务编号，例如：/decline 12 这周没时间';
    const answer = await koc.decline(parsed.number, parsed.rest, context.staff);
    if (!answer.ok) return refusal(answer, parsed.number, 'decline');
    return `好的，任务 #${parsed.number} 不做了${parsed.rest ? '，原因已记下' : ''}。谢谢告诉我们！`;
  },
};

export const submitCommand: ChatCommand = {
  name: 'submit',
  usage: '/submit N 链接或说明',
  summary: '提交任务 N 的成果',
  async run(context, args) {
    const koc = services(context);
    if (!koc) return unavailable('submit');
    const parsed = taskNumber(args);
    if (!parsed) return '请写任务编号和链接或说明，例如：/submit 12 https://…';
    if (!parsed.rest) return `请附上链接或说明，例如：/submit ${parsed.number} https://…`;
    if (parsed.rest.length > 1000) return '说明太长了，请控制在 1000 字以内。';
    const answer = await koc.submit(parsed.number, parsed.rest, context.staff);
    if (!answer.ok) return refusal(answer, parsed.number, 'submit');
    return `已提交任务 #${parsed.number}，运营审核后会通知你，通过即得 ${answer.task.points} 分。`;
  },
};

export const statsCommand: ChatCommand = {
  name: 'stats',
  usage: '/stats',
  summary: '我的本周数据：到店、发券、核销、积分、排名',
  async run(context) {
    const koc = services(context);
    if (!koc) return unavailable('stats');
    const s = await koc.stats(context.staff);
    if (!s) return NOT_KOC;
    return [
      `${s.name}（${s.tier}）近 ${s.windowDays} 天：`,
      `推荐到店：${s.arrivals} 人`,
      `发券：${s.coupons} 张　核销：${s.redemptions} 张`,
      `积分：+${s.points}（累计 ${s.balance}）`,
      `排名：第 ${s.rank} 名 / ${s.of} 人`,
    ].join('\n');
  },
};

export const rankCommand: ChatCommand = {
  name: 'rank',
  usage: '/rank',
  summary: '积分榜前 10 名和我的名次',
  async run(context) {
    const koc = services(context);
    if (!koc) return unavailable('rank');
    const r = await koc.rank(context.staff);
    if (r.top.length === 0) return '还没有 KOC 上榜。';
    const lines = r.top.map((e) => `${e.rank}. ${e.name}（${e.tier}）${e.points} 分`);
    const me = r.me ? `你：第 ${r.me.rank} 名，${r.me.points} 分` : '你还不是 KOC，不参与排名。';
    return [`近 ${r.windowDays} 天积分榜：`, ...lines, me].join('\n');
  },
};

export const tagCommand: ChatCommand = {
  name: 'tag',
  usage: '/tag 客户 标签',
  summary: '给客户打标签（客户写名字或备注）',
  async run(context, args) {
    const koc = services(context);
    if (!koc) return unavailable('tag');
    const match = /^(.+?)\s+(\S{1,30})$/u.exec(args.trim());
    if (!match) return '请写客户和标签，例如：/tag 王芳 已到店';
    const [, contact, tag] = match as unknown as [string, string, string];
    const answer = await koc.tag(context.accountId, contact.trim(), tag, context.staff);
    if (answer.ok) return answer.already ? `${answer.contactName} 已经有「${tag}」标签了。` : `已给 ${answer.contactName} 打上「${tag}」标签。`;
    if (answer.reason === 'ambiguous') return `有 ${answer.names.length} 位客户叫「${contact}」，请用备注名区分。`;
    return `没有找到客户「${contact}」，请写客户的名字或备注。`;
  },
};

export const feedbackCommand: ChatCommand = {
  name: 'feedback',
  usage: '/feedback 内容',
  summary: '给运营提建议或反馈问题',
  async run(context, args) {
    const koc = services(context);
    if (!koc) return unavailable('feedback');
    const text = args.trim();
    if (!text) return '请写下你的反馈，例如：/feedback 新品素材图片太少了';
    if (text.length > 2000) return '反馈太长了，请控制在 2000 字以内。';
    const answer = await koc.feedback(context.accountId, text, context.staff);
    return answer.ok ? '收到，已转给运营同事，谢谢你的反馈！' : '你还不在员工名单里，反馈没有记录，请联系运营。';
  },
};

export const KOC_COMMANDS: readonly ChatCommand[] = [tasksCommand, acceptCommand, declineCommand, submitCommand, statsCommand, rankCommand, tagCommand, feedbackCommand];
