import type { FunnelRow } from '../../../store/dashboard/charts.ts';
import { html, jsonScript, table, type Html } from '../html.ts';

export interface ChartsData {
  days: number;
  byCampaign: FunnelRow[];
  byKoc: FunnelRow[];
  sendsPerDay: { date: string; sends: number }[];
}

const funnelTable = (rows: FunnelRow[]) => table(['', 'clicks', 'adds', 'coupons', 'redeemed'], rows.map((r) => html`<tr><td>${r.label}</td><td>${r.clicks}</td><td>${r.adds}</td><td>${r.coupons}</td><td>${r.redeemed}</td></tr>`), 'No referral activity in this period.');

/** The referral funnel by campaign and by KOC, and sends per day, as Chart.js charts (with the numbers below). */
export function chartsPage(data: ChartsData): Html {
  return html`<form method="get" action="/charts" class="search"><label>天数 Days <select name="days">${[7, 30, 90].map((d) => html`<option value="${d}"${d === data.days ? ' selected' : ''}>${d}</option>`)}</select></label> <button type="submit">显示 Show</button></form>
<h2>每日发送 Sends per day</h2><div class="chart"><canvas id="chart-sends" data-chart="sends" aria-label="sends per day" role="img"></canvas></div>
<h2>漏斗（按活动） Funnel by campaign</h2><div class="chart"><canvas id="chart-funnel-campaign" data-chart="funnel-campaign" aria-label="funnel by campaign" role="img"></canvas></div>${funnelTable(data.byCampaign)}
<h2>漏斗（按 KOC） Funnel by KOC</h2><div class="chart"><canvas id="chart-funnel-koc" data-chart="funnel-koc" aria-label="funnel by KOC" role="img"></canvas></div>${funnelTable(data.byKoc)}
${jsonScript('chart-data', data)}`;
}
