import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStart } from '../../src/cli/commands/start.ts';
import type { CliIo } from '../../src/cli/io.ts';

const work = mkdtempSync(join(tmpdir(), 'kocflow-start-role-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const io = (env: Record<string, string> = {}): CliIo => ({ out: () => {}, err: () => {}, isTty: false, env: { KOCFLOW_LOG_LEVEL: 'silent', ...env }, cwd: work });

describe('kocflow start --role', () => {
  it('is refused on the embedded store, which is one process running every role', async () => {
    await expect(runStart({ watch: false, demoTraffic: false, webPort: 0, role: 'bots', dataDir: join(work, 'data') }, io(), new AbortController().signal))
      .rejects.toMatchObject({ code: 'KOC_ROLE_NEEDS_POSTGRES', message: expect.stringContaining('--role bots needs PostgreSQL') });
  }, 60_000);

  it('checks the lease settings before it connects to anything', async () => {
    const pg = { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' };
    await expect(runStart({ watch: false }, io({ ...pg, KOCFLOW_LEASE_TTL_MS: '20s' }), new AbortController().signal))
      .rejects.toMatchObject({ code: 'KOC_CONFIG_INVALID', message: 'KOCFLOW_LEASE_TTL_MS must be a whole number of milliseconds (at least 100), not "20s"' });
    await expect(runStart({ watch: false }, io({ ...pg, KOCFLOW_LEASE_RENEW_MS: '15000' }), new AbortController().signal))
      .rejects.toMatchObject({ code: 'KOC_CONFIG_INVALID', message: 'KOCFLOW_LEASE_TTL_MS (20000) must be more than twice KOCFLOW_LEASE_RENEW_MS (15000)' });
  });

  it('names the roles when KOCFLOW_ROLE is not one of them', async () => {
    await expect(runStart({ watch: false }, io({ KOCFLOW_ROLE: 'sender' }), new AbortController().signal))
      .rejects.toMatchObject({ code: 'KOC_CLI_USAGE', message: '--role must be one of all, bots, worker, web, not "sender"' });
  });
});
