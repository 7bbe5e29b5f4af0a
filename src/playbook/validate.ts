import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.ts';
import type { ParsedYaml } from './yamlSource.ts';
import { documentSchemas, type DocumentKind, type PlaybookDocument } from './schema/documents.ts';
import { eventNames, eventTriggers } from './schema/triggers.ts';
import { stepKinds } from './schema/steps.ts';
import { closest, didYouMean } from './suggest.ts';
import { allowedKeysErrorMap, isObject, reportIssues, type IssueTranslation, type Push, type UnionFailure } from './zodIssues.ts';

/**
 * Validates one parsed file against the playbook language and turns zod's issues into diagnostics that point at
 * the exact node, say what is wrong in an ops person's words, and suggest the likely fix.
 */
export interface ValidatedDocument {
  source: ParsedYaml;
  document: PlaybookDocument;
}

const KINDS = Object.keys(documentSchemas) as DocumentKind[];

const PLAYBOOK_ISSUES: IssueTranslation = {
  codes: {
    unknownKey: 'KOC_PLAYBOOK_UNKNOWN_KEY',
    missingKey: 'KOC_PLAYBOOK_MISSING_KEY',
    type: 'KOC_PLAYBOOK_TYPE',
    invalidValue: 'KOC_PLAYBOOK_INVALID_VALUE',
    outOfRange: 'KOC_PLAYBOOK_OUT_OF_RANGE',
    idInvalid: 'KOC_PLAYBOOK_ID_INVALID',
    invalid: 'KOC_PLAYBOOK_INVALID',
  },
  reference: 'docs/playbooks.md',
  union: stepOrTriggerUnion,
};

export function validateDocument(source: ParsedYaml): { document?: PlaybookDocument; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const push: Push = (path, code, message, target = 'value') =>
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
  reportIssues(result.error.issues, value, push, PLAYBOOK_ISSUES);
  return { diagnostics };
}

/**
 * A step or a trigger failed: find the branch the author meant from the value itself (the action key of a step,
 * `on` or `cron` of a trigger) and report only that branch's problems. Other unions take the generic rule.
 */
function stepOrTriggerUnion({ branches, path, here, push, reportBranch }: UnionFailure): boolean {
  if (!isObject(here)) return false;
  const parent = path[path.length - 1];
  const grand = path[path.length - 2];
  if (grand === 'steps' && typeof parent === 'number') {
    const actions = Object.keys(here).filter((k) => (stepKinds as string[]).includes(k));
    if (actions.length === 0) {
      const guess = Object.keys(here).map((k) => closest(k, stepKinds)).find(Boolean);
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      push(path, 'KOC_PLAYBOOK_STEP_ACTION', `this step has no action${hint}; a step has one of: ${stepKinds.join(', ')}`);
    } else if (actions.length > 1) {
      push([...path, actions[1]!], 'KOC_PLAYBOOK_STEP_ACTION', `a step has one action but this one has ${actions.join(' and ')}; split it into two steps`, 'key');
    } else {
      reportBranch(branches[stepKinds.indexOf(actions[0] as (typeof stepKinds)[number])]);
    }
    return true;
  }
  if (parent === 'trigger') {
    if ('cron' in here) {
      reportBranch(branches[0]);
      return true;
    }
    const on = here.on;
    if (typeof on !== 'string') {
      push(path, 'KOC_PLAYBOOK_TRIGGER', `a trigger needs "on: <event>" (${eventNames.join(', ')}) or "cron: <schedule>"`);
      return true;
    }
    const index = eventNames.indexOf(on as (typeof eventNames)[number]);
    if (index < 0) {
      push([...path, 'on'], 'KOC_PLAYBOOK_TRIGGER', `unknown trigger event "${on}"${didYouMean(on, Object.keys(eventTriggers))}; events are ${eventNames.join(', ')}`);
      return true;
    }
    reportBranch(branches[index + 1]);
    return true;
  }
  return false;
}
