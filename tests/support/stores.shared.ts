/** Shared between the store tests' global setup (main process) and tests/support/stores.ts (workers). */

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';
/**
 * Migrated template databases: kocflow_test_template_<checkout>_<migrations key>. (Before templates were kept per
 * checkout they were kocflow_test_tpl_<key>, and a run evicted every other one: a prefix that the old pattern
 * does not match keeps a checkout that still runs the old setup from dropping this one's template mid-run.)
 */
export const TEMPLATE_DATABASE_PREFIX = 'kocflow_test_template_';
/** Per-test-file databases: kocflow_test_f_<vitest pid>_<random>. */
export const FILE_DATABASE_PREFIX = 'kocflow_test_f_';

export type PostgresInfo =
  | { available: true; adminUrl: string; templateDatabase: string }
  | { available: false; reason: string };

export interface StoresInfo {
  /** Hash of the migrations and the PGlite version. */
  key: string;
  /** The vitest main process id: names this run's databases. */
  runId: string;
  pglite: { emptySnapshot: string; migratedSnapshot: string };
  postgres: PostgresInfo;
}

export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.href;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kocflowStores: StoresInfo;
  }
}
