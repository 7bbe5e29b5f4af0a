#!/usr/bin/env node
// The published entry point runs the compiled CLI (`npm run build` writes dist/; `npm ci` runs it via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('KOC_NOT_BUILT kocflow is not built: run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
const { runCli } = await import(compiled.href);
process.exitCode = await runCli(process.argv.slice(2));
