import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleMeanings, undocumentedCodes } from '../../src/playbook/reference/diagnosticCodes.ts';
import { collectDiagnosticCodes, referenceFiles, REFERENCE_PATHS, REPO_ROOT, type GeneratedFile } from '../../scripts/docs/referenceInputs.ts';

/**
 * The playbook reference (and the kocflow.yaml reference, written by the same generator) is generated from the
 * zod definitions; these tests keep the committed files equal to what the generator writes now, so a change to
 * the language that forgets the docs fails CI.
 */
describe('playbook reference', () => {
  it('documents every diagnostic code used in src/playbook', () => {
    const missing = undocumentedCodes(collectDiagnosticCodes());
    expect(missing, `add a one-line meaning for ${missing.join(', ')} to src/playbook/reference/diagnosticCodes.ts, then run \`npm run docs:playbooks\``).toEqual([]);
  });

  it('documents no code that src/playbook no longer uses', () => {
    const stale = staleMeanings(collectDiagnosticCodes());
    expect(stale, `remove ${stale.join(', ')} from src/playbook/reference/diagnosticCodes.ts, then run \`npm run docs:playbooks\``).toEqual([]);
  });

  let generated: GeneratedFile[] | undefined;
  for (const path of REFERENCE_PATHS) {
    it(`${path} is up to date`, () => {
      generated ??= referenceFiles(); // rendering throws, with the fix, when a code has no meaning
      const file = generated.find((f) => f.path === path)!;
      const full = join(REPO_ROOT, file.path);
      const committed = existsSync(full) ? readFileSync(full, 'utf8').replace(/\r\n/g, '\n') : undefined;
      if (committed !== file.content) {
        const where = committed === undefined ? 'it does not exist' : `first difference at line ${firstDifferentLine(committed, file.content)}`;
        expect.fail(`${file.path} differs from what the generator writes now (${where}): run \`npm run docs:playbooks\` and commit the result`);
      }
    });
  }
});

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}
