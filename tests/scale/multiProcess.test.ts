/**
 * Several `kocflow start` processes on one PostgreSQL database (docs/scaling.md): 3 processes, 12 accounts on the
 * mock puppet, 60 sends due over the first seconds and a scheduled flow firing for every account. Once the sends are under way one process is killed with
 * SIGKILL; its accounts must get new owners within the takeover bound and every send must end `sent` exactly once
 * (seen by the channel: each process's live log prints every send it performed) or `in_doubt` — only rows the
 * killed process had claimed, never resent.
 *
 * The processes are real: `node --import tsx src/cli/main.ts start` (one OS process each, so SIGKILL kills exactly
 * it). The leases are shortened by environment (10 s, renewed every 2.5 s: a bound of 12.5 s) to keep the test
 * short; the defaults (20 s, 5 s: 25 s) are the same code with other numbers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { NewOutboxEntry } from '../../src/engine/ports.ts';
import { createEngineStore } from '../../src/store/engineStore.ts';
import { openStore, type Store } from '../../src/store/openStore.ts';
import { describeEachStore } from '../support/stores.ts';

const project = resolve(import.meta.dirname, '../..');
const ACCOUNTS = 12;
const PER_ACCOUNT = 5;
const TTL_MS = 10_000;
const RENEW_MS = 2_500;
const pad = (n: number) => String(n).padStart(2, '0');

interface Child {
  proc: ChildProcess;
  out: string;
  id?: string;
  web?: string;
  exited: Promise<number | null>;
}

/** A brand folder: `accounts` mock accounts, each with its owner, and a cron flow for every account. */
function writeBrand(dir: string, accounts: number): void {
  mkdirSync(join(dir, 'playbooks'), { recursive: true });
  // The test moves the flow's stored due time to "in a few seconds" (cron is per minute).
  writeFileSync(join(dir, 'playbooks', 'tick.yaml'), 'id: scale-tick\nname: scale tick\ntrigger: { cron: "0 3 * * *" }\nsteps:\n  - notifyStaff:\n      text: "tick {{account.name}}"\n');
  const staff = Array.from({ length: accounts }, (_, i) => `  - { id: s${pad(i + 1)}, name: 员工${i + 1}, role: guide, store: sh-001 }`).join('\n');
  const list = Array.from({ length: accounts }, (_, i) => `  - { id: a${pad(i + 1)}, name: 账号${i + 1}, role: guide, store: sh-001, puppet: mock, owner: s${pad(i + 1)} }`).join('\n');
  writeFileSync(join(dir, 'kocflow.yaml'), `playbooks: playbooks\nstores:\n  - { id: sh-001, name: 上海店 }\nstaff:\n${staff}\naccounts:\n${list}\ndemo: { traffic: false }\n`);
}

