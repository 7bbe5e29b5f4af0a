import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigJsonSchema } from '../config/reference/jsonSchema.ts';
import { renderPlaybookJsonSchema } from '../playbook/reference/jsonSchema.ts';
import { withSchemaComment } from '../playbook/schemaComment.ts';
import { KocError } from '../shared/errors.ts';
import { type Lang } from '../i18n/lang.ts';
import { t } from '../i18n/messages.ts';

/**
 * `kocflow init [dir]`: a new brand's starting folder. The content is the repository's `starter/` folder (real
 * files, linted by the tests like any playbook), written with each YAML file's schema line pointing at the JSON
 * Schemas init writes next to kocflow.yaml, so an editor with a YAML language server helps from the first key.
 */
export const PLAYBOOK_SCHEMA_FILE = 'kocflow.schema.json';
export const CONFIG_SCHEMA_FILE = 'kocflow.config.schema.json';

/** starter/ sits two levels above this file both in src/authoring/ and, compiled, in dist/authoring/. */
export const STARTER_DIR = fileURLToPath(new URL('../../starter/', import.meta.url));

export interface StarterFile {
  /** Path relative to the new folder, with / separators. */
  path: string;
  content: string;
}

/** Every file init writes, with its content: the starter's YAML files and the two schemas. */
export function starterFiles(starterDir = STARTER_DIR): StarterFile[] {
  const files: StarterFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const path = relative(starterDir, full).split(sep).join('/');
        const text = readFileSync(full, 'utf8');
        if (!/\.ya?ml$/.test(path)) {
          files.push({ path, content: text });
          continue;
        }
        const schema = path === 'kocflow.yaml' ? CONFIG_SCHEMA_FILE : PLAYBOOK_SCHEMA_FILE;
        files.push({ path, content: withSchemaComment(text, posix.relative(posix.dirname(path), schema) || schema) });
      }
    }
  };
  walk(starterDir);
  files.push({ path: PLAYBOOK_SCHEMA_FILE, content: renderPlaybookJsonSchema() });
  files.push({ path: CONFIG_SCHEMA_FILE, content: renderConfigJsonSchema() });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export interface InitResult {
  /** The folder, absolute. */
  dir: string;
  /** Paths written, relative to the folder. */
  written: string[];
  /** Of those, the ones that existed before (only with force). */
  overwritten: string[];
}

/**
 * Writes the starter into `dir` (created when missing). Existing files are never overwritten without `force`: all
 * are checked first, so a refusal writes nothing. `label` names the folder in messages (as the user typed it).
 */
export function initProject(dir: string, options: { force?: boolean; lang: Lang; label?: string }): InitResult {
  const { lang } = options;
  const label = options.label ?? dir;
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new KocError('KOC_INIT_NOT_A_FOLDER', t(lang, 'init.notAFolder', { dir: label }), { hint: t(lang, 'init.notAFolderFix') });
  }
  const files = starterFiles();
  const existing = files.filter((f) => existsSync(join(dir, f.path))).map((f) => f.path);
  if (existing.length > 0 && !options.force) {
    throw new KocError('KOC_INIT_EXISTS', t(lang, 'init.exists', { count: existing.length, dir: label, files: existing.join(', ') }), {
      hint: t(lang, 'init.existsFix'),
      details: { files: existing },
    });
  }
  for (const file of files) {
    const target = resolve(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return { dir: resolve(dir), written: files.map((f) => f.path), overwritten: existing };
}
