import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CronExpressionParser } from 'cron-parser';
import QRCode from 'qrcode';
import { DEFAULT_TIME_ZONE } from '../../playbook/calendar.ts';
import type { PlaybookSet } from '../../playbook/model.ts';
import { PlaybookReloader, watchPlaybookFolder } from '../../playbook/watch.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import { KocError } from '../../shared/errors.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { systemClock } from '../../shared/systemClock.ts';
import { DEFAULT_CONFIG_FILE, type KocflowConfig } from '../../config/schema.ts';
import { accountProfilesAsRun, playbooksFolder, syncConfigToStore, type ResolvedPuppet } from '../../config/index.ts';
import { readConfig } from '../configOption.ts';
import type { RuntimeAccount } from '../../runtime/app.ts';
import type { PuppetHandle } from '../../bot/puppetHandle.ts';
import { EXIT, type CliIo } from '../io.ts';
import type { ProcessRole } from '../../store/cluster/leases.ts';
import { DEFAULT_LEASE_RENEW_MS, DEFAULT_LEASE_TTL_MS } from '../../runtime/leaseKeeper.ts';
import { z } from 'zod';
import type { CommandResult } from '../main.ts';
import { addStoreOptions, storeOptionsFrom } from '../storeOptions.ts';

export interface StartOptions {
  /** Overrides the config's `playbooks` folder. */
  playbooks?: string;
  config?: string;
  dataDir?: string;
  watch: boolean;
  /** false: no synthetic customers even when the config asks for them. */
  demoTraffic?: boolean;
  /** Overrides the config's web.port (0: any free port). */
  webPort?: number;
  /** all (default) | bots | worker | web: several processes on PostgreSQL split the work (docs/scaling.md). */
  role?: ProcessRole;
}

const ROLES: readonly ProcessRole[] = ['all', 'bots', 'worker', 'web'];

function parseRole(value: string): ProcessRole {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new KocError('KOC_CLI_USAGE', `--role must be one of ${ROLES.join(', ')}, not "${value}"`, {
      hint: 'all runs everything; bots: the accounts this process leases and their sends; worker: schedules and runs; web: the till API, tracking links and /healthz',
    });
  }
  return value as ProcessRole;
}

/**
 * `kocflow start`: the product. Loads kocflow.yaml (or, without one, the built-in demo), the playbooks (hot
 * reload), opens and migrates the store, starts one bot per account, the engine and its driver, and prints a live
 * log of what each flow does and why. Ctrl-C finishes the sends in flight, stops the bots, releases the store.
 */
