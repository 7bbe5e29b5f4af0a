import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/index.ts';
import { looksLikeToken } from '../../src/config/secrets.ts';
import { kocflow } from '../support/cli.ts';

/** Tokens written into kocflow.yaml are reported, and never repeated: not whole, not in part. */
const TOKENS = [
  'puppet_workpro_3f9a0c7e2b1d4e5f9a8b7c6d',
  '3f9a0c7e-2b1d-4e5f-9a8b-7c6d5e4f3a2b',
  'A1B2C3D4E5F6G7H8J9K0L1M2N3P4Q5R6',
];

/** Whether a text contains the token or any 8-character piece of it (a message that cut the value short). */
function leaks(text: string, token: string): boolean {
  for (let i = 0; i + 8 <= token.length; i++) if (text.includes(token.slice(i, i + 8))) return true;
  return false;
}

const file = (account: string) => [
  'stores: [{ id: sh-001, name: 上海一店 }]',
  'staff: [{ id: WangMin, name: 王敏, role: guide, store: sh-001 }]',
  'accounts:',
  account,
  '',
].join('\n');

describe('a token in kocflow.yaml', () => {
  it('tells a variable name from a token', () => {
    for (const name of ['KOCFLOW_TOKEN_GUIDE_WANG', 'GUIDE_TOKEN', 'T', '_X1']) expect(looksLikeToken(name), name).toBe(false);
    for (const token of [...TOKENS, 'guide_wang_token', 'puppet_X']) expect(looksLikeToken(token), token).toBe(true);
  });

  for (const token of TOKENS) {
    it(`is reported at its place without repeating it (${token.slice(0, 6)}…)`, () => {
      const { config, diagnostics } = loadConfigText('kocflow.yaml', file(
        `  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin, puppet: service, tokenEnv: ${token} }`,
      ));
      expect(config).toBeUndefined();
      expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['4:106 KOC_CONFIG_TOKEN_IN_FILE']);
      expect(diagnostics[0]!.message).toContain('KOCFLOW_TOKEN_GUIDE_WANG');
      expect(leaks(JSON.stringify(diagnostics), token)).toBe(false);
    });
  }

  it('is not repeated by other findings about the same account', () => {
    const token = TOKENS[0]!;
    const { diagnostics } = loadConfigText('kocflow.yaml', file([
      `  - { id: guide-wang, name: 导购小王, role: guid, store: sh-002, owner: WangMin, tokenEnv: ${token}, apiToken: ${token}, endpoint: ${token} }`,
      `  - { id: guide-li, name: 导购小李, role: guide, store: sh-001, owner: WangMin, tokenEnv: ${token} }`,
    ].join('\n')));
    expect(diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['KOC_CONFIG_TOKEN_IN_FILE', 'KOC_CONFIG_INVALID_VALUE', 'KOC_CONFIG_ENDPOINT_INVALID']));
    expect(diagnostics.filter((d) => d.code === 'KOC_CONFIG_TOKEN_IN_FILE')).toHaveLength(3);
    expect(leaks(JSON.stringify(diagnostics), token)).toBe(false);
  });

  it('in a key of its own (token:, puppetToken: …) is reported at the key', () => {
    const token = TOKENS[1]!;
    const { diagnostics } = loadConfigText('kocflow.yaml', file(
      `  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin, puppetToken: ${token} }`,
    ));
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['4:79 KOC_CONFIG_TOKEN_IN_FILE']);
    expect(diagnostics[0]!.message).toMatch(/^"puppetToken" holds a token in the file/);
    expect(leaks(JSON.stringify(diagnostics), token)).toBe(false);
  });

  describe('through kocflow lint', () => {
    const work = mkdtempSync(join(tmpdir(), 'kocflow-secrets-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('prints neither in text nor in JSON', async () => {
      const token = TOKENS[0]!;
      writeFileSync(join(work, 'kocflow.yaml'), file(
        `  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin, tokenEnv: ${token}, token: ${token} }`,
      ));
      for (const format of ['text', 'json']) {
        const run = await kocflow(['lint', '--format', format], { cwd: work });
        expect(run.code).toBe(1);
        expect(run.stdout + run.stderr).toContain('KOC_CONFIG_TOKEN_IN_FILE');
        expect(leaks(run.stdout + run.stderr, token)).toBe(false);
      }
    });
  });
});
