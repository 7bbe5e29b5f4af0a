import { NO_FLOW, type SimulationSummary } from './report.ts';
import { barChart, formatCount, table } from './terminal.ts';

/** The text summary `kocflow simulate` prints (the JSON summary is `--format json`). */
export function summaryText(summary: SimulationSummary, extra: { playbooks: string; timelinePath?: string }): string {
  const s = summary;
  const lines: string[] = [];
  const roles = s.population.accounts;
  const firstDay = s.sendsPerDay[0]?.date ?? s.period.from.slice(0, 10);
  lines.push(`kocflow simulate: seed ${s.seed}, ${plural(s.period.days, 'day')} from ${firstDay} (${s.period.timeZone})`);
  lines.push(
    `world: ${plural(roles.guide + roles.ambassador + roles.assistant, 'account')} (${plural(roles.guide, 'guide')}, ${plural(roles.ambassador, 'ambassador')}, ` +
      `${roles.assistant} assistant) in ${plural(s.population.stores, 'store')}, ${s.population.staff} staff, ${plural(s.population.contacts, 'customer')}; ` +
      `playbooks ${extra.playbooks}: ${plural(s.playbooks.flows, 'flow')}, ${plural(s.playbooks.campaigns, 'campaign')}`,
  );

  lines.push('', 'sends per day');
  lines.push(...barChart(s.sendsPerDay.map((d) => ({ label: `${d.date.slice(5)} ${weekday(d.date)}`, value: d.sends }))));
  lines.push('', `sends: ${formatCount(s.sends)}${s.sends > 0 ? ` (${list(s.byKind)})` : ''}`);

  lines.push('', 'by flow');
  lines.push(...table(
    ['flow', 'name', 'sends', 'deferred', 'skipped'],
    Object.entries(s.byFlow).map(([id, f]) => [id === NO_FLOW ? NO_FLOW : id, f.name, formatCount(f.sends), formatCount(f.deferred), formatCount(f.skipped)]),
    ['left', 'left', 'right', 'right', 'right'],
  ));

  lines.push('', 'by account: most sends in any minute / hour / local day, against the limit (tags not counted)');
  const accounts = Object.entries(s.byAccount);
  lines.push(...table(
    ['account', 'role', 'store', 'sends', 'minute', 'hour', 'day'],
    accounts.map(([id, a]) => [
      id, a.rampUp ? `${a.role}*` : a.role, a.store ?? '-', formatCount(a.sends),
      `${a.max.minute}/${a.limits.minute}`, `${a.max.hour}/${a.limits.hour}`, `${a.max.day}/${a.limits.day}`,
    ]),
    ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
  ));
  if (accounts.some(([, a]) => a.rampUp)) lines.push('  * new account: its limits ramp up from 20% over its first days (checked against the ramped limit)');

  lines.push('');
  lines.push(`deferred: ${formatCount(s.deferred.total)} decisions on ${formatCount(s.deferred.entries)} entries${s.deferred.total > 0 ? ` (${list(s.deferred.byReason)})` : ''}`);
  lines.push(`skipped: ${formatCount(s.skipped.total)}${s.skipped.total > 0 ? ` (${list(s.skipped.byReason)})` : ''}`);
  lines.push(`failed: ${s.failed}, in doubt: ${s.inDoubt}, still pending at the end: ${s.pendingAtEnd}`);
  const r = s.rewards;
  lines.push(`rewards: ${plural(r.couponsIssued, 'coupon')} issued, ${r.couponsRedeemed} redeemed; ${formatCount(r.pointsAwarded)} KOC points; ${plural(r.tasksOffered, 'task')} offered; ${plural(r.attributedContacts, 'customer')} attributed to a KOC`);

  const v = s.violations;
  const total = v.quietHours + v.caps + v.duplicates;
  lines.push('', `violations: quiet hours ${v.quietHours}, caps ${v.caps}, duplicates ${v.duplicates}${total === 0 ? ': every limit held' : ''}`);
  for (const e of v.examples) lines.push(`  ${e.rule} ${e.at} ${e.account}${e.flow ? ` ${e.flow}` : ''}: ${e.detail}`);
  const rate = s.wallSeconds > 0 ? Math.round(s.sends / s.wallSeconds) : s.sends;
  lines.push(`simulated ${plural(s.period.days, 'day')} in ${s.wallSeconds.toFixed(1)} s: ${formatCount(s.events)} customer events, ${formatCount(s.ticks)} engine ticks, ${formatCount(rate)} sends/s`);
  if (extra.timelinePath) lines.push(`timeline: ${extra.timelinePath} (${plural(s.sends, 'line')})`);
  return lines.join('\n') + '\n';
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function list(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

/** The weekday of a calendar date `YYYY-MM-DD`. */
function weekday(date: string): string {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}
