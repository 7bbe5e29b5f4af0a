/** Where a command writes: the terminal in production, buffers in tests (commands run in-process there). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress bars and colours only then). */
  isTty: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Standard input, for the commands that read a secret from it (kocflow user add); none in most tests. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;
