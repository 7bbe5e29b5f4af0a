import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kocflow } from '../support/cli.ts';

const project = resolve(import.meta.dirname, '../..');
const SMALL = ['simulate', '--days', '3', '--accounts', '2', '--contacts', '20', '--from', '2026-12-01'];
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-simulate-test-'));
  cpSync(join(project, 'sop-playbooks'), join(work, 'sop-playbooks'), { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow simulate', () => {
  let first: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    first = await kocflow([...SMALL, '--seed', '7', '--format', 'json', '--out', 'seed7-a.jsonl'], { cwd: work });
  });

  it('runs the sample playbooks on the real engine: sends in several flows, deferrals recorded, no violation', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining([
      'sends', 'byFlow', 'byAccount', 'deferred', 'skipped', 'violations', 'simulatedSeconds', 'wallSeconds',
    ]));
    expect(summary.violations).toMatchObject({ quietHours: 0, caps: 0, duplicates: 0 });
    expect(summary.sends).toBeGreaterThan(20);
    expect(summary.simulatedSeconds).toBe(3 * 86_400);
    expect(summary.wallSeconds).toBeGreaterThan(0);
    const flowsWithSends = Object.entries(summary.byFlow as Record<string, { sends: number }>).filter(([, f]) => f.sends > 0).map(([id]) => id);
    expect(flowsWithSends).toEqual(expect.arrayContaining(['new-customer-7d', 'price-question', 'weekly-moments']));
    expect(flowsWithSends.length).toBeGreaterThanOrEqual(4);
    expect(summary.deferred.total).toBeGreaterThan(0);
    expect(Object.keys(summary.deferred.byReason)).toContain('quiet_hours');
    expect(summary.sendsPerDay.map((d: { date: string }) => d.date)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    const perDay = summary.sendsPerDay.reduce((n: number, d: { sends: number }) => n + d.sends, 0);
    expect(perDay).toBe(summary.sends);
    // Each account's busiest minute, hour and day stay within its limits (a new account's ramped ones are lower).
    for (const account of Object.values(summary.byAccount as Record<string, { max: Record<string, number>; limits: Record<string, number> }>)) {
      for (const window of ['minute', 'hour', 'day']) expect(account.max[window]).toBeLessThanOrEqual(account.limits[window]!);
    }
  });

  it('writes every send as one JSON line with a fixed key order', () => {
    const lines = readFileSync(join(work, 'seed7-a.jsonl'), 'utf8').trimEnd().split('\n');
    const summary = JSON.parse(first.stdout);
    expect(lines).toHaveLength(summary.sends);
    const parsed = lines.map((l) => JSON.parse(l));
    for (const line of parsed) expect(Object.keys(line)).toEqual(['at', 'account', 'flow', 'kind', 'to', 'outboxKey', 'text']);
    const times = parsed.map((l) => l.at);
    expect([...times].sort()).toEqual(times);
    // One of the library's two welcome wordings, rendered (which one depends on the seed).
    expect(parsed.find((l) => l.flow === 'new-customer-7d' && l.kind === 'say')?.text).toMatch(/^(\S+您好，我是\S+，欢迎来到\S+！|您好\S+！我是\S+的\S+，很高兴认识您)/);
  });

  it('gives a byte-identical timeline for the same seed, and another for another seed', async () => {
    const again = await kocflow([...SMALL, '--seed', '7', '--out', 'seed7-b.jsonl'], { cwd: work });
    expect(again.code).toBe(0);
    const other = await kocflow([...SMALL, '--seed', '8', '--out', 'seed8.jsonl'], { cwd: work });
    expect(other.code).toBe(0);
    const a = readFileSync(join(work, 'seed7-a.jsonl'));
    expect(readFileSync(join(work, 'seed7-b.jsonl')).equals(a)).toBe(true);
    expect(readFileSync(join(work, 'seed8.jsonl')).equals(a)).toBe(false);
    // The text summary names the run and says every limit held.
    expect(again.stdout).toMatch(/^kocflow simulate: seed 7, 3 days from 2026-12-01 \(Asia\/Shanghai\)/);
    expect(again.stdout).toContain('violations: quiet hours 0, caps 0, duplicates 0: every limit held');
    expect(again.stdout).toContain('timeline: seed7-b.jsonl');
  });

  it.each([
    [['--days', '0'], '--days must be between 1 and 366, not "0"'],
    [['--days', 'abc'], '--days takes a whole number, not "abc"'],
    [['--contacts', '2.5'], '--contacts takes a whole number, not "2.5"'],
    [['--from', '2026-02-30'], '--from: "2026-02-30" does not exist: 2026-02 has 28 days'],
    [['--from', 'tomorrow'], '--from: "tomorrow" is not a date'],
    [['--format', 'xml'], '--format must be text or json, not "xml"'],
  ])('rejects %j with exit 2 and a fix hint', async (args, message) => {
    const result = await kocflow(['simulate', ...args], { cwd: work });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error KOC_CLI_USAGE ${message}`);
    expect(result.stderr).toMatch(/fix: for example --\w+ \S+/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for an unknown option and for a missing playbook folder', async () => {
    expect((await kocflow(['simulate', '--dayz', '3'], { cwd: work })).code).toBe(2);
    const missing = await kocflow(['simulate', '--playbooks', 'nowhere'], { cwd: work });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('KOC_PLAYBOOKS_NOT_FOUND');
  });

  it('refuses playbooks that do not lint clean: prints the errors, exits 1', async () => {
    const broken = join(work, 'broken');
    cpSync(join(work, 'sop-playbooks'), broken, { recursive: true });
    writeFileSync(join(broken, 'journeys', 'oops.yaml'), 'id: oops\ntrigger: { on: friend.added }\nsteps:\n  - say: "{{coupon.code}}"\n    coupon: { campaign: no-such-campaign }\n');
    const result = await kocflow(['simulate', '--playbooks', 'broken', ...SMALL.slice(1)], { cwd: work });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^broken\/journeys\/oops\.yaml:\d+:\d+: error KOC_/m);
    expect(result.stderr).toContain('fix them (kocflow lint broken) before simulating');
    expect(result.stdout).toBe('');
  });
});
