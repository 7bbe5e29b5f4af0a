import { newReferralCode } from '../../src/referral/codes.ts';
import type { PrismaClient } from '../../src/store/types.ts';

/** The KOC program's test playbooks: a ladder, two tasks, a participation rule and a leaderboard. */
export const KOC_TIERS = `kind: tiers
id: koc-tiers
window: 30d
evaluate: "0 9 * * 1"
tiers:
  - name: 普通
  - name: 潜力
    minPoints: 100
    minActiveDays: 4
    perks: 新品优先体验
  - name: 核心
    minPoints: 500
    minActiveDays: 10
    perks: 新品内测、季度表彰
participation: { pointsPerMessage: 2, dailyCap: 6, minChars: 4, rooms: "车友会*" }
leaderboard: { window: 7d, size: 10 }
`;

export const POST_TASK = `kind: task
id: spring-post
title: 发一条春季新品朋友圈
content:
  text: "{{staff.name}}推荐：春季新品到店，报我的推荐码 {{staff.code}} 有礼"
  links: ["https://example.com/spring"]
eligible: { tiers: [潜力, 核心] }
capacity: 1
dueAfter: 3d
remindBefore: 1d
points: 30
`;

export const SURVEY_TASK = `kind: task
id: survey
title: 填写新品试用问卷
points: 5
`;

export const KOC_FILES = { 'koc/tiers.yaml': KOC_TIERS, 'koc/tasks/spring-post.yaml': POST_TASK, 'koc/tasks/survey.yaml': SURVEY_TASK };

/** A staff member in the KOC program (with a referral code), as kocflow.yaml's staff become at start. */
export async function addKoc(prisma: PrismaClient, input: { wecomUserId: string; name: string; role?: 'guide' | 'ambassador'; tier: string; accountId?: string; code?: string }) {
  await prisma.store.upsert({ where: { id: 'sh-01' }, create: { id: 'sh-01', name: '上海南京西路店' }, update: {} });
  const staff = await prisma.staff.create({
    data: { wecomUserId: input.wecomUserId, name: input.name, role: input.role ?? 'ambassador', storeId: 'sh-01', ...(input.accountId ? { accountId: input.accountId } : {}) },
  });
  const code = await prisma.referralCode.create({ data: { code: input.code ?? newReferralCode(), staffId: staff.id } });
  await prisma.kocProfile.create({ data: { staffId: staff.id, tier: input.tier, referralCodeId: code.id } });
  return { staff, code: code.code };
}
