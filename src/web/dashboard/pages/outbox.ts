import type { OutboxOverview, OutboxRowView } from '../../../store/dashboard/outbox.ts';
import { html, table, when, type Html } from '../html.ts';

function text(row: OutboxRowView): string {
  const t = row.text ?? '';
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
}

/** Pending, deferred and in-doubt sends; an in-doubt row has the resolve buttons (ops and admins). */
export function outboxPage(overview: OutboxOverview, csrfToken: string, canAct: boolean): Html {
  const counts = html`<ul class="counts">${Object.entries(overview.counts).map(([k, n]) => html`<li><strong>${n}</strong> ${k}</li>`)}</ul>`;
  const common = (r: OutboxRowView) => html`<td>${r.id}</td><td>${r.accountId}</td><td>${r.flowId ?? '—'}</td><td>${r.kind}</td><td>${r.recipient ?? ''}</td><td>${text(r)}</td>`;
  const inDoubt = overview.inDoubt.map((r) => html`<tr data-outbox="${r.id}">${common(r)}<td>${when(r.updatedAt)}</td><td>${r.lastError ?? ''}</td><td>${canAct
    ? html`<form method="post" action="/outbox/${r.id}/resolve" class="inline"><input type="hidden" name="_csrf" value="${csrfToken}"><button name="outcome" value="sent">已发送 mark sent</button> <button name="outcome" value="failed">未发送 mark failed</button></form>`
    : 'viewers cannot resolve'}</td></tr>`);
  return html`${counts}
<h2>在途未知 In doubt (${overview.inDoubt.length})</h2>
<p>The channel failed mid-send or kocflow stopped while sending: whether the customer got it is unknown, so it is never resent by itself. Check the phone, then mark it.</p>
${table(['id', 'account', 'flow', 'kind', 'to', 'text', 'since', 'error', 'resolve'], inDoubt, 'Nothing in doubt.')}
<h2>延后 Deferred (${overview.deferred.length})</h2>
${table(['id', 'account', 'flow', 'kind', 'to', 'text', 'due', 'reason'], overview.deferred.map((r) => html`<tr>${common(r)}<td>${when(r.dueAt)}</td><td>${r.deferredReason ?? ''}</td></tr>`), 'Nothing deferred.')}
<h2>待发 Pending (${overview.pending.length})</h2>
${table(['id', 'account', 'flow', 'kind', 'to', 'text', 'due', 'attempts'], overview.pending.map((r) => html`<tr>${common(r)}<td>${when(r.dueAt)}</td><td>${r.attempts}</td></tr>`), 'Nothing pending.')}`;
}
