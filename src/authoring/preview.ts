import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { conditionHolds, type ConditionFacts } from '../engine/conditions.ts';
import { renderTemplate } from '../engine/render.ts';
import { CHAT_TEXT_LIMITS, utf8Bytes } from '../playbook/chatLimits.ts';
import { MOMENT_LIMITS } from '../playbook/moments.ts';
import type { Condition } from '../playbook/schema/conditions.ts';
import type { Step, StepKind } from '../playbook/schema/steps.ts';
import { variablesOf } from '../playbook/schema/triggers.ts';
import { isEmptyValue, templateVariableUses, valueAtPath } from '../playbook/templates/usage.ts';
import { allowedKeysErrorMap, reportIssues } from '../playbook/zodIssues.ts';
import { KocError } from '../shared/errors.ts';
import type { Lang } from '../i18n/lang.ts';
import { t } from '../i18n/messages.ts';
import type { AuthoringContext } from './context.ts';
import { describeCondition, stepKindOf } from './describe.ts';
import { contactFileSchema, sampleCoupon, sampleVariables, SAMPLE_CONTACT, type ContactFile, type SampleContext } from './sampleData.ts';

/**
 * `kocflow preview FLOW`: every message of a flow rendered as a customer (or group, or staff member) would get it,
 * with the engine's renderer (renderTemplate: the same Handlebars environment and helpers), on sample data for the
 * trigger's documented variables or on a contact from `--contact FILE`. Per message: the text, its length against
 * the WeCom limit lint knows (Moments: MOMENT_LIMITS), and the variables that render as nothing.
 */
export interface PreviewMessage {
  step: number;
  kind: StepKind;
  /** Which wording of how many (1-based). */
  variant: number;
  of: number;
  /** Where the wording comes from: inline, or `template NAME`. */
  source: string;
  text: string;
  /** Characters (Unicode code points, as WeCom counts them). */
  chars: number;
  /** The WeCom limit for this kind of text, in characters, when there is one (Moments). */
  limit: number | undefined;
  /** UTF-8 bytes of the text. */
  bytes: number;
  /** The WeCom limit in bytes, for chat texts (CHAT_TEXT_LIMITS). */
  byteLimit: number | undefined;
  /** Attachments in words (image, link card, mini-program, Moments images). */
  attachments: string[];
  /** Dotted variable paths that render as nothing. */
  missing: string[];
  /** The step's `when`, in words. */
  condition: string | undefined;
  /** With --contact: the message would not be sent to this contact, and why. */
  notSent: string | undefined;
  /** Problems with a limit, in words. */
  overLimit: string[];
}

export interface Preview {
  flow: { id: string; name: string | undefined; file: string };
  account: string;
  data: { kind: 'sample' | 'file'; file: string | undefined; contact: string };
  messages: PreviewMessage[];
}

