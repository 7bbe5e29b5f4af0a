import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The dashboard's static files: its stylesheet and chart script (kept here as strings, so the compiled package
 * needs no copy step) and Chart.js, served from node_modules (no CDN: a store's machine may have no internet).
 */
export const DASHBOARD_CSS = `
:root { font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; color: #1d2733; background: #f5f7fa; }
body { margin: 0; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; padding: .6rem 1.2rem; background: #12324f; color: #fff; }
nav a { color: #cfe3f7; text-decoration: none; padding: .2rem .4rem; border-radius: 4px; }
nav a.active, nav a:hover { background: #1f4d77; color: #fff; }
nav .logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { border-bottom: 1px solid #e3e8ee; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
.notice { background: #e6f4ea; border: 1px solid #9bd3ae; padding: .5rem .8rem; border-radius: 4px; }
.bad { color: #b3261e; } .good { color: #1e7d3a; } .empty { color: #68727d; }
.counts { display: flex; gap: 1.2rem; list-style: none; padding: 0; }
.chart { background: #fff; padding: .5rem; height: 280px; position: relative; }
form.inline { display: flex; gap: .3rem; flex-wrap: wrap; }
.login { max-width: 22rem; background: #fff; padding: 1.2rem; border-radius: 6px; display: grid; gap: .7rem; }
.login input { width: 100%; padding: .4rem; box-sizing: border-box; }
button { cursor: pointer; }
.state-logged_in { color: #1e7d3a; } .state-failed, .state-stopped { color: #b3261e; } .state-waiting_for_scan { color: #9a6700; }
`;

/** Draws the charts a page describes in its #chart-data JSON (no inline script: the pages' CSP forbids it). */
export const CHARTS_JS = `
(function () {
  var el = document.getElementById('chart-data');
  if (!el || typeof Chart === 'undefined') return;
  var data = JSON.parse(el.textContent);
  var colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];
  var steps = [['clicks', '点击 clicks'], ['adds', '加好友 adds'], ['coupons', '发券 coupons'], ['redeemed', '核销 redeemed']];
  function funnel(canvas, rows) {
    return new Chart(canvas, {
      type: 'bar',
      data: { labels: rows.map(function (r) { return r.label; }), datasets: steps.map(function (s, i) {
        return { label: s[1], data: rows.map(function (r) { return r[s[0]]; }), backgroundColor: colours[i] };
      }) },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  function perDay(canvas, rows) {
    return new Chart(canvas, {
      type: 'bar',
      data: { labels: rows.map(function (r) { return r.date; }), datasets: [{ label: '发送 sends', data: rows.map(function (r) { return r.sends; }), backgroundColor: '#1f77b4' }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var kind = canvas.getAttribute('data-chart');
    if (kind === 'sends' || kind === 'sim-sends') perDay(canvas, data.sendsPerDay || []);
    else if (kind === 'funnel-campaign') funnel(canvas, data.byCampaign || []);
    else if (kind === 'funnel-koc') funnel(canvas, data.byKoc || []);
    canvas.setAttribute('data-rendered', 'true');
  });
})();
`;

let chartJs: Promise<Buffer> | undefined;
/** Chart.js's UMD build from the installed package. */
export function chartJsSource(): Promise<Buffer> {
  chartJs ??= (async () => {
    const main = createRequire(import.meta.url).resolve('chart.js');
    return readFile(join(dirname(main), 'chart.umd.min.js'));
  })();
  return chartJs;
}
