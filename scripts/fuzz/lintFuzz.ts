/**
 * Lint fuzzing: random mutations of the valid sample playbooks (sop-playbooks/) through the real lint pipeline
 * (parse → validate → link, `loadPlaybookSources`). What must hold for every mutation:
 * - lint never throws (no crash, no uncaught exception);
 * - a result that is not ok carries at least one error diagnostic, each with a KOC-style code, a file, and a
 *   line/column inside that file;
 * - no prototype pollution: `{}` has no property the mutations planted (`__proto__`, `constructor` keys).
 * Seeded and deterministic: the same seed gives the same mutations. Used by tests/playbook/fuzz.test.ts (a few
 * hundred in the suite) and scripts/fuzz/lint.ts (10,000+, with counts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { loadPlaybookSources } from '../../src/playbook/load.ts';
import { seededRandom } from '../../src/shared/random.ts';

export interface SampleFolder {
  root: string;
  /** The playbook YAML files, relative path → text. */
  files: Map<string, string>;
  /** Every file of the folder (assets, template files), relative path → text. */
  all: Map<string, string>;
}

export function readSamples(root: string): SampleFolder {
  const all = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else all.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  const files = new Map([...all].filter(([file]) => /\.ya?ml$/.test(file)));
  return { root, files, all };
}

export interface FuzzOutcome {
  /** Mutations run. */
  mutations: number;
  /** Per mutation kind: how many, and how many of them lint found errors in. */
  byKind: Record<string, { runs: number; withErrors: number }>;
  /** Lint accepted the mutated set (a mutation that kept it valid, e.g. a changed string). */
  stillValid: number;
  withErrors: number;
  /** Distinct diagnostic codes seen. */
  codes: Map<string, number>;
  /** Violations of the invariants (must be empty). */
  failures: { seed: number; index: number; kind: string; file: string; problem: string; text: string }[];
  ms: number;
}

const HOSTILE = [
  '{{', '}}', '{{#each this}}', '{{constructor.constructor "return 1"}}', '{{lookup this "__proto__"}}', '&a', '*a', '!!js/function', '!!binary',
  '<<: *a', '? ', ': ', '- ', '|', '>', '#', '%YAML 1.1', '---', '...', '"', "'", '\\', '\t', '\0', '\u202e', '\ufeff', '😀',
  '\r\n', '\n', '  ', '__proto__', 'constructor', 'prototype', '9'.repeat(40), '-1', '1e309', 'NaN', '.inf', 'null', '~', 'true',
  '0x7fffffff', '2026-02-30', '25:61', '* * * * * * *', '0 0 31 2 *', 'x'.repeat(5_000), '${HOME}', '../../../etc/passwd', '/etc/passwd',
];

const RANDOM_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', 'x'.repeat(3_000), '{{contact.name', '{{#if}}{{/each}}',
  [], [null], [[[]]], {}, { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, '__proto__', '2099-13-01',
  '-5d', '0s', '1000000d', '99:99', 'Asia/Nowhere', { say: '' }, [{ wait: '1d' }, { wait: '-1d' }],
];

type Mutator = (text: string, random: () => number) => string;

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
const position = (text: string, random: () => number) => Math.floor(random() * (text.length + 1));

/** Text-level mutations: what a person typing in an editor (or a broken merge) does to a file. */
const TEXT_MUTATORS: Record<string, Mutator> = {
  insertHostile: (t, r) => { const at = position(t, r); return t.slice(0, at) + pick(HOSTILE, r) + t.slice(at); },
  deleteRange: (t, r) => { const at = position(t, r); return t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 40)); },
  truncate: (t, r) => t.slice(0, position(t, r)),
  duplicateLine: (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); lines.splice(i, 0, lines[i]!); return lines.join('\n'); },
  swapLines: (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); const j = Math.floor(r() * lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; return lines.join('\n'); },
  reindent: (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); lines[i] = (r() < 0.5 ? '   ' : '\t') + lines[i]!.replace(/^\s{0,2}/, ''); return lines.join('\n'); },
  flipByte: (t, r) => { const at = Math.floor(r() * t.length); return t.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + t.slice(at + 1); },
  numberSwap: (t, r) => { let n = 0; const target = Math.floor(r() * 8); return t.replace(/\d+/g, (m) => (n++ === target ? pick(['-1', '0', '99999999999999999999', '1.5', 'NaN', ''], r) : m)); },
  aliasBomb: (t) => `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n${t}`,
  deepNesting: (t, r) => `${t}\nextra: ${'['.repeat(200 + Math.floor(r() * 800))}${']'.repeat(200)}\n`,
  huge: (t) => t + `\nnote: "${'长'.repeat(200_000)}"\n`,
  binary: (_t, r) => Array.from({ length: 200 }, () => String.fromCharCode(Math.floor(r() * 256))).join(''),
  empty: () => '',
  multiDocument: (t) => `${t}\n---\n${t}`,
};

