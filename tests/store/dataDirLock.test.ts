import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KocError } from '../../src/shared/errors.ts';
import { acquireDataDirLock, LOCK_FILE_NAME, readDataDirLock } from '../../src/store/dataDirLock.ts';
import { openStore } from '../../src/store/openStore.ts';

const holderScript = fileURLToPath(new URL('./fixtures/lockHolder.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kocflow-lock-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real child process running tests/store/fixtures/lockHolder.ts; reads its stdout line by line. */
function spawnHolder(dataDir: string, mode: 'hold' | 'exit' | 'race' = 'hold') {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dataDir, mode], { stdio: 'pipe' });
  children.push(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => {}); // EPIPE when a holder that already exited (a refused racer) is told to release
  return {
    child,
    exited,
    async nextLine(): Promise<string> {
      const next = await lines.next();
      if (next.done) throw new Error(`lock holder ended without output: ${stderr}`);
      return next.value;
    },
    send(line: string) {
      if (child.exitCode === null && child.signalCode === null) child.stdin.write(`${line}\n`);
    },
  };
}

function lockPath(dir: string): string {
  return join(dir, LOCK_FILE_NAME);
}

async function rejection(fn: () => unknown): Promise<KocError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KocError);
    return error as KocError;
  }
  throw new Error('expected a KocError, got success');
}

describe('data directory lock', () => {
  it('writes {pid, hostname, startedAt} and refuses a second opener in the same process', async () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    const owner = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as Record<string, unknown>;
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(new Date(owner.startedAt as string).getTime()).not.toBeNaN();

    const error = await rejection(() => acquireDataDirLock(dir));
    expect(error.code).toBe('KOC_STORE_LOCKED');
    expect(error.message).toContain('this process');

    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses while another live process holds it, naming its pid and how to fix it', async () => {
    const dir = tempDir();
    const holder = spawnHolder(dir);
    const pid = Number((await holder.nextLine()).replace('locked ', ''));
    expect(pid).toBe(holder.child.pid);

    const error = await rejection(() => acquireDataDirLock(dir));
    expect(error.code).toBe('KOC_STORE_LOCKED');
    expect(error.message).toContain(`process ${pid}`);
    expect(error.hint).toContain(`kill ${pid}`);
    expect(error.hint).toContain('DATABASE_URL');

    // openStore refuses before it touches PGlite.
    const fromOpen = await rejection(() => openStore({ dataDir: dir }));
    expect(fromOpen.code).toBe('KOC_STORE_LOCKED');

    holder.send('release');
    await holder.exited;
  });

  it('takes over at once a lock left by a process killed with SIGKILL', async () => {
    const dir = tempDir();
    const holder = spawnHolder(dir);
    await holder.nextLine();
    holder.child.kill('SIGKILL');
    const [, signal] = await holder.exited;
    expect(signal).toBe('SIGKILL');
    expect(readDataDirLock(dir)?.pid).toBe(holder.child.pid); // left behind

    const lock = acquireDataDirLock(dir);
    expect(lock.tookOverFrom?.pid).toBe(holder.child.pid);
    expect(readDataDirLock(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it('is released by the exit hook when the owner exits without closing', async () => {
    const dir = tempDir();
    const holder = spawnHolder(dir, 'exit');
    await holder.nextLine();
    const [code] = await holder.exited;
    expect(code).toBe(0);
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it('lets exactly one of several simultaneous starters take over a stale lock', async () => {
    const dir = tempDir();
    const dead = spawnHolder(dir);
    await dead.nextLine();
    dead.child.kill('SIGKILL');
    await dead.exited;

    const racers = Array.from({ length: 4 }, () => spawnHolder(dir, 'race'));
    for (const racer of racers) expect(await racer.nextLine()).toBe('ready');
    for (const racer of racers) racer.send('go');
    const results = await Promise.all(racers.map((racer) => racer.nextLine()));

    const winners = results.filter((line) => line.startsWith('locked'));
    expect(winners).toHaveLength(1);
    expect(results.filter((line) => line === 'refused KOC_STORE_LOCKED')).toHaveLength(3);
    expect(readDataDirLock(dir)?.pid).toBe(Number(winners[0]!.replace('locked ', '')));

    for (const racer of racers) racer.send('release');
    await Promise.all(racers.map((racer) => racer.exited));
  });

  it('refuses a lock held from another host, with a hint', async () => {
    const dir = tempDir();
    const foreign = acquireDataDirLock(dir, { hostname: 'till-pc-7' });
    const error = await rejection(() => acquireDataDirLock(dir));
    expect(error.code).toBe('KOC_STORE_LOCKED');
    expect(error.message).toContain('till-pc-7');
    expect(error.hint).toContain(lockPath(dir));
    foreign.release();
  });

  it('takes over a lock with our own pid that this process does not hold (pid reuse, e.g. pid 1 in containers)', () => {
    const dir = tempDir();
    const stale = { pid: process.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', token: 'previous-boot' };
    writeFileSync(lockPath(dir), JSON.stringify(stale));
    const lock = acquireDataDirLock(dir);
    expect(lock.tookOverFrom?.token).toBe('previous-boot');
    lock.release();
  });

  it.runIf(process.platform === 'linux')('takes over when the pid now belongs to a newer process', async () => {
    const dir = tempDir();
    const other = spawnHolder(tempDir()); // a live process that is not the lock's owner
    await other.nextLine();
    const reused = {
      pid: other.child.pid,
      hostname: hostname(),
      startedAt: '2026-01-01T00:00:00.000Z',
      token: 'old-owner',
      processStart: '1', // the old owner started at another time than the pid's current process
    };
    writeFileSync(lockPath(dir), JSON.stringify(reused));
    const lock = acquireDataDirLock(dir);
    expect(lock.tookOverFrom?.token).toBe('old-owner');
    lock.release();
    other.send('release');
    await other.exited;
  });

  it('names the file to delete when a takeover guard was left by a dead process', async () => {
    const dir = tempDir();
    const dead = spawnHolder(dir);
    await dead.nextLine();
    dead.child.kill('SIGKILL');
    await dead.exited;
    writeFileSync(`${lockPath(dir)}.takeover`, JSON.stringify({ pid: dead.child.pid, hostname: hostname(), token: 'x' }));
    const error = await rejection(() => acquireDataDirLock(dir));
    expect(error.code).toBe('KOC_STORE_LOCKED');
    expect(error.hint).toContain(`${lockPath(dir)}.takeover`);
  });
});

describe('embedded store on a data directory', () => {
  it('is created and migrated on first start, locked while open, released on close, and reopens', async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore({ dataDir: dir });
    expect(store.kind).toBe('embedded');
    expect(store.location).toBe(dir);
    expect((await store.migrationStatus()).every((entry) => entry.state === 'applied')).toBe(true);
    expect(readDataDirLock(dir)?.pid).toBe(process.pid);
    await store.prisma.store.create({ data: { id: 'sh-001', name: '上海一店' } });

    await store.close();
    expect(existsSync(lockPath(dir))).toBe(false);
    await store.close(); // idempotent

    const again = await openStore({ dataDir: dir });
    expect((await again.migrate()).applied).toEqual([]);
    expect(await again.prisma.store.findUnique({ where: { id: 'sh-001' } })).toMatchObject({ name: '上海一店' });
    await again.close();
  });
});
