import type { Command } from 'commander';
import { previewFindings, previewFlow, readContactFile } from '../../authoring/preview.ts';
import { previewSummary, previewText } from '../../authoring/previewText.ts';
import { resolveLang } from '../../i18n/lang.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addAuthoringOptions, authoringContext, type AuthoringCliOptions } from './explain.ts';

/** `kocflow preview FLOW [--contact FILE]`: every message of a flow rendered (src/authoring/preview.ts). */
export function registerPreview(program: Command, io: CliIo, done: CommandResult): void {
  addAuthoringOptions(
    program
      .command('preview')
      .description('render every message of a flow with sample data (or a contact from a JSON file): the text, its length against WeCom\'s limits, and variables that render as nothing')
      .argument('<flow>', 'the flow id')
      .option('--contact <file>', 'a JSON file with the contact to render for: {"name", "alias", "tags", "attributes", "referrer", "optedOut"}, every key optional')
      .option('--at <time>', 'the moment of {{now}} and of issued coupons: local "YYYY-MM-DD HH:MM" or an ISO instant (default: next Monday 09:00)'),
  )
    .addHelpText('after', '\nExit codes: 0 every message fits, 1 a message is over a WeCom limit or shows an empty variable (or the playbooks have errors), 2 usage error (unknown flow, malformed --contact file).\nExample: kocflow preview new-customer-7d --contact sample.json --lang zh')
    .action((flowId: string, options: AuthoringCliOptions & { contact?: string }) => {
      const lang = resolveLang(options.lang, io.env);
      const context = authoringContext(flowId, options, io, lang, lang === 'zh' ? '预览' : 'preview');
      const contact = options.contact === undefined ? undefined : readContactFile(options.contact, io.cwd, lang);
      const preview = previewFlow(context, contact, options.contact, lang);
      if (options.format === 'json') io.out(JSON.stringify(preview, null, 2) + '\n');
      else {
        io.out(previewText(preview, lang));
        io.err(previewSummary(preview, lang) + '\n');
      }
      const findings = previewFindings(preview);
      done(findings.overLimit + findings.missing > 0 ? EXIT.findings : EXIT.ok);
    });
}
