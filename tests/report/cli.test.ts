/**
 * `kocflow report …` run in-process through the CLI's entry point on both stores (the embedded store in a data
 * directory, PostgreSQL through DATABASE_URL), on the seeded week of tests/support/reportScenario.ts with its
 * kocflow.yaml in the working directory.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_KEYS } from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';
import { kocflow } from '../support/cli.ts';
import { CONFIG_YAML, FROM_DATE, TO_DATE, seedReportScenario } from '../support/reportScenario.ts';
import { describeEachStore } from '../support/stores.ts';
import { tableCells } from '../support/table.ts';

const WEEK = ['--from', FROM_DATE, '--to', TO_DATE];

describeEachStore('kocflow report', (ctx) => {
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kocflow-report-'));
    writeFileSync(join(work, 'kocflow.yaml'), CONFIG_YAML);
    let store: Store;
    if (ctx.kind === 'postgres') {
      const databaseUrl = await ctx.freshDatabaseUrl();
      env = { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl };
      store = await openStore({ databaseUrl });
    } else {
      env = { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: '', KOCFLOW_DATA_DIR: join(work, 'data') };
      store = await openStore({ dataDir: join(work, 'data') });
    }
    try {
      await seedReportScenario(store.prisma);
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const report = (...args: string[]) => kocflow(['report', ...args], { cwd: work, env });

  it('koc prints a table whose Chinese names line up by display width', async () => {
    const run = await report('koc', ...WEEK);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [title, ...table] = run.stdout.split('\n');
    expect(title).toBe('KOC report, 2026-12-01..2026-12-07 (Asia/Shanghai), all stores');
    expect(table.join('\n')).toBe([
      'KOC          id       store   tier  clicks  adds  coupons  redeemed  points  balance',
      '-----------  -------  ------  ----  ------  ----  -------  --------  ------  -------',
      '赵雪         ZhaoXue  sh-001  核心       4     2        2         2      25      125',
      'Smith, "Jo"  SmithJo  bj-001  普通       2     1        1         1       0        0',
      '王敏         WangMin  sh-001  潜力       1     1        0         0       0        0',
      '李磊         LiLei    bj-001  普通       0     0        0         0       0        0',
      '',
    ].join('\n'));
    // Cut at the dashes' spans in terminal columns, every cell is where the header says.
    expect(tableCells(table.join('\n')).map((cells) => [cells[0], cells[4], cells[9]])).toEqual([
      ['KOC', 'clicks', 'balance'], ['赵雪', '4', '125'], ['Smith, "Jo"', '2', '0'], ['王敏', '1', '0'], ['李磊', '0', '0'],
    ]);
    for (const line of table.slice(2, -1)) expect(stringWidth(line)).toBe(stringWidth(table[1]!));
  });

  it('flows prints a table per flow and step, with the reasons', async () => {
    const run = await report('flows', ...WEEK);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe([
      'Flows report, 2026-12-01..2026-12-07 (Asia/Shanghai), all stores',
      'flow             step  kind     sent  deferred  skipped  failed  in doubt  replied 24h  reply %  opt-outs  deferred by reason                       skipped by reason',
      '---------------  ----  -------  ----  --------  -------  ------  --------  -----------  -------  --------  ---------------------------------------  --------------------------------',
      'new-customer-7d     1  say         4         2        0       0         0            1    25.0%         1  quiet_hours 1, rate_minute 1, spacing 1',
      'new-customer-7d     2  -           0         0        2       1         1            0        -         0                                           contact_month_cap 1, opted_out 1',
      'new-customer-7d     3  tag         2         0        0       0         0            0        -         0',
      'weekly-news         1  roomSay     1         1        0       0         0            1   100.0%         0  quiet_hours 1',
      '(outside flows)     -  say         1         0        0       0         0            0     0.0%         0',
      '',
    ].join('\n'));
  });

  it('csv quotes a name with a comma and quotes (RFC 4180); --store takes a pattern', async () => {
    const run = await report('koc', ...WEEK, '--format', 'csv');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe(JSON_KEYS.koc.join(','));
    expect(lines[2]).toMatch(/^[0-9a-f-]{36},SmithJo,"Smith, ""Jo""",ambassador,bj-001,普通,,2,1,1,1,0,0$/);
    expect(lines).toHaveLength(6); // header, four KOCs, and the empty string after the last CRLF

    const sh = await report('koc', ...WEEK, '--store', 'sh-*', '--format', 'csv');
    expect(sh.stdout.split('\r\n').slice(1, -1).map((line) => line.split(',')[1])).toEqual(['ZhaoXue', 'WangMin']);
    expect((await report('koc', ...WEEK, '--store', 'sh-*')).stdout.split('\n')[0]).toBe('KOC report, 2026-12-01..2026-12-07 (Asia/Shanghai), stores sh-001, sh-002 (sh-*)');
  });

  it('json is an array of typed objects with stable keys', async () => {
    const campaigns = JSON.parse((await report('campaigns', ...WEEK, '--format', 'json')).stdout) as Record<string, unknown>[];
    expect(campaigns.map((c) => Object.keys(c))).toEqual([JSON_KEYS.campaigns, JSON_KEYS.campaigns, JSON_KEYS.campaigns].map((k) => [...k]));
    expect(campaigns[2]).toEqual({
      campaignId: 'spring', name: '春季推荐有礼', startsAt: '2026-10-31T16:00:00.000Z', endsAt: '2027-03-31T16:00:00.000Z', budget: 100,
      issuedTotal: 4, remaining: 96, issued: 3, redeemed: 3, redeemedOfIssued: 2, redemptionRate: 0.6667,
      redeemedByStore: { 'bj-001': 1, 'sh-001': 1, 'sh-002': 1 },
    });
    const flows = JSON.parse((await report('flows', ...WEEK, '--format', 'json', '--store', 'bj-001')).stdout) as unknown[];
    expect(flows).toEqual([{
      flowId: 'weekly-news', step: 1, kinds: 'roomSay', sent: 1, deferred: 1, deferredByReason: { quiet_hours: 1 }, skipped: 0, skippedByReason: {},
      failed: 0, inDoubt: 0, messagesSent: 1, replied: 1, replyRate: 1, optOuts: 0,
    }]);
    // The accounts' limits come from kocflow.yaml; "today" is the real today, so only what does not move is checked.
    const accounts = JSON.parse((await report('accounts', ...WEEK, '--format', 'json')).stdout) as Record<string, unknown>[];
    expect(accounts.map((a) => Object.keys(a))).toEqual([[...JSON_KEYS.accounts], [...JSON_KEYS.accounts]]);
    expect(accounts.map((a) => [a.accountId, a.status, a.paused, a.maxPerDay, a.configured, a.sentInRange, a.pending, a.inDoubt, a.failedInRange])).toEqual([
      ['guide-li', 'paused', true, 600, true, 1, 0, 0, 0],
      ['guide-wang', 'active', false, 50, true, 7, 2, 1, 1],
    ]);
  });

  it('an empty result says so in a line (table), or on stderr beside an empty array or a header (json, csv)', async () => {
    const june = ['--from', '2026-06-01', '--to', '2026-06-07'];
    expect(await report('flows', ...june)).toEqual({
      code: 0, stderr: '', stdout: 'no flow sent, deferred, skipped or failed anything in 2026-06-01..2026-06-07 (Asia/Shanghai), all stores\n',
    });
    expect(await report('flows', ...june, '--format', 'json')).toMatchObject({ code: 0, stdout: '[]\n', stderr: expect.stringMatching(/^no flow sent/) });
    // KOCs are listed while they are in the program, active or not: a store without any is an empty KOC report.
    expect(await report('koc', ...june, '--store', 'sh-002', '--format', 'csv')).toEqual({
      code: 0, stdout: `${JSON_KEYS.koc.join(',')}\r\n`,
      stderr: 'no KOCs to report for 2026-06-01..2026-06-07 (Asia/Shanghai), store sh-002: no KOC profiles there (kocflow.yaml gives a guide or ambassador a tier to make them a KOC)\n',
    });
  });

  it('a --store that matches nothing is exit 2 with the stores to choose from', async () => {
    expect(await report('koc', ...WEEK, '--store', 'sh-01')).toEqual({
      code: 2, stdout: '',
      stderr: 'error KOC_REPORT_STORE_UNKNOWN no store matches --store "sh-01" (did you mean "sh-001"?)\n  fix: stores in this store: bj-001, sh-001, sh-002; a pattern like "sh-*" selects several\n',
    });
  });
});

describe('kocflow report: bad options stop before the store is opened, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kocflow-report-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const report = (...args: string[]) => kocflow(['report', ...args], { cwd: dir, env: { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: '', KOCFLOW_DATA_DIR: join(dir, 'data') } });

  it.each([
    [['kco'], 'error KOC_REPORT_KIND_UNKNOWN there is no report "kco" (did you mean "koc"?); reports: koc, flows, campaigns, accounts\n  fix: for example kocflow report koc\n'],
    [['koc', '--from', '2026-02-30'], 'error KOC_REPORT_DATE_INVALID --from: "2026-02-30" does not exist: 2026-02 has 28 days\n  fix: for example --from 2026-12-01\n'],
    [['koc', '--from', '2026-12-08', '--to', '2026-12-01'], 'error KOC_REPORT_RANGE_INVALID --from 2026-12-08 is after --to 2026-12-01\n  fix: swap them: --from 2026-12-01 --to 2026-12-08\n'],
    [['koc', '--tz', 'Beijing'], 'error KOC_REPORT_TIMEZONE_INVALID --tz: "Beijing" is not an IANA time zone\n  fix: for example --tz Asia/Shanghai\n'],
    [['koc', '--format', 'xml'], 'error KOC_CLI_USAGE --format must be table, csv or json, not "xml"\n  fix: for example --format csv\n'],
  ])('%j', async (args, stderr) => {
    expect(await report(...args)).toEqual({ code: 2, stdout: '', stderr });
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('a missing kind is commander\'s usage error', async () => {
    expect(await report()).toMatchObject({ code: 2, stderr: expect.stringContaining("missing required argument 'kind'") });
  });
});
