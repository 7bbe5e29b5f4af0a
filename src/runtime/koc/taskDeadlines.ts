import type { Clock } from '../../domain/types.ts';
import { reminderAt } from '../../koc/tasks.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import type { TaskDocument } from '../../playbook/schema/documents.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PrismaClient } from '../../store/generated/client.ts';
import { assignmentsWithDeadline, expireAssignment, markReminded, type OpenAccepted } from '../../store/koc/tasks.ts';
import type { DueWork } from '../dueWork.ts';
import type { KocNotes } from './notes.ts';

/**
 * Task deadlines as scheduled work: an accepted task not yet submitted is reminded once, `remindBefore` (the task
 * file's, default 1 day) before it is due; at its due instant an offered or accepted task expires, and a KOC who had
 * accepted it is told. Everything it needs is in task_assignments (due_at, reminded_at), so a restart loses nothing.
 */
export interface TaskDeadlinesOptions {
  prisma: PrismaClient;
  playbooks: () => PlaybookSet;
  notes: KocNotes;
  clock: Clock;
  logger: Logger;
}

export class TaskDeadlines implements DueWork {
  readonly name = 'tasks';
  readonly #o: TaskDeadlinesOptions;

  constructor(options: TaskDeadlinesOptions) {
    this.#o = options;
  }

  async nextDueAt(): Promise<Date | null> {
    let next: Date | null = null;
    for (const row of await assignmentsWithDeadline(this.#o.prisma)) {
      const due = this.#remindAt(row) ?? row.dueAt!;
      if (!next || due < next) next = due;
    }
    return next;
  }

  async runDue(now: Date): Promise<number> {
    const { prisma, notes, logger } = this.#o;
    let done = 0;
    for (const row of await assignmentsWithDeadline(prisma)) {
      const koc = { staffId: row.staffId, wecomUserId: row.wecomUserId, accountId: row.accountId };
      if (row.dueAt! <= now) {
        if (!(await expireAssignment(prisma, row.id, row.status))) continue;
        done++;
        logger.info({ staff: row.staffId, task: row.taskId, number: row.number, was: row.status }, 'task expired');
        if (row.status === 'accepted') {
          await notes.send(koc, `task-expired:${row.id}`, `任务 #${row.number}「${row.title}」已过截止时间，没有提交，已过期。发 /tasks 看看别的任务。`, now);
        }
        continue;
      }
      const remind = this.#remindAt(row);
      if (remind && remind <= now && (await markReminded(prisma, row.id, now))) {
        done++;
        const zone = notes.zoneOf(koc);
        await notes.send(koc, `task-remind:${row.id}`, `提醒：任务 #${row.number}「${row.title}」将在 ${formatLocal(row.dueAt!, 'MM-DD HH:mm', zone)} 截止。完成后发 /submit ${row.number} 链接或说明`, now);
      }
    }
    return done;
  }

  /** When this row's reminder is due; null when it needs none (not accepted, or reminded already). */
  #remindAt(row: OpenAccepted): Date | null {
    if (row.status !== 'accepted' || row.remindedAt) return null;
    const task: Pick<TaskDocument, 'remindBefore'> = this.#o.playbooks().tasks.get(row.taskId)?.document ?? { remindBefore: '1d' };
    return reminderAt(task as TaskDocument, row.dueAt!, row.respondedAt ?? row.dueAt!);
  }
}
