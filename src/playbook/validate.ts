import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.ts';
import type { ParsedYaml, YamlPath } from './yamlSource.ts';
import { documentSchemas, type DocumentKind, type PlaybookDocument } from './schema/documents.ts';
import { eventNames, eventTriggers } from './schema/triggers.ts';
import { stepKinds } from './schema/steps.ts';
import { closest, didYouMean } from './suggest.ts';

/**
 * Validates one parsed file against the playbook language and turns zod's issues into diagnostics that point at
 * the exact node, say what is wrong in an ops person's words, and suggest the likely fix.
 */
export interface ValidatedDocument {
  source: ParsedYaml;
  document: PlaybookDocument;
}

const KINDS = Object.keys(documentSchemas) as DocumentKind[];
/** Marks an unrecognized-keys message that carries the allowed keys, filled in by the error map below. */
const ALLOWED_KEYS = '\u0000allowed:';

export function validateDocument(source: ParsedYaml): { document?: PlaybookDocument; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const push = (path: YamlPath, code: string, message: string, target: 'value' | 'key' = 'value') =>
    diagnostics.push({ file: source.file, ...source.locate(path, target), severity: 'error', code, message });

  const value = source.value;
  if (value === null || value === undefined) {
    push([], 'KOC_PLAYBOOK_EMPTY', 'the file is empty; a playbook file holds one flow, campaign, tiers, task or library');
    return { diagnostics };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    push([], 'KOC_PLAYBOOK_TYPE', 'a playbook file is a map of keys (id:, trigger:, steps: …), not a list or a single value');
    return { diagnostics };
  }
  const rawKind = (value as Record<string, unknown>).kind ?? 'flow';
  if (typeof rawKind !== 'string' || !KINDS.includes(rawKind as DocumentKind)) {
    push(['kind'], 'KOC_PLAYBOOK_UNKNOWN_KIND', `unknown kind "${String(rawKind)}"${didYouMean(String(rawKind), KINDS)}; kinds are ${KINDS.join(', ')}`);
    return { diagnostics };
  }
  const schema = documentSchemas[rawKind as DocumentKind] as z.ZodType;
  const result = schema.safeParse(value, { error: allowedKeysErrorMap });
  if (result.success) return { document: result.data as PlaybookDocument, diagnostics };
  for (const issue of result.error.issues) reportIssue(issue as Issue, [], value, push);
  return { diagnostics };
}

type Issue = z.core.$ZodIssue & { errors?: Issue[][]; params?: { kocCode?: string } };
type Push = (path: YamlPath, code: string, message: string, target?: 'value' | 'key') => void;

function allowedKeysErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? ALLOWED_KEYS + JSON.stringify(Object.keys(shape)) : undefined;
}

function reportIssue(issue: Issue, base: YamlPath, root: unknown, push: Push): void {
  const path = [...base, ...(issue.path as (string | number)[])];
  const here = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = issue.message.startsWith(ALLOWED_KEYS) ? (JSON.parse(issue.message.slice(ALLOWED_KEYS.length)) as string[]) : [];
      for (const key of issue.keys) {
        const hint = didYouMean(key, allowed);
        const list = allowed.length && !hint ? `; allowed here: ${allowed.join(', ')}` : '';
        push([...path, key], 'KOC_PLAYBOOK_UNKNOWN_KEY', `unknown key "${key}"${hint}${list}`, 'key');
      }
      return;
    }
    case 'invalid_union':
      reportUnion(issue, path, here, root, push);
      return;
    case 'invalid_type': {
      if (here === undefined) {
        const key = path[path.length - 1];
        push(path.slice(0, -1), 'KOC_PLAYBOOK_MISSING_KEY', `missing required key "${String(key)}"`);
      } else {
        const fix = issue.expected === 'array' && typeof here === 'string' ? `; write [${here}]` : '';
        push(path, 'KOC_PLAYBOOK_TYPE', `expected ${describeExpected(issue.expected)}, found ${describeValue(here)}${fix}`);
      }
      return;
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      push(path, 'KOC_PLAYBOOK_INVALID_VALUE', `"${String(here)}" is not allowed here${didYouMean(String(here), options)}; use one of: ${options.join(', ')}`);
      return;
    }
    case 'custom':
      push(path, issue.params?.kocCode ?? 'KOC_PLAYBOOK_INVALID', issue.message);
      return;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const unit = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      push(path, 'KOC_PLAYBOOK_OUT_OF_RANGE', `${describeValue(here)} is out of range: write ${bound}${unit}`);
      return;
    }
    case 'invalid_format':
      push(path, path[path.length - 1] === 'id' ? 'KOC_PLAYBOOK_ID_INVALID' : 'KOC_PLAYBOOK_INVALID', issue.message.replace(/^Invalid input: /, ''));
      return;
    default:
      push(path, 'KOC_PLAYBOOK_INVALID', issue.message.replace(/^Invalid input: /, ''));
  }
}

