import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { KocError } from '../shared/errors.ts';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { linkPlaybooks } from './link.ts';
import type { PlaybookFiles, PlaybookSet } from './model.ts';
import { validateDocument, type ValidatedDocument } from './validate.ts';
import { parseYaml } from './yamlSource.ts';

/**
 * The one loader: parse → validate → link. `kocflow lint` prints its diagnostics; the engine and the watcher
 * run the set it returns. There is no second path into the engine.
 */
export interface PlaybookSource {
  /** Path relative to the playbook folder, with / separators. */
  file: string;
  text: string;
}

export interface LoadResult {
  set: PlaybookSet;
  diagnostics: Diagnostic[];
  /** Number of playbook files read. */
  fileCount: number;
  ok: boolean;
}

export interface LoadOptions {
  accountIds?: ReadonlySet<string>;
}

export function loadPlaybookSources(root: string, sources: PlaybookSource[], files: PlaybookFiles, options: LoadOptions = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const validated: ValidatedDocument[] = [];
  const brokenIds = new Set<string>();
  for (const source of sources) {
    const parsed = parseYaml(source.file, source.text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.some((d) => d.severity === 'error')) continue;
    const result = validateDocument(parsed);
    diagnostics.push(...result.diagnostics);
    if (result.document) validated.push({ source: parsed, document: result.document });
    else rememberBroken(parsed.value, brokenIds);
  }
  const linked = linkPlaybooks(root, validated, { files, brokenIds, ...options });
  diagnostics.push(...linked.diagnostics);
  return { set: linked.set, diagnostics: sortDiagnostics(diagnostics), fileCount: sources.length, ok: !hasErrors(diagnostics) };
}

/** Names that an invalid document would have defined (its id; every template name; "tiers"). */
function rememberBroken(value: unknown, brokenIds: Set<string>): void {
  if (!value || typeof value !== 'object') return;
  const raw = value as { id?: unknown; kind?: unknown; templates?: unknown };
  if (typeof raw.id === 'string') brokenIds.add(raw.id);
  if (raw.kind === 'tiers') brokenIds.add('tiers');
  if (raw.templates && typeof raw.templates === 'object') for (const name of Object.keys(raw.templates)) brokenIds.add(name);
}

const PLAYBOOK_FILE = /\.ya?ml$/i;

/** Every playbook file below a folder, sorted, skipping hidden folders and node_modules. */
export function findPlaybookFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && PLAYBOOK_FILE.test(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

export function folderFiles(root: string): PlaybookFiles {
  const inside = (relativePath: string) => {
    const full = resolve(root, relativePath);
    return full.startsWith(resolve(root) + sep) ? full : undefined; // never read outside the playbook folder
  };
  return {
    exists: (p) => {
      const full = inside(p);
      return full !== undefined && existsSync(full) && statSync(full).isFile();
    },
    readText: (p) => {
      const full = inside(p);
      try {
        return full === undefined ? undefined : readFileSync(full, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

export function loadPlaybookFolder(root: string, options: LoadOptions = {}): LoadResult {
  const absolute = resolve(root);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new KocError('KOC_PLAYBOOKS_NOT_FOUND', `playbook folder "${root}" does not exist`, {
      hint: 'pass the folder that holds your *.yaml playbooks, e.g. `kocflow lint sop-playbooks`',
    });
  }
  const sources = findPlaybookFiles(absolute).map((full) => ({
    file: relative(absolute, full).split(sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
  return loadPlaybookSources(absolute, sources, folderFiles(absolute), options);
}
