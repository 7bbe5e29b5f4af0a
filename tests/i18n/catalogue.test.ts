import { describe, expect, it } from 'vitest';
import { collectDiagnosticCodes } from '../../scripts/docs/referenceInputs.ts';
import { loadConfigText } from '../../src/config/index.ts';
import { DIAGNOSTIC_SHAPES, englishMeaning, localizeDiagnostic, translateMessage, ZH_MEANINGS } from '../../src/i18n/diagnostics.ts';
import { langFromArgv, langFromEnv, resolveLang } from '../../src/i18n/lang.ts';
import { MESSAGES } from '../../src/i18n/messages.ts';
import { loadPlaybookSources } from '../../src/playbook/load.ts';
import type { Diagnostic } from '../../src/playbook/diagnostics.ts';

/** Parameters of a text; plural endings ("plural", "filesPlural") are English grammar, which Chinese does without. */
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].filter((p) => !/plural$/i.test(p)).sort();

describe('the message catalogue of init, explain, preview and lint', () => {
  it('has every message in Chinese and English, with the same parameters', () => {
    for (const [key, { en, zh }] of Object.entries(MESSAGES)) {
      expect(en.length, key).toBeGreaterThan(0);
      expect(zh.length, key).toBeGreaterThan(0);
      expect(placeholders(zh), `${key}: the zh text takes other parameters than the en text`).toEqual(placeholders(en));
    }
  });
});

describe('lint findings in Chinese', () => {
  const codes = [...new Set([...collectDiagnosticCodes(undefined, 'playbook'), ...collectDiagnosticCodes(undefined, 'config')])].sort();

  it('every diagnostic code has a meaning in both languages and the shapes of its messages', () => {
    expect(codes.length).toBeGreaterThan(50);
    const missing = codes.filter((code) => !ZH_MEANINGS[code] || !englishMeaning(code) || !(DIAGNOSTIC_SHAPES[code]?.length));
    expect(missing, `add a Chinese meaning and the message shapes of ${missing.join(', ')} to src/i18n/diagnostics.ts`).toEqual([]);
    const stale = Object.keys(ZH_MEANINGS).filter((code) => !codes.includes(code));
    expect(stale, `remove ${stale.join(', ')} from src/i18n/diagnostics.ts: nothing uses them`).toEqual([]);
  });

  it('each shape has the same parameters in both languages', () => {
    for (const [code, shapes] of Object.entries(DIAGNOSTIC_SHAPES)) {
      for (const shape of shapes) expect(placeholders(shape.zh), `${code}: ${shape.en}`).toEqual(placeholders(shape.en));
    }
  });

  it('keeps English byte-identical', () => {
    const d: Diagnostic = { file: 'a.yaml', line: 1, column: 1, severity: 'error', code: 'KOC_PLAYBOOK_UNKNOWN_KEY', message: 'unknown key "stopWen" (did you mean "stopWhen"?)' };
    expect(localizeDiagnostic(d, 'en')).toBe(d);
  });

  it('translates the findings of a broken corpus with no fallback', () => {
    const playbooks: Record<string, string> = {
      'flow.yaml': 'id: a\nstopWen: { tagged: [x] }\ntrigger: { on: friend.addd }\nsteps:\n  - say: hi\n',
      'flow2.yaml': 'id: b\ntrigger: { cron: "0 25 * * *", timeZone: Asia/Shangai }\nsteps:\n  - wait: soon\n    at: "25:00"\n  - roomSay: "{{contact.nmae}}"\n  - say: "{{#each x}}"\n',
      'flow3.yaml': 'id: c\ntrigger: { on: friend.added }\naccounts: { roles: [guid] }\nsteps:\n  - say: { template: welcme }\n    coupon: { campaign: nope }\n  - moment: { text: "x" }\n    mode: auto\n  - tag: 新客\n  - awardPoints: { to: inviter, amount: 5, reason: x }\n  - sya: x\n',
      'campaign.yaml': 'kind: campaign\nid: c1\nname: x\ncoupon: { title: t, value: v }\nstartsOn: 2027-02-30\nendsOn: 2026-13-01\n',
      'tiers.yaml': 'kind: tiers\nid: t\ntiers:\n  - { name: 高, minPoints: 10 }\n  - { name: 低, minPoints: 0 }\n  - { name: 高 }\n',
      'kind.yaml': 'kind: flwo\nid: k\n',
      'empty.yaml': '',
      'list.yaml': '- a\n',
      'dup.yaml': 'id: a\nid: b\n',
      'tag.yaml': 'id: !secret x\n',
    };
    const sources = Object.entries(playbooks).map(([file, text]) => ({ file, text }));
    const result = loadPlaybookSources('/nowhere', sources, { exists: () => false, readText: () => undefined });
    const config = loadConfigText('kocflow.yaml', [
      'stores: [{ id: sh-001, name: 店 }, { id: sh-001, name: 店 }]',
      'staff: [{ id: WangMin, name: 王敏, role: guid, store: sh-002 }]',
      'accounts:',
      '  - { id: a1, name: x, role: guide, store: sh-01, ownr: WangMin, puppet: mock, endpoint: "1.2.3.4:99999" }',
      '  - { id: a2, name: y, role: ambassador, tokenEnv: "lower-case", timeZone: Mars/Base }',
      'optOutWords: 退订',
    ].join('\n') + '\n');
    const all = [...result.diagnostics, ...config.diagnostics];
    expect(new Set(all.map((d) => d.code)).size).toBeGreaterThan(15);
    const fallbacks = all.filter((d) => !translateMessage(d.code, d.message, 'zh').matched && !d.code.startsWith('KOC_YAML_'));
    expect(fallbacks.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    const zh = all.map((d) => localizeDiagnostic(d, 'zh').message);
    expect(zh).toContain('未知的键 "stopWen"（是不是 "stopWhen"？）');
    expect(zh).toContain('"2027-02-30" 不存在：2027-02 只有 28 天');
    expect(zh.some((m) => /^未知的触发事件 "friend\.addd"（是不是 "friend\.added"？）；可选事件：/.test(m))).toBe(true);
  });

  it('falls back to the code\'s Chinese meaning and the English message', () => {
    expect(translateMessage('KOC_PLAYBOOK_DUPLICATE_TIER', 'something new', 'zh')).toEqual({ text: 'tiers 文件里同一个等级名出现了两次：something new', matched: false });
  });
});

describe('choosing the language', () => {
  it('--lang wins, then KOCFLOW_LANG, then LC_ALL, LC_MESSAGES, LANG; zh* is Chinese, anything else English', () => {
    expect(resolveLang('zh', { KOCFLOW_LANG: 'en' })).toBe('zh');
    expect(resolveLang(undefined, { KOCFLOW_LANG: 'zh_TW', LANG: 'en_US.UTF-8' })).toBe('zh');
    expect(langFromEnv({ LC_ALL: 'zh_CN.UTF-8', LANG: 'en_US' })).toBe('zh');
    expect(langFromEnv({ LC_ALL: '', LC_MESSAGES: 'C', LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(langFromEnv({ LANG: 'zh_CN.UTF-8' })).toBe('zh');
    expect(langFromEnv({})).toBe('en');
    expect(() => resolveLang('fr', {})).toThrow(expect.objectContaining({ code: 'KOC_CLI_USAGE' }));
    expect(langFromArgv(['lint', '--lang=zh'], {})).toBe('zh');
    expect(langFromArgv(['lint', '--lang', 'xx'], { LANG: 'zh_CN' })).toBe('zh');
  });
});
