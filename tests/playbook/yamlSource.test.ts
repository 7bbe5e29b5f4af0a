import { describe, expect, it } from 'vitest';
import { MAX_ALIASES, MAX_FILE_BYTES, parseYaml } from '../../src/playbook/yamlSource.ts';

const codes = (text: string) => parseYaml('f.yaml', text).diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);

describe('reading a playbook file', () => {
  it('points a duplicate key at the second occurrence', () => {
    expect(codes('id: a\nname: x\nid: b\n')).toEqual(['3:1 KOC_YAML_DUPLICATE_KEY']);
  });

  it('reports broken YAML syntax with its position', () => {
    const found = codes('id: a\nsteps: [1, 2\n');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\d+:\d+ KOC_YAML_SYNTAX$/);
  });

  it('refuses more than one document per file', () => {
    expect(codes('id: a\n---\nid: b\n')).toEqual(['2:1 KOC_YAML_SYNTAX']);
  });

  it('refuses custom tags', () => {
    const diagnostics = parseYaml('f.yaml', 'id: !!js/function x\nname: !secret y\n').diagnostics;
    expect(diagnostics.map((d) => d.code)).toEqual(['KOC_YAML_CUSTOM_TAG', 'KOC_YAML_CUSTOM_TAG']);
    expect(diagnostics[1]!.message).toContain('!secret');
  });

  it(`allows up to ${MAX_ALIASES} aliases and refuses an alias bomb`, () => {
    const few = `a: &x [1]\nb: [${Array(MAX_ALIASES).fill('*x').join(', ')}]\n`;
    expect(parseYaml('f.yaml', few).diagnostics).toEqual([]);
    expect(parseYaml('f.yaml', few).value).toEqual({ a: [1], b: Array(MAX_ALIASES).fill([1]) });
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const result = parseYaml('f.yaml', bomb.join('\n'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['KOC_YAML_ALIAS_LIMIT']);
    expect(result.value).toBeUndefined();
  });

  it('refuses a file over the size limit without parsing it', () => {
    const big = `id: a\ndescription: "${'x'.repeat(MAX_FILE_BYTES)}"\n`;
    expect(codes(big)).toEqual(['1:1 KOC_FILE_TOO_LARGE']);
  });

  it('locates values and keys, falling back to the nearest ancestor', () => {
    const parsed = parseYaml('f.yaml', 'id: a\nsteps:\n  - say: hi\n    when:\n      tagd: [x]\n');
    expect(parsed.locate(['steps', 0, 'when', 'tagd'], 'key')).toEqual({ line: 5, column: 7 });
    expect(parsed.locate(['steps', 0, 'say'])).toEqual({ line: 3, column: 10 });
    expect(parsed.locate(['steps', 0, 'missing'])).toEqual({ line: 3, column: 5 });
  });
});
