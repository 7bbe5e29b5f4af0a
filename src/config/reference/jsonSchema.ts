import { z } from 'zod';
import { kocflowConfigSchema } from '../schema.ts';

/**
 * docs/kocflow.config.schema.json: kocflow.yaml for YAML editors, converted from the zod definition (draft-07,
 * which the YAML language server validates). Editors check keys and forms; `kocflow lint` also checks references.
 */
export function renderConfigJsonSchema(): string {
  const { $schema, ...rest } = z.toJSONSchema(kocflowConfigSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  const schema = {
    $schema,
    title: 'kocflow.yaml',
    ...rest,
    description: 'The stores, staff and bot accounts of one brand. Generated from src/config/schema.ts by `npm run docs:playbooks`; see docs/config.md.',
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
