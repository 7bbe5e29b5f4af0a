import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kocflow } from '../support/cli.ts';

const project = resolve(import.meta.dirname, '../..');
const en = { KOCFLOW_LANG: 'en' };
let work: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-explain-'));
  expect((await kocflow(['init', 'brand'], { cwd: work, env: en })).code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow explain', () => {
  it('says what the 7-day journey does, as a timeline from the engine, with the pacing of its account', async () => {
    const run = await kocflow(['explain', 'new-customer-7d', '--at', '2026-12-07 09:00'], { cwd: join(work, 'brand'), env: en });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'Flow new-customer-7d "新客 7 天旅程" (sop-playbooks/journeys/new-customer-7d.yaml)',
      'Starts when a customer adds the account (the friend request is accepted automatically). Each run is about one customer.',
      'Runs on: guide accounts → guide-zhang (kocflow.yaml)',
      'Stops early as soon as the customer is tagged 已购买 (checked before every step).',
      '',
      'Timeline for one example customer on guide-zhang (Asia/Shanghai), starting Mon 2026-12-07 09:00:',
      '  day 0  Mon 2026-12-07 09:00  1. say template welcome (one of 2 wordings)',
      '                                 a reply to the customer: not counted against the daily cap',
      '  day 0  Mon 2026-12-07 09:00  2. tag the customer 新客',
      '  day 0  Mon 2026-12-07 09:00  3. wait 1d, then until the next 10:00',
      '  day 1  Tue 2026-12-08 10:00  4. say "给您准备了一张新客券：{{coupon.code…", with a coupon of campaign referral-spring',
      '  day 1  Tue 2026-12-08 10:00  5. wait 3d, then until the next 19:00',
      '  day 4  Fri 2026-12-11 19:00  6. only if not tagged 已到店: say template visit-invite',
      '  day 4  Fri 2026-12-11 19:00  7. wait 2d, then until the next 11:00',
      '  day 7  Mon 2026-12-14 11:00  8. only if not tagged 已到店: note to the account\'s owner: "{{contact.name}} 加您一周了，还…"',
      '  day 7  Mon 2026-12-14 11:00  end of the flow',
      '',
      'Pacing on guide-zhang (from kocflow.yaml):',
      '  - quiet hours 21:30–08:30 local time: sends wait until they end',
      '  - at most 1 proactive message(s) per customer a day and 8 in 30 days (replies to a customer do not count)',
      '  - at most 6 sends a minute, 120 an hour, 600 a day per account',
      '  - 20 s plus 0–30 s at random between two sends',
      '  - a new account starts at 20% of these rates and reaches them after 14 days',
      'guide-zhang runs on the mock puppet now: kocflow start relaxes its pacing for the demo (demo.pacing); the timeline shows the live limits.',
      '',
    ]);
  });

  it('holds a message by quiet hours and by the daily cap, as the pacing policy decides', async () => {
    // Added at 23:10: the welcome (a reply) waits for 08:30. Then the 10:00 coupon message is the day's first proactive one.
    const run = await kocflow(['explain', 'new-customer-7d', '--at', '2026-12-07 23:10', '--format', 'json'], { cwd: join(work, 'brand'), env: en });
    expect(run.code).toBe(0);
    const e = JSON.parse(run.stdout) as { timeline: { step: number; at: string; sendAt?: string; notes: string[] }[]; start: string; end: string };
    expect(e.start).toBe('2026-12-07T15:10:00.000Z');
    expect(e.timeline[0]).toMatchObject({ step: 1, at: '2026-12-07T15:10:00.000Z', sendAt: '2026-12-08T00:30:00.000Z', notes: ['held by quiet hours', 'a reply to the customer: not counted against the daily cap'] });
    expect(e.timeline[3]).toMatchObject({ step: 4, at: '2026-12-09T02:00:00.000Z', sendAt: '2026-12-09T02:00:00.000Z', notes: [] });
    expect(e.end).toBe('2026-12-15T03:00:00.000Z'); // Wed 10:00 + 3d → Sat 19:00, + 2d → Mon 19:00 → Tue 11:00
  });

  it('lists the next occurrences of a schedule and starts the example at the first', async () => {
    const run = await kocflow(['explain', 'weekly-group-sop', '--at', '2026-12-07 09:00'], { cwd: join(work, 'brand'), env: en });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'Flow weekly-group-sop "社群周末活动预告" (sop-playbooks/groups/weekly-group-sop.yaml)',
      'Starts on the schedule "0 19 * * 5" (Asia/Shanghai), once for each group named like "静安*". Each run is about one group.',
      'Missed while kocflow was down: skipped.',
      'Runs on: guide accounts → guide-zhang (kocflow.yaml)',
      'Next times on guide-zhang: Fri 2026-12-11 19:00, Fri 2026-12-18 19:00, Fri 2026-12-25 19:00, Fri 2027-01-01 19:00, Fri 2027-01-08 19:00',
    ]);
    expect(lines).toContain('  day 0  Fri 2026-12-11 19:00  1. post in the group "周末好！本周六下午 2 点店里有新品试穿会，想来…" (one of 2 wordings), @everyone');
  });

  it('speaks Chinese with --lang zh', async () => {
    const run = await kocflow(['explain', 'new-customer-7d', '--at', '2026-12-07 09:00', '--lang', 'zh'], { cwd: join(work, 'brand'), env: en });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '流程 new-customer-7d "新客 7 天旅程"（sop-playbooks/journeys/new-customer-7d.yaml）',
      '触发：顾客添加账号为好友（自动通过好友申请）。每次运行针对一个顾客。',
      '运行账号：导购账号 → guide-zhang（kocflow.yaml）',
      '提前结束：一旦顾客有标签 已购买就结束（每一步之前检查）。',
    ]);
    expect(lines).toContain('  第 1 天  2026-12-08 周二 10:00  4. 私聊发送 "给您准备了一张新客券：{{coupon.code…"，附活动 referral-spring 的券');
    expect(lines).toContain('  - 免打扰 21:30–08:30（当地时间）：消息顺延到结束');
  });

  it('works on the repository samples without a config, on an example account with the default pacing', async () => {
    const run = await kocflow(['explain', 'price-question', '--no-config', '--at', '2026-12-07T01:00:00Z'], { cwd: project, env: en });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Starts when a customer\'s message in private chat contains one of: 多少钱, 价格, 优惠. Each run is about one customer.\n');
    expect(run.stdout).toContain('Runs on: every account (pass --config kocflow.yaml to list the accounts)\n');
    expect(run.stdout).toContain('Pacing on guide-example (the defaults):\n  - quiet hours 21:30–08:30 local time');
  });

  it('explains an unknown flow with a suggestion and exits 2', async () => {
    const run = await kocflow(['explain', 'new-custmer-7d'], { cwd: join(work, 'brand'), env: en });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe([
      'error KOC_FLOW_UNKNOWN there is no flow "new-custmer-7d" (did you mean "new-customer-7d"?)',
      '  fix: flows in sop-playbooks: new-customer-7d, referral-arrival, weekly-group-sop, weekly-moments',
      '',
    ].join('\n'));
    const zh = await kocflow(['explain', 'new-custmer-7d', '--lang', 'zh'], { cwd: join(work, 'brand'), env: en });
    expect(zh.stderr.split('\n')[0]).toBe('error KOC_FLOW_UNKNOWN 没有流程 "new-custmer-7d"（是不是 "new-customer-7d"？）');
  });

  it('rejects a bad --at, an unknown account and a bad --format with exit 2', async () => {
    const at = await kocflow(['explain', 'new-customer-7d', '--at', 'next tuesday'], { cwd: join(work, 'brand'), env: en });
    expect(at.code).toBe(2);
    expect(at.stderr).toBe('error KOC_CLI_USAGE --at "next tuesday" is not a date and time\n  fix: write local time as YYYY-MM-DD HH:MM (e.g. --at "2026-12-07 09:00"), or an ISO instant with a zone (2026-12-07T01:00Z)\n');
    const impossible = await kocflow(['explain', 'new-customer-7d', '--at', '2026-02-30 09:00'], { cwd: join(work, 'brand'), env: en });
    expect(impossible.code).toBe(2);
    const account = await kocflow(['explain', 'new-customer-7d', '--account', 'guide-zang'], { cwd: join(work, 'brand'), env: en });
    expect(account.code).toBe(2);
    expect(account.stderr).toBe('error KOC_ACCOUNT_UNKNOWN account "guide-zang" is not in kocflow.yaml (did you mean "guide-zhang"?)\n  fix: accounts: guide-zhang\n');
    const format = await kocflow(['explain', 'new-customer-7d', '--format', 'xml'], { cwd: join(work, 'brand'), env: en });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('KOC_CLI_USAGE --format must be text or json, not "xml"');
  });

  it('exits 2 when the playbook folder does not exist', async () => {
    const run = await kocflow(['explain', 'win-back', '--playbooks', 'nowhere-else', '--no-config'], { cwd: project, env: en });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('KOC_PLAYBOOKS_NOT_FOUND');
  });

  it('prints the playbooks\' errors in the language asked for and exits 1 when they do not load', async () => {
    const dir = join(work, 'broken');
    expect((await kocflow(['init', 'broken'], { cwd: work, env: en })).code).toBe(0);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const file = join(dir, 'sop-playbooks', 'journeys', 'new-customer-7d.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('stopWhen:', 'stopWen:'));
    const run = await kocflow(['explain', 'new-customer-7d', '--lang', 'zh'], { cwd: dir, env: en });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      'sop-playbooks/journeys/new-customer-7d.yaml:8:1: error KOC_PLAYBOOK_UNKNOWN_KEY 未知的键 "stopWen"（是不是 "stopWhen"？）',
      'error KOC_PLAYBOOKS_INVALID sop-playbooks 里的剧本有 1 个错误，无法解释',
      '  修复：先修正错误（kocflow lint sop-playbooks 会列出），再试一次',
      '',
    ]);
  });
});
