import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runStart } from '../../src/cli/commands/start.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { openStore } from '../../src/store/openStore.ts';

const project = resolve(import.meta.dirname, '../..');
const migrations = readdirSync(join(project, 'prisma', 'migrations')).filter((name) =>
  existsSync(join(project, 'prisma', 'migrations', name, 'migration.sql')),
).length;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-start-'));
  cpSync(join(project, 'sop-playbooks'), join(work, 'sop-playbooks'), { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow start on the embedded store', () => {
  it('creates and migrates the store, lists the flows, and stops cleanly releasing the lock', async () => {
    let output = '';
    let announceReady: () => void = () => {};
    const ready = new Promise<void>((r) => { announceReady = r; });
    const io: CliIo = {
      out: (t) => { output += t; if (t.includes('press Ctrl-C')) announceReady(); },
      err: (t) => { output += t; },
      isTty: false,
      env: { KOCFLOW_LOG_LEVEL: 'silent' },
      cwd: work,
    };
    const controller = new AbortController();
    const running = runStart({ playbooks: 'sop-playbooks', watch: true }, io, controller.signal);
    await ready;
    expect(output).toMatch(new RegExp(`store: embedded at .*\\.kocflow/data \\(${migrations} migrations? applied\\)`));
    expect(output).toContain('playbooks: sop-playbooks: 12 flows, 2 campaigns, 1 task, tiers 普通 → 潜力 → 核心');
    expect(output).toMatch(/weekly-moments\s+cron "0 20 \* \* 1,3,5", next \d{4}-\d\d-\d\d 20:00 Asia\/Shanghai/);
    expect(output).toMatch(/new-customer-7d\s+on friend.added/);
    expect(output).toContain('playbook versions: 12 new recorded in the store');
    controller.abort();
    expect(await running).toBe(0);
    expect(output).toContain('stopped cleanly');

    // The lock is released: another opener gets the store, already migrated, with the versions recorded once.
    const store = await openStore({ dataDir: join(work, '.kocflow/data') });
    try {
      expect((await store.migrationStatus()).every((m) => m.state === 'applied')).toBe(true);
      expect(await store.prisma.playbookVersion.count()).toBe(12);
      const version = await store.prisma.playbookVersion.findFirstOrThrow({ where: { flowId: 'new-customer-7d' } });
      expect(version.sourcePath).toBe('journeys/new-customer.yaml');
      expect((version.definition as { templates: Record<string, string[]> }).templates.welcome).toHaveLength(2);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses to start when the playbooks have errors, before touching the store', async () => {
    cpSync(join(project, 'sop-playbooks'), join(work, 'broken'), { recursive: true });
    rmSync(join(work, 'broken/campaigns/welcome-2026.yaml'));
    const io: CliIo = { out: () => {}, err: () => {}, isTty: false, env: {}, cwd: work };
    await expect(runStart({ playbooks: 'broken', watch: false, dataDir: join(work, 'never') }, io, new AbortController().signal))
      .rejects.toThrow(/KOC_PLAYBOOK_UNKNOWN_REF|unknown campaign "welcome-2026"/);
  });
});
