import { CHAT_TEXT_LIMITS } from '../playbook/chatLimits.ts';
import { MOMENT_LIMITS } from '../playbook/moments.ts';
import type { Lang } from '../i18n/lang.ts';
import { t } from '../i18n/messages.ts';
import { previewFindings, type Preview } from './preview.ts';

/** The preview as ops read it: each message under a header, indented, with its length and problems. */
export function previewText(preview: Preview, lang: Lang): string {
  const who = preview.data.kind === 'sample'
    ? t(lang, 'preview.sampleData', { name: preview.data.contact })
    : t(lang, 'preview.fileData', { name: preview.data.contact, file: preview.data.file ?? '' });
  const lines = [t(lang, 'preview.title', { id: preview.flow.id, name: preview.flow.name ? ` "${preview.flow.name}"` : '', file: preview.flow.file, account: preview.account, who })];
  lines.push(t(lang, 'preview.noLimit', { moments: MOMENT_LIMITS.maxTextChars.toLocaleString('en-US'), images: MOMENT_LIMITS.maxImages, bytes: CHAT_TEXT_LIMITS.maxTextBytes.toLocaleString('en-US') }));
  if (preview.messages.length === 0) lines.push('', t(lang, 'preview.none'));
  for (const m of preview.messages) {
    lines.push('', t(lang, 'preview.step', { step: m.step, kind: m.kind })
      + (m.source ? t(lang, 'preview.source', { source: m.source }) : '')
      + (m.of > 1 ? t(lang, 'preview.variant', { n: m.variant, of: m.of }) : '')
      + (m.condition ? t(lang, 'preview.when', { condition: m.condition }) : ''));
    for (const line of m.text.split('\n')) if (m.text) lines.push(`  ${line}`);
    for (const attachment of m.attachments) lines.push(`  + ${attachment}`);
    if (m.text) {
      lines.push(`  ${m.limit !== undefined ? t(lang, 'preview.charsLimit', { chars: m.chars, limit: m.limit })
        : m.byteLimit !== undefined ? t(lang, 'preview.bytesLimit', { chars: m.chars, bytes: m.bytes, limit: m.byteLimit })
          : t(lang, 'preview.chars', { chars: m.chars })}`);
    }
    for (const problem of m.overLimit) lines.push(`  ! ${problem}`);
    if (m.missing.length) lines.push(`  ! ${t(lang, 'preview.missing', { vars: m.missing.join(t(lang, 'list.sep')) })}`);
    if (m.notSent) lines.push(`  - ${m.notSent}`);
  }
  return lines.join('\n') + '\n';
}

export function previewSummary(preview: Preview, lang: Lang): string {
  const { overLimit, missing } = previewFindings(preview);
  const count = preview.messages.length;
  return t(lang, 'preview.summary', { count, plural: count === 1 ? '' : 's', over: overLimit, missing });
}
