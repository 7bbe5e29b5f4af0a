import { relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { initProject } from '../../authoring/init.ts';
import { resolveLang } from '../../i18n/lang.ts';
import { t } from '../../i18n/messages.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';

/** `kocflow init [dir]`: writes a new brand's starting folder (see src/authoring/init.ts) and says what to do next. */
export function registerInit(program: Command, io: CliIo, done: CommandResult): void {
  program
    .command('init')
    .description('create a starting folder: kocflow.yaml with one mock account, sample playbooks commented in Chinese and English, and the editor schemas')
    .argument('[dir]', 'the folder to create or fill', '.')
    .option('--force', 'overwrite files that already exist')
    .option('--lang <lang>', 'zh or en (default: KOCFLOW_LANG, then LC_ALL / LC_MESSAGES / LANG)')
    .addHelpText('after', '\nExit codes: 0 written, 2 a file exists (nothing is written; --force overwrites) or usage error.\nExample: kocflow init my-brand && cd my-brand && npx kocflow lint')
    .action((dir: string, options: { force?: boolean; lang?: string }) => {
      const lang = resolveLang(options.lang, io.env);
      const target = resolve(io.cwd, dir);
      const shown = relative(io.cwd, target).split(sep).join('/');
      const result = initProject(target, { force: options.force === true, lang, label: shown || '.' });
      const overwritten = new Set(result.overwritten);
      for (const path of result.written) {
        io.out(t(lang, overwritten.has(path) ? 'init.overwrote' : 'init.created', { path: shown ? `${shown}/${path}` : path }) + '\n');
      }
      io.out(['', t(lang, 'init.done'), t(lang, 'init.editor'), '', t(lang, 'init.next'),
        ...(shown ? [`  ${t(lang, 'init.next.cd', { dir: shown })}`] : []),
        ...(['init.next.lint', 'init.next.explain', 'init.next.preview', 'init.next.start'] as const).map((key) => `  ${t(lang, key)}`),
      ].join('\n') + '\n');
      done(EXIT.ok);
    });
}
