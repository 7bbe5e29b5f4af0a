/**
 * What a report is asked for: its kind, the local dates it covers, the stores and the format. Checked with zod; the
 * first problem becomes a KocError with a stable code and an example of the fix (all of them usage errors, exit 2).
 * The dashboard will take the same options from a query string.
 */
import { z } from 'zod';
import { endOfLocalDate, localDateKey } from '../engine/localTime.ts';
import { checkCalendarDate, isValidTimeZone } from '../playbook/calendar.ts';
import { closest } from '../playbook/suggest.ts';
import { startOfLocalDate } from '../referral/campaigns.ts';
import { KocError } from '../shared/errors.ts';

export const REPORT_KINDS = ['koc', 'flows', 'campaigns', 'accounts'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Without --from: the 7 local days that end with --to (today by default). */
export const DEFAULT_DAYS = 7;

/** The codes a bad report option raises; every one is a usage error (exit 2). */
export const REPORT_USAGE_CODES = [
  'KOC_REPORT_KIND_UNKNOWN', 'KOC_REPORT_DATE_INVALID', 'KOC_REPORT_RANGE_INVALID', 'KOC_REPORT_TIMEZONE_INVALID', 'KOC_REPORT_STORE_UNKNOWN',
] as const;

type Code = (typeof REPORT_USAGE_CODES)[number] | 'KOC_CLI_USAGE';

/** A zod issue that carries the KOC code to raise and an example of a good value. */
const coded = (code: Code, message: string, example: string) => ({ message, params: { kocCode: code, example } });

const localDate = (flag: string) =>
  z
    .string()
    .trim()
    .optional()
    .superRefine((text, ctx) => {
      const problem = text === undefined ? undefined : checkCalendarDate(text);
      if (problem) ctx.addIssue({ code: 'custom', ...coded('KOC_REPORT_DATE_INVALID', `${flag}: ${problem}`, `${flag} 2026-12-01`) });
    });

export const reportOptionsSchema = z.object({
  kind: z.string().trim().superRefine((kind, ctx) => {
    if (!(REPORT_KINDS as readonly string[]).includes(kind)) {
      const near = closest(kind, REPORT_KINDS);
      ctx.addIssue({
        code: 'custom',
        ...coded('KOC_REPORT_KIND_UNKNOWN', `there is no report "${kind}"${near ? ` (did you mean "${near}"?)` : ''}; reports: ${REPORT_KINDS.join(', ')}`, `kocflow report ${near ?? 'koc'}`),
      });
    }
  }).transform((kind) => kind as ReportKind),
  from: localDate('--from'),
  to: localDate('--to'),
  tz: z.string().trim().optional().superRefine((zone, ctx) => {
    if (zone !== undefined && !isValidTimeZone(zone)) {
      ctx.addIssue({ code: 'custom', ...coded('KOC_REPORT_TIMEZONE_INVALID', `--tz: "${zone}" is not an IANA time zone`, '--tz Asia/Shanghai') });
    }
  }),
  store: z.string().trim().min(1, coded('KOC_CLI_USAGE', '--store needs a store id or a pattern', '--store sh-001 or --store "sh-*"')).optional(),
  format: z.string().trim().default('table').superRefine((format, ctx) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) ctx.addIssue({ code: 'custom', ...coded('KOC_CLI_USAGE', '--format must be table, csv or json', '--format csv') });
  }).transform((format) => format as ReportFormat),
});

export type RawReportOptions = z.input<typeof reportOptionsSchema>;

/** The dates a report covers, as asked (local dates, `to` inclusive) and as instants ([from, to)). */
export interface ReportRange {
  fromDate: string;
  toDate: string;
  timeZone: string;
  /** The start of fromDate in timeZone. */
  from: Date;
  /** The start of the day after toDate in timeZone: the first instant not counted. */
  to: Date;
}

export interface ReportRequest {
  kind: ReportKind;
  range: ReportRange;
  /** `--store` as given (an id or a pattern); null: every store. */
  store: string | null;
  format: ReportFormat;
}

export interface ReportDefaults {
  /** The zone dates are read in without --tz (the config's first account's, else Asia/Shanghai). */
  timeZone: string;
  now: Date;
}

/**
 * Checks the options and turns the dates into instants (the defaults are asked for after the check passed). Throws KocError: KOC_REPORT_KIND_UNKNOWN,
 * KOC_REPORT_DATE_INVALID, KOC_REPORT_RANGE_INVALID (from after to), KOC_REPORT_TIMEZONE_INVALID, KOC_CLI_USAGE (format,
 * empty store).
 */
export function parseReportOptions(raw: Record<string, unknown>, defaults: ReportDefaults | (() => ReportDefaults)): ReportRequest {
  const parsed = reportOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const params = ('params' in issue ? issue.params : undefined) as { kocCode?: Code; example?: string } | undefined;
    const key = String(issue.path[0] ?? '');
    const given = raw[key];
    const quoted = typeof given === 'string' && !issue.message.includes(`"${given}"`) && key !== 'kind' ? `, not "${given}"` : '';
    throw new KocError(params?.kocCode ?? 'KOC_CLI_USAGE', `${issue.message}${quoted}`, {
      hint: params?.example ? `for example ${params.example}` : 'run kocflow report --help',
      details: { option: key },
    });
  }
  const options = parsed.data;
  // Asked for only once the options are known to be good (the CLI reads kocflow.yaml for them).
  const { timeZone: defaultZone, now } = typeof defaults === 'function' ? defaults() : defaults;
  const timeZone = options.tz ?? defaultZone;
  const toDate = options.to ?? localDateKey(now, timeZone);
  const fromDate = options.from ?? addDays(toDate, -(DEFAULT_DAYS - 1));
  if (fromDate > toDate) {
    throw new KocError('KOC_REPORT_RANGE_INVALID', `--from ${fromDate} is after --to ${toDate}`, {
      hint: options.from && options.to ? `swap them: --from ${toDate} --to ${fromDate}` : `give both, e.g. --from ${fromDate} --to ${fromDate}`,
    });
  }
  return {
    kind: options.kind,
    range: { fromDate, toDate, timeZone, from: startOfLocalDate(fromDate, timeZone), to: endOfLocalDate(toDate, timeZone) },
    store: options.store ?? null,
    format: options.format,
  };
}

/** `YYYY-MM-DD` plus whole days (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
