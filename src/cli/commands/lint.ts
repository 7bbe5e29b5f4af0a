import { relative, resolve, sep } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig, playbooksFolder, type ConfigLoad } from '../../config/index.ts';
import { formatDiagnostic, type Diagnostic } from '../../playbook/diagnostics.ts';
import { loadPlaybookFolder } from '../../playbook/load.ts';
import { KocError } from '../../shared/errors.ts';
import { localizeDiagnostic } from '../../i18n/diagnostics.ts';
import { resolveLang, type Lang } from '../../i18n/lang.ts';
import { t } from '../../i18n/messages.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';

interface LintOptions {
  format: 'text' | 'json';
  root?: string;
  /** A file name, or false for --no-config. */
  config?: string | false;
  lang?: string;
}

/**
 * `kocflow lint [paths…]`: the loader the engine uses, printing what it finds. A folder is linted as a whole
 * playbook set; files are linted within their playbook folder (`--root`, default: the config's playbooks folder
 * or ./sop-playbooks), so references to other files resolve, and only their own findings are printed.
 * kocflow.yaml is checked too (`--config`, default ./kocflow.yaml when it exists): its own findings, and the
 * account ids playbooks name (`accounts: { ids: [...] }`) against its accounts.
 */
export function registerLint(program: Command, io: CliIo, done: CommandResult): void {
  program
    .command('lint')
    .description('check playbooks and kocflow.yaml: YAML, keys, types, references, cron, templates, WeCom limits, tokens')
    .argument('[paths...]', 'playbook folders or files (default: the config\'s playbooks folder, or ./sop-playbooks)')
    .option('--format <format>', 'text or json', 'text')
    .option('--root <dir>', 'the playbook folder that files belong to (default: the config\'s playbooks folder, or ./sop-playbooks)')
    .option('--config <file>', `the account configuration to check too (default: ./${DEFAULT_CONFIG_FILE} when it exists)`)
    .option('--no-config', 'check the playbooks only')
    .option('--lang <lang>', 'zh or en: the language of the findings (default: KOCFLOW_LANG, then LC_ALL / LC_MESSAGES / LANG)')
    .addHelpText('after', '\nExit codes: 0 clean (warnings allowed), 1 errors found, 2 usage or I/O error.\nExample: kocflow lint sop-playbooks --format json')
    .action((paths: string[], options: LintOptions) => {
      const lang = resolveLang(options.lang, io.env);
      if (options.format !== 'text' && options.format !== 'json') {
        throw new KocError('KOC_CLI_USAGE', t(lang, 'format.invalid', { value: options.format }));
      }
      done(lint(paths, options, io, lang));
    });
}

function lint(given: string[], options: LintOptions, io: CliIo, lang: Lang): number {
  const started = performance.now();
  const diagnostics: Diagnostic[] = [];
  let fileCount = 0;

  const config = readConfig(options, io);
  if (config) {
    fileCount++;
    diagnostics.push(...config.diagnostics);
  }
  const accountIds = config?.config ? new Set(config.config.accounts.map((a) => a.id)) : undefined;
  // The config says where its playbooks are; without one, the convention. A config with errors may name another
  // folder: when the conventional one is missing, its findings are what there is to print.
  const folder = config?.config ? relative(io.cwd, playbooksFolder(config.path, config.config)) || '.' : 'sop-playbooks';
  const configOnly = given.length === 0 && config !== undefined && config.config === undefined && !existsSync(resolve(io.cwd, folder));
  const paths = given.length > 0 ? given : configOnly ? [] : [folder];

  const groups = new Map<string, Set<string> | 'all'>();
  for (const path of paths) {
    const absolute = resolve(io.cwd, path);
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      throw new KocError('KOC_PATH_NOT_FOUND', `"${path}" does not exist`, { hint: 'pass playbook folders or .yaml files' });
    }
    if (stat.isDirectory()) {
      groups.set(absolute, 'all');
    } else {
      const root = resolve(io.cwd, options.root ?? folder);
      const inRoot = absolute.startsWith(root + sep);
      const group = inRoot ? root : resolve(absolute, '..');
      const files = groups.get(group);
      if (files === 'all') continue;
      const set = files ?? new Set<string>();
      set.add(relative(group, absolute).split(sep).join('/'));
      groups.set(group, set);
    }
  }

  for (const [root, only] of groups) {
    const result = loadPlaybookFolder(root, accountIds ? { accountIds } : {});
    const prefix = relative(io.cwd, root).split(sep).join('/');
    fileCount += only === 'all' ? result.fileCount : only.size;
    for (const d of result.diagnostics) {
      if (only !== 'all' && !only.has(d.file)) continue;
      diagnostics.push({ ...d, file: prefix ? `${prefix}/${d.file}` : d.file });
    }
  }

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const localized = diagnostics.map((d) => localizeDiagnostic(d, lang));
  if (options.format === 'json') {
    io.out(JSON.stringify(localized, null, 2) + '\n');
  } else {
    for (const d of localized) io.out(formatDiagnostic(d) + '\n');
    const ms = Math.round(performance.now() - started);
    const plural = (n: number) => (n === 1 ? '' : 's');
    io.err(t(lang, 'lint.summary', { files: fileCount, filesPlural: plural(fileCount), ms, errors, errorsPlural: plural(errors), warnings, warningsPlural: plural(warnings) }) + '\n');
  }
  return errors > 0 ? EXIT.findings : EXIT.ok;
}

/**
 * The config to check: --config names one (it must exist), --no-config none, and by default ./kocflow.yaml when
 * there is one. Its findings name it relative to the working directory, like the playbooks'.
 */
function readConfig(options: LintOptions, io: CliIo): ConfigLoad | undefined {
  if (options.config === false) return undefined;
  const path = resolve(io.cwd, options.config ?? DEFAULT_CONFIG_FILE);
  const label = relative(io.cwd, path).split(sep).join('/');
  const load = loadConfig(path, { label, required: options.config !== undefined });
  return load.found ? load : undefined;
}
