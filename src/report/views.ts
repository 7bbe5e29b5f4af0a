/**
 * How each report is shown: the table's columns (for people) and the JSON keys (csv and json, for programs). The
 * keys are the contract: same names, same order, for every row and every release (add, never rename).
 */
import { formatLocal } from '../playbook/templates/helpers.ts';
import type { AccountActivityRow, CampaignReportRow, FlowReportRow, KocReportRow } from '../store/report/index.ts';
import type { JsonRow, ReportView, TableColumn } from './format.ts';

/** An account's activity with the limits it runs under (src/report/accountLimits.ts). */
export interface AccountReportRow extends AccountActivityRow {
  /** Whether kocflow.yaml still configures the account (limits are only known then). */
  configured: boolean;
  /** Sends a local day its pacing allows today, ramp-up applied; null when not configured. */
  dailyLimit: number | null;
  /** pacing.maxPerDay as configured (the limit once ramped up); null when not configured. */
  maxPerDay: number | null;
}

export interface ViewContext {
  /** The zone instants are shown in (the report's). */
  timeZone: string;
}

export const JSON_KEYS = {
  koc: ['staffId', 'wecomUserId', 'name', 'role', 'storeId', 'tier', 'leftAt', 'clicks', 'adds', 'couponsIssued', 'couponsRedeemed', 'points', 'pointsBalance'],
  flows: [
    'flowId', 'step', 'kinds', 'sent', 'deferred', 'deferredByReason', 'skipped', 'skippedByReason', 'failed', 'inDoubt', 'messagesSent', 'replied', 'replyRate',
    'optOuts',
  ],
  campaigns: ['campaignId', 'name', 'startsAt', 'endsAt', 'budget', 'issuedTotal', 'remaining', 'issued', 'redeemed', 'redeemedOfIssued', 'redemptionRate', 'redeemedByStore'],
  accounts: [
    'accountId', 'name', 'role', 'storeId', 'timeZone', 'status', 'paused', 'backoffUntil', 'lastSeenAt', 'sentToday', 'dailyLimit', 'maxPerDay',
    'lastSentAt', 'sentInRange', 'pending', 'deferred', 'inDoubt', 'failedInRange', 'configured',
  ],
} as const;

