import { runCli } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as `kocflow …` from `cwd`, capturing its output. */
export async function kocflow(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => { stdout += t; },
    err: (t) => { stderr += t; },
    isTty: false,
    // English unless a test asks for another language: the machine's locale must not change what tests see.
    env: options.env ?? { ...process.env, DATABASE_URL: '', KOCFLOW_LANG: 'en' },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
