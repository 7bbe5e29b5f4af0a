import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PlaybookReloader, watchPlaybookFolder } from '../../src/playbook/watch.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import type { PlaybookSet } from '../../src/playbook/model.ts';

const samples = resolve(import.meta.dirname, '../../sop-playbooks');
let root: string;
const journey = () => join(root, 'journeys/new-customer.yaml');

beforeEach(() => {
  root = join(mkdtempSync(join(tmpdir(), 'kocflow-watch-')), 'sop-playbooks');
  cpSync(samples, root, { recursive: true });
});
afterEach(() => rmSync(resolve(root, '..'), { recursive: true, force: true }));

describe('hot reload', () => {
  it('refuses to start from playbooks with errors', () => {
    writeFileSync(journey(), readFileSync(journey(), 'utf8').replace('wait: 3d', 'wait: 3x'));
    expect(() => new PlaybookReloader(root, silentLogger())).toThrow(/KOC_DURATION_INVALID/);
  });

  it('applies a good edit and keeps the last good version when an edit has errors', () => {
    const reloader = new PlaybookReloader(root, silentLogger());
    const first = reloader.current().flows.get('new-customer-7d')!;
    const seen: PlaybookSet[] = [];
    reloader.onChange((set) => seen.push(set));

    writeFileSync(journey(), readFileSync(journey(), 'utf8').replace('wait: 3d', 'wait: 2d'));
    const good = reloader.reload();
    expect(good.applied).toBe(true);
    const second = reloader.current().flows.get('new-customer-7d')!;
    expect(second.hash).not.toBe(first.hash);
    expect(seen).toHaveLength(1);

    writeFileSync(journey(), readFileSync(journey(), 'utf8').replace('wait: 2d', 'wait: soon'));
    const bad = reloader.reload();
    expect(bad.applied).toBe(false);
    expect(bad.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual(['journeys/new-customer.yaml:15 KOC_DURATION_INVALID']);
    expect(reloader.current().flows.get('new-customer-7d')!.hash).toBe(second.hash);
    expect(seen).toHaveLength(1);
  });

  it('reloads when a file changes on disk', async () => {
    const reloader = new PlaybookReloader(root, silentLogger());
    const watcher = watchPlaybookFolder(reloader, root, 20);
    try {
      await watcher.ready;
      const reloaded = new Promise<PlaybookSet>((resolveSet) => reloader.onChange(resolveSet));
      writeFileSync(join(root, 'journeys/extra.yaml'), 'id: extra\ntrigger: { on: friend.added }\nsteps: [{ say: hi }]\n');
      const set = await reloaded;
      expect(set.flows.has('extra')).toBe(true);
    } finally {
      await watcher.close();
    }
  });
});
