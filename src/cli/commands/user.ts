import type { Command } from 'commander';
import { z } from 'zod';
import { KocError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import type { Store } from '../../store/openStore.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

/**
 * `kocflow user add|list|remove`: the dashboard's users. The password is read from standard input (a prompt
 * without echo on a terminal, the first line of piped input otherwise), never from the command line, where it
 * would land in the shell history and the process list. The embedded store is locked while `kocflow start` runs:
 * stop it first (or use PostgreSQL).
 */
const ROLES = ['admin', 'ops', 'viewer'] as const;

const addOptions = z.object({
  name: z.string().trim().regex(/^[\w.@-]{1,64}$/, 'NAME is 1–64 letters, digits, and . _ @ -'),
  role: z.enum(ROLES, { message: '--role must be admin, ops or viewer' }),
});

interface StoreFlags {
  dataDir?: string;
}

export function registerUser(program: Command, io: CliIo, done: CommandResult): void {
  const configure = (c: Command) => addStoreOptions(c).exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const user = program.command('user').description('dashboard users: add (or reset a password), list, remove')
    .exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  configure(user.command('add')
    .description('add a dashboard user, or set a new password and role for an existing one (ends their sessions); the password is read from stdin or a prompt')
    .argument('<name>', 'the login name')
    .option('--role <role>', 'admin, ops (review tasks, resolve sends) or viewer (read only)', 'ops'))
    .action(async (name: string, options: StoreFlags & { role: string }) => done(await addUser(name, options, io)));
  configure(user.command('list').description('the dashboard users, their roles and last logins'))
    .action(async (options: StoreFlags) => done(await listUsersCommand(options, io)));
  configure(user.command('remove').description('remove a dashboard user (their sessions end)').argument('<name>', 'the login name'))
    .action(async (name: string, options: StoreFlags) => done(await removeUserCommand(name, options, io)));
}

async function withStore<T>(options: StoreFlags, io: CliIo, body: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../../store/openStore.ts');
  const store = await openStore({ ...storeOptionsFrom(options, io), logger: createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' }) });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

export async function addUser(name: string, raw: StoreFlags & { role: string }, io: CliIo): Promise<number> {
  const parsed = addOptions.safeParse({ name, role: raw.role });
  if (!parsed.success) throw new KocError('KOC_CLI_USAGE', parsed.error.issues.map((i) => i.message).join('; '), { hint: 'e.g. kocflow user add mei --role ops' });
  const { hashPassword, MIN_PASSWORD_LENGTH } = await import('../../web/dashboard/password.ts');
  const password = await readPassword(io);
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new KocError('KOC_USER_PASSWORD_WEAK', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`, { hint: 'choose a longer one (a few words make a good password)' });
  }
  const passwordHash = await hashPassword(password);
  return withStore(raw, io, async (store) => {
    const { upsertUser } = await import('../../store/dashboard/users.ts');
    const { created } = await upsertUser(store.prisma, { username: parsed.data.name, passwordHash, role: parsed.data.role, actor: 'cli', at: systemClock.now() });
    io.out(created ? `user ${parsed.data.name} added (${parsed.data.role}); log in at the dashboard (kocflow start prints its address)\n` : `user ${parsed.data.name}: new password and role ${parsed.data.role}; their sessions ended\n`);
    return EXIT.ok;
  });
}

export async function listUsersCommand(options: StoreFlags, io: CliIo): Promise<number> {
  return withStore(options, io, async (store) => {
    const { listUsers } = await import('../../store/dashboard/users.ts');
    const users = await listUsers(store.prisma);
    if (users.length === 0) io.out('no dashboard users: kocflow user add NAME --role admin\n');
    const now = systemClock.now();
    for (const u of users) {
      const locked = u.lockedUntil && u.lockedUntil > now ? `, locked until ${u.lockedUntil.toISOString()}` : '';
      io.out(`${u.username.padEnd(16)} ${u.role.padEnd(7)} last login ${u.lastLoginAt?.toISOString() ?? 'never'}${locked}\n`);
    }
    return EXIT.ok;
  });
}

export async function removeUserCommand(name: string, options: StoreFlags, io: CliIo): Promise<number> {
  return withStore(options, io, async (store) => {
    const { removeUser } = await import('../../store/dashboard/users.ts');
    if (!(await removeUser(store.prisma, { username: name, actor: 'cli', at: systemClock.now() }))) {
      throw new KocError('KOC_USER_UNKNOWN', `there is no dashboard user "${name}"`, { hint: 'kocflow user list shows them' });
    }
    io.out(`user ${name} removed\n`);
    return EXIT.ok;
  });
}

/** A prompt without echo on a terminal; otherwise the first line of standard input. */
async function readPassword(io: CliIo): Promise<string> {
  const input = io.stdin;
  if (!input) throw new KocError('KOC_USER_NO_PASSWORD', 'no password given', { hint: 'type it at the prompt, or pipe it: printf %s "$PASSWORD" | kocflow user add NAME' });
  if (input.isTTY && input.setRawMode) return promptHidden(io, input as NodeJS.ReadStream);
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new KocError('KOC_USER_NO_PASSWORD', 'no password on standard input', { hint: 'pipe it: printf %s "$PASSWORD" | kocflow user add NAME' });
  return line;
}

function promptHidden(io: CliIo, input: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    io.err('password: ');
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      io.err('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new KocError('KOC_USER_NO_PASSWORD', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
