/**
 * The dashboard's one way to write HTML: the `html` tag escapes every interpolated value unless it is itself
 * `html` (a fragment built the same way) or wrapped with `raw()` for markup made here. Customer names, messages,
 * KOC submissions and feedback reach pages only through it.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written in this code base (never data). */
export function raw(text: string): Html {
  return new Html(text);
}

/** Data for the page's scripts: JSON in a non-executed script element, with `<` escaped so it cannot close it. */
export function jsonScript(id: string, data: unknown): Html {
  const json = JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return html`<script type="application/json" id="${id}">${raw(json)}</script>`;
}

export interface LayoutOptions {
  title: string;
  /** The signed-in user; undefined on the login and setup pages (no navigation). */
  user?: { username: string; role: string };
  csrfToken?: string;
  active?: string;
  notice?: string;
  scripts?: string[];
}

const NAV: [string, string][] = [
  ['/accounts', '账号 Accounts'], ['/playbooks', '剧本 Playbooks'], ['/outbox', '发送队列 Outbox'], ['/interactions', '互动记录 Interactions'],
  ['/koc', 'KOC'], ['/charts', '图表 Charts'], ['/simulate', '模拟 Simulate'],
];

export function layout(options: LayoutOptions, body: Html): string {
  const nav = options.user
    ? html`<nav><strong>kocflow</strong>${NAV.map(([href, label]) => html`<a href="${href}"${options.active === href ? raw(' class="active" aria-current="page"') : ''}>${label}</a>`)}
<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${options.csrfToken ?? ''}"><span>${options.user.username} (${options.user.role})</span> <button type="submit">退出 Log out</button></form></nav>`
    : html`<nav><strong>kocflow</strong></nav>`;
  const notice = options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : '';
  return `<!doctype html>${html`<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${options.title} · kocflow</title><link rel="stylesheet" href="/assets/dashboard.css">${options.csrfToken ? html`<meta name="csrf-token" content="${options.csrfToken}">` : ''}</head>
<body>${nav}<main><h1>${options.title}</h1>${notice}${body}</main>${(options.scripts ?? []).map((src) => html`<script src="${src}"></script>`)}</body></html>`.text}`;
}

export function table(headers: string[], rows: Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A timestamp in the account's zone (default Asia/Shanghai), as ops read it. */
export function when(at: Date | null | undefined, timeZone = 'Asia/Shanghai'): string {
  if (!at) return '—';
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
}
