import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isKocError } from '../shared/errors.ts';
import { EXIT, processIo, type CliIo } from './io.ts';
import { langFromArgv } from '../i18n/lang.ts';
import { registerLint } from './commands/lint.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerStart } from './commands/start.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerRun } from './commands/run.ts';
import { registerCoupons } from './commands/coupons.ts';
import { registerSchema } from './commands/schema.ts';
import { registerInit } from './commands/init.ts';
import { registerExplain } from './commands/explain.ts';
import { registerPreview } from './commands/preview.ts';
import { registerKoc } from './commands/koc.ts';
import { registerUser } from './commands/user.ts';
import { registerReport } from './commands/report.ts';
import { REPORT_USAGE_CODES } from '../report/options.ts';
import { registerPrivacy } from './commands/privacy.ts';

/** Errors in what the user typed or pointed at exit 2; everything else that fails exits 1. */
const USAGE_ERRORS = new Set<string>([
  'KOC_CLI_USAGE', 'KOC_PATH_NOT_FOUND', 'KOC_PLAYBOOKS_NOT_FOUND', 'KOC_CONFIG_NOT_FOUND', 'KOC_CONFIG_UNREADABLE',
  'KOC_INIT_EXISTS', 'KOC_INIT_NOT_A_FOLDER', 'KOC_FLOW_UNKNOWN', 'KOC_ACCOUNT_UNKNOWN', 'KOC_ACCOUNT_NOT_SELECTED',
  'KOC_PREVIEW_CONTACT_INVALID', 'KOC_PREVIEW_CONTACT_UNREADABLE', ...REPORT_USAGE_CODES, 'KOC_CONTACT_NOT_FOUND', 'KOC_CONTACT_AMBIGUOUS',
]);

/** Commands whose output and errors follow --lang / KOCFLOW_LANG. */
const LOCALIZED_COMMANDS = new Set(['lint', 'init', 'explain', 'preview']);

/** A command reports its exit code through this callback (commander's actions return nothing useful). */
export type CommandResult = (exitCode: number) => void;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI in-process and returns the exit code; never throws for user errors. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const done: CommandResult = (code) => {
    exitCode = code;
  };
  const program = new Command()
    .name('kocflow')
    .description('WeCom bots for store guides and employee ambassadors, driven by SOP playbooks')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerLint(program, io, done);
  registerMigrate(program, io, done);
  registerStart(program, io, done);
  registerSimulate(program, io, done);
  registerRun(program, io, done);
  registerCoupons(program, io, done);
  registerSchema(program, io, done);
  registerInit(program, io, done);
  registerExplain(program, io, done);
  registerPreview(program, io, done);
  registerKoc(program, io, done);
  registerUser(program, io, done);
  registerReport(program, io, done);
  registerPrivacy(program, io, done);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const informational = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return informational ? EXIT.ok : EXIT.usage;
    }
    if (isKocError(error)) {
      // The commands that speak Chinese print their errors' hints under a Chinese label too.
      const zh = LOCALIZED_COMMANDS.has(argv[0] ?? '') && langFromArgv(argv, io.env) === 'zh';
      io.err(`error ${error.toUserString(zh ? '修复：' : undefined)}\n`);
      return USAGE_ERRORS.has(error.code) ? EXIT.usage : EXIT.findings;
    }
    io.err(`error KOC_INTERNAL ${(error as Error).message}\n  This is a bug in kocflow; please report it with the command you ran.\n`);
    return EXIT.usage;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2));
}
