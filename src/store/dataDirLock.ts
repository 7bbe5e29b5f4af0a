/**
 * Exclusive lock on the embedded store's data directory.
 *
 * Why it exists: PGlite has no lock of its own. Two processes opened and wrote the same data directory without an
 * error (measured), which corrupts it. So the process that opens the embedded store must own the directory.
 *
 * Why it is hand-written rather than a lock-file library: the common libraries decide staleness by age (a lock
 * whose mtime was not refreshed for N seconds), so a restart after `kill -9` has to wait N seconds, and a busy
 * event loop can lose a live lock. Here the lock names its owner (pid, host, boot id, process start time), so a
 * lock left by a dead process on this host is taken over at once, and a live one is never stolen. That only works
 * on one host — which is the design: the embedded store is local; several machines means PostgreSQL.
 *
 * Protocol (all steps are single atomic filesystem operations):
 * - acquire: write the owner record to a private temp file, then `link()` it to `kocflow.lock`. `link` fails with
 *   EEXIST if a lock exists, so the lock file is never observed half-written and two starters cannot both create it.
 * - on EEXIST, read the owner. Another host → refuse (we cannot see its processes). Same host and alive → refuse
 *   with KOC_STORE_LOCKED. Dead (no such pid, a different boot, or the pid now belongs to a newer process) → take over.
 * - take over under a short-lived guard file created with O_EXCL (`kocflow.lock.takeover`): re-read the lock, and only
 *   if it is still the same dead owner's, unlink it and link ours. Competing starters either lose the guard or find a
 *   live owner once they get it, so exactly one wins. (If a process is killed inside the few-millisecond guarded
 *   section, the guard is left behind; the next start says so and names the file to delete.)
 * - release (close, or process exit): unlink the lock only if it still holds our token.
 *
 * Signals: SIGKILL leaves the lock file behind by definition; the next start takes it over because the pid is dead.
 * We install no signal handlers (the CLI owns those); its shutdown path should call `store.close()`.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { KocError } from '../shared/errors.ts';

export const LOCK_FILE_NAME = 'kocflow.lock';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO instant the owner took the lock. */
  startedAt: string;
  /** Random per acquisition: lets an owner recognise its own lock (pids repeat, e.g. pid 1 in containers). */
  token: string;
  /** Linux boot id: a lock from a previous boot is dead whatever its pid. */
  bootId?: string;
  /** Linux process start time (clock ticks since boot): detects a pid reused by a newer process. */
  processStart?: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** When we replaced a lock left by a dead process, its owner (for a log line). */
  readonly tookOverFrom: LockOwner | undefined;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** For tests: pretend to be another host. */
  hostname?: string;
}

/** Locks we hold in this process, by lock path → token. */
const held = new Map<string, string>();
let exitHookInstalled = false;

export function acquireDataDirLock(dataDir: string, options: AcquireOptions = {}): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: options.hostname ?? osHostname(),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
    ...linuxIdentity(process.pid),
  };

  let tookOverFrom: LockOwner | undefined;
  // Three rounds are plenty: each round either wins, refuses, or observed a lock vanish/replaced under it.
  for (let round = 0; round < 3; round++) {
    if (tryCreate(lockPath, owner)) return register(lockPath, owner, tookOverFrom);
    const current = readOwner(lockPath);
    if (current === 'missing') continue; // released between our link and our read: try again
    if (current === 'unreadable') throw unreadableLock(lockPath);
    const verdict = judge(lockPath, current, owner.hostname);
    if (verdict !== 'dead') throw lockedError(lockPath, current, verdict);
    if (takeOver(lockPath, current, owner)) {
      tookOverFrom = current;
      return register(lockPath, owner, tookOverFrom);
    }
  }
  const last = readOwner(lockPath);
  if (typeof last === 'object') {
    const verdict = judge(lockPath, last, owner.hostname);
    if (verdict !== 'dead') throw lockedError(lockPath, last, verdict);
  }
  throw new KocError('KOC_STORE_LOCKED', `could not lock the data directory ${dir}: the lock kept changing`, {
    hint: 'another kocflow process is starting on the same data directory; start only one',
    retryable: true,
    retryAfterMs: 1000,
  });
}

/** Reads the lock file's owner, for `kocflow` status output and tests. */
export function readDataDirLock(dataDir: string): LockOwner | undefined {
  const result = readOwner(join(resolve(dataDir), LOCK_FILE_NAME));
  return typeof result === 'object' ? result : undefined;
}

// ───────────────────────────────────────────────────────────────────────────────────────── internals

function register(lockPath: string, owner: LockOwner, tookOverFrom: LockOwner | undefined): DataDirLock {
  held.set(lockPath, owner.token);
  installExitHook();
  let released = false;
  return {
    path: lockPath,
    owner,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      releaseIfOurs(lockPath, owner.token);
    },
  };
}

