import type { TaskDocument } from '../../playbook/schema/documents.ts';
import { dueOnAccept, eligibility, taskDeadline, type Eligibility, type KocStanding } from '../../koc/tasks.ts';
import type { PrismaClient, Prisma } from '../generated/client.ts';
import type { TaskAssignmentStatus } from '../generated/enums.ts';
import { isUniqueViolation } from '../prismaErrors.ts';
import { creditPointsIn } from './points.ts';

/**
 * KOC tasks on the store: offers (one assignment row per task and KOC, with the short number the KOC types),
 * accept / decline / submit from chat, ops' review, reminders and expiry. Capacity holds under concurrency: an
 * accept locks its task row (SELECT … FOR UPDATE) before counting who took it, on both stores.
 */
type Tx = Prisma.TransactionClient;

/** Statuses that hold one of a task's places. */
export const TAKEN: TaskAssignmentStatus[] = ['accepted', 'submitted', 'approved'];
/** Statuses a KOC still acts on or waits for. */
export const OPEN: TaskAssignmentStatus[] = ['offered', 'accepted', 'submitted'];

export interface AssignmentView {
  id: string;
  number: number;
  taskId: string;
  title: string;
  points: number;
  status: TaskAssignmentStatus;
  dueAt: Date | null;
  submission: string | null;
  reviewNote: string | null;
  staffId: string;
}

const VIEW = { task: { select: { title: true, points: true } } } as const;
type Row = Prisma.TaskAssignmentGetPayload<{ include: typeof VIEW }>;
function view(row: Row): AssignmentView {
  return {
    id: row.id, number: row.number, taskId: row.taskId, title: row.task.title, points: row.task.points, status: row.status,
    dueAt: row.dueAt, submission: row.submission, reviewNote: row.reviewNote, staffId: row.staffId,
  };
}

/** The task file's current title, points and definition, in koc_tasks (reports and the CLI read it there). */
export async function syncTask(db: PrismaClient | Tx, task: TaskDocument, timeZone: string): Promise<void> {
  const data = { title: task.title, points: task.points, definition: JSON.parse(JSON.stringify(task)) as Prisma.InputJsonValue, dueAt: taskDeadline(task, timeZone) };
  await db.kocTask.upsert({ where: { id: task.id }, create: { id: task.id, ...data }, update: data });
}

export type OfferResult =
  | { ok: true; number: number; created: boolean; dueAt: Date | null }
  | { ok: false; reason: 'task_full' | 'task_closed' | 'not_eligible' };

/** Offers a task to a KOC (idempotent: a second offer returns the first one's number). */
export async function offerTask(prisma: PrismaClient, task: TaskDocument, koc: KocStanding & { staffId: string }, at: Date, timeZone: string): Promise<OfferResult> {
  await syncTask(prisma, task, timeZone);
  const assigned = await prisma.taskAssignment.findUnique({ where: { taskId_staffId: { taskId: task.id, staffId: koc.staffId } } });
  if (assigned) return { ok: true, number: assigned.number, created: false, dueAt: assigned.dueAt };
  if (!eligibility(task, koc).ok) return { ok: false, reason: 'not_eligible' };
  const deadline = taskDeadline(task, timeZone);
  if (deadline && deadline <= at) return { ok: false, reason: 'task_closed' };
  if (task.capacity !== undefined) {
    const taken = await prisma.taskAssignment.count({ where: { taskId: task.id, status: { in: TAKEN } } });
    if (taken >= task.capacity) return { ok: false, reason: 'task_full' };
  }
  try {
    const created = await prisma.taskAssignment.create({ data: { taskId: task.id, staffId: koc.staffId, offeredAt: at, dueAt: deadline } });
    return { ok: true, number: created.number, created: true, dueAt: created.dueAt };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await prisma.taskAssignment.findUniqueOrThrow({ where: { taskId_staffId: { taskId: task.id, staffId: koc.staffId } } });
    return { ok: true, number: raced.number, created: false, dueAt: raced.dueAt };
  }
}

export async function assignmentsOf(prisma: PrismaClient, staffId: string, statuses: TaskAssignmentStatus[] = OPEN): Promise<AssignmentView[]> {
  const rows = await prisma.taskAssignment.findMany({ where: { staffId, status: { in: statuses } }, include: VIEW, orderBy: { number: 'asc' } });
  return rows.map(view);
}

