/**
 * Reports: what `kocflow report` prints and the dashboard will show. The numbers come from src/store/report/ (typed
 * rows, aggregated in the database); this module resolves the stores, adds the configured limits and renders a table,
 * CSV or JSON. What every column counts: docs/reports.md.
 */
import type { KocflowConfig } from '../config/schema.ts';
import { formatLocal } from '../playbook/templates/helpers.ts';
import type { PrismaClient } from '../store/types.ts';
import { accountActivity, campaignReport, flowReport, kocReport, matchStores, type CampaignReportRow, type FlowReportRow, type KocReportRow, type ReportScope } from '../store/report/index.ts';
import { withLimits } from './accountLimits.ts';
import { renderCsv, renderJson, renderTable, type ReportView } from './format.ts';
import type { ReportFormat, ReportKind, ReportRequest } from './options.ts';
import { accountsView, campaignsView, flowsView, JSON_KEYS, kocView, type AccountReportRow } from './views.ts';

export { parseReportOptions, REPORT_FORMATS, REPORT_KINDS, REPORT_USAGE_CODES, type ReportFormat, type ReportKind, type ReportRequest, type ReportRange } from './options.ts';
export { JSON_KEYS, type AccountReportRow } from './views.ts';

export type ReportRows =
  | { kind: 'koc'; rows: KocReportRow[] }
  | { kind: 'flows'; rows: FlowReportRow[] }
  | { kind: 'campaigns'; rows: CampaignReportRow[] }
  | { kind: 'accounts'; rows: AccountReportRow[] };

export type LoadedReport = ReportRows & {
  request: ReportRequest;
  /** The store ids `--store` matched (null: all stores). */
  storeIds: string[] | null;
  /** When it was run: "today" and the queue of the accounts report are as of then. */
  now: Date;
};

export interface ReportEnvironment {
  /** For the accounts' limits. */
  config: KocflowConfig;
  /** Which puppet each account runs on decides its pacing (the demo's on the mock). */
  env: Readonly<Record<string, string | undefined>>;
  /** "Today", for the accounts report. */
  now: Date;
}

/** Runs the report's queries. KOC_REPORT_STORE_UNKNOWN when `--store` matches no store. */
export async function loadReport(prisma: PrismaClient, request: ReportRequest, environment: ReportEnvironment): Promise<LoadedReport> {
  const storeIds = request.store === null ? null : (await matchStores(prisma, request.store)).ids;
  const scope: ReportScope = { from: request.range.from, to: request.range.to, storeIds };
  const base = { request, storeIds, now: environment.now };
  switch (request.kind) {
    case 'koc':
      return { ...base, kind: 'koc', rows: await kocReport(prisma, scope) };
    case 'flows':
      return { ...base, kind: 'flows', rows: await flowReport(prisma, scope) };
    case 'campaigns':
      return { ...base, kind: 'campaigns', rows: await campaignReport(prisma, scope) };
    case 'accounts':
      return { ...base, kind: 'accounts', rows: withLimits(await accountActivity(prisma, scope, environment.now), environment.config, environment.env, environment.now) };
  }
}

/** What to print: the report on stdout; for csv and json, the line about an empty result on stderr (stdout stays parseable). */
export interface RenderedReport {
  stdout: string;
  stderr: string;
  empty: boolean;
}

export function renderReport(report: LoadedReport, format: ReportFormat = report.request.format): RenderedReport {
  const empty = report.rows.length === 0;
  const what = describe(report);
  const view = viewOf(report);
  if (format === 'json') return { stdout: renderJson(view), stderr: empty ? `${emptyLine(report)}\n` : '', empty };
  if (format === 'csv') return { stdout: renderCsv(view, JSON_KEYS[report.kind]), stderr: empty ? `${emptyLine(report)}\n` : '', empty };
  if (empty) return { stdout: `${emptyLine(report)}\n`, stderr: '', empty };
  const asOf = report.kind === 'accounts' ? `; today/limit and the queue as of ${formatLocal(report.now, 'YYYY-MM-DD HH:mm', report.request.range.timeZone)}` : '';
  return { stdout: `${TITLES[report.kind]}, ${what}${asOf}\n${renderTable(view)}`, stderr: '', empty };
}

function viewOf(report: LoadedReport): ReportView<never> {
  const context = { timeZone: report.request.range.timeZone };
  switch (report.kind) {
    case 'koc':
      return kocView(report.rows) as ReportView<never>;
    case 'flows':
      return flowsView(report.rows) as ReportView<never>;
    case 'campaigns':
      return campaignsView(report.rows, context) as ReportView<never>;
    case 'accounts':
      return accountsView(report.rows, context) as ReportView<never>;
  }
}

const TITLES: Record<ReportKind, string> = {
  koc: 'KOC report',
  flows: 'Flows report',
  campaigns: 'Campaigns report',
  accounts: 'Accounts report',
};

/** `2026-12-01..2026-12-07 (Asia/Shanghai), stores sh-001, sh-002` */
function describe(report: LoadedReport): string {
  const { range, store } = report.request;
  const stores = store === null ? 'all stores' : `store${report.storeIds!.length === 1 ? '' : 's'} ${report.storeIds!.join(', ')}${store.includes('*') || store.includes('?') ? ` (${store})` : ''}`;
  const days = range.fromDate === range.toDate ? range.fromDate : `${range.fromDate}..${range.toDate}`;
  return `${days} (${range.timeZone}), ${stores}`;
}

function emptyLine(report: LoadedReport): string {
  const what = describe(report);
  switch (report.kind) {
    case 'koc':
      return `no KOCs to report for ${what}: no KOC profiles there (kocflow.yaml gives a guide or ambassador a tier to make them a KOC)`;
    case 'flows':
      return `no flow sent, deferred, skipped or failed anything in ${what}`;
    case 'campaigns':
      return `no campaign ran or issued or redeemed a coupon in ${what}`;
    case 'accounts':
      return `no bot accounts in ${what.replace(/^.*?\), /, '')}: kocflow start writes them from kocflow.yaml`;
  }
}
