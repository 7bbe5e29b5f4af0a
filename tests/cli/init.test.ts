import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, playbooksFolder } from '../../src/config/index.ts';
import { loadPlaybookFolder } from '../../src/playbook/load.ts';
import { renderPlaybookJsonSchema } from '../../src/playbook/reference/jsonSchema.ts';
import { renderConfigJsonSchema } from '../../src/config/reference/jsonSchema.ts';
import { schemaOf } from '../../src/playbook/schemaComment.ts';
import { starterFiles } from '../../src/authoring/init.ts';
import { kocflow } from '../support/cli.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-init-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const EXPECTED_FILES = [
  'kocflow.config.schema.json',
  'kocflow.schema.json',
  'kocflow.yaml',
  'sop-playbooks/campaigns/referral-spring.yaml',
  'sop-playbooks/groups/weekly-group-sop.yaml',
  'sop-playbooks/journeys/new-customer-7d.yaml',
  'sop-playbooks/koc/tasks/spring-post.yaml',
  'sop-playbooks/koc/tiers.yaml',
  'sop-playbooks/library/content.yaml',
  'sop-playbooks/moments/weekly-moments.yaml',
  'sop-playbooks/referral/code-sent.yaml',
];

describe('kocflow init', () => {
  it('writes a starting folder, lists what it created and the next commands', async () => {
    const run = await kocflow(['init', 'brand'], { cwd: work, env: { KOCFLOW_LANG: 'en' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, EXPECTED_FILES.length)).toEqual(EXPECTED_FILES.map((f) => `created brand/${f}`));
    expect(lines.slice(EXPECTED_FILES.length + 4)).toEqual([
      'Next:',
      '  cd brand',
      '  npx kocflow lint                     # check the playbooks and kocflow.yaml',
      '  npx kocflow explain new-customer-7d  # what the journey does, day by day',
      '  npx kocflow preview new-customer-7d  # the messages a customer gets',
      '  npx kocflow start                    # run the bot on the mock puppet (Ctrl-C stops it)',
      '',
    ]);
    for (const file of EXPECTED_FILES) expect(existsSync(join(work, 'brand', file)), file).toBe(true);
  });

  it('passes lint with its config: 0 errors, 0 warnings', async () => {
    const run = await kocflow(['lint'], { cwd: join(work, 'brand'), env: { KOCFLOW_LANG: 'en' } });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^9 files checked in \d+ ms: 0 errors, 0 warnings\n$/);
    expect(run.code).toBe(0);
  });

  it('is accepted by the config loader kocflow start uses, with one mock account that its flows select', () => {
    const path = join(work, 'brand', 'kocflow.yaml');
    const load = loadConfig(path, { required: true });
    expect(load.diagnostics).toEqual([]);
    expect(load.config?.accounts.map((a) => [a.id, a.role, a.puppet])).toEqual([['guide-zhang', 'guide', 'mock']]);
    const playbooks = loadPlaybookFolder(playbooksFolder(path, load.config!), { accountIds: new Set(['guide-zhang']) });
    expect(playbooks.diagnostics).toEqual([]);
    expect([...playbooks.set.flows.keys()].sort()).toEqual(['new-customer-7d', 'referral-arrival', 'weekly-group-sop', 'weekly-moments']);
    expect([...playbooks.set.campaigns.keys()]).toEqual(['referral-spring']);
    expect(playbooks.set.tiers?.document.tiers.map((t) => t.name)).toEqual(['普通', '潜力', '核心']);
    expect([...playbooks.set.tasks.keys()]).toEqual(['spring-post']);
  });

  it('writes the schemas next to kocflow.yaml and points every YAML file at them', () => {
    const dir = join(work, 'brand');
    expect(readFileSync(join(dir, 'kocflow.schema.json'), 'utf8')).toBe(renderPlaybookJsonSchema());
    expect(readFileSync(join(dir, 'kocflow.config.schema.json'), 'utf8')).toBe(renderConfigJsonSchema());
    for (const file of EXPECTED_FILES.filter((f) => f.endsWith('.yaml'))) {
      const schema = schemaOf(readFileSync(join(dir, file), 'utf8'));
      const expected = file === 'kocflow.yaml' ? 'kocflow.config.schema.json' : 'kocflow.schema.json';
      expect(schema && resolve(dirname(join(dir, file)), schema), file).toBe(join(dir, expected));
    }
  });

  it('explains each key in Chinese and English', () => {
    for (const file of starterFiles().filter((f) => f.path.endsWith('.yaml'))) {
      const comments = file.content.split('\n').map((l) => /#\s(.*)$/.exec(l)?.[1] ?? '').filter(Boolean);
      expect(comments.some((c) => /[\u4e00-\u9fff]/.test(c)), `${file.path}: a Chinese comment`).toBe(true);
      expect(comments.some((c) => /\b(the|a|an)\b/.test(c)), `${file.path}: an English comment`).toBe(true);
      // The first use of every key in a file is explained: a comment on its line or on the line above.
      const lines = file.content.split('\n');
      const seen = new Set<string>();
      lines.forEach((line, i) => {
        const key = /^\s*(?:- )?([a-zA-Z]+):/.exec(line)?.[1];
        if (!key || seen.has(key)) return;
        seen.add(key);
        const explained = /\s#\s/.test(line) || /^\s*#/.test(lines[i - 1] ?? '');
        expect(explained, `${file.path}:${i + 1} "${line.trim()}" has no comment`).toBe(true);
      });
    }
  });

  it('refuses to overwrite existing files, names them, writes nothing, and exits 2', async () => {
    const dir = join(work, 'busy');
    mkdirSync(join(dir, 'sop-playbooks', 'journeys'), { recursive: true });
    writeFileSync(join(dir, 'kocflow.yaml'), 'mine\n');
    writeFileSync(join(dir, 'sop-playbooks', 'journeys', 'new-customer-7d.yaml'), 'mine too\n');
    const run = await kocflow(['init', 'busy'], { cwd: work, env: { KOCFLOW_LANG: 'en' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe([
      'error KOC_INIT_EXISTS 2 of the files init writes already exist in busy: kocflow.yaml, sop-playbooks/journeys/new-customer-7d.yaml',
      '  fix: choose a new or empty folder (kocflow init my-brand), or pass --force to overwrite these files',
      '',
    ].join('\n'));
    expect(readFileSync(join(dir, 'kocflow.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'kocflow.schema.json'))).toBe(false);

    const zh = await kocflow(['init', 'busy', '--lang', 'zh'], { cwd: work, env: {} });
    expect(zh.code).toBe(2);
    expect(zh.stderr).toBe([
      'error KOC_INIT_EXISTS busy 里已经有 2 个 init 要写的文件：kocflow.yaml, sop-playbooks/journeys/new-customer-7d.yaml',
      '  修复：换一个新的或空的文件夹（kocflow init my-brand），或加 --force 覆盖这些文件',
      '',
    ].join('\n'));

    const forced = await kocflow(['init', 'busy', '--force'], { cwd: work, env: { KOCFLOW_LANG: 'en' } });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('overwrote busy/kocflow.yaml\n');
    expect(forced.stdout).toContain('created busy/kocflow.schema.json\n');
    expect(readFileSync(join(dir, 'kocflow.yaml'), 'utf8')).toContain('guide-zhang');
  });

  it('fills a non-empty folder when none of its files is in the way', async () => {
    const dir = join(work, 'repo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README.md'), '# our brand\n');
    const run = await kocflow(['init'], { cwd: dir, env: { KOCFLOW_LANG: 'en' } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('created kocflow.config.schema.json');
    expect(run.stdout).not.toContain('  cd ');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# our brand\n');
  });

  it('speaks Chinese with --lang zh or a zh locale, and rejects another --lang', async () => {
    const run = await kocflow(['init', 'zh-brand'], { cwd: work, env: { LANG: 'zh_CN.UTF-8' } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('已创建 zh-brand/kocflow.config.schema.json');
    expect(run.stdout).toContain('\n接下来：\n  cd zh-brand\n');
    const bad = await kocflow(['init', 'x', '--lang', 'fr'], { cwd: work, env: {} });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error KOC_CLI_USAGE --lang must be zh or en, not "fr"\n  fix: e.g. --lang zh (or set KOCFLOW_LANG=zh)\n');
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('refuses a path that is a file', async () => {
    writeFileSync(join(work, 'a-file'), '');
    const run = await kocflow(['init', 'a-file'], { cwd: work, env: { KOCFLOW_LANG: 'en' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error KOC_INIT_NOT_A_FOLDER "a-file" exists and is not a folder\n  fix: name a folder to create, e.g. kocflow init my-brand\n');
  });
});
