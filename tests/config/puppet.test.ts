import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accountProfiles, demoConfig, loadConfigText, mayCommand, resolvePuppet, type AccountConfig } from '../../src/config/index.ts';
import { DEFAULT_PACING } from '../../src/engine/pacing/settings.ts';
import { createLogger } from '../../src/shared/logger.ts';

const TOKEN = 'puppet_workpro_0f1e2d3c4b5a69788796a5b4';
const account = (puppet: AccountConfig['puppet'], extra: Partial<AccountConfig> = {}) => ({
  id: 'guide-wang', puppet, tokenEnv: 'KOCFLOW_TOKEN_GUIDE_WANG', ...extra,
}) as Pick<AccountConfig, 'id' | 'puppet' | 'tokenEnv' | 'endpoint'>;

describe('resolvePuppet', () => {
  const set = { KOCFLOW_TOKEN_GUIDE_WANG: TOKEN };
  const empty = { KOCFLOW_TOKEN_GUIDE_WANG: '  ' };
  const unset = {};

  it('auto: puppet-service when the variable is set and not empty, the mock otherwise', () => {
    expect(resolvePuppet(account('auto'), set)).toEqual({ kind: 'service', token: TOKEN });
    expect(resolvePuppet(account('auto'), empty)).toEqual({ kind: 'mock' });
    expect(resolvePuppet(account('auto'), unset)).toEqual({ kind: 'mock' });
    expect(resolvePuppet(account('auto', { tokenEnv: undefined }), set)).toEqual({ kind: 'mock' });
  });

  it('mock: always the mock', () => {
    for (const env of [set, empty, unset]) expect(resolvePuppet(account('mock'), env)).toEqual({ kind: 'mock' });
  });

  it('service: puppet-service with the token, or an error that names the variable and not the token', () => {
    expect(resolvePuppet(account('service'), { KOCFLOW_TOKEN_GUIDE_WANG: `${TOKEN}\n` })).toEqual({ kind: 'service', token: TOKEN });
    expect(resolvePuppet(account('service'), unset)).toEqual({
      kind: 'error',
      code: 'KOC_PUPPET_TOKEN_MISSING',
      message: 'account guide-wang has puppet: service but the environment variable KOCFLOW_TOKEN_GUIDE_WANG is not set',
      hint: 'set KOCFLOW_TOKEN_GUIDE_WANG to the account\'s puppet-service token before starting kocflow, or use puppet: auto to run it on the mock until then',
    });
    expect(resolvePuppet(account('service'), empty)).toMatchObject({ kind: 'error', message: expect.stringMatching(/is empty$/) as unknown as string });
    expect(resolvePuppet(account('service', { tokenEnv: undefined }), set)).toMatchObject({ kind: 'error', code: 'KOC_PUPPET_TOKEN_MISSING' });
  });

  it('passes the endpoint of a self-hosted gateway along', () => {
    const endpoint = { host: '10.0.0.5', port: 8788, tls: true };
    expect(resolvePuppet(account('auto', { endpoint }), set)).toEqual({ kind: 'service', token: TOKEN, endpoint });
    expect(resolvePuppet(account('auto', { endpoint }), unset)).toEqual({ kind: 'mock' });
  });

  it('returns an object that prints, serialises and logs without the token', () => {
    const resolved = resolvePuppet(account('service', { endpoint: { host: 'gw', port: 1, tls: false } }), set);
    expect(resolved.kind === 'service' && resolved.token).toBe(TOKEN);
    expect(JSON.stringify(resolved)).not.toContain(TOKEN);
    expect(JSON.stringify(resolved)).toContain('"endpoint"');
    expect(inspect(resolved)).not.toContain(TOKEN);
    expect(`${String(inspect({ puppet: resolved }))}`).not.toContain(TOKEN);
    let logged = '';
    const destination = new Writable({ write(chunk: Buffer, _encoding, done) { logged += chunk.toString(); done(); } });
    createLogger({ level: 'info', destination }).info({ puppet: resolved, account: 'guide-wang' }, 'puppet chosen');
    expect(logged).toContain('puppet chosen');
    expect(logged).not.toContain(TOKEN);
  });
});

describe('accountProfiles', () => {
  const now = new Date('2026-11-25T02:00:00.000Z');

  it('gives the engine each account with its store name, owner and pacing (defaults merged with overrides)', () => {
    const config = loadConfigText('kocflow.yaml', [
      'stores: [{ id: sh-001, name: 上海一店 }]',
      'staff: [{ id: WangMin, name: 王敏, role: guide, store: sh-001 }]',
      'accounts:',
      '  - id: guide-wang',
      '    name: 导购小王',
      '    role: guide',
      '    store: sh-001',
      '    timeZone: Asia/Urumqi',
      '    owner: WangMin',
      '    pacing: { maxPerHour: 60, quietHours: null }',
      '  - { id: helper, name: 品牌助手, role: assistant }',
    ].join('\n')).config!;
    const [wang, helper] = accountProfiles(config, { now });
    expect(wang).toEqual({
      id: 'guide-wang', name: '导购小王', role: 'guide', storeId: 'sh-001', storeName: '上海一店', timeZone: 'Asia/Urumqi',
      pacing: { ...DEFAULT_PACING, maxPerHour: 60, quietHours: null }, ownerStaffExternalId: 'WangMin', activeSince: now,
    });
    expect(helper).toMatchObject({ storeId: null, storeName: '', ownerStaffExternalId: null, timeZone: 'Asia/Shanghai', pacing: DEFAULT_PACING });
    expect(helper!.pacing).not.toBe(DEFAULT_PACING); // its own copy
  });

  it('starts the ramp-up from the file\'s activeSince (local midnight), else from when the store first saw the account, else now', () => {
    const config = demoConfig();
    config.accounts[0]!.activeSince = '2026-01-05';
    const firstSeen = new Map([['guide-wang', new Date('2026-03-01T00:00:00Z')], ['guide-li', new Date('2026-10-01T08:00:00Z')]]);
    const profiles = accountProfiles(config, { now, firstSeen });
    expect(profiles.map((p) => [p.id, p.activeSince.toISOString()])).toEqual([
      ['guide-wang', '2026-01-04T16:00:00.000Z'], // 00:00 in Asia/Shanghai
      ['guide-li', '2026-10-01T08:00:00.000Z'],
      ['koc-zhao', now.toISOString()],
    ]);
  });
});

describe('mayCommand', () => {
  it('lets the owner and the commanders command a bot, by WeCom user id without case', () => {
    const guide = demoConfig().accounts[0]!;
    expect(mayCommand(guide, 'WangMin')).toBe(true);
    expect(mayCommand(guide, 'wangmin')).toBe(true);
    expect(mayCommand(guide, 'ChenJing')).toBe(true);
    expect(mayCommand(guide, 'LiLei')).toBe(false);
    expect(mayCommand({ owner: undefined, commanders: [] }, 'WangMin')).toBe(false);
  });
});
