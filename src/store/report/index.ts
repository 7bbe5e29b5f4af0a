/**
 * Report queries: typed rows, aggregated in the database, identical on the embedded store and PostgreSQL. Formatting
 * lives in src/report/; `kocflow report` and the dashboard both call these. What each column counts:
 * docs/reports.md.
 */
export { accountActivity, type AccountActivityRow } from './accounts.ts';
export { campaignReport, type CampaignReportRow } from './campaigns.ts';
export { flowReport, RESPONSE_WINDOW_MS, type FlowReportRow } from './flows.ts';
export { kocReport, type KocReportRow } from './koc.ts';
export { outboxMetrics, type OutboxMetrics } from './metrics.ts';
export type { ReportScope } from './scope.ts';
export { matchStores, type MatchedStores } from './stores.ts';