/** Structural mutations: a valid YAML tree with one node changed, deleted, renamed or duplicated. */
const TREE_MUTATORS: Record<string, (doc: Document, random: () => number) => void> = {
  replaceValue: (doc, r) => { const at = randomPath(doc, r); if (at.length > 0) doc.setIn(at, doc.createNode(pick(RANDOM_VALUES, r))); },
  deleteKey: (doc, r) => { const at = randomPath(doc, r); if (at.length > 0) doc.deleteIn(at); },
  renameKey: (doc, r) => {
    const at = randomPath(doc, r);
    if (typeof at.at(-1) !== 'string') return; // a key of a map, not an index
    const value: unknown = doc.getIn(at);
    doc.deleteIn(at);
    doc.setIn([...at.slice(0, -1), pick(['__proto__', 'constructor', 'prototype', 'idd', 'Steps', '', '🙂', 'toString', 'hasOwnProperty'], r)], value);
  },
  duplicateSeqItem: (doc, r) => {
    const at = randomPath(doc, r, true);
    const node = at.length === 0 ? doc.contents : doc.getIn(at, true);
    if (isSeq(node) && node.items.length > 0) node.items.push(node.items[Math.floor(r() * node.items.length)]!);
  },
  wrongRoot: (doc, r) => { doc.contents = doc.createNode(pick([[1, 2], 'text', 42, null, [{ id: 'x' }]], r)) as never; },
};

/** A random path to a node of the document (keys and indexes). */
function randomPath(doc: Document, random: () => number, collectionsOnly = false): (string | number)[] {
  const paths: (string | number)[][] = [];
  const visit = (node: Node | null | undefined, path: (string | number)[]) => {
    if (isMap(node)) {
      if (path.length > 0) paths.push(path);
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === 'string' || typeof key === 'number') visit(pair.value as Node, [...path, key]);
      }
    } else if (isSeq(node)) {
      if (path.length > 0) paths.push(path);
      node.items.forEach((item, i) => visit(item as Node, [...path, i]));
    } else if (!collectionsOnly && path.length > 0) {
      paths.push(path);
    }
  };
  visit(doc.contents as Node, []);
  return paths.length === 0 ? [] : pick(paths, random);
}

export const MUTATION_KINDS = [...Object.keys(TEXT_MUTATORS), ...Object.keys(TREE_MUTATORS).map((k) => `tree:${k}`)];

function mutate(text: string, kind: string, random: () => number): string {
  if (kind.startsWith('tree:')) {
    const doc = parseDocument(text);
    TREE_MUTATORS[kind.slice(5)]!(doc, random);
    return doc.toString({ lineWidth: 0 });
  }
  return TEXT_MUTATORS[kind]!(text, random);
}

/** Runs `count` mutations from `seed`; each one mutates one file (sometimes two) of the sample set and lints the set. */
export function fuzzLint(samples: SampleFolder, options: { count: number; seed: number }): FuzzOutcome {
  const random = seededRandom(options.seed);
  const started = performance.now();
  const outcome: FuzzOutcome = { mutations: 0, byKind: {}, stillValid: 0, withErrors: 0, codes: new Map(), failures: [], ms: 0 };
  const names = [...samples.files.keys()];
  const fileSystem = { exists: (p: string) => samples.all.has(p), readText: (p: string) => samples.all.get(p) };
  for (let index = 0; index < options.count; index++) {
    const kind = pick(MUTATION_KINDS, random);
    const file = pick(names, random);
    const sources = new Map(samples.files);
    let text = '';
    const fail = (problem: string) => outcome.failures.push({ seed: options.seed, index, kind, file, problem, text: text.slice(0, 2_000) });
    try {
      text = mutate(samples.files.get(file)!, kind, random);
      sources.set(file, text);
      if (random() < 0.1) {
        const second = pick(names, random);
        sources.set(second, mutate(sources.get(second)!, pick(Object.keys(TEXT_MUTATORS), random), random));
      }
    } catch (error) {
      fail(`the mutator itself failed (not a lint bug): ${(error as Error).message}`);
      continue;
    }
    outcome.mutations += 1;
    const stat = (outcome.byKind[kind] ??= { runs: 0, withErrors: 0 });
    stat.runs += 1;
    try {
      const result = loadPlaybookSources(samples.root, [...sources].map(([f, t]) => ({ file: f, text: t })), fileSystem);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (result.ok) outcome.stillValid += 1;
      else {
        outcome.withErrors += 1;
        stat.withErrors += 1;
        if (errors.length === 0) fail('not ok, but no error diagnostic');
      }
      for (const d of result.diagnostics) {
        outcome.codes.set(d.code, (outcome.codes.get(d.code) ?? 0) + 1);
        if (!/^[A-Z][A-Z0-9_]+$/.test(d.code)) fail(`diagnostic code "${d.code}" is not a stable code`);
        if (!sources.has(d.file) && !samples.all.has(d.file)) fail(`diagnostic names a file that is not in the set: ${d.file}`);
        if (!(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1)) fail(`diagnostic ${d.code} has no position (${d.line}:${d.column})`);
        if (typeof d.message !== 'string' || d.message.length === 0) fail(`diagnostic ${d.code} has no message`);
      }
    } catch (error) {
      fail(`lint threw: ${(error as Error)?.stack ?? String(error)}`);
    }
    if (({} as Record<string, unknown>).polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')) {
      fail('Object.prototype was polluted');
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  }
  outcome.ms = performance.now() - started;
  return outcome;
}
