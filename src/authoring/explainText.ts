import stringWidth from 'string-width';
import { formatLocal } from '../playbook/templates/helpers.ts';
import type { Lang } from '../i18n/lang.ts';
import { t } from '../i18n/messages.ts';
import type { AuthoringContext } from './context.ts';
import { list, subjectWord } from './describe.ts';
import { pacingSource, type Explanation } from './explain.ts';

/** `Mon 2026-12-07 09:00` (or `2026-12-07 周一 09:00`), local to the zone; seconds only when there are some. */
export function formatWhen(lang: Lang, instant: Date, timeZone: string): string {
  const weekday = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { weekday: 'short', timeZone }).format(instant);
  const time = formatLocal(instant, instant.getUTCSeconds() === 0 ? 'HH:mm' : 'HH:mm:ss', timeZone);
  const date = formatLocal(instant, 'YYYY-MM-DD', timeZone);
  return lang === 'zh' ? `${date} ${weekday} ${time}` : `${weekday} ${date} ${time}`;
}

/** The explanation as ops read it in a terminal. */
export function explanationText(e: Explanation, ctx: AuthoringContext, lang: Lang): string {
  const zone = e.account.timeZone;
  const lines: string[] = [];
  lines.push(t(lang, 'explain.title', { id: e.flow.id, name: e.flow.name ? ` "${e.flow.name}"` : '', file: e.flow.file }));
  if (!e.flow.enabled) lines.push(t(lang, 'explain.disabled'));
  lines.push(t(lang, e.occurrences ? 'explain.startsCron' : 'explain.starts', { trigger: e.trigger, subject: subjectWord(lang, e.subject) }));
  if (e.cronNote) lines.push(e.cronNote);
  lines.push(e.runsOn.accounts
    ? t(lang, 'explain.runsOn', { selector: e.runsOn.selector, accounts: list(lang, e.runsOn.accounts) || t(lang, 'flow.none'), config: e.runsOn.config ?? '' })
    : t(lang, 'explain.runsOnNoConfig', { selector: e.runsOn.selector }));
  if (e.stopWhen) lines.push(t(lang, 'explain.stopWhen', { subject: subjectWord(lang, e.subject), condition: e.stopWhen }));
  if (e.occurrences) lines.push(t(lang, 'explain.next', { account: e.account.id, times: e.occurrences.map((o) => formatWhen(lang, o, zone)).join(t(lang, 'list.sep')) }));

  lines.push('', t(lang, 'explain.timeline', { subject: subjectWord(lang, e.subject), account: e.account.id, zone, start: formatWhen(lang, e.start, zone) }));
  const rows = e.timeline.map((entry) => ({
    when: `${t(lang, 'explain.day', { n: entry.day })}  ${formatWhen(lang, entry.at, zone)}`,
    what: `${entry.step}. ${entry.label ? `[${entry.label}] ` : ''}${entry.text}`,
    notes: [
      ...(entry.skipped ? [entry.skipped] : []),
      ...(entry.sendAt && entry.sendAt.getTime() !== entry.at.getTime() ? [t(lang, 'explain.sent', { time: formatWhen(lang, entry.sendAt, zone) })] : []),
      ...entry.notes,
    ],
  }));
  const endRow = { when: `${t(lang, 'explain.day', { n: e.endDay })}  ${formatWhen(lang, e.end, zone)}`, what: t(lang, 'explain.end'), notes: [] as string[] };
  const width = Math.max(...[...rows, endRow].map((r) => stringWidth(r.when)));
  for (const row of [...rows, endRow]) {
    lines.push(`  ${row.when}${' '.repeat(width - stringWidth(row.when))}  ${row.what}`);
    if (row.notes.length) lines.push(`  ${' '.repeat(width)}    ${row.notes.join('; ')}`);
  }

  lines.push('', t(lang, 'explain.pacing', { account: e.account.id, source: pacingSource(lang, ctx) }));
  for (const line of e.pacing) lines.push(`  - ${line}`);
  if (ctx.onMock) lines.push(t(lang, 'pacing.mock', { account: e.account.id }));
  if (ctx.account.role === 'ambassador') lines.push(t(lang, 'pacing.ambassador', { account: e.account.id }));
  return lines.join('\n') + '\n';
}
