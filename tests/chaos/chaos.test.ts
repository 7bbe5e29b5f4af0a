import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/chaos.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * The short chaos run of CI (the full one, ≥ 50 kills of a 5,000-send storm, is scripts/chaos/run.ts; figures in
 * docs/reliability.md): the real engine in a child process, a storm of 300 sends over 30 customers, SIGKILLed 5
 * times at random moments (start-up and migration included: the PostgreSQL database starts empty) and restarted.
 * Every send delivered exactly once or in doubt, no duplicates, no more in-doubt rows than kills, no lost runs.
 * Real processes, so this one waits on real time (a few tens of seconds).
 */
const work = mkdtempSync(join(tmpdir(), 'kocflow-chaos-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeEachStore('chaos: SIGKILL during a send storm', (ctx) => {
  it('delivers every scheduled send exactly once or in doubt, never twice, and loses no run', async () => {
    const dir = mkdtempSync(join(work, `${ctx.kind}-`));
    const report = await runChaos({
      ...(ctx.kind === 'postgres' ? { databaseUrl: await ctx.freshDatabaseUrl({ migrated: false }) } : { dataDir: join(dir, 'data') }),
      deliveries: join(dir, 'deliveries.jsonl'), contacts: 30, steps: 10, kills: 5, maxLifeMs: 1_500, seed: 11, finalTimeoutMs: 60_000,
    });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, scheduled: 300, duplicatesByKey: 0, duplicatesByStep: 0, sentNotDelivered: 0, deliveredWithoutRow: 0, lostRuns: 0 });
    expect((report.outbox.sent ?? 0) + report.inDoubt).toBe(300);
    expect(report.inDoubt).toBeLessThanOrEqual(report.killsAfterStart);
  }, 120_000);
});
