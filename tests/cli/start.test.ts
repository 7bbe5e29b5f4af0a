import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  it('without kocflow.yaml runs the built-in demo: migrates the store, logs three mock bots in, stops cleanly releasing the lock', async () => {
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
    const running = runStart({ watch: true, demoTraffic: false, webPort: 0 }, io, controller.signal);
    await ready;
    // The web server answers on the port it printed.
    const web = /^web: (http:\/\/127\.0\.0\.1:\d+) — till API POST \/api\/redemptions \(0 keys in KOCFLOW_TILL_KEYS\)/m.exec(output);
    expect(web).not.toBeNull();
    expect(await (await fetch(`${web![1]}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${web![1]}/api/redemptions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect(output).toMatch(new RegExp(`store: embedded at .*\\.kocflow/data \\(${migrations} migrations? applied\\)`));
    expect(output).toContain('config: no kocflow.yaml: the built-in demo (three accounts on the mock puppet)');
    expect(output).toContain('playbooks: sop-playbooks: 15 flows, 2 campaigns, 1 task, tiers 普通 → 潜力 → 核心');
    expect(output).toMatch(/weekly-moments\s+cron "0 20 \* \* 1,3,5", next \d{4}-\d\d-\d\d 20:00 Asia\/Shanghai/);
    expect(output).toMatch(/new-customer-7d\s+on friend.added/);
    expect(output.match(/^account \S+\s+\S+\s+mock puppet \(simulated WeChat\)$/gm)).toHaveLength(3);
    // The mock bots log in a moment after they start.
    for (let i = 0; i < 2000 && (output.match(/● logged in as/g) ?? []).length < 3; i++) await new Promise((r) => setImmediate(r));
    expect(output.match(/● logged in as/g)).toHaveLength(3);
    // /metrics shows each bot's state from the running fleet.
    const metrics = await (await fetch(`${web![1]}/metrics`)).text();
    for (const account of ['guide-wang', 'guide-li', 'koc-zhao']) expect(metrics).toContain(`kocflow_bot_status{account="${account}",state="logged_in"} 1\n`);
    controller.abort();
    expect(await running).toBe(0);
    expect(output).toContain('stopped cleanly');
    expect(output.match(/■ stopped/g)).toHaveLength(3);

    // The lock is released: another opener gets the store, already migrated, with the versions recorded once.
    const store = await openStore({ dataDir: join(work, '.kocflow/data') });
    try {
      expect((await store.migrationStatus()).every((m) => m.state === 'applied')).toBe(true);
      expect(await store.prisma.playbookVersion.count()).toBe(15);
      const version = await store.prisma.playbookVersion.findFirstOrThrow({ where: { flowId: 'new-customer-7d' } });
      expect(version.sourcePath).toBe('journeys/new-customer.yaml');
      expect((version.definition as { templates: Record<string, string[]> }).templates.welcome).toHaveLength(2);
      expect(await store.prisma.account.count()).toBe(3);
      expect(await store.prisma.interaction.count({ where: { kind: 'login' } })).toBe(3);
      expect(await store.prisma.interaction.count({ where: { kind: 'logout' } })).toBe(3);
    } finally {
      await store.close();
    }
    // The report reads the same store once kocflow is stopped: the three demo accounts, on the mock with the demo's pacing.
    const { kocflow } = await import('../support/cli.ts');
    const accounts = await kocflow(['report', 'accounts', '--format', 'json'], { cwd: work, env: { KOCFLOW_LOG_LEVEL: 'silent', DATABASE_URL: '' } });
    expect(accounts.code, accounts.stderr).toBe(0);
    expect((JSON.parse(accounts.stdout) as { accountId: string; status: string; configured: boolean }[]).map((a) => [a.accountId, a.status, a.configured])).toEqual([
      ['guide-li', 'active', true], ['guide-wang', 'active', true], ['koc-zhao', 'active', true],
    ]);
  }, 60_000);

  it('refuses to start on a kocflow.yaml with errors, naming file, line and code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kocflow-start-bad-'));
    writeFileSync(join(dir, 'kocflow.yaml'), 'accounts:\n  - id: a1\n    name: 小王\n    role: guide\n    puppett: mock\n');
    let errors = '';
    const io: CliIo = { out: () => {}, err: (t) => { errors += t; }, isTty: false, env: {}, cwd: dir };
    await expect(runStart({ watch: false }, io, new AbortController().signal)).rejects.toThrow(/KOC_CONFIG_INVALID|kocflow did not start/);
    expect(errors).toMatch(/^kocflow\.yaml:5:5: error KOC_CONFIG_UNKNOWN_KEY .*did you mean "puppet"/m);
    expect(existsSync(join(dir, '.kocflow'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start when the playbooks have errors, before touching the store', async () => {
    cpSync(join(project, 'sop-playbooks'), join(work, 'broken'), { recursive: true });
    rmSync(join(work, 'broken/campaigns/welcome-2026.yaml'));
    const io: CliIo = { out: () => {}, err: () => {}, isTty: false, env: {}, cwd: work };
    await expect(runStart({ playbooks: 'broken', watch: false, dataDir: join(work, 'never') }, io, new AbortController().signal))
      .rejects.toThrow(/KOC_PLAYBOOK_UNKNOWN_REF|unknown campaign "welcome-2026"/);
  });
});