export async function assignmentByNumber(prisma: PrismaClient | Tx, number: number): Promise<AssignmentView | undefined> {
  const row = await prisma.taskAssignment.findUnique({ where: { number }, include: VIEW });
  return row ? view(row) : undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────── chat

export type AcceptResult =
  | { ok: true; assignment: AssignmentView }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'task_gone'; assignment: AssignmentView }
  | { ok: false; reason: 'not_eligible'; assignment: AssignmentView; eligibility: Exclude<Eligibility, { ok: true }> }
  | { ok: false; reason: 'full'; assignment: AssignmentView; capacity: number }
  | { ok: false; reason: 'closed'; assignment: AssignmentView };

/**
 * `/accept N`. `task` is the task's current file (undefined: the file is gone). The answer for a task already
 * accepted, submitted, reviewed or expired is `closed` with the assignment (the caller words it by status).
 */
export async function acceptTask(prisma: PrismaClient, input: { number: number; staffId: string; task: (taskId: string) => TaskDocument | undefined; koc: KocStanding; at: Date; timeZone: string }): Promise<AcceptResult> {
  return prisma.$transaction(async (tx) => {
    const found = await tx.taskAssignment.findUnique({ where: { number: input.number }, include: VIEW });
    if (!found || found.staffId !== input.staffId) return { ok: false, reason: 'not_found' } as const;
    // Serialises accepts of one task: the count below cannot race another accept.
    await tx.$queryRaw`SELECT id FROM koc_tasks WHERE id = ${found.taskId}::text FOR UPDATE`;
    const assignment = view(found);
    if (assignment.status !== 'offered' && assignment.status !== 'declined') return { ok: false, reason: 'closed', assignment } as const;
    const task = input.task(assignment.taskId);
    if (!task) return { ok: false, reason: 'task_gone', assignment } as const;
    if (assignment.dueAt && assignment.dueAt <= input.at) return { ok: false, reason: 'closed', assignment: { ...assignment, status: 'expired' } } as const;
    const eligible = eligibility(task, input.koc);
    if (!eligible.ok) return { ok: false, reason: 'not_eligible', assignment, eligibility: eligible } as const;
    if (task.capacity !== undefined) {
      const taken = await tx.taskAssignment.count({ where: { taskId: task.id, status: { in: TAKEN } } });
      if (taken >= task.capacity) return { ok: false, reason: 'full', assignment, capacity: task.capacity } as const;
    }
    await syncTask(tx, task, input.timeZone);
    const dueAt = dueOnAccept(task, input.at, input.timeZone);
    const row = await tx.taskAssignment.update({ where: { id: assignment.id }, data: { status: 'accepted', respondedAt: input.at, dueAt, remindedAt: null }, include: VIEW });
    return { ok: true, assignment: view(row) } as const;
  });
}

export type ChangeResult = { ok: true; assignment: AssignmentView } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'wrong_status'; assignment: AssignmentView };

/** `/decline N [reason]`: an offered or accepted task (dropping out frees the place). */
export async function declineTask(prisma: PrismaClient, input: { number: number; staffId: string; reason: string; at: Date }): Promise<ChangeResult> {
  return move(prisma, input.number, input.staffId, ['offered', 'accepted'], { status: 'declined', respondedAt: input.at, ...(input.reason ? { reviewNote: `拒绝原因：${input.reason}` } : {}) });
}

/** `/submit N <link or note>`: an accepted task, or one submitted before (a corrected link replaces the first). */
export async function submitTask(prisma: PrismaClient, input: { number: number; staffId: string; submission: string; at: Date }): Promise<ChangeResult> {
  return move(prisma, input.number, input.staffId, ['accepted', 'submitted'], { status: 'submitted', submission: input.submission, submittedAt: input.at });
}