/** Reads and checks `--contact FILE`: JSON, then the contact schema. Problems are KOC_PREVIEW_CONTACT_INVALID. */
export function readContactFile(file: string, cwd: string, lang: Lang): ContactFile {
  const path = resolve(cwd, file);
  const label = relative(cwd, path).split(sep).join('/') || file;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KocError('KOC_PREVIEW_CONTACT_UNREADABLE', t(lang, code === 'ENOENT' ? 'contact.missing' : 'contact.unreadable', { file: label }), {
      hint: t(lang, 'contact.fix'),
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KocError('KOC_PREVIEW_CONTACT_INVALID', t(lang, 'contact.notJson', { file: label, problem: jsonProblem(text, error as Error) }), {
      hint: t(lang, 'contact.fix'),
    });
  }
  const result = contactFileSchema.safeParse(value, { error: allowedKeysErrorMap });
  if (result.success) return result.data;
  const problems: string[] = [];
  reportIssues(result.error.issues, value, (p, _code, message) => problems.push(`${p.length ? p.join('.') : t(lang, 'contact.root')}: ${message}`), {
    codes: {
      unknownKey: 'KOC_PREVIEW_CONTACT_INVALID', missingKey: 'KOC_PREVIEW_CONTACT_INVALID', type: 'KOC_PREVIEW_CONTACT_INVALID',
      invalidValue: 'KOC_PREVIEW_CONTACT_INVALID', outOfRange: 'KOC_PREVIEW_CONTACT_INVALID', idInvalid: 'KOC_PREVIEW_CONTACT_INVALID', invalid: 'KOC_PREVIEW_CONTACT_INVALID',
    },
    reference: 'kocflow preview --help',
  });
  throw new KocError('KOC_PREVIEW_CONTACT_INVALID', t(lang, 'contact.invalid', { file: label, problems: problems.join('; ') }), { hint: t(lang, 'contact.fix') });
}

/** "line 3, column 5: Unexpected token }": JSON.parse's complaint with a line and column a person can find. */
function jsonProblem(text: string, error: Error): string {
  // Node 20 says where ("at position 41"); later versions quote the text around the spot instead, newlines and all.
  const message = error.message.trim().replace(/\n/g, '\\n');
  const position = /position (\d+)/.exec(message);
  if (!position) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}: ${message.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '')}`;
}

export function previewFlow(ctx: AuthoringContext, contact: ContactFile | undefined, contactLabel: string | undefined, lang: Lang): Preview {
  const { flow, account, set } = ctx;
  const doc = flow.document;
  if (contact && flow.subject !== 'contact') {
    throw new KocError('KOC_CLI_USAGE', t(lang, 'contact.notContactFlow', { flow: doc.id, subject: t(lang, `subject.${flow.subject}`) }), { hint: t(lang, 'contact.notContactFlowFix') });
  }
  const sample: SampleContext = { flow, set, account, at: ctx.at, contact };
  let vars = sampleVariables(variablesOf(doc.trigger), sample);
  const tags = new Set(contact ? (contact.tags ?? []) : []);
  let stopped: string | undefined;
  const messages: PreviewMessage[] = [];

  doc.steps.forEach((raw, i) => {
    const step = { ...raw, kind: stepKindOf(raw) } as Step;
    const facts = contact ? contactFacts(contact, tags) : undefined;
    if (facts && doc.stopWhen && !stopped && conditionHolds(doc.stopWhen, facts)) {
      stopped = t(lang, 'preview.stopped', { step: i + 1, condition: describeCondition(lang, doc.stopWhen) });
    }
    const skipped = facts && step.when && !conditionHolds(step.when as Condition, facts) ? t(lang, 'preview.whenFails') : undefined;
    const notSent = stopped ?? skipped;
    const condition = step.when ? describeCondition(lang, step.when as Condition) : undefined;
    const add = (texts: { text: string; source: string }[], limit: number | undefined, attachments: string[], overAttachments: string[] = [], byteLimit?: number) => {
      texts.forEach(({ text, source }, v) => {
        const rendered = renderTemplate(text, vars, account.timeZone);
        const chars = [...rendered].length;
        const missing = templateVariableUses(text).filter((use) => use.anyOf.every((path) => isEmptyValue(valueAtPath(vars, path)))).map((use) => use.anyOf.join(' / '));
        const bytes = utf8Bytes(rendered);
        const overLimit = [
          ...(limit !== undefined && chars > limit ? [t(lang, 'preview.overLimit', { chars, limit, over: chars - limit })] : []),
          ...(byteLimit !== undefined && bytes > byteLimit ? [t(lang, 'preview.overBytes', { bytes, limit: byteLimit, over: bytes - byteLimit })] : []),
          ...overAttachments,
        ];
        messages.push({
          step: i + 1, kind: step.kind, variant: v + 1, of: texts.length, source, text: rendered, chars, limit, bytes, byteLimit,
          attachments, missing: [...new Set(missing)], condition, notSent, overLimit,
        });
      });
      if (texts.length === 0 && attachments.length) {
        messages.push({ step: i + 1, kind: step.kind, variant: 1, of: 1, source: '', text: '', chars: 0, limit, bytes: 0, byteLimit, attachments, missing: [], condition, notSent, overLimit: overAttachments });
      }
    };

    switch (step.kind) {
      case 'say':
      case 'roomSay': {
        if (step.kind === 'say' && step.coupon) vars = { ...vars, coupon: sampleCoupon(step.coupon.campaign, sample) };
        const content = step.kind === 'say' ? step.say : step.roomSay;
        const { texts, attachments } = messageTexts(content, set.templates, lang);
        add(texts, undefined, attachments, [], CHAT_TEXT_LIMITS.maxTextBytes);
        break;
      }
      case 'moment': {
        const m = step.moment;
        const texts = m.text === undefined ? [] : wordings(m.text, set.templates);
        const images = m.images?.length ?? 0;
        const attachments = [
          ...(images ? [t(lang, 'preview.images', { count: images, limit: MOMENT_LIMITS.maxImages })] : []),
          ...(m.video ? [t(lang, 'preview.video', { asset: m.video })] : []),
          ...(m.link ? [t(lang, 'preview.link', { title: m.link.title, url: m.link.url })] : []),
          ...(m.visibleTo ? [t(lang, 'preview.visibleTo', { tags: m.visibleTo.tags.join(t(lang, 'list.sep')) })] : []),
        ];
        add(texts, MOMENT_LIMITS.maxTextChars, attachments, images > MOMENT_LIMITS.maxImages ? [t(lang, 'preview.tooManyImages', { count: images, limit: MOMENT_LIMITS.maxImages })] : []);
        break;
      }
      case 'notifyStaff':
        add(wordings(step.notifyStaff.text, set.templates), undefined, [], [], CHAT_TEXT_LIMITS.maxTextBytes);
        break;
      case 'issueCoupon':
        vars = { ...vars, coupon: sampleCoupon(step.issueCoupon.campaign, sample) };
        break;
      case 'tag':
        for (const tag of step.tag) tags.add(tag);
        break;
      case 'untag':
        for (const tag of step.untag) tags.delete(tag);
        break;
      default:
        break;
    }
  });

  const name = contact ? (contact.name || t(lang, 'preview.unnamed')) : SAMPLE_CONTACT.name;
  return {
    flow: { id: doc.id, name: doc.name, file: ctx.file },
    account: account.id,
    data: { kind: contact ? 'file' : 'sample', file: contactLabel, contact: name },
    messages,
  };
}

function contactFacts(contact: ContactFile, tags: Set<string>): ConditionFacts {
  return {
    tags: [...tags], attributes: contact.attributes ?? {}, referred: Boolean(contact.referrer), invitedBy: null,
    tier: contact.referrer?.tier ?? null, optedOut: contact.optedOut ?? false,
  };
}

/** Every wording of text, a list of wordings or { template: name }, with where it comes from. */
function wordings(text: string | string[] | { template: string }, templates: ReadonlyMap<string, string[]>): { text: string; source: string }[] {
  if (typeof text === 'string') return [{ text, source: '' }];
  if (Array.isArray(text)) return text.map((w) => ({ text: w, source: '' }));
  return (templates.get(text.template) ?? []).map((w) => ({ text: w, source: `template ${text.template}` }));
}

type Content = Extract<Step, { kind: 'say' }>['say'];

function messageTexts(content: Content, templates: ReadonlyMap<string, string[]>, lang: Lang): { texts: { text: string; source: string }[]; attachments: string[] } {
  if (typeof content === 'string' || Array.isArray(content)) return { texts: wordings(content, templates), attachments: [] };
  const c = content as { text?: string | string[]; template?: string; image?: string; link?: { title: string; url: string }; miniProgram?: { title: string; pagePath: string } };
  const texts = c.text !== undefined ? wordings(c.text, templates) : c.template !== undefined ? wordings({ template: c.template }, templates) : [];
  const attachments = [
    ...(c.image ? [t(lang, 'preview.image', { asset: c.image })] : []),
    ...(c.link ? [t(lang, 'preview.link', { title: c.link.title, url: c.link.url })] : []),
    ...(c.miniProgram ? [t(lang, 'preview.miniProgram', { title: c.miniProgram.title, page: c.miniProgram.pagePath })] : []),
  ];
  return { texts, attachments };
}

/** Messages with a problem: over a WeCom limit, or with variables that render as nothing. */
export function previewFindings(preview: Preview): { overLimit: number; missing: number } {
  return {
    overLimit: preview.messages.filter((m) => m.overLimit.length > 0).length,
    missing: preview.messages.filter((m) => m.missing.length > 0).length,
  };
}
