/**
 * What every report query is given: an instant range and, optionally, the stores to keep. The range's ends are
 * instants here; turning the `--from/--to` local dates into them is src/report/options.ts's job.
 */
import { Prisma, type PrismaClient } from '../generated/client.ts';

export interface ReportScope {
  /** The first instant counted (inclusive): the start of the `--from` local day. */
  from: Date;
  /** The first instant not counted (exclusive): the start of the local day after `--to`. */
  to: Date;
  /**
   * Store ids to keep (already resolved from a pattern: src/store/report/stores.ts); null keeps everything,
   * including rows that belong to no store. With a list, rows without a store are left out.
   */
  storeIds: readonly string[] | null;
}

/**
 * `column` is one of the scope's stores, or true without a store filter. The ids travel as one jsonb parameter
 * (as the engine store passes batches), so any number of stores is one statement with the same text.
 */
export function inStores(column: Prisma.Sql, scope: ReportScope): Prisma.Sql {
  if (scope.storeIds === null) return Prisma.sql`true`;
  return Prisma.sql`${column} IN (SELECT jsonb_array_elements_text(${JSON.stringify(scope.storeIds)}::jsonb))`;
}

/** `column` falls in [from, to). */
export function inRange(column: Prisma.Sql, scope: ReportScope): Prisma.Sql {
  return Prisma.sql`${column} >= ${scope.from}::timestamptz AND ${column} < ${scope.to}::timestamptz`;
}

/** A count or sum as raw SQL returns it (number, bigint or string, by driver) → number. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** A timestamptz as raw SQL returns it → Date (null stays null). */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

/** A jsonb object of counts (`{"quiet_hours": 3}`) → a plain object with its keys sorted, so output is stable. */
export function toCounts(value: unknown): Record<string, number> {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (parsed === null || parsed === undefined || typeof parsed !== 'object') return {};
  const entries = Object.entries(parsed as Record<string, unknown>).map(([key, n]) => [key, toNumber(n)] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Runs a report statement with PostgreSQL's JIT compiler off for it (SET LOCAL, in one transaction with it). A
 * report's plan costs more than jit_above_cost once its range holds some 20,000 sends, and compiling it took longer
 * than running it: 1.2 s of LLVM for a 250 ms flows report over 90 days, measured on PostgreSQL 15 here
 * (docs/reports.md#cost). PGlite has no JIT and accepts the setting.
 */
export async function reportQuery<Row>(prisma: PrismaClient, statement: Prisma.Sql): Promise<Row[]> {
  const [, rows] = await prisma.$transaction([prisma.$executeRaw`SET LOCAL jit = off`, prisma.$queryRaw<Row[]>(statement)]);
  return rows;
}
