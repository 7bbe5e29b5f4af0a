import type { InteractionView } from '../../../store/dashboard/interactions.ts';
import { html, table, when, type Html } from '../html.ts';

function summary(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.text === 'string') return b.text.length > 120 ? `${b.text.slice(0, 120)}…` : b.text;
    const json = JSON.stringify(b);
    return json === '{}' ? '' : json.length > 120 ? `${json.slice(0, 120)}…` : json;
  }
  return '';
}

/** The interaction log, newest first, searchable by contact (name, alias or WeChat id). */
export function interactionsPage(rows: InteractionView[], contact: string | undefined): Html {
  return html`<form method="get" action="/interactions" class="search"><label>客户 Contact <input type="search" name="contact" value="${contact ?? ''}" placeholder="name, alias or WeChat id"></label> <button type="submit">搜索 Search</button></form>
${table(['time', 'dir', 'kind', 'account', 'contact', 'room', 'flow', 'content'], rows.map((r) => html`<tr><td>${when(r.at)}</td><td>${r.direction === 'in' ? '←' : '→'}</td><td>${r.kind}</td><td>${r.accountId}</td><td class="contact">${r.contactName ?? r.contactExternalId ?? ''}</td><td>${r.roomTopic ?? ''}</td><td>${r.flowId ?? ''}</td><td>${summary(r.body)}</td></tr>`), contact ? 'No interactions with a contact matching that.' : 'No interactions yet.')}`;
}
