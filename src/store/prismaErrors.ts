/**
 * Recognising Prisma errors without importing the runtime's classes everywhere. Codes are Prisma's stable
 * `P…` codes; both driver adapters map PostgreSQL's SQLSTATEs onto them (23505 → P2002, 23503 → P2003).
 */
export function prismaErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}

/** A unique constraint was violated (the row exists already). */
export function isUniqueViolation(error: unknown): boolean {
  return prismaErrorCode(error) === 'P2002';
}

/** A foreign key points at nothing. */
export function isForeignKeyViolation(error: unknown): boolean {
  return prismaErrorCode(error) === 'P2003';
}
