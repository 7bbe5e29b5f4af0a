import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sortDiagnostics, type Diagnostic } from '../playbook/diagnostics.ts';
import { parseYaml, type YamlFileWording } from '../playbook/yamlSource.ts';
import { KocError } from '../shared/errors.ts';
import type { KocflowConfig } from './schema.ts';
import { validateConfig, type ValidateConfigOptions } from './validate.ts';

/**
 * Reads kocflow.yaml. A missing file is a result, not an error: `kocflow start` then runs the built-in demo
 * (demo.ts) and `kocflow lint` checks only the playbooks. A file that exists but cannot be read is an error.
 */
export type ConfigLoad =
  | { found: false; path: string; config?: undefined; diagnostics: Diagnostic[] }
  | { found: true; path: string; config?: KocflowConfig; diagnostics: Diagnostic[] };

const CONFIG_WORDING: YamlFileWording = {
  files: 'configuration files',
  tooLargeFix: 'a kocflow.yaml this large is not a configuration; check that the right file is named',
  aliasFix: 'repeat the values instead',
  multipleDocuments: 'kocflow.yaml holds one document: remove the --- separator',
};

export interface LoadConfigOptions {
  /** How diagnostics name the file, e.g. relative to the working directory. @default the path as given */
  label?: string;
  /** The file was asked for by name (--config): its absence is an error (KOC_CONFIG_NOT_FOUND), not a result. */
  required?: boolean;
}

export function loadConfig(path: string, options: LoadConfigOptions = {}): ConfigLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!options.required) return { found: false, path, diagnostics: [] };
      throw new KocError('KOC_CONFIG_NOT_FOUND', `configuration file "${options.label ?? path}" does not exist`, {
        hint: 'name an existing kocflow.yaml, or leave the option out to use ./kocflow.yaml when there is one',
      });
    }
    throw new KocError('KOC_CONFIG_UNREADABLE', `cannot read the configuration file "${path}": ${(error as Error).message}`, {
      hint: 'name a readable kocflow.yaml file (not a folder)',
      cause: error,
    });
  }
  return { found: true, path, ...loadConfigText(options.label ?? path, text, { fileExists: (file) => existsSync(resolve(dirname(path), file)) }) };
}

/** The same for text in memory (tests, editors): `file` names it in the diagnostics. */
export function loadConfigText(file: string, text: string, options: ValidateConfigOptions = {}): { config?: KocflowConfig; diagnostics: Diagnostic[] } {
  const parsed = parseYaml(file, text, CONFIG_WORDING);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sortDiagnostics(parsed.diagnostics) };
  const result = validateConfig(parsed, options);
  const diagnostics = sortDiagnostics([...parsed.diagnostics, ...result.diagnostics]);
  return result.config ? { config: result.config, diagnostics } : { diagnostics };
}

/** The playbook folder a config names, which is relative to the config file's folder. */
export function playbooksFolder(configPath: string, config: Pick<KocflowConfig, 'playbooks'>): string {
  return resolve(dirname(configPath), config.playbooks);
}
