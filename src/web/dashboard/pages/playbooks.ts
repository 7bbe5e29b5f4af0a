import { CronExpressionParser } from 'cron-parser';
import { DEFAULT_TIME_ZONE } from '../../../playbook/calendar.ts';
import { loadPlaybookFolder } from '../../../playbook/load.ts';
import type { PlaybookSet } from '../../../playbook/model.ts';
import type { PrismaClient } from '../../../store/generated/client.ts';
import { html, table, when, type Html } from '../html.ts';

/**
 * The playbooks running now, each flow's trigger and next scheduled runs, and the lint state of the folder as it
 * is on disk (it may have errors the running version does not: the last good version keeps running).
 */
export async function playbooksPage(prisma: PrismaClient, set: PlaybookSet, now: Date): Promise<Html> {
  let lint: Html;
  try {
    const result = loadPlaybookFolder(set.root);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    lint = html`<p class="${errors.length ? 'bad' : 'good'}">lint: ${result.fileCount} files, ${errors.length} errors, ${warnings.length} warnings${errors.length ? ' — the running version is the last good one' : ''}</p>
${result.diagnostics.length ? table(['file', 'line', 'severity', 'code', 'message'], result.diagnostics.slice(0, 100).map((d) => html`<tr><td>${d.file}</td><td>${d.line}:${d.column}</td><td>${d.severity}</td><td><code>${d.code}</code></td><td>${d.message}</td></tr>`), '') : ''}`;
  } catch (error) {
    lint = html`<p class="bad">lint: the folder cannot be read: ${(error as Error).message}</p>`;
  }
  const schedules = await prisma.flowSchedule.findMany({ orderBy: { nextDueAt: 'asc' } });
  const byFlow = new Map<string, typeof schedules>();
  for (const s of schedules) byFlow.set(s.flowId, [...(byFlow.get(s.flowId) ?? []), s]);
  const flows = [...set.flows.values()].sort((a, b) => a.document.id.localeCompare(b.document.id));
  const rows = flows.map((flow) => {
    const trigger = flow.document.trigger;
    let triggerText: string;
    let next: Html | string = '—';
    if ('cron' in trigger) {
      const zone = trigger.timeZone ?? DEFAULT_TIME_ZONE;
      triggerText = `cron "${trigger.cron}" (${zone})`;
      const stored = byFlow.get(flow.document.id);
      if (stored?.length) {
        next = html`${stored.slice(0, 3).map((s) => html`${when(s.nextDueAt, s.timeZone)} <small>${s.accountId}</small><br>`)}`;
      } else {
        try {
          const it = CronExpressionParser.parse(trigger.cron, { tz: zone, currentDate: now });
          next = html`${[0, 1, 2].map(() => html`${when(it.next().toDate(), zone)}<br>`)}`;
        } catch {
          next = 'invalid cron';
        }
      }
    } else {
      triggerText = `on ${trigger.on}`;
    }
    return html`<tr><td><code>${flow.document.id}</code></td><td>${flow.document.name ?? ''}</td><td>${flow.source.file}</td><td>${triggerText}</td><td>${flow.document.enabled ? 'yes' : 'no'}</td><td>${next}</td><td><code>${flow.hash.slice(0, 8)}</code></td></tr>`;
  });
  return html`${lint}
<p>${set.flows.size} flows, ${set.campaigns.size} campaigns, ${set.tasks.size} tasks${set.tiers ? `, tiers ${set.tiers.document.tiers.map((t) => t.name).join(' → ')}` : ''}.</p>
${table(['flow', 'name', 'file', 'trigger', 'enabled', 'next runs', 'version'], rows, 'No flows.')}`;
}
