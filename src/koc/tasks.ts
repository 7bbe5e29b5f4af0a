import { endOfLocalDate } from '../engine/localTime.ts';
import { parseDuration } from '../playbook/duration.ts';
import type { TaskDocument } from '../playbook/schema/documents.ts';

/**
 * Task rules, pure: who may take a task (its `eligible` tiers and roles) and when it is due. Two-way choice: a task
 * is offered, the KOC accepts or declines; an accepted task is submitted (a link or a note) and ops approve it,
 * which pays its points, or reject it. Unsubmitted tasks expire at their due instant.
 *
 *   offered ─accept─► accepted ─submit─► submitted ─approve─► approved (points)
 *      │  ▲               │  │                     └─reject──► rejected
 *      │  └─accept─ declined ◄─decline┘  (due passes) ──► expired
 *      └─decline─► declined
 */
export interface KocStanding {
  role: 'guide' | 'ambassador';
  /** Null: not in the KOC program. */
  tier: string | null;
}

export type Eligibility = { ok: true } | { ok: false; reason: 'not_koc' } | { ok: false; reason: 'tier'; tiers: string[] } | { ok: false; reason: 'role'; roles: string[] };

export function eligibility(task: TaskDocument, koc: KocStanding): Eligibility {
  if (koc.tier === null) return { ok: false, reason: 'not_koc' };
  const tiers = task.eligible?.tiers;
  if (tiers && !tiers.includes(koc.tier)) return { ok: false, reason: 'tier', tiers };
  const roles = task.eligible?.roles;
  if (roles && !roles.includes(koc.role)) return { ok: false, reason: 'role', roles };
  return { ok: true };
}

/** The task's own deadline (`due`, the end of that local date), when it has one. */
export function taskDeadline(task: TaskDocument, timeZone: string): Date | null {
  return task.due ? endOfLocalDate(task.due, timeZone) : null;
}

/** When an accepted task is due: `dueAfter` from acceptance, never later than the task's own `due`. */
export function dueOnAccept(task: TaskDocument, acceptedAt: Date, timeZone: string): Date | null {
  const deadline = taskDeadline(task, timeZone);
  const after = task.dueAfter ? new Date(acceptedAt.getTime() + parseDuration(task.dueAfter)!) : null;
  if (deadline && after) return after < deadline ? after : deadline;
  return after ?? deadline;
}

/** When the one reminder of an accepted task goes out: `remindBefore` before it is due (never before acceptance). */
export function reminderAt(task: TaskDocument, dueAt: Date, acceptedAt: Date): Date {
  const at = new Date(dueAt.getTime() - (parseDuration(task.remindBefore) ?? 86_400_000));
  return at < acceptedAt ? acceptedAt : at;
}
