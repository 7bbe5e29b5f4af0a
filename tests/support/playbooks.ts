import { loadPlaybookSources, type LoadResult } from '../../src/playbook/load.ts';
import type { Diagnostic } from '../../src/playbook/diagnostics.ts';

/** Loads playbook files given as text, with an in-memory folder (other files: `assets`). */
export function loadFiles(files: Record<string, string>, assets: Record<string, string> = {}): LoadResult {
  const all = { ...assets, ...files };
  return loadPlaybookSources(
    '/virtual',
    Object.entries(files).map(([file, text]) => ({ file, text })),
    { exists: (p) => p in all, readText: (p) => all[p] },
  );
}

/** `file:line:col CODE` for each diagnostic: compact and exact for assertions. */
export function where(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);
}

export const CAMPAIGN = `kind: campaign
id: welcome
name: 新客券
coupon: { title: 新客券, value: 满200减30, validDays: 14 }
`;

export const TIERS = `kind: tiers
id: tiers
tiers:
  - name: 普通
  - name: 核心
    minPoints: 500
`;