export function registerStart(program: Command, io: CliIo, done: CommandResult): void {
  addStoreOptions(
    program
      .command('start')
      .description('run kocflow: the bots, the flow engine, hot reload and a live log; Ctrl-C stops it cleanly')
      .option('--config <file>', `the configuration file (default ./${DEFAULT_CONFIG_FILE}; without one, a built-in demo)`)
      .option('--playbooks <dir>', 'the playbook folder (default: the config\'s `playbooks`)')
      .option('--no-watch', 'do not watch the playbook folder for changes')
      .option('--no-demo-traffic', 'no synthetic customers on the mock accounts')
      .option('--role <role>', 'what this process does: all (default), bots, worker or web; other than all needs DATABASE_URL (docs/scaling.md)', parseRole)
      .option('--web-port <port>', 'the web server\'s port (default: the config\'s web.port, 8720; 0: any free port)', (v) => {
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new KocError('KOC_CLI_USAGE', `--web-port must be a port number, not "${v}"`);
        return port;
      }),
  ).action(async (options: StartOptions) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      done(await runStart(options, io, controller.signal));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

export async function runStart(options: StartOptions, io: CliIo, signal: AbortSignal): Promise<number> {
  const logger = createLogger({ level: io.env.KOCFLOW_LOG_LEVEL ?? 'warn' });
  const role = options.role ?? parseRole(io.env.KOCFLOW_ROLE ?? 'all');
  if (role !== 'all' && !storeOptionsFrom(options, io).databaseUrl) {
    throw new KocError('KOC_ROLE_NEEDS_POSTGRES', `--role ${role} needs PostgreSQL: the embedded store is one process, which runs every role`, {
      hint: 'set DATABASE_URL to run several kocflow processes (docs/scaling.md), or drop --role',
    });
  }
  const cluster = storeOptionsFrom(options, io).databaseUrl ? clusterOptions(role, io.env) : undefined;
  const { config, configLabel } = readConfig(options.config, io);
  const root = options.playbooks ? resolve(io.cwd, options.playbooks) : playbooksFolder(configLabel.path, config);
  const reloader = new PlaybookReloader(root, logger);
  const { openStore } = await import('../../store/openStore.ts');
  const storeOptions = storeOptionsFrom(options, io);
  const store = await openStore({ ...storeOptions, logger });
  // Several processes starting at once: their upserts of the configuration one after the other.
  const { createWorkLock } = await import('../../store/cluster/workLock.ts');
  const startup = <T>(work: () => Promise<T>): Promise<T> => (store.kind === 'postgres' ? createWorkLock(store.pool).startup(work) : work());
  let runtime: Awaited<ReturnType<typeof import('../../runtime/app.ts').startRuntime>> | undefined;
  let traffic: import('../../demo/traffic.ts').DemoTraffic | undefined;
  let watcher: ReturnType<typeof watchPlaybookFolder> | undefined;
  let web: import('fastify').FastifyInstance | undefined;
  try {
    const status = await store.migrationStatus();
    const pending = status.filter((m) => m.state !== 'applied');
    io.out(`store: ${store.kind === 'embedded' ? 'embedded' : 'PostgreSQL'} at ${store.location} (${status.length - pending.length} migration${status.length === 1 ? '' : 's'} applied${pending.length ? `, ${pending.length} NOT applied: run kocflow migrate` : ''})\n`);
    io.out(`config: ${configLabel.text}\n`);
    printPlaybooks(io, relative(io.cwd, root) || '.', reloader.current());

    const now = systemClock.now();
    const synced = await startup(() => syncConfigToStore(store.prisma, config, now));
    const staffNames = new Map(config.staff.map((s) => [s.id, s.name]));
    const puppetRoot = join(options.dataDir ? resolve(io.cwd, options.dataDir) : resolve(io.cwd, io.env.KOCFLOW_DATA_DIR ?? '.kocflow/data'), '..', 'puppets');

    const mockIds = new Set<string>();
    const accounts: RuntimeAccount[] = [];
    // Accounts on the mock puppet get the demo's pacing: a simulated WeChat cannot be banned, and a newcomer should
    // see answers at any hour.
    for (const { config: account, profile, puppet } of accountProfilesAsRun(config, { now, firstSeen: synced.firstSeen, env: io.env })) {
      const people = [account.owner, ...account.commanders].filter((id): id is string => id !== undefined);
      if (puppet.kind === 'mock') mockIds.add(account.id);
      accounts.push({
        profile,
        commanders: account.commanders,
        makePuppet: () => makePuppet(account.id, account.name, puppet, people.map((id) => ({ id, name: staffNames.get(id) ?? id })), join(puppetRoot, account.id), logger),
      });
      const how = puppet.kind === 'mock' ? 'mock puppet (simulated WeChat)' : puppet.kind === 'service' ? `puppet-service${puppet.endpoint ? ` at ${puppet.endpoint.host}:${puppet.endpoint.port}${puppet.endpoint.tls ? ' (TLS)' : ''}` : ''}` : `not started: ${puppet.code} ${puppet.message}`;
      io.out(`account ${account.id.padEnd(12)} ${account.role.padEnd(10)} ${how}\n`);
    }

    const runsBots = role === 'all' || role === 'bots';
    const withTraffic = options.demoTraffic !== false && config.demo.traffic && mockIds.size > 0 && runsBots;
    // An all-mock demo shows the KOC program at work within a minute: a seeded history and tiers evaluated every
    // minute by the real evaluator. Never with a real account in the run.
    const kocDemo = withTraffic && mockIds.size === config.accounts.length && reloader.current().tiers !== undefined;
    if (kocDemo) {
      const { seedDemoKocHistory } = await import('../../demo/kocSeed.ts');
      await startup(() => seedDemoKocHistory(store.prisma, reloader.current().tiers!.document, now));
    }
    const webPort = options.webPort ?? config.web.port;
    // Read before any bot starts: a malformed key list stops kocflow at once, with the fix.
    const { parseTillKeys } = await import('../../web/tillKeys.ts');
    const tillKeys = parseTillKeys(io.env[config.web.tillKeysEnv], config.web.tillKeysEnv);
    const { startRuntime } = await import('../../runtime/app.ts');
    const running = await startRuntime({
      prisma: store.prisma, driver: store, reloader, accounts, staff: config.staff.map((s) => ({ id: s.id, name: s.name })), playbooksRoot: root,
      clock: systemClock, logger, optOutWords: config.optOutWords, retention: config.retention,
      ...(cluster ? { cluster } : {}),
      koc: { linkBase: config.web.publicUrl ?? `http://${config.web.host}:${webPort}`, ...(kocDemo ? { evaluateCron: '* * * * *' } : {}) },
      liveLog: { write: (line) => io.out(line), showText: mockIds.size === config.accounts.length },
      onBotStatus: (accountId, botStatus) => {
        if (botStatus.state === 'waiting_for_scan' && botStatus.qr) printQr(io, accountId, botStatus.qr);
      },
    });
    runtime = running;
    if (store.kind === 'postgres') {
      const held = running.leases?.owned().length;
      io.out(`process: ${running.processId}, role ${role}${held === undefined ? '' : `, holding ${held} of ${config.accounts.length} account leases (the others are held by other processes or taken over when free)`}\n`);
    }
    reloader.onChange((set) => io.out(`playbooks reloaded: ${set.flows.size} flows\n`));

    if (withTraffic) {
      const { DemoTraffic } = await import('../../demo/traffic.ts');
      const { seededRandom } = await import('../../shared/random.ts');
      const { formatCode } = await import('../../referral/codes.ts');
      const current = await store.prisma.kocProfile.findMany({ where: { referralCode: { isNot: null } }, select: { referralCode: { select: { code: true } } } });
      const codes = current.flatMap((k) => (k.referralCode ? [formatCode(k.referralCode.code)] : []));
      traffic = new DemoTraffic({
        accounts: config.accounts.filter((a) => mockIds.has(a.id)).map((a) => ({
          id: a.id,
          staff: [a.owner, ...a.commanders].filter((id): id is string => id !== undefined),
          kocs: [a.owner, ...a.commanders].filter((id): id is string => id !== undefined && config.staff.some((s) => s.id === id && s.tier !== undefined)),
          world: () => {
            const bot = running.fleet.get(a.id);
            const handle = bot?.puppet();
            const self = bot?.status().self;
            if (!handle?.mocker || !handle.mockPuppet || !self) return undefined;
            return { mocker: handle.mocker, puppet: handle.mockPuppet, selfId: self.externalId };
          },
        })),
        playbooks: () => reloader.current(),
        referralCodes: () => codes,
        random: seededRandom(Number(io.env.KOCFLOW_DEMO_SEED ?? Date.now() % 1_000_000)),
        logger,
      });
      traffic.start();
    }

    let dashboardLine: string | undefined;
    if (role === 'all' || role === 'web') {
      const { createWebServer } = await import('../../web/server.ts');
      const { RedemptionGuard } = await import('../../referral/guard.ts');
      web = createWebServer({
        referrals: running.referrals, guard: new RedemptionGuard({ clock: systemClock }), tillKeys, stores: new Set(config.stores.map((s) => s.id)),
        raise: (event) => running.raise(event), prisma: store.prisma, clock: systemClock, logger,
        landing: landingPages(config.staff, dirname(configLabel.path)),
        dashboard: {
          prisma: store.prisma, clock: systemClock, logger,
          runtime: {
            botStatuses: () => running.fleet.statuses(),
            playbooks: () => reloader.current(),
            leaderboard: (at) => running.koc.leaderboard(at),
            notes: running.koc.notes,
            kick: () => running.driver.kick(),
          },
          simulationsDir: resolve(io.cwd, io.env.KOCFLOW_SIMULATIONS_DIR ?? '.kocflow/simulations'),
          auth: { secureCookies: config.web.publicUrl?.startsWith('https://') ?? false },
        },
        bots: () => [...running.fleet.statuses()].map(([accountId, bot]) => ({ accountId, state: bot.state })),
      });
      const address = await listen(web, config.web.host, webPort);
      io.out(`web: ${address} — till API POST /api/redemptions (${tillKeys.size} key${tillKeys.size === 1 ? '' : 's'} in ${config.web.tillKeysEnv}), tracking links /r/CODE, /healthz, /metrics\n`);
      const { countUsers } = await import('../../store/dashboard/users.ts');
      dashboardLine = (await countUsers(store.prisma)) > 0
        ? `dashboard: ${address}/ (log in with a user from kocflow user add)\n`
        : `dashboard: ${address}/ needs a user first: kocflow user add NAME --role admin (the page says so until one exists)\n`;
    } else {
      // Roles without the web server still answer /healthz (the image's health check), with what this process holds.
      const { default: Fastify } = await import('fastify');
      web = Fastify();
      web.get('/healthz', async () => ({ status: 'ok', role, process: running.processId, accounts: running.leases?.owned() ?? [] }));
      const address = await listen(web, config.web.host, webPort);
      io.out(`web: ${address} — /healthz only (role ${role})\n`);
    }

    watcher = options.watch ? watchPlaybookFolder(reloader, root) : undefined;
    await watcher?.ready;
    if (dashboardLine) io.out(dashboardLine);
    if (withTraffic) io.out('demo: synthetic customers add the mock accounts (some with a KOC\'s referral code), ask prices, join 车友会 groups and opt out; edit a playbook to see it reload\n');
    if (kocDemo) io.out('demo: KOCs look at /tasks, accept and submit tasks and chat in the groups; tiers are evaluated every minute (a seeded history promotes the lowest KOC)\n');
    io.out(options.watch ? `watching ${relative(io.cwd, root) || '.'} for changes; press Ctrl-C to stop\n` : 'press Ctrl-C to stop\n');
    await new Promise<void>((resolveStop) => {
      if (signal.aborted) resolveStop();
      signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    io.out('stopping: finishing the sends in flight…\n');
  } finally {
    traffic?.stop();
    await web?.close();
    await runtime?.stop();
    await watcher?.close();
    await store.close();
  }
  io.out('stopped cleanly\n');
  return EXIT.ok;
}

/** A duration setting in milliseconds from the environment: unset or empty means the default. */
const msSetting = z.string().optional().transform((raw, ctx) => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number of milliseconds (at least 100), not "${raw}"` });
    return z.NEVER;
  }
  return value;
});
const clusterEnv = z.object({ KOCFLOW_LEASE_TTL_MS: msSetting, KOCFLOW_LEASE_RENEW_MS: msSetting, KOCFLOW_POLL_MS: msSetting });

/** Lease timings from the environment (ops may shorten the takeover bound; tests do), checked before anything starts. */
function clusterOptions(role: ProcessRole, env: CliIo['env']) {
  const parsed = clusterEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KocError('KOC_CONFIG_INVALID', `${String(issue.path[0])} ${issue.message}`, { hint: 'unset it for the default (docs/scaling.md, "Deploying")' });
  }
  const { KOCFLOW_LEASE_TTL_MS: ttl, KOCFLOW_LEASE_RENEW_MS: renew, KOCFLOW_POLL_MS: poll } = parsed.data;
  if ((ttl ?? DEFAULT_LEASE_TTL_MS) <= 2 * (renew ?? DEFAULT_LEASE_RENEW_MS)) {
    throw new KocError('KOC_CONFIG_INVALID', `KOCFLOW_LEASE_TTL_MS (${ttl ?? DEFAULT_LEASE_TTL_MS}) must be more than twice KOCFLOW_LEASE_RENEW_MS (${renew ?? DEFAULT_LEASE_RENEW_MS})`, {
      hint: `a lease must survive a late renewal; the defaults are ${DEFAULT_LEASE_TTL_MS} and ${DEFAULT_LEASE_RENEW_MS}`,
    });
  }
  return { role, ...(ttl ? { leaseTtlMs: ttl } : {}), ...(renew ? { leaseRenewMs: renew } : {}), ...(poll ? { pollMs: poll } : {}) };
}

async function makePuppet(
  accountId: string, name: string, resolved: ResolvedPuppet, staff: { id: string; name: string }[], dataDir: string, logger: Logger,
): Promise<PuppetHandle> {
  if (resolved.kind === 'error') {
    // Retrying cannot help: the account waits for its configuration (the bot reports `failed` with this).
    throw Object.assign(new KocError(resolved.code, resolved.message, { hint: resolved.hint }), { retryable: false });
  }
  const { createPuppet } = await import('../../bot/puppet/createPuppet.ts');
  if (resolved.kind === 'mock') {
    const puppet = await createPuppet(accountId, { kind: 'mock', self: { id: `self-${accountId}`, name } }, { dataDir, logger });
    // The account's staff are its contacts in the simulated world, so their task cards and answers reach them.
    for (const person of staff) {
      if (!puppet.mocker!.cacheContactPayload.has(person.id)) puppet.mocker!.createContact({ id: person.id, name: person.name });
    }
    return puppet;
  }
  return createPuppet(accountId, { kind: 'service', token: resolved.token, ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}) }, { dataDir, logger });
}

async function listen(app: import('fastify').FastifyInstance, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KocError(code === 'EADDRINUSE' ? 'KOC_WEB_PORT_IN_USE' : 'KOC_WEB_LISTEN_FAILED', `the web server cannot listen on ${host}:${port}: ${(error as Error).message}`, {
      hint: code === 'EADDRINUSE' ? 'another program (or another kocflow) uses that port: stop it, or set web.port in kocflow.yaml / --web-port' : 'check web.host and web.port in kocflow.yaml',
      cause: error,
    });
  }
}

function printQr(io: CliIo, accountId: string, qr: string): void {
  QRCode.toString(qr, { type: 'terminal', small: true }).then(
    (art) => io.out(`account ${accountId}: scan this QR code with the account's WeCom app to log in\n${art}\n`),
    () => io.out(`account ${accountId}: log in by scanning the QR code for ${qr}\n`),
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function printPlaybooks(io: CliIo, folder: string, set: PlaybookSet): void {
  const tiers = set.tiers ? `, tiers ${set.tiers.document.tiers.map((t) => t.name).join(' → ')}` : '';
  io.out(`playbooks: ${folder}: ${count(set.flows.size, 'flow')}, ${count(set.campaigns.size, 'campaign')}, ${count(set.tasks.size, 'task')}${tiers}\n`);
  const flows = [...set.flows.values()].sort((a, b) => a.document.id.localeCompare(b.document.id));
  const width = Math.max(...flows.map((f) => f.document.id.length), 4);
  for (const flow of flows) {
    const trigger = flow.document.trigger;
    let when: string;
    if ('cron' in trigger) {
      const zone = trigger.timeZone ?? DEFAULT_TIME_ZONE;
      const next = CronExpressionParser.parse(trigger.cron, { tz: zone, currentDate: new Date() }).next().toDate();
      when = `cron "${trigger.cron}", next ${formatLocal(next, 'YYYY-MM-DD HH:mm', zone)} ${zone}`;
    } else {
      when = `on ${trigger.on}`;
    }
    io.out(`  ${flow.document.id.padEnd(width)}  ${when}${flow.document.enabled ? '' : ' (disabled)'}\n`);
  }
}

/**
 * Each KOC's tracking-page extras from kocflow.yaml, with the QR path made absolute (it is relative to the file). A
 * file kocflow.yaml names was checked when it loaded; the built-in demo's image may be absent (an installed
 * package), and then its page simply has no image.
 */
function landingPages(staff: KocflowConfig['staff'], configDir: string): (wecomUserId: string) => { text?: string; qrFile?: string } | undefined {
  const pages = new Map(staff.filter((s) => s.landing).map((s) => {
    const qrFile = s.landing!.qr ? resolve(configDir, s.landing!.qr) : undefined;
    return [s.id, { ...(s.landing!.text ? { text: s.landing!.text } : {}), ...(qrFile && existsSync(qrFile) ? { qrFile } : {}) }];
  }));
  return (id) => pages.get(id);
}
