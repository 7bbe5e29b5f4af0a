/**
 * What every part of the engine store shares: the Prisma client, the logger, and the errors a caller can act on.
 */
import { KocError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PrismaClient } from '../generated/client.ts';
import type { EngineSql } from './sql.ts';
import type { InputJsonValue } from '../generated/internal/prismaNamespace.ts';
import { isForeignKeyViolation } from '../prismaErrors.ts';

export interface EngineStoreContext {
  prisma: PrismaClient;
  /** The store's own SQL: through Prisma, or on the driver underneath it (./sql.ts). */
  sql: EngineSql;
  logger: Logger;
  /** Recorded as `claimed_by` when this process claims an outbox entry (markSending). */
  claimedBy: string | null;
  /** Several processes on PostgreSQL (docs/scaling.md): what this one may dispatch. Undefined: everything (one process). */
  scope?: StoreScope | undefined;
}

/**
 * One process among several on PostgreSQL (docs/scaling.md). Its sends are those of the accounts it holds a lease
 * on: the dispatch reads filter by them and a claim also checks the lease in the database (its clock, `now()`), so a
 * process whose lease expired cannot claim a row of that account any more, whatever it believes.
 */
export interface StoreScope {
  /** This process, as its leases (account_leases.owner_id) and outbox claims (claimed_by) name it. */
  ownerId: string;
  /** The accounts this process holds a lease on now. */
  ownedAccounts(): readonly string[];
  /** Whether this process does scheduled work (role worker or all): nextDueAt then counts runs, schedules, reminders. */
  scheduled: boolean;
}

/**
 * A json/jsonb column as raw SQL returns it: already parsed by the driver, or as text (PGlite and pg differ, and so
 * do Prisma's raw queries and the driver path).
 */
export function fromJsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/** Engine values are JSON-safe by contract (RunState, OutboundAction, interaction bodies, compiled flows). */
export function json(value: unknown): InputJsonValue {
  return value as InputJsonValue;
}

/** Ids as a PostgreSQL array literal, `{1,2,3}`, for `= ANY (…::bigint[])` (digits only: nothing to quote). */
export function bigintArray(ids: readonly (bigint | string)[]): string {
  return `{${ids.map(String).join(',')}}`;
}

export function accountUnknown(accountId: string, cause?: unknown): KocError {
  return new KocError('KOC_ACCOUNT_UNKNOWN', `account ${accountId} is not in the store`, {
    hint: 'accounts are synchronised from configuration at start (accounts repository upsert); add the account or fix its id',
    details: { accountId },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function contactUnknown(contactId: string, cause?: unknown): KocError {
  return new KocError('KOC_CONTACT_UNKNOWN', `contact ${contactId} is not in the store`, {
    hint: 'contacts are created by ensureContact when an event names them; this id was never stored or was purged',
    details: { contactId },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Runs a write and turns a foreign-key violation into the KocError `explain` returns (it may look up which
 * reference is missing: that costs a query, but only on the failure path).
 */
export async function explainForeignKey<T>(write: Promise<T>, explain: (cause: unknown) => Promise<KocError> | KocError): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw await explain(error);
    throw error;
  }
}

/** Whether an account row exists (for error messages on the failure path). */
export async function accountExists(prisma: PrismaClient, accountId: string): Promise<boolean> {
  return (await prisma.account.count({ where: { id: accountId } })) > 0;
}
