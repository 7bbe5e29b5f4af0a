/**
 * `npx tsx scripts/chaos/run.ts [--store embedded|postgres] [--kills 50] [--contacts 200] [--steps 25] [--seed 1]`:
 * a send storm (contacts × steps scheduled sends) through the real engine in a child process that is SIGKILLed
 * `--kills` times at random moments and restarted, then checked (scripts/chaos/chaos.ts). PostgreSQL: a new
 * database on the server of TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test, as the tests), dropped
 * afterwards. Prints the figures; raw output goes to docs/reliability/chaos-<store>.txt. Exit 1 on a violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runChaos } from './chaos.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'embedded' }, kills: { type: 'string', default: '50' }, contacts: { type: 'string', default: '200' },
    steps: { type: 'string', default: '25' }, seed: { type: 'string', default: '1' }, 'max-life-ms': { type: 'string', default: '4000' },
  },
});
const work = mkdtempSync(join(tmpdir(), 'kocflow-chaos-'));
let databaseUrl: string | undefined;
let drop: (() => Promise<void>) | undefined;
if (values.store === 'postgres') {
  const admin = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const name = `kocflow_chaos_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  drop = async () => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  };
}
console.log(`chaos: ${values.store}, ${values.contacts} contacts × ${values.steps} steps, ${values.kills} SIGKILLs (each after 0–${values['max-life-ms']} ms), seed ${values.seed}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, node ${process.version}; started ${new Date().toISOString()}`);
try {
  const report = await runChaos({
    ...(databaseUrl ? { databaseUrl } : { dataDir: join(work, 'data') }), deliveries: join(work, 'deliveries.jsonl'),
    contacts: Number(values.contacts), steps: Number(values.steps), kills: Number(values.kills), maxLifeMs: Number(values['max-life-ms']), seed: Number(values.seed),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(JSON.stringify(report, null, 2));
  console.log(report.ok ? 'OK: every scheduled send delivered exactly once or in doubt; no duplicates; no lost runs' : `VIOLATIONS: ${report.problems.join('; ')}`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await drop?.();
  rmSync(work, { recursive: true, force: true });
}
