import type { z } from 'zod';
import type { YamlPath } from './yamlSource.ts';
import { didYouMean } from './suggest.ts';

/**
 * zod's issues as diagnostics that point at the exact YAML node, say what is wrong in an ops person's words and
 * suggest the likely fix. Shared by the playbooks and kocflow.yaml: each names its own codes (KOC_PLAYBOOK_… or
 * KOC_CONFIG_…), so a finding says which file language it is about.
 */
export interface IssueCodes {
  unknownKey: string;
  missingKey: string;
  type: string;
  invalidValue: string;
  outOfRange: string;
  /** A key named `id` with the wrong form. */
  idInvalid: string;
  /** Everything without a more specific code. */
  invalid: string;
}

export type Issue = z.core.$ZodIssue & { errors?: Issue[][]; params?: { kocCode?: string } };
export type Push = (path: YamlPath, code: string, message: string, target?: 'value' | 'key') => void;

/** A failed union, for a caller that knows which branch was meant. */
export interface UnionFailure {
  /** One list of issues per branch, in the order of the union's options. */
  branches: Issue[][];
  path: YamlPath;
  /** The value at `path` (never undefined: a missing value is reported before the hook is asked). */
  here: unknown;
  push: Push;
  /** Reports one branch's issues as if that branch were the only one. */
  reportBranch(branch: Issue[] | undefined): void;
}

/**
 * A union the caller understands better than "the branch with the fewest problems" (the playbooks pick a step's
 * branch by its action key). Returns true when it reported the failure.
 */
export type UnionHook = (failure: UnionFailure) => boolean;

export interface IssueTranslation {
  codes: IssueCodes;
  /** Where the forms of a key are documented, for a value that fits no branch of a union, e.g. docs/playbooks.md. */
  reference: string;
  union?: UnionHook;
}

/** Marks an unrecognized-keys message that carries the allowed keys, filled in by the error map below. */
const ALLOWED_KEYS = '\u0000allowed:';

/** Pass as `error` to safeParse: zod's unknown-key issue does not say which keys are allowed; this adds them. */
export function allowedKeysErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? ALLOWED_KEYS + JSON.stringify(Object.keys(shape)) : undefined;
}

/** Reports every issue of a failed safeParse of `root` (the file's plain value). */
export function reportIssues(issues: readonly z.core.$ZodIssue[], root: unknown, push: Push, translation: IssueTranslation): void {
  for (const issue of issues) reportIssue(issue as Issue, [], root, push, translation);
}

function reportIssue(issue: Issue, base: YamlPath, root: unknown, push: Push, t: IssueTranslation): void {
  const path = [...base, ...(issue.path as (string | number)[])];
  const here = valueAt(root, path);
  const { codes } = t;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = issue.message.startsWith(ALLOWED_KEYS) ? (JSON.parse(issue.message.slice(ALLOWED_KEYS.length)) as string[]) : [];
      for (const key of issue.keys) {
        const hint = didYouMean(key, allowed);
        const list = allowed.length && !hint ? `; allowed here: ${allowed.join(', ')}` : '';
        push([...path, key], codes.unknownKey, `unknown key "${key}"${hint}${list}`, 'key');
      }
      return;
    }
    case 'invalid_union':
      reportUnion(issue, path, here, root, push, t);
      return;
    case 'invalid_type': {
      if (here === undefined) {
        const key = path[path.length - 1];
        push(path.slice(0, -1), codes.missingKey, `missing required key "${String(key)}"`);
      } else {
        const fix = issue.expected === 'array' && typeof here === 'string' ? `; write [${here}]` : '';
        push(path, codes.type, `expected ${describeExpected(issue.expected)}, found ${describeValue(here)}${fix}`);
      }
      return;
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      push(path, codes.invalidValue, `"${String(here)}" is not allowed here${didYouMean(String(here), options)}; use one of: ${options.join(', ')}`);
      return;
    }
    case 'custom':
      push(path, issue.params?.kocCode ?? codes.invalid, issue.message);
      return;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const unit = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      push(path, codes.outOfRange, `${describeValue(here)} is out of range: write ${bound}${unit}`);
      return;
    }
    case 'invalid_format':
      push(path, path[path.length - 1] === 'id' ? codes.idInvalid : codes.invalid, issue.message.replace(/^Invalid input: /, ''));
      return;
    default:
      push(path, codes.invalid, issue.message.replace(/^Invalid input: /, ''));
  }
}

function reportUnion(issue: Issue, path: YamlPath, here: unknown, root: unknown, push: Push, t: IssueTranslation): void {
  const branches = issue.errors ?? [];
  if (here === undefined) {
    push(path.slice(0, -1), t.codes.missingKey, `missing required key "${String(path[path.length - 1])}"`);
    return;
  }
  const reportBranch = (branch: Issue[] | undefined) => {
    for (const inner of branch ?? []) reportIssue(inner, path, root, push, t);
  };
  if (t.union?.({ branches, path, here, push, reportBranch })) return;
  // The branch with the fewest problems is the one meant (e.g. a message: text, or a map with text and images).
  const best = [...branches].sort((a, b) => weight(a) - weight(b))[0];
  if (best && best.length > 0 && !(best.length === 1 && best[0]!.code === 'invalid_type' && best[0]!.path.length === 0)) {
    return reportBranch(best);
  }
  push(path, t.codes.type, `${describeValue(here)} does not fit here; see ${t.reference} for the forms this key takes`);
}

function weight(issues: Issue[]): number {
  return issues.reduce((sum, i) => sum + (i.code === 'invalid_type' && i.path.length === 0 ? 100 : i.code === 'invalid_union' ? 10 : 1), 0);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The plain value at a path, or undefined when the path does not exist. */
export function valueAt(root: unknown, path: YamlPath): unknown {
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

/** A value in words, for messages: text is quoted (and cut after 40 characters). */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'an empty value';
  if (typeof value === 'object') return 'a map of keys';
  if (typeof value === 'string') return `text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value} ${String(value)}`;
}
