import type { LeaderboardEntry } from '../../../engine/ports.ts';
import { html, table, when, type Html } from '../html.ts';

export interface KocPageData {
  leaderboard: (LeaderboardEntry & { wecomUserId: string })[];
  windowDays: number;
  submissions: { number: number; title: string; points: number; staffName: string; wecomUserId: string; submission: string | null; submittedAt: Date | null }[];
  feedback: { id: string; createdAt: Date; text: string; accountId: string | null; staff: { name: string; wecomUserId: string }; context: unknown }[];
}

/** The leaderboard, the task submissions waiting for review (approve / reject), the open feedback. */
export function kocPage(data: KocPageData, csrfToken: string, canAct: boolean): Html {
  const board = table(['rank', 'KOC', 'tier', `points (${data.windowDays} days)`, 'code'], data.leaderboard.map((e) => html`<tr><td>${e.rank}</td><td>${e.name} <small>${e.wecomUserId}</small></td><td>${e.tier}</td><td>${e.points}</td><td><code>${e.code}</code></td></tr>`), 'No KOCs yet.');
  const review = table(['#', 'task', 'points', 'KOC', 'submitted', 'submission', 'review'], data.submissions.map((s) => html`<tr data-task="${s.number}"><td>${s.number}</td><td>${s.title}</td><td>${s.points}</td><td>${s.staffName} <small>${s.wecomUserId}</small></td><td>${when(s.submittedAt)}</td><td class="submission">${s.submission ?? ''}</td><td>${canAct
    ? html`<form method="post" action="/koc/tasks/${s.number}/review" class="inline"><input type="hidden" name="_csrf" value="${csrfToken}"><input name="note" placeholder="note to the KOC" maxlength="500"> <button name="decision" value="approve">通过 Approve</button> <button name="decision" value="reject">不通过 Reject</button></form>`
    : 'viewers cannot review'}</td></tr>`), 'No submissions waiting for review.');
  const feedback = table(['time', 'KOC', 'standing', 'via', 'feedback'], data.feedback.map((f) => {
    const c = (f.context ?? {}) as { tier?: string | null; points?: number };
    return html`<tr><td>${when(f.createdAt)}</td><td>${f.staff.name} <small>${f.staff.wecomUserId}</small></td><td>${c.tier ?? 'not a KOC'}, ${c.points ?? 0} points</td><td>${f.accountId ?? '—'}</td><td>${f.text}</td></tr>`;
  }), 'No open feedback.');
  return html`<h2>排行榜 Leaderboard</h2>${board}<h2>待审核任务 Tasks to review (${data.submissions.length})</h2>${review}<h2>反馈 Feedback (${data.feedback.length})</h2>${feedback}`;
}
