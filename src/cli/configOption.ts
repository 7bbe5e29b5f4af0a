import { relative, resolve } from 'node:path';
import { demoConfig, loadConfig } from '../config/index.ts';
import { DEFAULT_CONFIG_FILE, type KocflowConfig } from '../config/schema.ts';
import { formatDiagnostic } from '../playbook/diagnostics.ts';
import { KocError } from '../shared/errors.ts';
import type { CliIo } from './io.ts';

/**
 * `--config FILE` for commands that need the accounts: the named file (it must exist), else ./kocflow.yaml, else
 * the built-in demo. A file with errors prints them and stops the command (KOC_CONFIG_INVALID).
 */
export function readConfig(option: string | undefined, io: CliIo): { config: KocflowConfig; configLabel: { path: string; text: string } } {
  const path = resolve(io.cwd, option ?? DEFAULT_CONFIG_FILE);
  const label = relative(io.cwd, path) || path;
  const load = loadConfig(path, { label, required: option !== undefined });
  if (!load.found) {
    return { config: demoConfig(), configLabel: { path, text: `no ${label}: the built-in demo (three accounts on the mock puppet)` } };
  }
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  for (const d of load.diagnostics) io.err(formatDiagnostic(d) + '\n');
  if (errors.length > 0 || !load.config) {
    throw new KocError('KOC_CONFIG_INVALID', `${label} has ${errors.length} error${errors.length === 1 ? '' : 's'}; kocflow did not start`, {
      hint: `fix them (kocflow lint shows them too) and start again`,
    });
  }
  return { config: load.config, configLabel: { path, text: label } };
}

