import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Builds the PGlite snapshots and the PostgreSQL template the store tests copy (tests/support/stores.ts).
    globalSetup: ['tests/support/stores.globalSetup.ts'],
    // PGlite starts in ~1 s from a snapshot, ~4 s in memory and ~8 s on a new data directory.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
