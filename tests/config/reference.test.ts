import { describe, expect, it } from 'vitest';
import { CONFIG_DIAGNOSTIC_MEANINGS, SHARED_DIAGNOSTIC_CODES } from '../../src/config/reference/diagnosticCodes.ts';
import { DIAGNOSTIC_MEANINGS, staleMeanings, undocumentedCodes } from '../../src/playbook/reference/diagnosticCodes.ts';
import { collectDiagnosticCodes } from '../../scripts/docs/referenceInputs.ts';

/**
 * docs/config.md explains every code kocflow.yaml can produce; these keep its table equal to the codes src/config
 * uses. (That docs/config.md and docs/kocflow.config.schema.json are current is checked with the playbook
 * reference, in tests/playbook/reference.test.ts: one generator writes all four files.)
 */
describe('configuration reference', () => {
  it('documents every code used in src/config', () => {
    const missing = undocumentedCodes(collectDiagnosticCodes(undefined, 'config'), CONFIG_DIAGNOSTIC_MEANINGS);
    expect(missing, `add a one-line meaning for ${missing.join(', ')} to src/config/reference/diagnosticCodes.ts, then run \`npm run docs:playbooks\``).toEqual([]);
  });

  it('documents no code that src/config no longer uses', () => {
    const stale = staleMeanings(collectDiagnosticCodes(undefined, 'config'), CONFIG_DIAGNOSTIC_MEANINGS);
    expect(stale, `remove ${stale.join(', ')} from src/config/reference/diagnosticCodes.ts, then run \`npm run docs:playbooks\``).toEqual([]);
  });

  it('points at playbook codes that exist for the checks it shares', () => {
    expect(undocumentedCodes(SHARED_DIAGNOSTIC_CODES)).toEqual([]);
    expect(Object.keys(DIAGNOSTIC_MEANINGS).filter((code) => code in CONFIG_DIAGNOSTIC_MEANINGS)).toEqual([]);
  });
});