/** One `kocflow start` OS process on `url`, its output collected (stdout and stderr). */
function startProcess(dir: string, url: string, name: string, role = 'all'): Child {
  const proc = spawn(process.execPath, ['--import', pathToFileURL(join(project, 'node_modules/tsx/dist/loader.mjs')).href, join(project, 'src/cli/main.ts'), 'start', '--config', join(dir, 'kocflow.yaml'), '--no-watch', '--no-demo-traffic', '--web-port', '0', '--role', role], {
    cwd: dir,
    env: {
      ...process.env, DATABASE_URL: url, KOCFLOW_LOG_LEVEL: 'warn', KOCFLOW_DATA_DIR: join(dir, name, 'data'),
      KOCFLOW_LEASE_TTL_MS: String(TTL_MS), KOCFLOW_LEASE_RENEW_MS: String(RENEW_MS), KOCFLOW_POLL_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = { proc, out: '', exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
  proc.stdout!.on('data', (chunk: Buffer) => {
    child.out += chunk.toString();
    child.id ??= /^process: (\S+), role /m.exec(child.out)?.[1];
    child.web ??= /^web: (http:\/\/\S+)/m.exec(child.out)?.[1];
  });
  proc.stderr!.on('data', (chunk: Buffer) => { child.out += chunk.toString(); });
  return child;
}

async function waitFor<T>(what: string, children: Child[], check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${children.map((c, i) => `--- process ${i} (${c.id})\n${c.out.slice(-3000)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeEachStore('several kocflow processes on PostgreSQL', (ctx) => {
  const work = mkdtempSync(join(tmpdir(), 'kocflow-scale-'));
  const children: Child[] = [];
  afterAll(async () => {
    for (const child of children) if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    rmSync(work, { recursive: true, force: true });
  });

  it('share 12 accounts by lease; a SIGKILLed process\'s accounts move within the bound and every send happens once', async () => {
    const url = await ctx.freshDatabaseUrl();
    writeBrand(work, ACCOUNTS);
    for (let n = 0; n < 3; n++) children.push(startProcess(work, url, `p${n}`));

    const store: Store = await openStore({ databaseUrl: url });
    try {
      const leases = async () => store.prisma.accountLease.findMany({ where: { expiresAt: { gt: new Date() } } });

      // Balanced: every process up and holding 4 of the 12 accounts.
      await waitFor('3 processes holding 4 accounts each', children, async () => {
        if (children.some((c) => !c.id)) return undefined;
        const held = await leases();
        const counts = children.map((c) => held.filter((l) => l.ownerId === c.id).length);
        return held.length === ACCOUNTS && counts.every((n) => n === ACCOUNTS / 3) ? true : undefined;
      }, 60_000);

      // The sends: 5 per account, one due each second from now (pacing spaces them 3–6 s apart on mock accounts).
      const engineStore = createEngineStore(store.prisma);
      const now = Date.now();
      const entries: NewOutboxEntry[] = [];
      for (let a = 1; a <= ACCOUNTS; a++) {
        for (let k = 0; k < PER_ACCOUNT; k++) {
          const accountId = `a${pad(a)}`;
          entries.push({
            idempotencyKey: `scale:${accountId}:${k}`, accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: false,
            contactId: null, roomId: null, dueAt: new Date(now + k * 1000),
            action: { kind: 'staffNote', accountId, staffExternalId: `s${pad(a)}`, text: `S-${accountId}-${k}` },
          });
        }
      }
      expect(await engineStore.enqueue(entries, new Date(now))).toBe(ACCOUNTS * PER_ACCOUNT);
      // And the scheduled flow's next occurrence, for all 12 accounts, 3 s from now: whichever process holds the
      // scheduled-work lock fires it; each account's owner sends its message.
      const scheduledFor = new Date(Math.ceil((now + 3000) / 1000) * 1000);
      expect(await store.prisma.flowSchedule.updateMany({ where: { flowId: 'scale-tick' }, data: { nextDueAt: scheduledFor } })).toEqual({ count: ACCOUNTS });
      const rows = () => store.prisma.outboxEntry.findMany({ where: { OR: [{ idempotencyKey: { startsWith: 'scale:' } }, { flowId: 'scale-tick' }] } });

      // Mid-run: kill the first process without warning.
      await waitFor('a third of the sends', children, async () => ((await rows()).filter((r) => r.status === 'sent').length >= (ACCOUNTS * PER_ACCOUNT) / 3 ? true : undefined), 60_000);
      const victim = children[0]!;
      const victimAccounts = (await leases()).filter((l) => l.ownerId === victim.id).map((l) => l.accountId).sort();
      expect(victimAccounts).toHaveLength(ACCOUNTS / 3);
      victim.proc.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await victim.exited).toBe(null);

      // Its accounts get new owners within the bound.
      const takeoverMs = await waitFor('the killed process\'s accounts taken over', children, async () => {
        const held = await leases();
        const moved = victimAccounts.every((id) => held.some((l) => l.accountId === id && l.ownerId !== victim.id));
        return moved ? Date.now() - killedAt : undefined;
      }, 30_000);
      // Bound: TTL + one renewal period, plus a cycle's own time and this loop's polling (slack for a loaded CI machine).
      expect(takeoverMs).toBeLessThanOrEqual(TTL_MS + 2 * RENEW_MS);
      const owners = await leases();
      expect(owners).toHaveLength(ACCOUNTS);
      for (const survivor of children.slice(1)) expect(owners.filter((l) => l.ownerId === survivor.id)).toHaveLength(ACCOUNTS / 2);

      // Every send settles: sent, or in doubt when the killed process had it in flight.
      const final = await waitFor('every send settled', children, async () => {
        const all = await rows();
        return all.length === ACCOUNTS * (PER_ACCOUNT + 1) && all.every((r) => r.status === 'sent' || r.status === 'in_doubt') ? all : undefined;
      }, 60_000);
      // The occurrence fired once for each account: one run each, one message each.
      const runs = await store.prisma.flowRun.findMany({ where: { flowId: 'scale-tick' } });
      expect(runs.map((r) => r.occurrenceKey)).toEqual(Array(ACCOUNTS).fill(`cron:${scheduledFor.toISOString()}`));
      expect(new Set(runs.map((r) => r.accountId)).size).toBe(ACCOUNTS);
      expect(final.filter((r) => r.flowId === 'scale-tick')).toHaveLength(ACCOUNTS);
      const inDoubt = final.filter((r) => r.status === 'in_doubt');
      for (const row of inDoubt) {
        expect(victimAccounts).toContain(row.accountId);
        expect(row.claimedBy).toBe(victim.id);
      }
      expect(inDoubt.length).toBeLessThanOrEqual(victimAccounts.length); // pacing's gap: one send per account in flight

      // Seen by the channel: each process prints every send it performed; no text twice, every sent row once.
      const printed = children.flatMap((c) => [...c.out.matchAll(/"((?:S-a\d\d-\d|tick 账号\d+))"/g)].map((m) => m[1]!));
      const times = new Map<string, number>();
      for (const text of printed) times.set(text, (times.get(text) ?? 0) + 1);
      expect([...times.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      for (const row of final) {
        const text = (row.payload as { text: string }).text;
        if (row.status === 'sent') expect(times.get(text), text).toBe(1);
      }
      // The interaction log has one outbound row per sent entry.
      const logged = await store.prisma.interaction.groupBy({ by: ['outboxId'], where: { outboxId: { in: final.map((r) => r.id) } }, _count: true });
      expect(logged.every((g) => g._count === 1)).toBe(true);
      expect(logged).toHaveLength(final.filter((r) => r.status === 'sent').length);

      // A clean stop gives the leases back at once.
      for (const survivor of children.slice(1)) survivor.proc.kill('SIGTERM');
      expect(await Promise.all(children.slice(1).map((c) => c.exited))).toEqual([0, 0]);
      expect(await store.prisma.accountLease.count({ where: { ownerId: { in: children.slice(1).map((c) => c.id!) } } })).toBe(0);
      console.log(`takeover after SIGKILL: ${takeoverMs} ms; ${final.length - inDoubt.length} sent, ${inDoubt.length} in doubt`);
    } finally {
      await store.close();
    }
  }, 110_000);

  it('--role bots, worker and web split the work: the worker fires the schedule, the bots process sends, the web process serves', async () => {
    const url = await ctx.freshDatabaseUrl();
    const dir = join(work, 'roles');
    writeBrand(dir, 4);
    const roles = ['bots', 'worker', 'web'].map((role) => ({ role, child: startProcess(dir, url, role, role) }));
    children.push(...roles.map((r) => r.child));
    const [bots, worker, web] = roles.map((r) => r.child) as [Child, Child, Child];
    const store: Store = await openStore({ databaseUrl: url });
    try {
      await waitFor('the bots process holding the 4 accounts, and every web server up', children, async () => {
        if (roles.some((r) => !r.child.web)) return undefined;
        const held = await store.prisma.accountLease.findMany({ where: { expiresAt: { gt: new Date() } } });
        return held.length === 4 && held.every((l) => l.ownerId === bots.id) ? true : undefined;
      }, 60_000);
      // Every role answers /healthz; only the web role has the till API.
      expect(await (await fetch(`${web.web}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${bots.web}/healthz`)).json()).toEqual({ status: 'ok', role: 'bots', process: bots.id, accounts: ['a01', 'a02', 'a03', 'a04'] });
      expect(await (await fetch(`${worker.web}/healthz`)).json()).toEqual({ status: 'ok', role: 'worker', process: worker.id, accounts: [] });
      expect((await fetch(`${web.web}/api/redemptions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
      expect((await fetch(`${bots.web}/api/redemptions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);

      const scheduledFor = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
      await store.prisma.flowSchedule.updateMany({ where: { flowId: 'scale-tick' }, data: { nextDueAt: scheduledFor } });
      const sent = await waitFor('the 4 scheduled messages sent', children, async () => {
        const rows = await store.prisma.outboxEntry.findMany({ where: { flowId: 'scale-tick', status: 'sent' } });
        return rows.length === 4 ? rows : undefined;
      }, 30_000);
      expect(new Set(sent.map((r) => r.claimedBy))).toEqual(new Set([bots.id]));
      // The runs started in the worker (its live log), the sends went out from the bots process (its live log).
      expect(worker.out.match(/▶ scale-tick: run started/g)).toHaveLength(4);
      expect(bots.out).not.toMatch(/▶ scale-tick/);
      expect(bots.out.match(/"tick 账号\d"/g)).toHaveLength(4);
      expect(worker.out + web.out).not.toMatch(/"tick 账号/);

      for (const { child } of roles) child.proc.kill('SIGTERM');
      expect(await Promise.all(roles.map((r) => r.child.exited))).toEqual([0, 0, 0]);
      expect(await store.prisma.accountLease.count()).toBe(0);
    } finally {
      await store.close();
    }
  }, 90_000);
}, { kinds: ['postgres'] });