const num = <Row>(header: string, value: (row: Row) => number | null): TableColumn<Row> => ({
  header, align: 'right', text: (row) => { const v = value(row); return v === null ? '-' : String(v); },
});
const txt = <Row>(header: string, value: (row: Row) => string | null): TableColumn<Row> => ({
  header, align: 'left', text: (row) => value(row) ?? '-',
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
/** `quiet_hours 2, spacing 1`, or empty. */
const reasons = (counts: Record<string, number>) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');

/** Keys in the contract's order (the check that the view and JSON_KEYS agree is a test). */
function ordered(keys: readonly string[], values: JsonRow): JsonRow {
  return Object.fromEntries(keys.map((key) => [key, values[key] ?? null]));
}

export function kocView(rows: KocReportRow[]): ReportView<KocReportRow> {
  return {
    rows,
    columns: [
      txt('KOC', (r) => (r.leftAt ? `${r.name} (left)` : r.name)),
      txt('id', (r) => r.wecomUserId),
      txt('store', (r) => r.storeId),
      txt('tier', (r) => r.tier),
      num('clicks', (r) => r.clicks),
      num('adds', (r) => r.adds),
      num('coupons', (r) => r.couponsIssued),
      num('redeemed', (r) => r.couponsRedeemed),
      num('points', (r) => r.points),
      num('balance', (r) => r.pointsBalance),
    ],
    json: (r) => ordered(JSON_KEYS.koc, {
      staffId: r.staffId, wecomUserId: r.wecomUserId, name: r.name, role: r.role, storeId: r.storeId, tier: r.tier, leftAt: iso(r.leftAt),
      clicks: r.clicks, adds: r.adds, couponsIssued: r.couponsIssued, couponsRedeemed: r.couponsRedeemed, points: r.points, pointsBalance: r.pointsBalance,
    }),
  };
}

export function flowsView(rows: FlowReportRow[]): ReportView<FlowReportRow> {
  return {
    rows,
    columns: [
      txt('flow', (r) => r.flowId ?? '(outside flows)'),
      num('step', (r) => (r.stepIndex === null ? null : r.stepIndex + 1)),
      txt('kind', (r) => r.kinds || null),
      num('sent', (r) => r.sent),
      num('deferred', (r) => r.deferred),
      num('skipped', (r) => r.skipped),
      num('failed', (r) => r.failed),
      num('in doubt', (r) => r.inDoubt),
      num('replied 24h', (r) => r.replied),
      { header: 'reply %', align: 'right', text: (r) => percent(ratio(r.replied, r.messagesSent)) },
      num('opt-outs', (r) => r.optOuts),
      txt('deferred by reason', (r) => reasons(r.deferredByReason)),
      txt('skipped by reason', (r) => reasons(r.skippedByReason)),
    ],
    json: (r) => ordered(JSON_KEYS.flows, {
      flowId: r.flowId, step: r.stepIndex === null ? null : r.stepIndex + 1, kinds: r.kinds, sent: r.sent, deferred: r.deferred,
      deferredByReason: r.deferredByReason, skipped: r.skipped, skippedByReason: r.skippedByReason, failed: r.failed, inDoubt: r.inDoubt,
      messagesSent: r.messagesSent, replied: r.replied, replyRate: ratio(r.replied, r.messagesSent), optOuts: r.optOuts,
    }),
  };
}

export function campaignsView(rows: CampaignReportRow[], context: ViewContext): ReportView<CampaignReportRow> {
  const day = (d: Date | null, end = false) => (d === null ? null : formatLocal(new Date(d.getTime() - (end ? 1 : 0)), 'YYYY-MM-DD', context.timeZone));
  return {
    rows,
    columns: [
      txt('campaign', (r) => r.campaignId),
      txt('name', (r) => r.name),
      txt('period', (r) => (r.startsAt || r.endsAt ? `${day(r.startsAt) ?? '...'}..${day(r.endsAt, true) ?? '...'}` : null)),
      num('budget', (r) => r.budget),
      num('issued all', (r) => r.issuedTotal),
      num('remaining', (r) => r.remaining),
      num('issued', (r) => r.issued),
      num('redeemed', (r) => r.redeemed),
      { header: 'rate', align: 'right', text: (r) => percent(r.redemptionRate) },
      txt('redeemed by store', (r) => reasons(r.redeemedByStore)),
    ],
    json: (r) => ordered(JSON_KEYS.campaigns, {
      campaignId: r.campaignId, name: r.name, startsAt: iso(r.startsAt), endsAt: iso(r.endsAt), budget: r.budget, issuedTotal: r.issuedTotal,
      remaining: r.remaining, issued: r.issued, redeemed: r.redeemed, redeemedOfIssued: r.redeemedOfIssued,
      redemptionRate: r.redemptionRate === null ? null : Math.round(r.redemptionRate * 10_000) / 10_000, redeemedByStore: r.redeemedByStore,
    }),
  };
}

export function accountsView(rows: AccountReportRow[], context: ViewContext): ReportView<AccountReportRow> {
  const time = (d: Date | null) => (d === null ? null : formatLocal(d, 'MM-DD HH:mm', context.timeZone));
  return {
    rows,
    columns: [
      txt('account', (r) => r.accountId),
      txt('name', (r) => r.name),
      txt('store', (r) => r.storeId),
      txt('status', (r) => (r.backoffUntil ? `${r.status}, backoff to ${time(r.backoffUntil)}` : r.status)),
      { header: 'today/limit', align: 'right', text: (r) => `${r.sentToday}/${r.dailyLimit ?? '-'}` },
      txt('last send', (r) => time(r.lastSentAt)),
      num('sent', (r) => r.sentInRange),
      num('pending', (r) => r.pending),
      num('deferred', (r) => r.deferred),
      num('in doubt', (r) => r.inDoubt),
      num('failed', (r) => r.failedInRange),
    ],
    json: (r) => ordered(JSON_KEYS.accounts, {
      accountId: r.accountId, name: r.name, role: r.role, storeId: r.storeId, timeZone: r.timeZone, status: r.status, paused: r.paused,
      backoffUntil: iso(r.backoffUntil), lastSeenAt: iso(r.lastSeenAt), sentToday: r.sentToday, dailyLimit: r.dailyLimit, maxPerDay: r.maxPerDay,
      lastSentAt: iso(r.lastSentAt), sentInRange: r.sentInRange, pending: r.pending, deferred: r.deferred, inDoubt: r.inDoubt,
      failedInRange: r.failedInRange, configured: r.configured,
    }),
  };
}
