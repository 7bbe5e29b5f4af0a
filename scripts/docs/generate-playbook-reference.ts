import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, referenceFiles } from './referenceInputs.ts';

/**
 * `npm run docs:playbooks`: writes docs/playbooks.md (the playbook reference for ops) and
 * docs/kocflow.schema.json (the same language for YAML editors), both generated from src/playbook/schema, and
 * docs/config.md and docs/kocflow.config.schema.json, the same for kocflow.yaml from src/config/schema.ts.
 * tests/playbook/reference.test.ts fails when the committed files differ from what this writes.
 */
for (const file of referenceFiles()) {
  const target = join(REPO_ROOT, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${file.path} (${Buffer.byteLength(file.content).toLocaleString('en-US')} bytes)`);
}
