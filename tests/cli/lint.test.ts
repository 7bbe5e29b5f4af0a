import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kocflow } from '../support/cli.ts';

const project = resolve(import.meta.dirname, '../..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-lint-'));
  cpSync(join(project, 'sop-playbooks'), join(work, 'sop-playbooks'), { recursive: true });
  // A broken copy: a misspelt key, an impossible date, a bad cron field, an unknown campaign.
  cpSync(join(work, 'sop-playbooks'), join(work, 'broken'), { recursive: true });
  const broken = (file: string, from: string, to: string) => {
    const path = join(work, 'broken', file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`sample ${file} no longer contains ${from}`);
    writeFileSync(path, text.replace(from, to));
  };
  broken('journeys/new-customer.yaml', 'stopWhen:', 'stopWen:');
  broken('campaigns/spring-referral.yaml', 'validUntil: 2027-03-31', 'validUntil: 2027-02-30');
  broken('groups/weekly-group-sop.yaml', 'cron: "30 10 * * 6"', 'cron: "30 10 * * 8"');
  broken('referral/coupon-redeemed.yaml', '  - tag: [已购买, 已到店]', '  - issueCoupon: { campaign: welcome-2025 }');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow lint', () => {
  it('passes the sample playbooks with exit 0', async () => {
    const run = await kocflow(['lint', 'sop-playbooks'], { cwd: work });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^\d+ files checked in \d+ ms: 0 errors, 0 warnings\n$/);
    expect(run.code).toBe(0);
  });

  it('lints ./sop-playbooks when no path is given', async () => {
    const run = await kocflow(['lint'], { cwd: work });
    expect(run.code).toBe(0);
  });

  it('exits 1 on a broken copy, with file:line:col for each error', async () => {
    const run = await kocflow(['lint', 'broken'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      'broken/campaigns/spring-referral.yaml:8:15: error KOC_DATE_INVALID "2027-02-30" does not exist: 2027-02 has 28 days',
      'broken/groups/weekly-group-sop.yaml:6:9: error KOC_CRON_INVALID cron field 5 (day of week) "8" is invalid: Constraint error, got value 8 expected range 0-7',
      'broken/journeys/new-customer.yaml:7:1: error KOC_PLAYBOOK_UNKNOWN_KEY unknown key "stopWen" (did you mean "stopWhen"?)',
      'broken/referral/coupon-redeemed.yaml:7:30: error KOC_PLAYBOOK_UNKNOWN_REF unknown campaign "welcome-2025" (did you mean "welcome-2026"?)',
    ]);
    expect(run.stderr).toContain('4 errors, 0 warnings');
  });

  it('prints the same findings as JSON with --format json', async () => {
    const run = await kocflow(['lint', 'broken', '--format', 'json'], { cwd: work });
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout) as { file: string; line: number; column: number; severity: string; code: string; message: string }[];
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.code}`)).toEqual([
      'broken/campaigns/spring-referral.yaml:8:15 error KOC_DATE_INVALID',
      'broken/groups/weekly-group-sop.yaml:6:9 error KOC_CRON_INVALID',
      'broken/journeys/new-customer.yaml:7:1 error KOC_PLAYBOOK_UNKNOWN_KEY',
      'broken/referral/coupon-redeemed.yaml:7:30 error KOC_PLAYBOOK_UNKNOWN_REF',
    ]);
    expect(Object.keys(findings[0]!).sort()).toEqual(['code', 'column', 'file', 'line', 'message', 'severity']);
  });

  it('lints one file within its playbook folder, so references resolve', async () => {
    const good = await kocflow(['lint', 'broken/referral/code-sent.yaml', '--root', 'broken'], { cwd: work });
    expect(good.code).toBe(0);
    const bad = await kocflow(['lint', 'broken/groups/weekly-group-sop.yaml', '--root', 'broken'], { cwd: work });
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 for usage and I/O errors, with a code and a fix', async () => {
    const missing = await kocflow(['lint', 'nowhere'], { cwd: work });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('KOC_PATH_NOT_FOUND');
    const format = await kocflow(['lint', '--format', 'xml'], { cwd: work });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('KOC_CLI_USAGE');
    const option = await kocflow(['lint', '--frmat', 'json'], { cwd: work });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--frmat'");
  });
});

describe('kocflow lint with kocflow.yaml', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(work, 'with-config');
    cpSync(join(project, 'sop-playbooks'), join(dir, 'flows'), { recursive: true });
    cpSync(join(project, 'demo'), join(dir, 'demo'), { recursive: true }); // the add-me QR image kocflow.yaml names
    writeFileSync(join(dir, 'kocflow.yaml'), readFileSync(join(project, 'kocflow.yaml'), 'utf8').replace('playbooks: sop-playbooks', 'playbooks: flows'));
  });

  it('checks the repository\'s kocflow.yaml with the sample playbooks', async () => {
    const run = await kocflow(['lint', 'sop-playbooks'], { cwd: project });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^\d+ files checked in \d+ ms: 0 errors, 0 warnings\n$/);
    expect(run.code).toBe(0);
    const without = await kocflow(['lint', 'sop-playbooks', '--no-config'], { cwd: project });
    expect(Number(/^(\d+) files/.exec(run.stderr)![1])).toBe(Number(/^(\d+) files/.exec(without.stderr)![1]) + 1);
  });

  it('lints the folder the config names when no path is given', async () => {
    const run = await kocflow(['lint'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^\d+ files checked/);
  });

  it('prints the config\'s findings as file:line:col and exits 1', async () => {
    const broken = readFileSync(join(dir, 'kocflow.yaml'), 'utf8').replace('owner: LiLei', 'owner: LiLie');
    writeFileSync(join(dir, 'broken.yaml'), broken);
    const line = broken.split('\n').findIndex((l) => l.includes('owner: LiLie')) + 1;
    const run = await kocflow(['lint', 'flows', '--config', 'broken.yaml'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      `broken.yaml:${line}:12: error KOC_CONFIG_UNKNOWN_REF unknown staff id "LiLie" (did you mean "LiLei"?); people are listed under staff:`,
    ]);
    const json = await kocflow(['lint', 'flows', '--config', 'broken.yaml', '--format', 'json'], { cwd: dir });
    expect((JSON.parse(json.stdout) as { file: string; code: string }[]).map((d) => `${d.file} ${d.code}`)).toEqual(['broken.yaml KOC_CONFIG_UNKNOWN_REF']);
  });

  it('checks the account ids playbooks name against the config', async () => {
    const flow = join(dir, 'flows', 'journeys', 'new-customer.yaml');
    const text = readFileSync(flow, 'utf8');
    writeFileSync(flow, text.replace('accounts: { roles: [guide] }', 'accounts: { ids: [guide-wnag] }'));
    try {
      const run = await kocflow(['lint'], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('flows/journeys/new-customer.yaml:5:19: error KOC_PLAYBOOK_UNKNOWN_REF unknown account "guide-wnag" (did you mean "guide-wang"?)');
      expect((await kocflow(['lint', '--no-config', 'flows'], { cwd: dir })).code).toBe(0);
    } finally {
      writeFileSync(flow, text);
    }
  });

  it('exits 2 when the file named with --config does not exist', async () => {
    const run = await kocflow(['lint', 'flows', '--config', 'nowhere.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('KOC_CONFIG_NOT_FOUND');
  });
});

describe('kocflow --help', () => {
  it('lists the commands and exits 0', async () => {
    const run = await kocflow(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['lint', 'migrate', 'start']) expect(run.stdout).toContain(command);
    const lint = await kocflow(['lint', '--help']);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain('Exit codes: 0 clean');
  });

  it('exits 2 on an unknown command', async () => {
    const run = await kocflow(['lnit']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('lint');
  });
});
