import type { SimulationSummary } from '../../../simulate/report.ts';
import { html, jsonScript, table, type Html } from '../html.ts';

/** A saved `kocflow simulate --format json` result: sends per day as a chart, the flows and accounts as tables. */
export function simulatePage(files: string[], chosen: string | undefined, summary: SimulationSummary | undefined, folder: string, problem?: string): Html {
  const picker = files.length
    ? html`<form method="get" action="/simulate" class="search"><label>结果 Result <select name="file">${files.map((f) => html`<option value="${f}"${f === chosen ? ' selected' : ''}>${f}</option>`)}</select></label> <button type="submit">显示 Show</button></form>`
    : html`<p class="empty">No saved simulation yet. Save one with <code>kocflow simulate --format json &gt; ${folder}/2026-12.json</code> and reload.</p>`;
  if (!summary) return html`${picker}${problem ? html`<p class="bad">${problem}</p>` : ''}`;
  const flows = Object.entries(summary.byFlow).map(([id, f]) => html`<tr><td><code>${id}</code></td><td>${f.name}</td><td>${f.sends}</td><td>${f.deferred}</td><td>${f.skipped}</td></tr>`);
  const accounts = Object.entries(summary.byAccount).map(([id, a]) => html`<tr><td><code>${id}</code></td><td>${a.role}</td><td>${a.sends}</td><td>${a.max.day} / ${a.limits.day}</td></tr>`);
  const v = summary.violations ?? { quietHours: 0, caps: 0, duplicates: 0 };
  const violations = (v.quietHours ?? 0) + (v.caps ?? 0) + (v.duplicates ?? 0);
  return html`${picker}
<p>${summary.period.from} → ${summary.period.to} (${summary.period.days} days, ${summary.period.timeZone}), seed ${summary.seed}: <strong>${summary.sends}</strong> sends, ${summary.deferred.total} deferrals, ${summary.skipped.total} skips, ${summary.failed} failed, ${summary.inDoubt} in doubt, <span class="${violations ? 'bad' : 'good'}">${violations} violations</span>${violations ? ` (quiet hours ${v.quietHours ?? 0}, caps ${v.caps ?? 0}, duplicates ${v.duplicates ?? 0})` : ''}.</p>
<h2>每日发送 Sends per day</h2><div class="chart"><canvas id="chart-sim-sends" data-chart="sim-sends" aria-label="simulated sends per day" role="img"></canvas></div>
<h2>按剧本 By flow</h2>${table(['flow', 'name', 'sends', 'deferred', 'skipped'], flows, 'No flows.')}
<h2>按账号 By account</h2>${table(['account', 'role', 'sends', 'busiest day / limit'], accounts, 'No accounts.')}
${jsonScript('chart-data', { sendsPerDay: summary.sendsPerDay })}`;
}
