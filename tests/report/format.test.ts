/**
 * Report formatting and options, without a store: the table by display width, RFC 4180 CSV, JSON keys, phone numbers
 * masked, and every bad option a KocError with its code and the fix.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { csvField, renderCsv, renderJson, renderTable, type ReportView } from '../../src/report/format.ts';
import { parseReportOptions, REPORT_USAGE_CODES } from '../../src/report/options.ts';
import { accountsView, campaignsView, flowsView, JSON_KEYS, kocView } from '../../src/report/views.ts';
import type { KocReportRow } from '../../src/store/report/index.ts';
import { tableCells } from '../support/table.ts';

const koc = (over: Partial<KocReportRow>): KocReportRow => ({
  staffId: 's1', wecomUserId: 'ZhaoXue', name: '赵雪', role: 'ambassador', storeId: 'sh-001', tier: '核心', leftAt: null,
  clicks: 12, adds: 3, couponsIssued: 2, couponsRedeemed: 1, points: 25, pointsBalance: 125, ...over,
});

describe('report formats', () => {
  const rows = [
    koc({}),
    koc({ staffId: 's2', wecomUserId: 'SmithJo', name: 'Smith, "Jo"', storeId: 'bj-001', tier: '普通', clicks: 1234 }),
    koc({ staffId: 's3', wecomUserId: 'Ou', name: '欧阳娜娜', tier: 'normal', clicks: 0, leftAt: new Date('2026-11-01T02:00:00Z') }),
  ];

  it('a table lines up Chinese and Latin text by display width, numbers to the right', () => {
    const table = renderTable(kocView(rows));
    const lines = table.trimEnd().split('\n');
    // Every line is as wide as the header's columns allow: the dashes line is the widest, no line is wider.
    const width = stringWidth(lines[1]!);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(width);
    expect(tableCells(table)).toEqual([
      ['KOC', 'id', 'store', 'tier', 'clicks', 'adds', 'coupons', 'redeemed', 'points', 'balance'],
      ['赵雪', 'ZhaoXue', 'sh-001', '核心', '12', '3', '2', '1', '25', '125'],
      ['Smith, "Jo"', 'SmithJo', 'bj-001', '普通', '1234', '3', '2', '1', '25', '125'],
      ['欧阳娜娜 (left)', 'Ou', 'sh-001', 'normal', '0', '3', '2', '1', '25', '125'],
    ]);
    expect(lines[2]).toBe('赵雪             ZhaoXue  sh-001  核心        12     3        2         1      25      125');
    expect(lines[4]).toBe('欧阳娜娜 (left)  Ou       sh-001  normal       0     3        2         1      25      125');
  });

  it('csv is RFC 4180: a comma or quote is quoted with the quotes doubled, CRLF line ends, the JSON keys as header', () => {
    const csv = renderCsv(kocView(rows), JSON_KEYS.koc);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(JSON_KEYS.koc.join(','));
    expect(lines[2]).toBe('s2,SmithJo,"Smith, ""Jo""",ambassador,bj-001,普通,,1234,3,2,1,25,125');
    expect(lines[3]).toBe('s3,Ou,欧阳娜娜,ambassador,sh-001,normal,2026-11-01T02:00:00.000Z,0,3,2,1,25,125');
    expect(lines.at(-1)).toBe('');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('plain')).toBe('plain');
  });

  it('text a spreadsheet would run as a formula is defused; negative numbers stay numbers', () => {
    const csv = renderCsv(kocView([koc({ name: '=HYPERLINK("x")', points: -5 })]), JSON_KEYS.koc);
    expect(csv.split('\r\n')[1]).toBe('s1,ZhaoXue,"\'=HYPERLINK(""x"")",ambassador,sh-001,核心,,12,3,2,1,-5,125');
  });

  it('a phone number in a name is masked in every format', () => {
    const view = kocView([koc({ name: '王敏13812345678' })]);
    expect(renderTable(view)).toContain('王敏138****5678');
    expect(renderCsv(view, JSON_KEYS.koc)).toContain(',王敏138****5678,');
    expect(JSON.parse(renderJson(view))[0].name).toBe('王敏138****5678');
  });

  it('json rows carry exactly the documented keys, in order, for every kind', () => {
    const views: [keyof typeof JSON_KEYS, ReportView<never>][] = [
      ['koc', kocView([koc({})]) as ReportView<never>],
      ['flows', flowsView([{ flowId: 'f', stepIndex: 0, kinds: 'say', sent: 2, deferred: 1, deferredByReason: { spacing: 1 }, skipped: 0, skippedByReason: {}, failed: 0, inDoubt: 0, messagesSent: 2, replied: 1, optOuts: 0 }]) as ReportView<never>],
      ['campaigns', campaignsView([{
        campaignId: 'c', name: 'C', startsAt: null, endsAt: null, budget: null, issuedTotal: 0, remaining: null, issued: 0, redeemed: 0, redeemedOfIssued: 0, redemptionRate: null, redeemedByStore: {},
      }], { timeZone: 'Asia/Shanghai' }) as ReportView<never>],
      ['accounts', accountsView([{
        accountId: 'a', name: 'A', role: 'guide', storeId: null, timeZone: 'Asia/Shanghai', status: 'active', paused: false, firstSeenAt: new Date(0), lastSeenAt: null,
        backoffUntil: null, sentToday: 0, lastSentAt: null, sentInRange: 0, pending: 0, deferred: 0, inDoubt: 0, failedInRange: 0, configured: false, dailyLimit: null, maxPerDay: null,
      }], { timeZone: 'Asia/Shanghai' }) as ReportView<never>],
    ];
    for (const [kind, view] of views) {
      const [row] = JSON.parse(renderJson(view)) as Record<string, unknown>[];
      expect(Object.keys(row!), kind).toEqual([...JSON_KEYS[kind]]);
    }
  });
});

describe('report options', () => {
  const defaults = { timeZone: 'Asia/Shanghai', now: new Date('2026-12-08T04:00:00Z') };
  const fail = (raw: Record<string, unknown>) => {
    try {
      parseReportOptions(raw, defaults);
    } catch (error) {
      return error as { code: string; message: string; hint?: string };
    }
    throw new Error('no error');
  };

  it('dates are local days in the zone, --to included: [start of --from, start of the day after --to)', () => {
    expect(parseReportOptions({ kind: 'koc', from: '2026-12-01', to: '2026-12-07' }, defaults).range).toEqual({
      fromDate: '2026-12-01', toDate: '2026-12-07', timeZone: 'Asia/Shanghai',
      from: new Date('2026-11-30T16:00:00.000Z'), to: new Date('2026-12-07T16:00:00.000Z'),
    });
    // Defaults: the 7 days ending today (local); --tz moves the days.
    expect(parseReportOptions({ kind: 'flows' }, defaults).range).toMatchObject({ fromDate: '2026-12-02', toDate: '2026-12-08' });
    expect(parseReportOptions({ kind: 'flows', to: '2026-12-01', tz: 'Europe/Berlin' }, defaults).range).toMatchObject({
      fromDate: '2026-11-25', to: new Date('2026-12-01T23:00:00.000Z'),
    });
    expect(parseReportOptions({ kind: 'koc' }, defaults)).toMatchObject({ format: 'table', store: null });
  });

  it('bad options are usage errors with stable codes and the fix', () => {
    expect(fail({ kind: 'kco' })).toMatchObject({ code: 'KOC_REPORT_KIND_UNKNOWN', message: 'there is no report "kco" (did you mean "koc"?); reports: koc, flows, campaigns, accounts', hint: 'for example kocflow report koc' });
    expect(fail({ kind: 'koc', from: '2026-02-30' })).toMatchObject({ code: 'KOC_REPORT_DATE_INVALID', message: '--from: "2026-02-30" does not exist: 2026-02 has 28 days', hint: 'for example --from 2026-12-01' });
    expect(fail({ kind: 'koc', to: '12/07/2026' })).toMatchObject({ code: 'KOC_REPORT_DATE_INVALID', message: expect.stringContaining('--to: "12/07/2026" is not a date; write it as YYYY-MM-DD') });
    expect(fail({ kind: 'koc', from: '2026-12-08', to: '2026-12-01' })).toMatchObject({ code: 'KOC_REPORT_RANGE_INVALID', hint: 'swap them: --from 2026-12-01 --to 2026-12-08' });
    expect(fail({ kind: 'koc', tz: 'Shanghai' })).toMatchObject({ code: 'KOC_REPORT_TIMEZONE_INVALID', hint: 'for example --tz Asia/Shanghai' });
    expect(fail({ kind: 'koc', format: 'xlsx' })).toMatchObject({ code: 'KOC_CLI_USAGE', message: '--format must be table, csv or json, not "xlsx"' });
    expect(REPORT_USAGE_CODES).toContain('KOC_REPORT_STORE_UNKNOWN');
  });
});
