import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/index.ts';
import { CONFIG_DIAGNOSTIC_MEANINGS, SHARED_DIAGNOSTIC_CODES } from '../../src/config/reference/diagnosticCodes.ts';
import { formatDiagnostic } from '../../src/playbook/diagnostics.ts';

/**
 * Every finding about kocflow.yaml, each at its line and column. A small valid file is the base; each case
 * breaks one thing. The last test checks that every code of the file is exercised here (the three that are not
 * about a file's content are tested where they arise).
 */
const STORES = 'stores:\n  - { id: sh-001, name: 上海一店 }\n  - { id: bj-001, name: 北京一店 }\n';
const STAFF = 'staff:\n  - { id: WangMin, name: 王敏, role: guide, store: sh-001 }\n  - { id: LiLei, name: 李磊, role: guide, store: bj-001 }\n  - { id: ChenJing, name: 陈静, role: ops }\n';
// Lines 1–7 are stores and staff; accounts start at line 8.
const base = (accounts: string, extra = '') => `${STORES}${STAFF}accounts:\n${accounts}${extra}`;
const WANG = '  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin }\n';

const seen = new Set<string>();
function lint(text: string, fileExists?: (path: string) => boolean): string[] {
  const { diagnostics } = loadConfigText('kocflow.yaml', text, fileExists ? { fileExists } : {});
  for (const d of diagnostics) seen.add(d.code);
  return diagnostics.map((d) => formatDiagnostic(d));
}

