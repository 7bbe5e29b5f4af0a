import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPlaybookFiles } from '../../src/playbook/load.ts';
import { schemaOf } from '../../src/playbook/schemaComment.ts';
import { referenceFiles } from '../../scripts/docs/referenceInputs.ts';
import { kocflow } from '../support/cli.ts';

const project = resolve(import.meta.dirname, '../..');

describe('kocflow schema', () => {
  it('prints the playbook schema that docs:playbooks writes (and the staleness test checks)', async () => {
    const run = await kocflow(['schema']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(referenceFiles().find((f) => f.path === 'docs/kocflow.schema.json')!.content);
    const schema = JSON.parse(run.stdout) as { $schema: string; title: string; anyOf: unknown[] };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('kocflow playbook file');
    expect(schema.anyOf).toHaveLength(5); // flow, campaign, tiers, task, library
  });

  it('prints the kocflow.yaml schema with --config', async () => {
    const run = await kocflow(['schema', '--config']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(referenceFiles().find((f) => f.path === 'docs/kocflow.config.schema.json')!.content);
    expect((JSON.parse(run.stdout) as { title: string }).title).toBe('kocflow.yaml');
  });

  it('rejects an unknown option with exit 2', async () => {
    const run = await kocflow(['schema', '--confg']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--confg'");
  });
});

describe('the schema line of the sample playbooks and kocflow.yaml', () => {
  it('every sample starts with a yaml-language-server line naming docs/kocflow.schema.json by a relative path', () => {
    const files = findPlaybookFiles(join(project, 'sop-playbooks'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const schema = schemaOf(readFileSync(file, 'utf8'));
      expect(schema, `${relative(project, file)} has no "# yaml-language-server: $schema=…" first line`).toBeDefined();
      expect(resolve(dirname(file), schema!)).toBe(join(project, 'docs', 'kocflow.schema.json'));
    }
    const config = schemaOf(readFileSync(join(project, 'kocflow.yaml'), 'utf8'))!;
    expect(existsSync(resolve(project, config))).toBe(true);
    expect(resolve(project, config)).toBe(join(project, 'docs', 'kocflow.config.schema.json'));
  });
});