function releaseIfOurs(lockPath: string, token: string): void {
  if (held.get(lockPath) === token) held.delete(lockPath);
  const current = readOwner(lockPath);
  if (typeof current === 'object' && current.token === token) {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: everything here is.
  process.on('exit', () => {
    for (const [lockPath, token] of held) releaseIfOurs(lockPath, token);
  });
}

/** Creates the lock atomically with its full content. False when a lock already exists. */
function tryCreate(lockPath: string, owner: LockOwner): boolean {
  return createExclusive(lockPath, owner.token, `${JSON.stringify(owner)}\n`);
}

/**
 * Creates `path` with `content` unless it exists: the content goes to a private temp file first and is then
 * hard-linked into place, so readers never see a half-written file.
 */
function createExclusive(path: string, token: string, content: string): boolean {
  const temp = `${path}.${token}.tmp`;
  writeFileDurably(temp, content, 'wx');
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
}

type Verdict = 'alive' | 'ours' | 'other-host' | 'dead';

function judge(lockPath: string, current: LockOwner, ourHostname: string): Verdict {
  if (current.hostname !== ourHostname) return 'other-host';
  if (current.pid === process.pid) {
    // Our pid: either a Store in this very process holds it, or a previous incarnation with the same pid died
    // (pids repeat: pid 1 in every container).
    return held.get(lockPath) === current.token ? 'ours' : 'dead';
  }
  return isProcessAlive(current) ? 'alive' : 'dead';
}

function isProcessAlive(owner: LockOwner): boolean {
  const now = linuxIdentity(owner.pid);
  if (owner.bootId && now.bootId && owner.bootId !== now.bootId) return false; // rebooted since
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    // EPERM: the process exists but belongs to another user — alive.
  }
  // The pid exists. If it started at a different time than the owner did, the pid was reused.
  if (owner.processStart && now.processStart && owner.processStart !== now.processStart) return false;
  return true;
}

/** Replaces a dead owner's lock with ours, under the takeover guard. False if someone else changed it first. */
function takeOver(lockPath: string, dead: LockOwner, owner: LockOwner): boolean {
  const guardPath = `${lockPath}.takeover`;
  const guardRecord = { pid: owner.pid, hostname: owner.hostname, token: owner.token, ...linuxIdentity(owner.pid) };
  if (!createExclusive(guardPath, owner.token, `${JSON.stringify(guardRecord)}\n`)) {
    const guard = readOwner(guardPath);
    if (typeof guard !== 'object') return false; // just released (or being replaced): the next round decides
    if (guard.hostname !== owner.hostname || isProcessAlive(guard)) return false; // someone is taking over now
    throw new KocError(
      'KOC_STORE_LOCKED',
      `a previous kocflow process died while taking over the data directory lock (${guardPath} is left behind)`,
      { hint: `make sure no kocflow process uses this data directory, then delete ${guardPath}`, details: { guardPath } },
    );
  }
  try {
    const current = readOwner(lockPath);
    if (current === 'missing') return tryCreate(lockPath, owner);
    if (typeof current !== 'object' || current.token !== dead.token) return false; // changed under us
    unlinkSync(lockPath);
    return tryCreate(lockPath, owner);
  } finally {
    unlinkQuietly(guardPath);
  }
}

function readOwner(path: string): LockOwner | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.hostname === 'string' && typeof value.token === 'string') {
      return value as LockOwner;
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

function lockedError(lockPath: string, current: LockOwner, verdict: Verdict): KocError {
  const since = current.startedAt ? ` since ${current.startedAt}` : '';
  const details = { lockPath, pid: current.pid, hostname: current.hostname, startedAt: current.startedAt };
  if (verdict === 'other-host') {
    return new KocError(
      'KOC_STORE_LOCKED',
      `the data directory is locked by process ${current.pid} on another host (${current.hostname})${since}`,
      {
        hint:
          `the embedded store is local to one machine: stop kocflow on ${current.hostname}, or use PostgreSQL ` +
          `(DATABASE_URL) to run on several machines. If ${current.hostname} no longer runs kocflow (e.g. a ` +
          `replaced container), delete ${lockPath}; give containers a fixed hostname to avoid this`,
        details,
      },
    );
  }
  const who = verdict === 'ours' ? 'this process (the store is already open)' : `process ${current.pid}`;
  return new KocError('KOC_STORE_LOCKED', `the data directory is in use by ${who}${since}`, {
    hint:
      verdict === 'ours'
        ? 'open the store once per process and share it'
        : `stop the other kocflow process (kill ${current.pid}) or use a different data directory (--data-dir); ` +
          'to run several processes on one database, use PostgreSQL (DATABASE_URL)',
    retryable: verdict === 'alive',
    details,
  });
}

function unreadableLock(lockPath: string): KocError {
  return new KocError('KOC_STORE_LOCKED', `the data directory lock ${lockPath} is unreadable`, {
    hint: `make sure no kocflow process uses this data directory, then delete ${lockPath}`,
    details: { lockPath },
  });
}

function linuxIdentity(pid: number): Pick<LockOwner, 'bootId' | 'processStart'> {
  if (process.platform !== 'linux') return {};
  const identity: Pick<LockOwner, 'bootId' | 'processStart'> = {};
  try {
    identity.bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // not available (e.g. some sandboxes)
  }
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name (which may contain spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    if (start) identity.processStart = start;
  } catch {
    // no such process, or /proc not mounted
  }
  return identity;
}

function writeFileDurably(path: string, content: string, flags: 'wx'): void {
  const fd = openSync(path, flags, 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
