import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoConfig, loadConfig, loadConfigText, playbooksFolder } from '../../src/config/index.ts';
import { KocError } from '../../src/shared/errors.ts';

const project = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'kocflow-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loading kocflow.yaml', () => {
  it('loads the kocflow.yaml at the repository root with no findings', () => {
    const load = loadConfig(join(project, 'kocflow.yaml'), { label: 'kocflow.yaml' });
    expect(load.diagnostics).toEqual([]);
    expect(load.found).toBe(true);
    const config = load.config!;
    expect(config.accounts.map((a) => [a.id, a.role, a.store, a.puppet, a.tokenEnv])).toEqual([
      ['guide-wang', 'guide', 'sh-001', 'auto', 'KOCFLOW_TOKEN_GUIDE_WANG'],
      ['guide-li', 'guide', 'bj-001', 'auto', 'KOCFLOW_TOKEN_GUIDE_LI'],
      ['koc-zhao', 'ambassador', 'sh-001', 'auto', 'KOCFLOW_TOKEN_KOC_ZHAO'],
    ]);
    expect(config.accounts[1]!.endpoint).toEqual({ host: '127.0.0.1', port: 8788, tls: false });
    expect(config.accounts[0]!.pacing).toMatchObject({ maxPerHour: 100, maxPerMinute: 6, quietHours: { from: '22:00', to: '08:30' } });
    expect(playbooksFolder(load.path, config)).toBe(join(project, 'sop-playbooks'));
  });

  it('fills in the defaults of a minimal file', () => {
    const { config, diagnostics } = loadConfigText('kocflow.yaml', [
      'stores: [{ id: sh-001, name: 上海一店 }]',
      'staff: [{ id: WangMin, name: 王敏, role: guide, store: sh-001 }]',
      'accounts:',
      '  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin }',
    ].join('\n'));
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({
      playbooks: 'sop-playbooks',
      optOutWords: ['退订', 'TD'],
      demo: { traffic: true },
      web: { host: '127.0.0.1', port: 8720 },
    });
    expect(config!.accounts[0]).toMatchObject({ timeZone: 'Asia/Shanghai', puppet: 'auto', commanders: [] });
    expect(config!.accounts[0]!.pacing).toBeUndefined();
  });

  it('takes an endpoint as host:port, [IPv6]:port or a map', () => {
    const load = (endpoint: string) => loadConfigText('kocflow.yaml', [
      'accounts:',
      `  - { id: helper, name: 品牌助手, role: assistant, tokenEnv: HELPER_TOKEN, endpoint: ${endpoint} }`,
    ].join('\n'));
    expect(load('"gw.example.com:8788"').config!.accounts[0]!.endpoint).toEqual({ host: 'gw.example.com', port: 8788, tls: false });
    expect(load('"[::1]:9001"').config!.accounts[0]!.endpoint).toEqual({ host: '::1', port: 9001, tls: false });
    expect(load('{ host: 10.0.0.5, port: 443, tls: true }').config!.accounts[0]!.endpoint).toEqual({ host: '10.0.0.5', port: 443, tls: true });
  });

  it('says a missing file is missing instead of failing', () => {
    const load = loadConfig(join(scratch, 'nowhere.yaml'));
    expect(load).toEqual({ found: false, path: join(scratch, 'nowhere.yaml'), diagnostics: [] });
  });

  it('fails for a file asked for by name that does not exist, and for one that cannot be read', () => {
    expect(thrown(() => loadConfig(join(scratch, 'nowhere.yaml'), { required: true })).code).toBe('KOC_CONFIG_NOT_FOUND');
    expect(thrown(() => loadConfig(scratch)).code).toBe('KOC_CONFIG_UNREADABLE'); // a folder
  });

  it('names the file in diagnostics as asked', () => {
    const path = join(scratch, 'broken.yaml');
    writeFileSync(path, 'accounts: []\n');
    const load = loadConfig(path, { label: 'conf/broken.yaml' });
    expect(load.config).toBeUndefined();
    expect(load.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual(['conf/broken.yaml:1:11 KOC_CONFIG_OUT_OF_RANGE']);
  });
});

describe('the built-in demo', () => {
  it('is valid: three mock accounts, two guides in two stores and an ambassador, with their owners', () => {
    const config = demoConfig();
    expect(config.accounts.map((a) => [a.id, a.role, a.store, a.puppet, a.owner])).toEqual([
      ['guide-wang', 'guide', 'sh-001', 'mock', 'WangMin'],
      ['guide-li', 'guide', 'bj-001', 'mock', 'LiLei'],
      ['koc-zhao', 'ambassador', 'sh-001', 'mock', 'ZhaoXue'],
    ]);
    expect(new Set(config.accounts.filter((a) => a.role === 'guide').map((a) => a.store)).size).toBe(2);
    for (const account of config.accounts) expect(account.name).toMatch(/\p{Script=Han}/u);
    // Each call is a fresh copy: a caller that changes it does not change the next one's.
    config.accounts.pop();
    expect(demoConfig().accounts).toHaveLength(3);
  });

  it('is the same setup as the kocflow.yaml at the repository root, except that the file lets tokens choose the puppet', () => {
    const file = loadConfigText('kocflow.yaml', readFileSync(join(project, 'kocflow.yaml'), 'utf8')).config!;
    const demo = demoConfig();
    const shape = (config: typeof demo) => ({
      stores: config.stores,
      staff: config.staff,
      accounts: config.accounts.map(({ id, name, role, store, owner, commanders, timeZone }) => ({ id, name, role, store, owner, commanders, timeZone })),
      optOutWords: config.optOutWords,
      demo: config.demo,
      web: config.web,
    });
    expect(shape(file)).toEqual(shape(demo));
    expect(file.accounts.every((a) => a.puppet === 'auto' && a.tokenEnv !== undefined)).toBe(true);
  });
});

function thrown(fn: () => unknown): KocError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KocError);
    return error as KocError;
  }
  throw new Error('expected a KocError');
}