describe('kocflow.yaml findings', () => {
  it('accepts the base file', () => {
    expect(lint(base(WANG))).toEqual([]);
  });

  it('an empty file, a file that is not a map', () => {
    expect(lint('')).toEqual(['kocflow.yaml:1:1: error KOC_CONFIG_EMPTY the file is empty; kocflow.yaml lists stores:, staff: and accounts: (see docs/config.md)']);
    expect(lint('- a\n- b\n')).toEqual(['kocflow.yaml:1:1: error KOC_CONFIG_TYPE kocflow.yaml is a map of keys (stores:, staff:, accounts: …), not a list or a single value']);
  });

  it('YAML problems come first and stop there', () => {
    expect(lint('accounts: [\n')).toEqual([expect.stringMatching(/^kocflow\.yaml:2:1: error KOC_YAML_SYNTAX /)]);
    expect(lint(`${base(WANG)}stores: []\n`)).toEqual([expect.stringMatching(/^kocflow\.yaml:10:1: error KOC_YAML_DUPLICATE_KEY /)]);
    expect(lint(`${base(WANG)}web: !secret { port: 1 }\n`)).toEqual([
      'kocflow.yaml:10:14: error KOC_YAML_CUSTOM_TAG YAML tag "!secret" is not allowed in configuration files; remove it and write the plain value',
    ]);
  });

  it('unknown keys, with the key meant', () => {
    expect(lint(base('  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, ownr: WangMin }\n'))).toEqual([
      'kocflow.yaml:9:63: error KOC_CONFIG_UNKNOWN_KEY unknown key "ownr" (did you mean "owner"?)',
    ]);
    expect(lint(base(WANG, 'web: { port: 8720, hots: 0.0.0.0 }\n'))).toEqual([
      'kocflow.yaml:10:20: error KOC_CONFIG_UNKNOWN_KEY unknown key "hots" (did you mean "host"?)',
    ]);
  });

  it('missing keys: required by the file, and required by an account\'s role or puppet', () => {
    expect(lint(STORES)).toEqual(['kocflow.yaml:1:1: error KOC_CONFIG_MISSING_KEY missing required key "accounts"']);
    expect(lint(base('  - { id: guide-wang, role: guide, store: sh-001, owner: WangMin }\n'))).toEqual([
      'kocflow.yaml:9:5: error KOC_CONFIG_MISSING_KEY missing required key "name"',
    ]);
    const text = base([
      '  - { id: guide-wang, name: 导购小王, role: guide, owner: WangMin }',
      '  - { id: guide-li, name: 导购小李, role: guide, store: bj-001 }',
      '  - { id: helper, name: 品牌助手, role: assistant, puppet: service }',
      '',
    ].join('\n')).replace('role: guide, store: sh-001 }', 'role: guide }'); // WangMin without a store
    expect(lint(text)).toEqual([
      'kocflow.yaml:5:5: error KOC_CONFIG_MISSING_KEY missing key "store": guide WangMin works in a store',
      'kocflow.yaml:9:5: error KOC_CONFIG_MISSING_KEY missing key "store": guide account guide-wang belongs to a store',
      'kocflow.yaml:10:5: error KOC_CONFIG_MISSING_KEY missing key "owner": the staff id of the person who gets guide-li\'s assist task cards',
      'kocflow.yaml:11:5: error KOC_CONFIG_MISSING_KEY missing key "tokenEnv": puppet: service needs the name of the environment variable that holds helper\'s token',
    ]);
  });

  it('wrong types, values not among the choices, numbers out of range, bad ids', () => {
    expect(lint(base(WANG, 'optOutWords: 退订\n'))).toEqual([
      'kocflow.yaml:10:14: error KOC_CONFIG_TYPE expected a list, found text "退订"; write [退订]',
    ]);
    expect(lint(base('  - { id: guide-wang, name: 导购小王, role: guid, store: sh-001, owner: WangMin, puppet: services }\n'))).toEqual([
      'kocflow.yaml:9:41: error KOC_CONFIG_INVALID_VALUE "guid" is not allowed here (did you mean "guide"?); use one of: guide, ambassador, assistant',
      'kocflow.yaml:9:86: error KOC_CONFIG_INVALID_VALUE "services" is not allowed here (did you mean "service"?); use one of: auto, mock, service',
    ]);
    expect(lint(base(WANG, 'web: { port: 70000 }\n'))).toEqual([
      'kocflow.yaml:10:14: error KOC_CONFIG_OUT_OF_RANGE number 70000 is out of range: write at most 65535',
    ]);
    expect(lint(base('  - { id: Guide_Wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin }\n'))).toEqual([
      'kocflow.yaml:9:11: error KOC_CONFIG_ID_INVALID ids use lower-case letters, digits and "-", up to 64 characters (e.g. new-customer-7d)',
    ]);
    expect(lint(base(WANG).replace('id: ChenJing', 'id: 陈静'))).toEqual([
      'kocflow.yaml:7:11: error KOC_CONFIG_ID_INVALID a staff id is the person\'s WeCom user id (成员账号): letters, digits and _ - @ ., starting with a letter or digit, up to 64 characters',
    ]);
  });

  it('pacing overrides are checked with the engine\'s own settings', () => {
    const text = base([
      '  - id: guide-wang',
      '    name: 导购小王',
      '    role: guide',
      '    store: sh-001',
      '    owner: WangMin',
      '    pacing: { quietHours: { from: "25:00", to: "08:00" }, maxPerMinute: 0, maxPerHuor: 5 }',
      '',
    ].join('\n'));
    expect(lint(text)).toEqual([
      'kocflow.yaml:14:35: error KOC_CONFIG_INVALID write HH:MM, e.g. 21:30',
      'kocflow.yaml:14:73: error KOC_CONFIG_OUT_OF_RANGE number 0 is out of range: write at least 1',
      'kocflow.yaml:14:76: error KOC_CONFIG_UNKNOWN_KEY unknown key "maxPerHuor" (did you mean "maxPerHour"?)',
    ]);
  });

  it('time zones and dates, checked as in the playbooks', () => {
    const text = base([
      '  - id: guide-wang',
      '    name: 导购小王',
      '    role: guide',
      '    store: sh-001',
      '    owner: WangMin',
      '    timeZone: Asia/Shangai',
      '    activeSince: 2026-02-30',
      '',
    ].join('\n'));
    expect(lint(text)).toEqual([
      'kocflow.yaml:14:15: error KOC_TIMEZONE_INVALID "Asia/Shangai" is not an IANA time zone (did you mean "Asia/Shanghai"?)',
      'kocflow.yaml:15:18: error KOC_DATE_INVALID "2026-02-30" does not exist: 2026-02 has 28 days',
    ]);
  });

  it('endpoints', () => {
    const account = (endpoint: string) => base(`  - { id: helper, name: 品牌助手, role: assistant, tokenEnv: HELPER_TOKEN, endpoint: ${endpoint} }\n`);
    expect(lint(account('"gateway"'))).toEqual([
      'kocflow.yaml:9:82: error KOC_CONFIG_ENDPOINT_INVALID write the endpoint as host:port, e.g. 10.0.0.5:8788, or as { host, port, tls }',
    ]);
    expect(lint(account('"gw:99999"'))).toEqual([
      'kocflow.yaml:9:82: error KOC_CONFIG_ENDPOINT_INVALID the port is a whole number from 1 to 65535',
    ]);
    expect(lint(account('{ host: "gw/x", port: 1 }'))).toEqual([
      'kocflow.yaml:9:90: error KOC_CONFIG_ENDPOINT_INVALID the host is a name or an IP address (letters, digits, "." and "-")',
    ]);
    expect(lint(account('{ host: gw, port: 1, tls: yes }'))).toEqual([
      'kocflow.yaml:9:108: error KOC_CONFIG_TYPE expected true or false, found text "yes"',
    ]);
  });

  it('an endpoint that is never used is a warning, and the config still loads', () => {
    const text = base('  - { id: helper, name: 品牌助手, role: assistant, puppet: mock, endpoint: "gw:8788" }\n');
    expect(lint(text)).toEqual(['kocflow.yaml:9:72: warning KOC_CONFIG_ENDPOINT_UNUSED endpoint is not used: puppet: mock never connects to it']);
    expect(loadConfigText('kocflow.yaml', text).config).toBeDefined();
    expect(lint(base('  - { id: helper, name: 品牌助手, role: assistant, endpoint: "gw:8788" }\n'))).toEqual([
      'kocflow.yaml:9:58: warning KOC_CONFIG_ENDPOINT_UNUSED endpoint is not used: without tokenEnv the account always runs on the mock',
    ]);
  });

  it('duplicate ids, at the second one, naming the line of the first', () => {
    const text = `${STORES}  - { id: sh-001, name: 上海二店 }\n${STAFF}  - { id: wangmin, name: 王敏, role: ambassador }\naccounts:\n${WANG}${WANG}`;
    expect(lint(text)).toEqual([
      'kocflow.yaml:4:11: error KOC_CONFIG_DUPLICATE_ID duplicate store id "sh-001": line 2 has it already',
      'kocflow.yaml:9:11: error KOC_CONFIG_DUPLICATE_ID duplicate staff id "wangmin": line 6 has it already as "WangMin" (WeCom user ids ignore case)',
      'kocflow.yaml:12:11: error KOC_CONFIG_DUPLICATE_ID duplicate account id "guide-wang": line 11 has it already',
      'kocflow.yaml:12:70: error KOC_CONFIG_OWNER_CONFLICT WangMin already owns account guide-wang; a guide or ambassador owns one bot of their own (an assistant account can have any owner)',
    ]);
  });

  it('unknown stores and staff, with the id meant', () => {
    const text = base('  - { id: guide-wang, name: 导购小王, role: guide, store: sh-01, owner: WangMn, commanders: [ChenJing, Nobody] }\n')
      .replace('store: bj-001', 'store: bj-002');
    expect(lint(text)).toEqual([
      'kocflow.yaml:6:48: error KOC_CONFIG_UNKNOWN_REF unknown store "bj-002" (did you mean "bj-001"?); stores are listed under stores:',
      'kocflow.yaml:9:55: error KOC_CONFIG_UNKNOWN_REF unknown store "sh-01" (did you mean "sh-001"?); stores are listed under stores:',
      'kocflow.yaml:9:69: error KOC_CONFIG_UNKNOWN_REF unknown staff id "WangMn" (did you mean "WangMin"?); people are listed under staff:',
      'kocflow.yaml:9:100: error KOC_CONFIG_UNKNOWN_REF unknown staff id "Nobody"; people are listed under staff:',
    ]);
  });

  it('staff ids match without case, as in WeCom', () => {
    expect(lint(base('  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: wangmin, commanders: [CHENJING] }\n'))).toEqual([]);
  });

  it('one token per account, and one bot of their own per person; an assistant account can have any owner', () => {
    const text = base([
      '  - { id: guide-wang, name: 导购小王, role: guide, store: sh-001, owner: WangMin, tokenEnv: WANG_TOKEN }',
      '  - { id: guide-wang2, name: 导购小王2, role: guide, store: sh-001, owner: WangMin, tokenEnv: WANG_TOKEN }',
      '  - { id: helper, name: 品牌助手, role: assistant, owner: WangMin }',
      '  - { id: helper2, name: 品牌助手2, role: assistant, owner: ChenJing }',
      '',
    ].join('\n'));
    expect(lint(text)).toEqual([
      'kocflow.yaml:10:72: error KOC_CONFIG_OWNER_CONFLICT WangMin already owns account guide-wang; a guide or ambassador owns one bot of their own (an assistant account can have any owner)',
      'kocflow.yaml:10:91: error KOC_CONFIG_DUPLICATE_TOKEN_ENV account guide-wang already uses WANG_TOKEN; each account logs in with its own token, so give this one its own variable',
    ]);
  });

  it('a tokenEnv that is not a variable name', () => {
    expect(lint(base('  - { id: helper, name: 品牌助手, role: assistant, tokenEnv: HELPER-TOKEN }\n'))).toEqual([
      'kocflow.yaml:9:58: error KOC_CONFIG_TOKEN_ENV_INVALID tokenEnv is not an environment variable name: use upper-case letters, digits and _, not starting with a digit, e.g. KOCFLOW_TOKEN_HELPER',
    ]);
    expect(lint(base('  - { id: helper, name: 品牌助手, role: assistant, tokenEnv: 12345 }\n'))).toEqual([
      'kocflow.yaml:9:58: error KOC_CONFIG_TOKEN_ENV_INVALID tokenEnv is the name of an environment variable, written as text such as KOCFLOW_TOKEN_HELPER; found a number',
    ]);
  });

  it('a token in the file (the value is never repeated: see secrets.test.ts)', () => {
    expect(lint(base('  - { id: helper, name: 品牌助手, role: assistant, tokenEnv: puppet_workpro_0123456789abcdef }\n'))).toEqual([
      expect.stringMatching(/^kocflow\.yaml:9:58: error KOC_CONFIG_TOKEN_IN_FILE tokenEnv holds what looks like a token/),
    ]);
  });

  it('a KOC\'s add-me QR image that does not exist, or is not an image', () => {
    const staff = (qr: string) => base(WANG).replace('  - { id: ChenJing, name: 陈静, role: ops }\n', `  - { id: ChenJing, name: 陈静, role: ops }\n  - { id: ZhaoXue, name: 赵雪, role: ambassador, landing: { text: 欢迎, qr: ${qr} } }\n`);
    expect(lint(staff('qr/zhao.png'), (path) => path === 'qr/zhao.png')).toEqual([]);
    expect(lint(staff('qr/zhao.png'), () => false)).toEqual([
      'kocflow.yaml:8:73: error KOC_CONFIG_FILE_MISSING "qr/zhao.png" does not exist (paths are relative to this file\'s folder); save 赵雪\'s add-me QR code there or remove landing.qr',
    ]);
    expect(lint(staff('qr/zhao.pdf'), () => true)).toEqual(['kocflow.yaml:8:73: error KOC_CONFIG_INVALID the add-me QR code is an image file: .png, .jpg or .webp']);
  });

  afterAll(() => {
    // Codes that are not about a file's content: NOT_FOUND and UNREADABLE (load.test.ts), PUPPET_TOKEN_MISSING (puppet.test.ts).
    const elsewhere = ['KOC_CONFIG_NOT_FOUND', 'KOC_CONFIG_UNREADABLE', 'KOC_PUPPET_TOKEN_MISSING'];
    const untested = [...Object.keys(CONFIG_DIAGNOSTIC_MEANINGS), ...SHARED_DIAGNOSTIC_CODES]
      .filter((code) => !seen.has(code) && !elsewhere.includes(code))
      .filter((code) => !['KOC_FILE_TOO_LARGE', 'KOC_YAML_ALIAS_LIMIT', 'KOC_YAML_WARNING'].includes(code)); // tests/playbook/yamlSource.test.ts
    expect(untested, 'add a case for each of these codes').toEqual([]);
  });
});
