import { z } from 'zod';
import {
  assetRef, calendarDate, cronExpression, duration, glob, id, label, linkCard, miniProgram, templateRef, templateText, timeOfDay,
  timeZone,
} from '../schema/common.ts';
import { condition } from '../schema/conditions.ts';
import { playbookFile } from '../schema/documents.ts';
import { step, stepSchemas } from '../schema/steps.ts';
import { trigger } from '../schema/triggers.ts';

/**
 * The playbook language as JSON Schema, converted from the zod definitions in src/playbook/schema/ (the one
 * place the language is defined). Two uses: docs/kocflow.schema.json for editors, and the key tables of
 * docs/playbooks.md, which read the same conversion so the reference says what the editor checks.
 */

/** A node of the JSON Schema zod writes (the subset the reference reads). */
export interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  propertyNames?: JsonSchemaNode;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  examples?: unknown[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchemaNode>;
  /** Which named building block of the language a node is (see BUILDING_BLOCKS); set only for the reference. */
  [BLOCK_KEY]?: BuildingBlock;
}

export const BLOCK_KEY = 'x-kocflow-block';

/**
 * The named building blocks of the language. The reference names them ("duration", "condition") instead of
 * spelling out their structure at every use. Matched by zod definition, which `.describe()` and `.optional()`
 * copies share with the original.
 */
export const BUILDING_BLOCKS = {
  id, label, duration, timeOfDay, calendarDate, timeZone, cronExpression, glob, templateText, templateRef, assetRef,
  linkCard, miniProgram, condition, trigger, step, message: stepSchemas.say.shape.say,
} as const;
export type BuildingBlock = keyof typeof BUILDING_BLOCKS;

const blockByDef = new Map<unknown, BuildingBlock>(
  Object.entries(BUILDING_BLOCKS).map(([name, schema]) => [schema._zod.def, name as BuildingBlock]),
);

/** A schema as JSON Schema in its input form (keys with defaults are optional), building blocks marked. */
export function markedJsonSchema(schema: z.ZodType): JsonSchemaNode {
  return z.toJSONSchema(schema, {
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      const block = blockByDef.get(zodSchema._zod.def);
      if (block) (jsonSchema as JsonSchemaNode)[BLOCK_KEY] = block;
    },
  }) as JsonSchemaNode;
}

/**
 * docs/kocflow.schema.json: the whole language for YAML editors (draft-07, which the YAML language server
 * validates; it does not fully support 2020-12). Editors check single files; `kocflow lint` also checks across files.
 */
export function renderPlaybookJsonSchema(): string {
  const { $schema, ...rest } = z.toJSONSchema(playbookFile, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  const schema = {
    $schema,
    title: 'kocflow playbook file',
    description: 'One document of sop-playbooks/: a flow (the default), campaign, tiers, task or library. Generated from src/playbook/schema by `npm run docs:playbooks`; see docs/playbooks.md.',
    ...rest,
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
