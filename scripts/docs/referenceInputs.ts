import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { renderConfigJsonSchema } from '../../src/config/reference/jsonSchema.ts';
import { renderConfigReference } from '../../src/config/reference/renderReference.ts';
import { findPlaybookFiles } from '../../src/playbook/load.ts';
import { renderPlaybookJsonSchema } from '../../src/playbook/reference/jsonSchema.ts';
import { renderPlaybookReference, type ReferenceInputs } from '../../src/playbook/reference/renderReference.ts';

/**
 * What the references need from disk, read in one place for the generator script and the test that checks the
 * committed docs are current: the sample playbooks and kocflow.yaml (examples), the `KOC_…` codes used in
 * src/playbook and src/config (the Diagnostics sections), and the TSDoc of the template helpers.
 */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface GeneratedFile {
  /** Path relative to the repository, with / separators. */
  path: string;
  content: string;
}

/** Where the generated files go, relative to the repository. */
export const REFERENCE_PATHS = ['docs/playbooks.md', 'docs/kocflow.schema.json', 'docs/config.md', 'docs/kocflow.config.schema.json'] as const;

/** The files `npm run docs:playbooks` writes, with the content it writes now. */
export function referenceFiles(root = REPO_ROOT): GeneratedFile[] {
  const [markdown, jsonSchema, configMarkdown, configJsonSchema] = REFERENCE_PATHS;
  return [
    { path: markdown, content: renderPlaybookReference(readReferenceInputs(root)) },
    { path: jsonSchema, content: renderPlaybookJsonSchema() },
    {
      path: configMarkdown,
      content: renderConfigReference({
        example: readFileSync(join(root, 'kocflow.yaml'), 'utf8'),
        diagnosticCodes: collectDiagnosticCodes(root, 'config'),
      }),
    },
    { path: configJsonSchema, content: renderConfigJsonSchema() },
  ];
}

export function readReferenceInputs(root = REPO_ROOT): ReferenceInputs {
  return { examples: readExamples(root), diagnosticCodes: collectDiagnosticCodes(root), helperDocs: readHelperDocs(root) };
}

/** Every sample playbook in sop-playbooks/, path relative to the repository → text. */
export function readExamples(root = REPO_ROOT): Record<string, string> {
  const examples: Record<string, string> = {};
  for (const full of findPlaybookFiles(join(root, 'sop-playbooks'))) examples[toPosix(relative(root, full))] = readFileSync(full, 'utf8');
  return examples;
}

/** Code string literals ('KOC_X', "KOC_X", `KOC_X`); a bare mention in a comment is not a use. */
const CODE_LITERAL = /['"`](KOC_[A-Z0-9_]+)['"`]/g;

/**
 * The diagnostic and error codes used in src/playbook (or src/config), sorted. Its reference/ folder is skipped:
 * it documents codes and does not raise them.
 */
export function collectDiagnosticCodes(root = REPO_ROOT, module: 'playbook' | 'config' = 'playbook'): string[] {
  const base = join(root, 'src', module);
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (full !== join(base, 'reference')) walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.ts')) {
        for (const match of readFileSync(full, 'utf8').matchAll(CODE_LITERAL)) codes.add(match[1]!);
      }
    }
  };
  walk(base);
  return [...codes].sort();
}

/** The TSDoc comment of each entry of TEMPLATE_HELPERS in src/playbook/templates/helpers.ts, by helper name. */
export function readHelperDocs(root = REPO_ROOT): Record<string, string> {
  const path = join(root, 'src', 'playbook', 'templates', 'helpers.ts');
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs: Record<string, string> = {};
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'TEMPLATE_HELPERS' && node.initializer) {
      let init: ts.Expression = node.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (!ts.isObjectLiteralExpression(init)) throw new Error(`${path}: TEMPLATE_HELPERS is not an object literal`);
      for (const property of init.properties) {
        if (!property.name || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) continue;
        const comment = ts.getJSDocCommentsAndTags(property)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .trim();
        if (comment) docs[property.name.text] = comment.replace(/\s+/g, ' ');
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
