import type { PrismaClient } from '../../store/generated/client.ts';
import { creditPoints } from '../../store/koc/points.ts';
import { reviewTask, type ReviewResult } from '../../store/koc/tasks.ts';
import type { KocNotes } from './notes.ts';

/**
 * What ops do from the CLI (and later the dashboard): review a task submission, grant points. Each writes its rows
 * and an audit row, and tells the KOC through the outbox (sent by `kocflow start`).
 */
export async function reviewSubmission(prisma: PrismaClient, notes: KocNotes, input: { number: number; approve: boolean; note: string; actor: string; at: Date }): Promise<ReviewResult> {
  const result = await reviewTask(prisma, input);
  if (!result.ok) return result;
  const a = result.assignment;
  const staff = await prisma.staff.findUniqueOrThrow({ where: { id: a.staffId }, select: { wecomUserId: true, accountId: true } });
  const text = input.approve
    ? `任务 #${a.number}「${a.title}」审核通过${result.credited ? `，+${result.credited} 分` : ''}！${input.note ? `\n运营：${input.note}` : ''}\n发 /stats 看看你的排名。`
    : `任务 #${a.number}「${a.title}」这次没有通过。${input.note ? `\n运营：${input.note}` : ''}`;
  await notes.send({ staffId: a.staffId, ...staff }, `task-review:${a.id}`, text, input.at);
  return result;
}

export interface GrantInput {
  staffId: string;
  amount: number;
  note: string;
  actor: string;
  at: Date;
  /** Makes the grant idempotent (a retried command pays once); a new one each call otherwise. */
  key: string;
}

/** Ops grant (or take back) points with a note: a ledger row (source "grant"), an audit row, a note to the KOC. */
export async function grantPoints(prisma: PrismaClient, notes: KocNotes, input: GrantInput): Promise<boolean> {
  const paid = await creditPoints(prisma, { staffId: input.staffId, amount: input.amount, reason: input.note, sourceKind: 'grant', sourceId: input.key, at: input.at });
  if (!paid) return false;
  await prisma.auditLog.create({ data: { actor: input.actor, action: 'points.grant', subject: `staff:${input.staffId}`, details: { amount: input.amount, note: input.note, key: input.key }, at: input.at } });
  const staff = await prisma.staff.findUniqueOrThrow({ where: { id: input.staffId }, select: { wecomUserId: true, accountId: true } });
  const text = input.amount > 0 ? `运营给你加了 ${input.amount} 分：${input.note}` : `运营调整了你的积分 ${input.amount} 分：${input.note}`;
  await notes.send({ staffId: input.staffId, ...staff }, `grant:${input.key}`, text, input.at);
  return true;
}
