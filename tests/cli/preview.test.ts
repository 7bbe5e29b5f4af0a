import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kocflow } from '../support/cli.ts';

const en = { KOCFLOW_LANG: 'en' };
let work: string;
let brand: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-preview-'));
  brand = join(work, 'brand');
  expect((await kocflow(['init', 'brand'], { cwd: work, env: en })).code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow preview', () => {
  it('renders every wording of every message with sample data, with its length', async () => {
    const run = await kocflow(['preview', 'new-customer-7d', '--at', '2026-12-07 09:00'], { cwd: brand, env: en });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('5 messages rendered: 0 over a WeCom limit, 0 with variables that render as nothing\n');
    expect(run.stdout.split('\n')).toEqual([
      'Preview of new-customer-7d "新客 7 天旅程" (sop-playbooks/journeys/new-customer-7d.yaml) on guide-zhang, for the sample customer 王芳 (sample data for every variable the trigger provides)',
      'Lengths are checked against WeCom\'s limits: Moments 2,000 characters and 9 images; a chat message 4,000 bytes of UTF-8 (a Chinese character takes 3).',
      '',
      'step 1 · say · template welcome · wording 1 of 2',
      '  王芳您好，我是上海静安店的导购小张，以后有任何问题都可以找我～',
      '  31 characters, 93 / 4000 bytes (WeCom limit for a text message)',
      '',
      'step 1 · say · template welcome · wording 2 of 2',
      '  您好王芳！我是导购小张，欢迎关注上海静安店，新品和活动我会第一时间告诉您。',
      '  37 characters, 111 / 4000 bytes (WeCom limit for a text message)',
      '',
      'step 4 · say',
      '  给您准备了一张新客券：CPN-8KD3-Q2（满300减50），12月21日前到店可用',
      '  43 characters, 89 / 4000 bytes (WeCom limit for a text message)',
      '',
      'step 6 · say · template visit-invite · only if not tagged 已到店',
      '  芳姐，这周末店里上了新品，方便的话来试试？我帮您留个时间。',
      '  29 characters, 87 / 4000 bytes (WeCom limit for a text message)',
      '',
      'step 8 · notifyStaff · only if not tagged 已到店',
      '  王芳 加您一周了，还没有到店，可以私聊问问需求',
      '  23 characters, 67 / 4000 bytes (WeCom limit for a text message)',
      '',
    ]);
  });

  it('renders for a contact from a JSON file: empty variables are findings (exit 1), and its tags skip steps', async () => {
    writeFileSync(join(work, 'lina.json'), JSON.stringify({ name: '李娜', tags: ['新客', '已到店'] }));
    const run = await kocflow(['preview', 'referral-arrival', '--contact', '../lina.json', '--format', 'json'], { cwd: brand, env: en });
    expect(run.code).toBe(1);
    const preview = JSON.parse(run.stdout) as { data: unknown; messages: { step: number; text: string; missing: string[]; chars: number }[] };
    expect(preview.data).toEqual({ kind: 'file', file: '../lina.json', contact: '李娜' });
    expect(preview.messages).toHaveLength(1);
    expect(preview.messages[0]!.missing).toEqual(['referrer.name']);
    expect(preview.messages[0]!.text).toMatch(/^欢迎！您是推荐来的朋友，送您一张推荐礼券：CPN-8KD3-Q2（满300减50），\d+月\d+日前有效$/);

    const journey = await kocflow(['preview', 'new-customer-7d', '--contact', '../lina.json', '--at', '2026-12-07 09:00'], { cwd: brand, env: en });
    expect(journey.code).toBe(0);
    expect(journey.stdout).toContain([
      'step 6 · say · template visit-invite · only if not tagged 已到店',
      '  李娜，这周末店里上了新品，方便的话来试试？我帮您留个时间。',
      '  29 characters, 87 / 4000 bytes (WeCom limit for a text message)',
      '  - not sent to this contact: its condition does not hold',
    ].join('\n'));
  });

  it('shows the run stopping early for a contact that stopWhen catches', async () => {
    writeFileSync(join(work, 'buyer.json'), JSON.stringify({ name: '周杰', tags: ['已购买'] }));
    const run = await kocflow(['preview', 'new-customer-7d', '--contact', '../buyer.json', '--lang', 'zh'], { cwd: brand, env: en });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  - 不会发给该顾客：运行在第 1 步前结束（有标签 已购买）\n');
    expect(run.stderr).toBe('渲染了 5 条消息：0 条超出企业微信上限，0 条有空变量\n');
  });

  it('measures Moments text against WeCom\'s 2,000 characters after rendering, and exits 1 when it is over', async () => {
    const file = join(brand, 'sop-playbooks', 'moments', 'long.yaml');
    writeFileSync(file, `id: long-moment\ntrigger: { cron: "0 20 * * 2" }\nsteps:\n  - moment:\n      text: "${'新'.repeat(1995)}{{store.name}}"\n`);
    try {
      const run = await kocflow(['preview', 'long-moment'], { cwd: brand, env: en });
      expect(run.code).toBe(0); // 1995 + 上海静安店 (5): exactly the limit
      expect(run.stdout).toContain('  2000 / 2000 characters (WeCom limit for Moments text)\n');
      const json = JSON.parse((await kocflow(['preview', 'long-moment', '--format', 'json'], { cwd: brand, env: en })).stdout) as { messages: { chars: number; limit: number; overLimit: string[] }[] };
      expect(json.messages[0]).toMatchObject({ chars: 2000, limit: 2000, overLimit: [] });
      writeFileSync(file, readFileSync(file, 'utf8').replace('新'.repeat(1995), '新'.repeat(1999)));
      const over = await kocflow(['preview', 'long-moment'], { cwd: brand, env: en });
      expect(over.code).toBe(1);
      expect(over.stdout).toContain('  2004 / 2000 characters (WeCom limit for Moments text)\n  ! 2004 characters: WeCom allows 2000, shorten it by 4\n');
      expect(over.stderr).toBe('1 message rendered: 1 over a WeCom limit, 0 with variables that render as nothing\n');
    } finally {
      rmSync(file);
    }
  });

  it('measures a chat message against WeCom\'s 4,000 bytes of UTF-8 (a Chinese character is 3), and exits 1 when it is over', async () => {
    const file = join(brand, 'sop-playbooks', 'journeys', 'long-say.yaml');
    // 1,329 characters of 3 bytes and 上海静安店 (5 × 3): 4,002 bytes.
    writeFileSync(file, `id: long-say\ntrigger: { on: friend.added }\nsteps:\n  - say: "${'新'.repeat(1329)}{{store.name}}"\n`);
    try {
      const over = await kocflow(['preview', 'long-say'], { cwd: brand, env: en });
      expect(over.code).toBe(1);
      expect(over.stdout).toContain('  1334 characters, 4002 / 4000 bytes (WeCom limit for a text message)\n  ! 4002 bytes: WeCom allows 4000, shorten it by 2 bytes\n');
      writeFileSync(file, readFileSync(file, 'utf8').replace('新'.repeat(1329), '新'.repeat(1328)));
      expect((await kocflow(['preview', 'long-say'], { cwd: brand, env: en })).code).toBe(0);
    } finally {
      rmSync(file);
    }
  });

  it('explains a malformed --contact file: not JSON, not a contact, missing (exit 2, with the fix)', async () => {
    writeFileSync(join(work, 'bad.json'), '{ "name": "李娜",\n  "tags": ["新客",]\n}\n');
    const json = await kocflow(['preview', 'new-customer-7d', '--contact', '../bad.json'], { cwd: brand, env: en });
    expect(json.code).toBe(2);
    expect(json.stdout).toBe('');
    expect(json.stderr).toMatch(/^error KOC_PREVIEW_CONTACT_INVALID --contact: "\.\.\/bad\.json" is not valid JSON \(.+\)\n  fix: write a JSON object such as \{"name": "王芳", .+; every key is optional\n$/);

    writeFileSync(join(work, 'shape.json'), JSON.stringify({ name: '李娜', tag: ['新客'], attributes: { city: ['上海'] } }));
    const shape = await kocflow(['preview', 'new-customer-7d', '--contact', '../shape.json'], { cwd: brand, env: en });
    expect(shape.code).toBe(2);
    expect(shape.stderr.split('\n')[0]).toBe('error KOC_PREVIEW_CONTACT_INVALID --contact: "../shape.json" is not a contact: attributes.city: a list does not fit here; see kocflow preview --help for the forms this key takes; tag: unknown key "tag" (did you mean "tags"?)');

    const missing = await kocflow(['preview', 'new-customer-7d', '--contact', 'nobody.json', '--lang', 'zh'], { cwd: brand, env: en });
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('error KOC_PREVIEW_CONTACT_UNREADABLE --contact："nobody.json" 不存在');
  });

  it('refuses --contact for a flow that is not about a customer, and an unknown flow with a suggestion', async () => {
    writeFileSync(join(work, 'ok.json'), '{}');
    const group = await kocflow(['preview', 'weekly-group-sop', '--contact', '../ok.json'], { cwd: brand, env: en });
    expect(group.code).toBe(2);
    expect(group.stderr).toBe('error KOC_CLI_USAGE flow "weekly-group-sop" runs for a group, not a customer: --contact does not apply\n  fix: leave --contact out to preview it with sample data\n');
    const unknown = await kocflow(['preview', 'weekly-moment'], { cwd: brand, env: en });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('error KOC_FLOW_UNKNOWN there is no flow "weekly-moment" (did you mean "weekly-moments"?)');
  });
});
