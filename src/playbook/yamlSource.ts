import { isAlias, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';

/**
 * Reads one playbook file (or kocflow.yaml) into a YAML document that remembers where every node came from, with
 * the safety limits a file from a pull request needs: a size cap, a cap on aliases (a few are handy; thousands
 * are an "alias bomb"), no custom tags, no duplicate keys, one document per file.
 */
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_ALIASES = 16;
/** Syntax errors listed per file; more are summed up in one more diagnostic. */
export const MAX_SYNTAX_ERRORS = 20;

export type YamlPath = ReadonlyArray<string | number>;

export interface ParsedYaml {
  /** Path relative to the playbook folder, with / separators. */
  file: string;
  text: string;
  /** The plain value, when the file parsed without errors. */
  value: unknown;
  diagnostics: Diagnostic[];
  /** The line and column of the node at `path` (or of its key), or of its nearest ancestor that exists. */
  locate(path: YamlPath, target?: 'value' | 'key'): { line: number; column: number };
}

/** How the limits' messages name the file and its remedies: playbooks and kocflow.yaml share the parser. */
export interface YamlFileWording {
  /** "playbook files", "the configuration file". */
  files: string;
  /** What to do about a file that is too large. */
  tooLargeFix: string;
  /** What to do instead of more aliases. */
  aliasFix: string;
  /** The message for a second document (---) in the file. */
  multipleDocuments: string;
}

export const PLAYBOOK_WORDING: YamlFileWording = {
  files: 'playbook files',
  tooLargeFix: 'split it or move long texts into a library file',
  aliasFix: 'repeat the values or use the content library instead',
  multipleDocuments: 'a playbook file holds one document: remove the --- separator or split the file',
};

export function parseYaml(file: string, text: string, wording: YamlFileWording = PLAYBOOK_WORDING): ParsedYaml {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const report = (offset: number, code: string, message: string, severity: Diagnostic['severity'] = 'error') =>
    diagnostics.push({ file, ...at(offset), severity, code, message });

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) {
    diagnostics.push({
      file, line: 1, column: 1, severity: 'error', code: 'KOC_FILE_TOO_LARGE',
      message: `file is ${Math.round(bytes / 1024)} KiB; ${wording.files} are limited to ${MAX_FILE_BYTES / 1024} KiB: ${wording.tooLargeFix}`,
    });
    return { file, text, value: undefined, diagnostics, locate: () => ({ line: 1, column: 1 }) };
  }

  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, schema: 'core', merge: false });
  // A binary or badly broken file makes the parser report hundreds of errors (the lint fuzzer saw ~480 for 200
  // bytes of junk): the first ones are listed, the rest counted in one line.
  const listed = doc.errors.slice(0, MAX_SYNTAX_ERRORS);
  for (const error of listed) {
    const code = error.code === 'DUPLICATE_KEY' ? 'KOC_YAML_DUPLICATE_KEY' : 'KOC_YAML_SYNTAX';
    const message = error.code === 'MULTIPLE_DOCS'
      ? wording.multipleDocuments
      : firstLine(error.message);
    report(error.pos[0], code, message);
  }
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    report(doc.errors[MAX_SYNTAX_ERRORS]!.pos[0], 'KOC_YAML_SYNTAX', `and ${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML errors in this file, not listed: fix the ones above first (later errors often follow from them)`);
  }
  for (const warning of doc.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') continue; // reported below with a clearer message
    report(warning.pos[0], 'KOC_YAML_WARNING', firstLine(warning.message), 'warning');
  }

  let aliases = 0;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      aliases++;
      if (aliases === MAX_ALIASES + 1) {
        report(node.range?.[0] ?? 0, 'KOC_YAML_ALIAS_LIMIT', `more than ${MAX_ALIASES} aliases (*name) in one file; ${wording.aliasFix}`);
        return visit.BREAK;
      }
    } else if (isNode(node) && node.tag !== undefined) {
      report(node.range?.[0] ?? 0, 'KOC_YAML_CUSTOM_TAG', `YAML tag "${node.tag}" is not allowed in ${wording.files}; remove it and write the plain value`);
    }
    return undefined;
  });

  const errorsFound = diagnostics.some((d) => d.severity === 'error');
  let value: unknown;
  if (!errorsFound) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      report(0, 'KOC_YAML_ALIAS_LIMIT', firstLine((error as Error).message));
    }
  }

  return {
    file, text, value, diagnostics,
    locate: (path, target = 'value') => at(offsetOf(doc, path, target)),
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Start offset of the node at `path`; falls back to the deepest ancestor that exists. */
function offsetOf(doc: Document, path: YamlPath, target: 'value' | 'key'): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      if (last && target === 'key') return keyNode.range?.[0] ?? offset;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      const item = (node as { items: unknown[] }).items[Number(segment)];
      if (item === undefined) return offset;
      node = item;
      offset = (item as Node).range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}
