import type { Command } from 'commander';
import { loadAuthoringContext, type AuthoringContext } from '../../authoring/context.ts';
import { explainFlow } from '../../authoring/explain.ts';
import { explanationText } from '../../authoring/explainText.ts';
import { localizeDiagnostic } from '../../i18n/diagnostics.ts';
import { resolveLang, type Lang } from '../../i18n/lang.ts';
import { t } from '../../i18n/messages.ts';
import { formatDiagnostic, type Diagnostic } from '../../playbook/diagnostics.ts';
import { KocError } from '../../shared/errors.ts';
import { systemClock } from '../../shared/systemClock.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';

export interface AuthoringCliOptions {
  playbooks?: string;
  config?: string | false;
  account?: string;
  at?: string;
  format: string;
  lang?: string;
}

/** The options explain and preview share. */
export function addAuthoringOptions(command: Command): Command {
  return command
    .option('--playbooks <dir>', 'the playbook folder (default: the config\'s playbooks folder, or ./sop-playbooks)')
    .option('--config <file>', 'kocflow.yaml, for the accounts that run the flow and their pacing (default: ./kocflow.yaml when it exists)')
    .option('--no-config', 'ignore kocflow.yaml: an example account with the default pacing')
    .option('--account <id>', 'the account the example runs on (default: the first account that runs the flow)')
    .option('--format <format>', 'text or json', 'text')
    .option('--lang <lang>', 'zh or en (default: KOCFLOW_LANG, then LC_ALL / LC_MESSAGES / LANG)');
}

/**
 * Reads the config and playbooks for explain/preview. Findings are printed like lint prints them (in the language
 * asked for); errors stop the command with KOC_CONFIG_INVALID or KOC_PLAYBOOKS_INVALID (exit 1).
 */
export function authoringContext(flowId: string, options: AuthoringCliOptions, io: CliIo, lang: Lang, command: string): AuthoringContext {
  if (options.format !== 'text' && options.format !== 'json') {
    throw new KocError('KOC_CLI_USAGE', t(lang, 'format.invalid', { value: options.format }), { hint: t(lang, 'format.invalidFix') });
  }
  const { context, diagnostics } = loadAuthoringContext(flowId, options, io.cwd, io.env, lang, systemClock.now());
  const errors = diagnostics.filter((d: Diagnostic) => d.severity === 'error');
  for (const d of errors) io.err(formatDiagnostic(localizeDiagnostic(d, lang)) + '\n');
  if (!context) {
    const folder = options.playbooks ?? 'sop-playbooks';
    throw new KocError('KOC_PLAYBOOKS_INVALID', t(lang, 'playbooks.invalid', { folder, count: errors.length, plural: errors.length === 1 ? '' : 's', command }), {
      hint: t(lang, 'playbooks.invalidFix', { folder }),
    });
  }
  return context;
}

/** `kocflow explain FLOW`: the flow in plain words and as a timeline for one example subject (src/authoring/explain.ts). */
export function registerExplain(program: Command, io: CliIo, done: CommandResult): void {
  addAuthoringOptions(
    program
      .command('explain')
      .description('say what a flow does, in plain words and as a timeline for one example subject, with the pacing and quiet hours that apply')
      .argument('<flow>', 'the flow id')
      .option('--at <time>', 'when the example starts: local "YYYY-MM-DD HH:MM" in the account\'s zone, or an ISO instant (default: next Monday 09:00; schedules: now)'),
  )
    .addHelpText('after', '\nExit codes: 0 explained, 1 the playbooks or kocflow.yaml have errors, 2 usage error (unknown flow or account, bad --at).\nExample: kocflow explain new-customer-7d --at "2026-12-07 09:00" --lang zh')
    .action((flowId: string, options: AuthoringCliOptions) => {
      const lang = resolveLang(options.lang, io.env);
      const context = authoringContext(flowId, options, io, lang, lang === 'zh' ? '解释' : 'explain');
      const explanation = explainFlow(context, lang);
      io.out(options.format === 'json' ? JSON.stringify(explanation, null, 2) + '\n' : explanationText(explanation, context, lang));
      done(EXIT.ok);
    });
}
