import type { Command } from 'commander';
import { renderConfigJsonSchema } from '../../config/reference/jsonSchema.ts';
import { renderPlaybookJsonSchema } from '../../playbook/reference/jsonSchema.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';

/**
 * `kocflow schema [--config]`: the JSON Schema of a playbook file (or of kocflow.yaml) on stdout, for YAML editors.
 * The same functions write docs/kocflow.schema.json and docs/kocflow.config.schema.json (`npm run docs:playbooks`),
 * and the staleness test compares the committed files with them: one code path, so the three cannot differ.
 */
export function registerSchema(program: Command, io: CliIo, done: CommandResult): void {
  program
    .command('schema')
    .description('print the JSON Schema of playbook files (or of kocflow.yaml with --config) for editors with a YAML language server')
    .option('--config', 'the schema of kocflow.yaml instead of the playbook schema')
    .addHelpText('after', [
      '',
      'Example: kocflow schema > kocflow.schema.json',
      'Then start each playbook with the line  # yaml-language-server: $schema=<relative path to kocflow.schema.json>',
    ].join('\n'))
    .action((options: { config?: boolean }) => {
      io.out(options.config ? renderConfigJsonSchema() : renderPlaybookJsonSchema());
      done(EXIT.ok);
    });
}
