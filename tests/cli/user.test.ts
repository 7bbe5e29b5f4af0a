import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/openStore.ts';
import { verifyPassword } from '../../src/web/dashboard/password.ts';
import { kocflow } from '../support/cli.ts';
import { describeEachStore, cliStore } from '../support/stores.ts';

describeEachStore('kocflow user add, list, remove', (ctx) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let open: () => Promise<Store>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kocflow-user-'));
    ({ env, open } = await cliStore(ctx, work));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('adds a user with the password from stdin (scrypt-hashed, never an argument), lists and removes them, with audit rows', async () => {
    const added = await kocflow(['user', 'add', 'mei', '--role', 'admin'], { cwd: work, env, stdin: 'a long secret phrase\n' });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('user mei added (admin)');
    const weak = await kocflow(['user', 'add', 'bo'], { cwd: work, env, stdin: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('KOC_USER_PASSWORD_WEAK');
    expect((await kocflow(['user', 'add', 'bo', '--role', 'boss'], { cwd: work, env, stdin: 'a long secret phrase\n' })).code).toBe(2);
    const list = await kocflow(['user', 'list'], { cwd: work, env });
    expect(list.stdout).toMatch(/^mei\s+admin\s+last login never$/m);
    const store = await open();
    try {
      const user = await store.prisma.dashboardUser.findUniqueOrThrow({ where: { username: 'mei' } });
      expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(await verifyPassword('a long secret phrase', user.passwordHash)).toBe(true);
      expect(await verifyPassword('a long secret phrasE', user.passwordHash)).toBe(false);
      expect(await store.prisma.auditLog.count({ where: { action: 'user.add', subject: 'dashboard_user:mei' } })).toBe(1);
    } finally {
      await store.close();
    }
    expect((await kocflow(['user', 'remove', 'mei'], { cwd: work, env })).code).toBe(0);
    const gone = await kocflow(['user', 'remove', 'mei'], { cwd: work, env });
    expect(gone.stderr).toContain('KOC_USER_UNKNOWN');
  }, 60_000);
});