/**
 * A union failed: find the branch the author meant from the value itself (the action key of a step, `on` or
 * `cron` of a trigger, the shape of a message) and report only that branch's problems.
 */
function reportUnion(issue: Issue, path: YamlPath, here: unknown, root: unknown, push: Push): void {
  const branches = issue.errors ?? [];
  if (here === undefined) {
    push(path.slice(0, -1), 'KOC_PLAYBOOK_MISSING_KEY', `missing required key "${String(path[path.length - 1])}"`);
    return;
  }
  const parent = path[path.length - 1];
  const grand = path[path.length - 2];
  const isStep = grand === 'steps' && typeof parent === 'number';
  const isTrigger = parent === 'trigger';

  if (isObject(here) && isStep) {
    const actions = Object.keys(here).filter((k) => (stepKinds as string[]).includes(k));
    if (actions.length === 0) {
      const guess = Object.keys(here).map((k) => closest(k, stepKinds)).find(Boolean);
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      push(path, 'KOC_PLAYBOOK_STEP_ACTION', `this step has no action${hint}; a step has one of: ${stepKinds.join(', ')}`);
      return;
    }
    if (actions.length > 1) {
      push([...path, actions[1]!], 'KOC_PLAYBOOK_STEP_ACTION', `a step has one action but this one has ${actions.join(' and ')}; split it into two steps`, 'key');
      return;
    }
    return reportBranch(branches[stepKinds.indexOf(actions[0] as (typeof stepKinds)[number])], path, root, push);
  }
  if (isObject(here) && isTrigger) {
    if ('cron' in here) return reportBranch(branches[0], path, root, push);
    const on = here.on;
    if (typeof on !== 'string') {
      push(path, 'KOC_PLAYBOOK_TRIGGER', `a trigger needs "on: <event>" (${eventNames.join(', ')}) or "cron: <schedule>"`);
      return;
    }
    const index = eventNames.indexOf(on as (typeof eventNames)[number]);
    if (index < 0) {
      push([...path, 'on'], 'KOC_PLAYBOOK_TRIGGER', `unknown trigger event "${on}"${didYouMean(on, Object.keys(eventTriggers))}; events are ${eventNames.join(', ')}`);
      return;
    }
    return reportBranch(branches[index + 1], path, root, push);
  }
  // Other unions (message content, text or list of wordings): the branch with the fewest problems is the one meant.
  const best = [...branches].sort((a, b) => weight(a) - weight(b))[0];
  if (best && best.length > 0 && !(best.length === 1 && best[0]!.code === 'invalid_type' && best[0]!.path.length === 0)) {
    return reportBranch(best, path, root, push);
  }
  push(path, 'KOC_PLAYBOOK_TYPE', `${describeValue(here)} does not fit here; see docs/playbooks.md for the forms this key takes`);
}

function reportBranch(branch: Issue[] | undefined, path: YamlPath, root: unknown, push: Push): void {
  for (const inner of branch ?? []) reportIssue(inner, path, root, push);
}

function weight(issues: Issue[]): number {
  return issues.reduce((sum, i) => sum + (i.code === 'invalid_type' && i.path.length === 0 ? 100 : i.code === 'invalid_union' ? 10 : 1), 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function describeExpected(expected: string): string {
  return ({ object: 'a map of keys', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false' } as Record<string, string>)[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'an empty value';
  if (typeof value === 'object') return 'a map of keys';
  if (typeof value === 'string') return `text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value} ${String(value)}`;
}
