/**
 * How the engine store runs its own SQL (every statement written here rather than as a Prisma model query).
 *
 * Through Prisma ($queryRaw), or straight on the driver underneath it: the PGlite instance, or the pg pool Prisma's
 * adapter uses. The statements are the same text and parameters either way. The driver path exists for speed: on
 * these machines a statement costs ~0.3 ms more through Prisma's client and adapter than on PGlite directly (an
 * UPDATE by primary key: 0.32 ms direct, 0.65 ms through Prisma), and the engine runs several per tick — in
 * `kocflow simulate` that was a quarter of the time. The engine store tests run on both paths and both stores.
 *
 * Parameters: instants are passed as ISO strings and every placeholder carries a cast, so both drivers send the
 * same text (pg would otherwise send a Date in the process's local zone, PGlite as UTC: the same instant, but one
 * spelling is easier to reason about). Results differ by driver in a few types (bigint: number on PGlite, string on
 * pg); the row mappers accept either, as they accept what Prisma returns.
 */
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Prisma, PrismaClient } from '../generated/client.ts';

export interface EngineSql {
  query<Row>(statement: Prisma.Sql): Promise<Row[]>;
  /** Rows the statement wrote (for a CTE, those of its main statement). */
  execute(statement: Prisma.Sql): Promise<number>;
}

/** The database under Prisma, as openStore's Store objects expose it. */
export type SqlDriver = { kind: 'embedded'; pglite: PGlite } | { kind: 'postgres'; pool: pg.Pool };

export function prismaSql(prisma: PrismaClient): EngineSql {
  return {
    query: <Row>(statement: Prisma.Sql) => prisma.$queryRaw<Row[]>(statement),
    execute: (statement: Prisma.Sql) => prisma.$executeRaw(statement),
  };
}

export function driverSql(driver: SqlDriver): EngineSql {
  if (driver.kind === 'embedded') {
    const { pglite } = driver;
    return {
      async query<Row>(statement: Prisma.Sql) {
        return (await pglite.query<Row>(statement.text, params(statement))).rows;
      },
      async execute(statement: Prisma.Sql) {
        return (await pglite.query(statement.text, params(statement))).affectedRows ?? 0;
      },
    };
  }
  const { pool } = driver;
  return {
    async query<Row>(statement: Prisma.Sql) {
      return (await pool.query(statement.text, params(statement))).rows as Row[];
    },
    async execute(statement: Prisma.Sql) {
      return (await pool.query(statement.text, params(statement))).rowCount ?? 0;
    },
  };
}

function params(statement: Prisma.Sql): unknown[] {
  return statement.values.map((value) => (value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? value.toString() : value));
}
