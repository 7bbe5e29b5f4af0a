/**
 * `kocflow points grant|show`, `kocflow tasks review` and `kocflow feedback list`, run in-process through the CLI's
 * entry point on both stores, with the built-in demo configuration (no kocflow.yaml): ZhaoXue is its 核心
 * ambassador, reached on her own account koc-zhao.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.ts';
import { syncConfigToStore } from '../../src/config/sync.ts';
import type { Store } from '../../src/store/openStore.ts';
import { kocflow } from '../support/cli.ts';
import { describeEachStore, cliStore } from '../support/stores.ts';

describeEachStore('kocflow points, tasks review, feedback list', (ctx) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let open: () => Promise<Store>;
  let zhao: string;
  let submitted: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kocflow-koc-'));
    ({ env, open } = await cliStore(ctx, work));
    const store = await open();
    try {
      await syncConfigToStore(store.prisma, demoConfig(), new Date());
      zhao = (await store.prisma.staff.findUniqueOrThrow({ where: { wecomUserId: 'ZhaoXue' } })).id;
      await store.prisma.kocTask.create({ data: { id: 'spring-post', title: '发一条春季新品朋友圈', points: 30 } });
      const a = await store.prisma.taskAssignment.create({ data: { taskId: 'spring-post', staffId: zhao, status: 'submitted', submission: 'https://moments.example.com/p/1', submittedAt: new Date() } });
      submitted = a.number;
      await store.prisma.feedback.create({ data: { staffId: zhao, accountId: 'koc-zhao', text: '素材图片太少了', context: { tier: '核心', points: 0, openTasks: [] } } });
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (...args: string[]) => kocflow(args, { cwd: work, env });

  it('points grant credits the KOC with a note (ledger, audit, a note to her in chat); a key pays once; bad input is refused', async () => {
    const granted = await run('points', 'grant', '--staff', 'ZhaoXue', '--amount', '50', '--note', '季度表彰', '--key', 'q4-award');
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toBe('granted 50 points to ZhaoXue (季度表彰); balance 50\n');
    const again = await run('points', 'grant', '--staff', 'zhaoxue', '--amount', '50', '--note', '季度表彰', '--key', 'q4-award');
    expect(again.stdout).toBe('key q4-award was granted before; nothing changed; balance 50\n');
    const zero = await run('points', 'grant', '--staff', 'ZhaoXue', '--amount', '0', '--note', 'x');
    expect([zero.code, zero.stderr]).toEqual([2, 'error KOC_CLI_USAGE --amount must not be 0\n  fix: see --help for the options\n']);
    const nobody = await run('points', 'grant', '--staff', 'ZhaoXu', '--amount', '5', '--note', 'x');
    expect([nobody.code, nobody.stderr.split('\n')[0]]).toEqual([1, 'error KOC_STAFF_UNKNOWN there is no staff member "ZhaoXu" (did you mean "ZhaoXue"?)']);

    const store = await open();
    try {
      const ledger = await store.prisma.pointsLedger.findMany({ where: { staffId: zhao } });
      expect(ledger.map((l) => [l.amount, l.reason, l.sourceKind, l.sourceId])).toEqual([[50, '季度表彰', 'grant', 'q4-award']]);
      expect(await store.prisma.auditLog.count({ where: { action: 'points.grant', subject: `staff:${zhao}` } })).toBe(1);
      const note = await store.prisma.outboxEntry.findUniqueOrThrow({ where: { idempotencyKey: 'grant:q4-award' } });
      expect([note.accountId, note.kind, note.recipientExternalId, (note.payload as { text: string }).text]).toEqual(['koc-zhao', 'staffNote', 'ZhaoXue', '运营给你加了 50 分：季度表彰']);
    } finally {
      await store.close();
    }
    const shown = await run('points', 'show', '--staff', 'ZhaoXue');
    expect(shown.stdout).toMatch(/^ZhaoXue: tier 核心, balance 50 points\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {5}\+50 {2}季度表彰 {2}\(grant\)\n$/);
  });

  it('tasks review lists what waits, approves with a note (the task\'s points, once), refuses a second review', async () => {
    const list = await run('tasks', 'review');
    expect(list.stdout).toContain(`#${submitted}  发一条春季新品朋友圈 (30 points)  ZhaoXue`);
    expect(list.stdout).toContain('https://moments.example.com/p/1');
    const approved = await run('tasks', 'review', '--approve', String(submitted), '--note', '拍得很好', '--format', 'json');
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toEqual({ number: submitted, status: 'approved', credited: 30 });
    const twice = await run('tasks', 'review', '--approve', String(submitted));
    expect([twice.code, twice.stderr.split('\n')[0]]).toEqual([1, `error KOC_TASK_NOT_SUBMITTED task #${submitted} is approved, not waiting for review`]);
    expect((await run('tasks', 'review', '--reject', '99999')).stderr.split('\n')[0]).toBe('error KOC_TASK_SUBMISSION_UNKNOWN there is no task #99999');
    expect((await run('tasks', 'review')).stdout).toBe('no submissions waiting for review\n');
    const store = await open();
    try {
      const row = await store.prisma.pointsLedger.findFirstOrThrow({ where: { staffId: zhao, sourceKind: 'task' } });
      expect([row.amount, row.reason]).toEqual([30, '任务：发一条春季新品朋友圈']);
      const note = await store.prisma.outboxEntry.findFirstOrThrow({ where: { idempotencyKey: { startsWith: 'task-review:' } } });
      expect((note.payload as { text: string }).text).toBe(`任务 #${submitted}「发一条春季新品朋友圈」审核通过，+30 分！\n运营：拍得很好\n发 /stats 看看你的排名。`);
    } finally {
      await store.close();
    }
  });

  it('feedback list shows open feedback with the KOC\'s standing', async () => {
    const listed = await run('feedback', 'list');
    expect(listed.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}ZhaoXue \(核心, 0 points, 0 open tasks\) via koc-zhao\n {4}素材图片太少了\n$/);
  });
});
