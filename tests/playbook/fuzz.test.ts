import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { fuzzLint, MUTATION_KINDS, readSamples } from '../../scripts/fuzz/lintFuzz.ts';

/**
 * Lint under random mutations of the sample playbooks (seeded): never a throw, always an error diagnostic with a
 * code and a position when the set is broken, no prototype pollution. A few hundred here; `npx tsx
 * scripts/fuzz/lint.ts` runs 10,000+ (docs/reliability/lint-fuzz.txt).
 */
it('survives 200 seeded mutations of the sample playbooks with diagnostics, never an exception', () => {
  const samples = readSamples(fileURLToPath(new URL('../../sop-playbooks', import.meta.url)));
  const outcome = fuzzLint(samples, { count: 200, seed: 20261125 });
  expect(outcome.failures).toEqual([]);
  expect(outcome.mutations).toBe(200);
  expect(outcome.withErrors).toBeGreaterThan(100);
  // Every kind of mutation was tried.
  expect(Object.keys(outcome.byKind).sort()).toEqual([...MUTATION_KINDS].sort());
  expect(outcome.codes.get('KOC_YAML_ALIAS_LIMIT')).toBeGreaterThan(0);
}, 60_000);
