import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlow } from '../../src/cli/commands/run.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { openStore } from '../../src/store/openStore.ts';
import { demoConfig, syncConfigToStore } from '../../src/config/index.ts';

const project = resolve(import.meta.dirname, '../..');
let work: string;
let output = '';
const io = (): CliIo => ({ out: (t) => { output += t; }, err: (t) => { output += t; }, isTty: false, env: { KOCFLOW_LOG_LEVEL: 'silent' }, cwd: work });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kocflow-run-'));
  cpSync(join(project, 'sop-playbooks'), join(work, 'sop-playbooks'), { recursive: true });
  // A customer the demo's guide-wang has seen (kocflow start would have stored it).
  const store = await openStore({ dataDir: join(work, '.kocflow/data') });
  try {
    await syncConfigToStore(store.prisma, demoConfig(), new Date());
    await store.prisma.contact.create({ data: { accountId: 'guide-wang', externalId: 'wx-amy', name: '王芳' } });
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kocflow run', () => {
  it('starts a manual flow for a stored contact and queues its sends for kocflow start; a repeated key starts nothing', async () => {
    output = '';
    expect(await runFlow('win-back', { contact: 'wx-amy', key: 'campaign-1' }, io())).toBe(0);
    expect(output).toMatch(/^started win-back for contact wx-amy on guide-wang: run \S+ \(done\), 4 sends queued; kocflow start delivers them, paced\n$/);
    output = '';
    expect(await runFlow('win-back', { contact: 'wx-amy', key: 'campaign-1' }, io())).toBe(0);
    expect(output).toBe('nothing started: win-back already ran for this contact with key "campaign-1"\n');

    const store = await openStore({ dataDir: join(work, '.kocflow/data') });
    try {
      const rows = await store.prisma.outboxEntry.findMany({ orderBy: { id: 'asc' }, select: { kind: true, status: true, flowId: true } });
      expect(rows).toEqual([
        { kind: 'untag', status: 'pending', flowId: 'win-back' },
        { kind: 'say', status: 'pending', flowId: 'win-back' },
        { kind: 'say', status: 'pending', flowId: 'win-back' },
        { kind: 'say', status: 'pending', flowId: 'win-back' },
      ]);
      expect(await store.prisma.flowRun.count()).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('explains bad input: an unknown flow (with a suggestion), a flow that is not manual, an unknown contact, a missing --contact', async () => {
    await expect(runFlow('win-bak', { contact: 'wx-amy' }, io())).rejects.toMatchObject({ code: 'KOC_RUN_FLOW_UNKNOWN', message: 'there is no flow "win-bak" (did you mean "win-back"?)' });
    await expect(runFlow('price-question', { contact: 'wx-amy' }, io())).rejects.toMatchObject({ code: 'KOC_RUN_NOT_MANUAL', message: 'flow "price-question" starts on message.keyword, not by hand' });
    await expect(runFlow('win-back', { contact: 'wx-nobody' }, io())).rejects.toMatchObject({ code: 'KOC_RUN_SUBJECT_UNKNOWN' });
    await expect(runFlow('win-back', {}, io())).rejects.toMatchObject({ code: 'KOC_CLI_USAGE', message: 'flow "win-back" runs for a contact: pass --contact ID' });
  });
});
