/**
 * Recognising Prisma errors without importing the runtime's classes everywhere. Codes are Prisma's stable
 * `P…` codes; both driver adapters map PostgreSQL's SQLSTATEs onto them (23505 → P2002, 23503 → P2003).
 * Raw queries ($queryRaw, $executeRaw) fail with P2010 instead, carrying the SQLSTATE in
 * `meta.driverAdapterError.cause.originalCode`; SQL run on the driver directly fails with the driver's own error and
 * its SQLSTATE in `code`: the predicates below recognise all three forms.
 */
export function prismaErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}

/** The PostgreSQL SQLSTATE of a failed raw query (P2010), when the adapter reported one. */
export function rawQuerySqlState(error: unknown): string | undefined {
  if (prismaErrorCode(error) !== 'P2010') return undefined;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } }; code?: unknown } }).meta;
  const code = meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The SQLSTATE of an error thrown by a driver itself (PGlite's or pg's DatabaseError), for SQL the engine store runs
 * without Prisma (store/engine/sql.ts).
 */
export function driverSqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('severity' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A unique constraint was violated (the row exists already). */
export function isUniqueViolation(error: unknown): boolean {
  return prismaErrorCode(error) === 'P2002' || rawQuerySqlState(error) === '23505' || driverSqlState(error) === '23505';
}

/** A foreign key points at nothing. */
export function isForeignKeyViolation(error: unknown): boolean {
  return prismaErrorCode(error) === 'P2003' || rawQuerySqlState(error) === '23503' || driverSqlState(error) === '23503';
}