async function move(prisma: PrismaClient, number: number, staffId: string, from: TaskAssignmentStatus[], data: Prisma.TaskAssignmentUpdateManyMutationInput): Promise<ChangeResult> {
  const found = await assignmentByNumber(prisma, number);
  if (!found || found.staffId !== staffId) return { ok: false, reason: 'not_found' };
  const { count } = await prisma.taskAssignment.updateMany({ where: { id: found.id, status: { in: from } }, data });
  const now = (await assignmentByNumber(prisma, number))!;
  return count === 1 ? { ok: true, assignment: now } : { ok: false, reason: 'wrong_status', assignment: now };
}

// ─────────────────────────────────────────────────────────────────────────────────────────── review

export type ReviewResult =
  | { ok: true; assignment: AssignmentView; credited: number }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_submitted'; assignment: AssignmentView };

/** Ops approve (the task's points are credited, source "task", once) or reject a submission, with a note. */
export async function reviewTask(prisma: PrismaClient, input: { number: number; approve: boolean; note: string; actor: string; at: Date }): Promise<ReviewResult> {
  return prisma.$transaction(async (tx) => {
    const found = await assignmentByNumber(tx, input.number);
    if (!found) return { ok: false, reason: 'not_found' } as const;
    const { count } = await tx.taskAssignment.updateMany({
      where: { id: found.id, status: 'submitted' },
      data: { status: input.approve ? 'approved' : 'rejected', reviewNote: input.note, reviewedBy: input.actor, reviewedAt: input.at },
    });
    if (count === 0) return { ok: false, reason: 'not_submitted', assignment: found } as const;
    let credited = 0;
    if (input.approve && found.points !== 0) {
      const paid = await creditPointsIn(tx, { staffId: found.staffId, amount: found.points, reason: `任务：${found.title}`, sourceKind: 'task', sourceId: found.id, at: input.at });
      if (paid) credited = found.points;
    }
    await tx.auditLog.create({ data: { actor: input.actor, action: input.approve ? 'task.approve' : 'task.reject', subject: `task_assignment:${found.id}`, details: { number: found.number, task: found.taskId, points: credited }, at: input.at } });
    return { ok: true, assignment: { ...found, status: input.approve ? 'approved' : 'rejected', reviewNote: input.note }, credited } as const;
  });
}

export async function submissionsToReview(prisma: PrismaClient): Promise<(AssignmentView & { submittedAt: Date | null; staffName: string; wecomUserId: string })[]> {
  const rows = await prisma.taskAssignment.findMany({
    where: { status: 'submitted' },
    include: { ...VIEW, staff: { select: { name: true, wecomUserId: true } } },
    orderBy: [{ submittedAt: 'asc' }, { number: 'asc' }],
  });
  return rows.map((r) => ({ ...view(r), submittedAt: r.submittedAt, staffName: r.staff.name, wecomUserId: r.staff.wecomUserId }));
}

// ─────────────────────────────────────────────────────────────────────────────────── due work

export interface OpenAccepted extends AssignmentView {
  respondedAt: Date | null;
  remindedAt: Date | null;
  wecomUserId: string;
  accountId: string | null;
}

/** Accepted tasks with a due instant, and offers with one: what reminders and expiry look at. */
export async function assignmentsWithDeadline(prisma: PrismaClient): Promise<OpenAccepted[]> {
  const rows = await prisma.taskAssignment.findMany({
    where: { status: { in: ['offered', 'accepted'] }, dueAt: { not: null } },
    include: { ...VIEW, staff: { select: { wecomUserId: true, accountId: true } } },
    orderBy: { dueAt: 'asc' },
  });
  return rows.map((r) => ({ ...view(r), respondedAt: r.respondedAt, remindedAt: r.remindedAt, wecomUserId: r.staff.wecomUserId, accountId: r.staff.accountId }));
}

export async function markReminded(prisma: PrismaClient, id: string, at: Date): Promise<boolean> {
  const { count } = await prisma.taskAssignment.updateMany({ where: { id, status: 'accepted', remindedAt: null }, data: { remindedAt: at } });
  return count === 1;
}

/** offered/accepted → expired, only from the state read (a submit that got in first wins). */
export async function expireAssignment(prisma: PrismaClient, id: string, from: TaskAssignmentStatus): Promise<boolean> {
  const { count } = await prisma.taskAssignment.updateMany({ where: { id, status: from }, data: { status: 'expired' } });
  return count === 1;
}
