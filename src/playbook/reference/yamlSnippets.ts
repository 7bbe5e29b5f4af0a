import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * Verbatim pieces of the sample playbooks for the reference: a top-level key with its value (`trigger: …`) or
 * one step of a flow, cut from the file text as written (comments and Chinese included), not re-serialized.
 */
export interface SampleFile {
  /** Path relative to the repository, e.g. sop-playbooks/journeys/new-customer.yaml. */
  path: string;
  text: string;
  /** The document kind (flow when the file has no `kind`). */
  kind: string;
  /** The plain value of the file. */
  value: Record<string, unknown>;
}

export function readSample(path: string, text: string): SampleFile {
  const value = parseDocument(text).toJS() as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`sample ${path} is not a map of keys`);
  const record = value as Record<string, unknown>;
  return { path, text, kind: typeof record.kind === 'string' ? record.kind : 'flow', value: record };
}

/** `key: value` of a top-level key, as written, or undefined when the file has no such key. */
export function topLevelSnippet(text: string, key: string): string | undefined {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
  const keyNode = pair?.key as Node | undefined;
  const valueNode = pair?.value as Node | null | undefined;
  if (!keyNode?.range || !valueNode?.range) return undefined;
  return trimLines(text.slice(keyNode.range[0], valueNode.range[1]));
}

/** Each step of a flow as a list item (`- say: …`), as written, with its plain value. */
export function stepSnippets(text: string): { value: Record<string, unknown>; snippet: string }[] {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) return [];
  const steps = doc.contents.get('steps', true);
  if (!isSeq(steps)) return [];
  const out: { value: Record<string, unknown>; snippet: string }[] = [];
  for (const item of steps.items) {
    if (!isMap(item) || !item.range) continue;
    const [start, end] = item.range;
    const column = start - (text.lastIndexOf('\n', start - 1) + 1);
    const [first, ...rest] = text.slice(start, end).split('\n');
    const lines = [`- ${first}`, ...rest.map((line) => (line.slice(0, column).trim() === '' ? `  ${line.slice(column)}` : line))];
    out.push({ value: item.toJSON() as Record<string, unknown>, snippet: trimLines(lines.join('\n')) });
  }
  return out;
}

function trimLines(text: string): string {
  return text.split('\n').map((line) => line.trimEnd()).join('\n').trim();
}
