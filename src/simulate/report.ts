import type { OutboundKind } from '../domain/channel.ts';
import { localDateKey } from '../engine/localTime.ts';
import type { LedgerOutboxRow } from '../store/simulationSeed.ts';
import type { SimulationRun } from './runSimulation.ts';
import { checkDeliveries, type SentRecord, type Violations, type WindowMaxima } from './violations.ts';

/**
 * The summary of a simulation, from two sources that must agree: what the fake channel delivered (sends, their
 * times, the violation checks) and the outbox as the engine left it (flows, deferrals and skips with their reasons,
 * what was still pending at the end). Every map is in a fixed order (counts descending, then name), so the JSON is
 * stable for the same seed except for `wallSeconds`.
 */
export interface SimulationSummary {
  period: { from: string; to: string; days: number; timeZone: string };
  seed: number;
  population: {
    accounts: { guide: number; ambassador: number; assistant: number };
    stores: number;
    staff: number;
    contacts: number;
  };
  playbooks: { flows: number; campaigns: number };
  /** Deliveries: messages, task cards, staff notes, tags. */
  sends: number;
  sendsPerDay: { date: string; sends: number }[];
  byKind: Record<string, number>;
  byFlow: Record<string, FlowSummary>;
  byAccount: Record<string, AccountSummary>;
  deferred: { total: number; entries: number; byReason: Record<string, number> };
  skipped: { total: number; byReason: Record<string, number> };
  failed: number;
  inDoubt: number;
  /** Entries still waiting when the period ended (due after it, typically deferred past the last night). */
  pendingAtEnd: number;
  rewards: SimulationRun['ledger']['rewards'];
  violations: Violations;
  /** Customer events the engine handled, and engine ticks. */
  events: number;
  ticks: number;
  simulatedSeconds: number;
  wallSeconds: number;
}

export interface FlowSummary {
  name: string;
  sends: number;
  /** Deferral decisions (an entry deferred three times counts three). */
  deferred: number;
  skipped: number;
}

export interface AccountSummary {
  role: string;
  store: string | null;
  sends: number;
  /** The most sends in any minute, hour and local day, of the kinds pacing limits (all but tags). */
  max: WindowMaxima;
  /** The account's limits; a new account's were lower while it ramped up (rampUp: true). */
  limits: WindowMaxima;
  rampUp: boolean;
}

/** Label of entries no flow enqueued (the opt-out confirmation). */
export const NO_FLOW = '(no flow)';

export function summarize(run: SimulationRun): SimulationSummary {
  const { population, ledger } = run;
  const accounts = new Map(population.accounts.map((a) => [a.id, a]));
  const rows = new Map(ledger.outbox.map((row) => [row.id, row]));
  const sends: SentRecord[] = run.deliveries.map((d) => sentRecord(d, rows.get(d.meta.outboxId)));
  const check = checkDeliveries(sends, accounts, (flowId) => (flowId ? run.playbooks.flows.get(flowId)?.document.pacing : undefined));

  const perDay = new Map<string, number>();
  for (let day = 0; day < run.simulatedSeconds / 86_400; day++) perDay.set(localDateKey(new Date(run.from.getTime() + day * 86_400_000), population.timeZone), 0);
  for (const send of sends) {
    const key = localDateKey(send.at, population.timeZone);
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }

  const byFlow = new Map<string, FlowSummary>();
  const flow = (id: string | null) => {
    const key = id ?? NO_FLOW;
    let entry = byFlow.get(key);
    if (!entry) {
      entry = { name: id ? (run.playbooks.flows.get(id)?.document.name ?? id) : '退订确认', sends: 0, deferred: 0, skipped: 0 };
      byFlow.set(key, entry);
    }
    return entry;
  };
  for (const send of sends) flow(send.flowId).sends++;
  const deferredByReason = new Map<string, number>();
  for (const d of ledger.decisions) {
    if (d.decision !== 'deferred' && d.decision !== 'released') continue;
    flow(d.flowId).deferred += d.events;
    add(deferredByReason, d.reason ?? 'unknown', d.events);
  }
  const skippedByReason = new Map<string, number>();
  let failed = 0;
  let inDoubt = 0;
  let pending = 0;
  for (const row of ledger.outbox) {
    if (row.status === 'skipped') {
      flow(row.flowId).skipped++;
      add(skippedByReason, row.skipReason ?? 'unknown', 1);
    } else if (row.status === 'failed') failed++;
    else if (row.status === 'in_doubt') inDoubt++;
    else if (row.status === 'pending' || row.status === 'sending') pending++;
  }

  const byAccount: Record<string, AccountSummary> = {};
  const sendsOf = countBy(sends, (s) => s.accountId);
  for (const account of population.accounts) {
    const p = account.pacing;
    byAccount[account.id] = {
      role: account.role,
      store: account.storeId,
      sends: sendsOf.get(account.id) ?? 0,
      max: check.maxima.get(account.id) ?? { minute: 0, hour: 0, day: 0 },
      limits: { minute: p.maxPerMinute, hour: p.maxPerHour, day: p.maxPerDay },
      rampUp: p.rampUpDays > 0 && account.activeSince.getTime() + p.rampUpDays * 86_400_000 > run.from.getTime(),
    };
  }

  const roles = countBy(population.accounts, (a) => a.role);
  return {
    period: { from: run.from.toISOString(), to: run.to.toISOString(), days: Math.round(run.simulatedSeconds / 86_400), timeZone: population.timeZone },
    seed: run.seed,
    population: {
      accounts: { guide: roles.get('guide') ?? 0, ambassador: roles.get('ambassador') ?? 0, assistant: roles.get('assistant') ?? 0 },
      stores: population.stores.length,
      staff: population.staff.length,
      contacts: population.customers.length,
    },
    playbooks: { flows: run.playbooks.flows.size, campaigns: run.playbooks.campaigns.size },
    sends: sends.length,
    sendsPerDay: [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([date, n]) => ({ date, sends: n })),
    byKind: ordered(countBy(run.deliveries, (d) => d.action.kind)),
    byFlow: Object.fromEntries([...byFlow].sort(([a, x], [b, y]) => y.sends - x.sends || a.localeCompare(b))),
    byAccount,
    deferred: { total: sum(deferredByReason), entries: ledger.outbox.filter((r) => r.deferredReason !== null).length, byReason: ordered(deferredByReason) },
    skipped: { total: sum(skippedByReason), byReason: ordered(skippedByReason) },
    failed,
    inDoubt,
    pendingAtEnd: pending,
    rewards: ledger.rewards,
    violations: check.violations,
    events: run.eventsDelivered,
    ticks: run.ticks,
    simulatedSeconds: run.simulatedSeconds,
    wallSeconds: Math.round(run.wallSeconds * 100) / 100,
  };
}

/** Whether a summary shows any violation (the command then exits 1). */
export function hasViolations(summary: SimulationSummary): boolean {
  const v = summary.violations;
  return v.quietHours + v.caps + v.duplicates > 0;
}

function sentRecord(d: SimulationRun['deliveries'][number], row: LedgerOutboxRow | undefined): SentRecord {
  return {
    at: d.at,
    accountId: d.action.accountId,
    flowId: row?.flowId ?? null,
    kind: (row?.kind ?? d.action.kind) as OutboundKind,
    contactId: row?.contactId ?? null,
    proactive: row?.proactive ?? false,
    idempotencyKey: d.meta.idempotencyKey,
    outboxId: d.meta.outboxId,
  };
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) add(counts, key(item), 1);
  return counts;
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}

/** Counts descending, then by name: a stable order for JSON and tables. */
function ordered(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}
