import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument, stringify } from 'yaml';
import { linkPlaybooks } from '../../src/playbook/link.ts';
import { findPlaybookFiles, folderFiles, loadPlaybookFolder } from '../../src/playbook/load.ts';
import { validateDocument, type ValidatedDocument } from '../../src/playbook/validate.ts';
import { parseYaml } from '../../src/playbook/yamlSource.ts';
import { eventTriggers, subjectOf, variablesOf, type Trigger, type VariableTree } from '../../src/playbook/schema/triggers.ts';

/**
 * `npm run bench:lint [-- --files N] [-- --cli path/to/main.js] [-- --keep]`: how long `kocflow lint` takes on a
 * large playbook folder. A benchmark, not a test: run it by hand, keep the raw output (docs/bench/lint.txt)
 * with the machine it ran on. Goal: 1,000 files in under 2 s.
 *
 * It writes N realistic, valid playbook files into a temp folder (flows of every trigger kind with 3–10 steps
 * and templates, campaigns, tasks, one tiers file, one library with template files and small assets; valid, so
 * lint does all of its linking work) and measures:
 *   (a) loadPlaybookFolder in this process, median of 5 runs after 1 warm-up, and its phases;
 *   (b) the floor: reading and YAML-parsing the same files with `yaml` (parseDocument), for the ratio;
 *   (c) the CLI end to end, `node dist/cli/main.js lint <dir>`, wall time of 3 runs (needs `npm run build`).
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GOAL_MS_PER_1000 = 2_000;

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' },
    cli: { type: 'string', default: join(REPO_ROOT, 'dist', 'cli', 'main.js') },
    keep: { type: 'boolean', default: false },
  },
});
const fileCount = Number(args.files);
if (!Number.isInteger(fileCount) || fileCount < 20) {
  console.error(`--files must be a whole number of at least 20, not "${args.files}"`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// The playbook folder.

/** mulberry32: the same folder on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20260105);
const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const pad = (n: number, width = 4) => String(n).padStart(width, '0');

const TIERS = ['普通', '潜力', '核心', '明星'];
const TAGS = ['新客', 'VIP', '已到店', '已购买', '沉睡', '高意向', '车主', '宝妈', '学生', '会员'];
const STORES = ['sh-*', 'bj-*', 'gz-*', 'sz-*', 'hz-*'];
const ROOMS = ['车友会*', 'VIP*', '宝妈群*', '新品体验群*'];
const WORDS = ['新品到店', '周末试驾', '会员日', '春季上新', '限时优惠', '到店有礼', '老客回馈', '门店活动'];
const ASSETS = ['img-1', 'img-2', 'img-3', 'img-4', 'img-5', 'img-6'];
const MOMENT_FILES = 5;
const GREET = 20; // library templates that use account variables only: usable in every flow
const CONTACT = 20; // library templates that use contact variables: contact flows only

interface Plan {
  campaigns: string[];
  tasks: string[];
  counts: Record<string, number>;
}

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function write(root: string, path: string, content: string | Buffer): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

function yamlFile(comment: string, value: unknown): string {
  return `# ${comment}\n${stringify(value, { lineWidth: 0 })}`;
}

function generateFolder(root: string, total: number): Plan {
  const counts: Record<string, number> = {};
  const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);

  // Library: templates (inline, lists, files) and assets.
  for (const asset of ASSETS) write(root, `assets/${asset}.png`, PNG_1x1);
  const templates: Record<string, unknown> = {};
  for (let i = 1; i <= GREET; i++) {
    templates[`greet-${pad(i, 2)}`] = i % 2
      ? `您好，我是{{store.name}}的{{account.name}}，${pick(WORDS)}，有需要随时找我～`
      : [`{{account.name}}在{{store.name}}等您，${pick(WORDS)}！`, `${pick(WORDS)}，欢迎来{{store.name}}找{{account.name}}。`];
  }
  for (let i = 1; i <= CONTACT; i++) {
    templates[`contact-${pad(i, 2)}`] = [`{{contact.name}}您好，${pick(WORDS)}，{{store.name}}欢迎您！`, `{{default contact.alias contact.name}}，${pick(WORDS)}了解一下？`];
  }
  for (let i = 1; i <= MOMENT_FILES; i++) {
    write(root, `templates/moments-${i}.txt`, [1, 2, 3].map((n) => `${pick(WORDS)}🌸 第${n}版文案：本周到{{store.name}}，${pick(WORDS)}`).join('\n---\n') + '\n');
    templates[`moments-${i}`] = { file: `templates/moments-${i}.txt` };
  }
  write(root, 'library/content.yaml', yamlFile('素材库 / 话术库', {
    kind: 'library', id: 'bench-content', templates, assets: Object.fromEntries(ASSETS.map((a) => [a, `assets/${a}.png`])),
  }));
  count('library file');

  write(root, 'koc/tiers.yaml', yamlFile('KOC 等级', {
    kind: 'tiers', id: 'bench-tiers', window: '30d', evaluate: '0 9 * * 1',
    tiers: TIERS.map((name, i) => ({ name, minPoints: i * 150, minActiveDays: i * 3, ...(i ? { perks: `${name}专属权益` } : {}) })),
  }));
  count('tiers file');

  const campaignCount = Math.max(2, Math.round(total * 0.05));
  const taskCount = Math.max(2, Math.round(total * 0.05));
  const campaigns: string[] = [];
  for (let i = 1; i <= campaignCount; i++) {
    const id = `campaign-${pad(i)}`;
    campaigns.push(id);
    const start = `2026-${pad(int(1, 6), 2)}-${pad(int(1, 28), 2)}`;
    write(root, `campaigns/${id}.yaml`, yamlFile(`活动 ${i}`, {
      kind: 'campaign', id, name: `${pick(WORDS)}活动 ${i}`,
      coupon: { title: `${pick(WORDS)}券`, value: `满${int(1, 5) * 100}减${int(1, 5) * 10}`, ...(i % 2 ? { validDays: int(7, 60) } : { validUntil: '2026-12-31' }), ...(i % 3 ? {} : { stores: [pick(STORES)] }) },
      startsOn: start, endsOn: '2026-12-31', budget: int(100, 10_000), perCustomer: 1, attributionWindow: `${int(7, 60)}d`,
      ...(i % 2 ? { referrerReward: { onArrival: 10, onRedeem: 20 } } : {}),
      ...(i % 5 ? {} : { fission: { room: { topic: pick(ROOMS) }, goal: int(3, 10), minStay: '1d', pointsPerInvite: 5 } }),
    }));
    count('campaigns');
  }
  const tasks: string[] = [];
  for (let i = 1; i <= taskCount; i++) {
    const id = `task-${pad(i)}`;
    tasks.push(id);
    write(root, `koc/tasks/${id}.yaml`, yamlFile(`KOC 任务 ${i}`, {
      kind: 'task', id, title: `发一条${pick(WORDS)}朋友圈`, description: '用素材包里的图片和文案发一条朋友圈，提交截图或链接。',
      content: { text: `${pick(WORDS)}🌸 {{staff.name}}推荐，到店报我的推荐码 {{staff.code}} 有礼（{{task.title}}）`, images: [pick(ASSETS), pick(ASSETS)] },
      eligible: { tiers: TIERS.slice(1, int(2, 4)) }, capacity: int(10, 100), ...(i % 2 ? { dueAfter: '7d' } : { due: '2026-12-31' }), points: int(10, 50),
    }));
    count('tasks');
  }

  // Flows: a few scheduled ones on distinct weekly slots (no two within an hour), the rest on events.
  const flowCount = total - 2 - campaignCount - taskCount;
  const cronCount = Math.min(24, Math.max(4, Math.round(total * 0.02)));
  const audiences = [undefined, { contacts: { tagged: [pick(TAGS)] } }, { rooms: { topic: pick(ROOMS) } }, { staff: { roles: ['ambassador'], tiers: ['潜力', '核心'] } }];
  const events: (() => Record<string, unknown>)[] = [
    () => ({ on: 'friend.added' }),
    () => ({ on: 'message.keyword', keywords: ['多少钱', '价格'], in: 'private' }),
    () => ({ on: 'message.keyword', keywords: ['活动'], in: 'room', room: { topic: '车友会*' } }),
    () => ({ on: 'message.keyword', regex: '^(预约|试驾)', in: 'any' }),
    () => ({ on: 'room.joined', room: { topic: '车友会*' } }),
    () => ({ on: 'room.left', room: { topic: 'VIP*' } }),
    () => ({ on: 'tag.added', tag: 'VIP' }),
    () => ({ on: 'tag.removed', tag: '沉睡' }),
    () => ({ on: 'code.sent', campaign: pick(campaigns) }),
    () => ({ on: 'coupon.redeemed' }),
    () => ({ on: 'manual', subject: pick(['contact', 'contact', 'room', 'account']) }),
  ];
  for (let i = 1; i <= flowCount; i++) {
    const id = `flow-${pad(i)}`;
    let trigger: Record<string, unknown>;
    if (i <= cronCount) {
      const slot = i - 1; // hour 8–19 on each weekday: distinct slots, the same audience kind 4 hours apart
      const audience = audiences[slot % audiences.length];
      trigger = { cron: `${slot % 2 ? 30 : 0} ${8 + (slot % 12)} * * ${Math.floor(slot / 12) % 7}`, ...(audience ? { audience } : {}) };
    } else {
      trigger = pick(events)();
    }
    const parsed = ('cron' in trigger ? trigger : eventTriggers[trigger.on as keyof typeof eventTriggers].parse(trigger)) as Trigger;
    const flow: Record<string, unknown> = {
      id, name: `${pick(WORDS)} SOP ${i}`,
      ...(i % 3 ? { accounts: { roles: ['guide'], stores: [pick(STORES)] } } : {}),
      trigger,
      ...(i % 4 === 0 ? { stopWhen: { tagged: ['已购买'] } } : {}),
      steps: steps(parsed, campaigns, tasks),
      ...(i % 7 === 0 ? { pacing: { perContactPerDay: 2, quietHours: { from: '21:30', to: '08:30' } } } : {}),
    };
    const folder = 'cron' in trigger ? 'scheduled' : String(trigger.on).replace('.', '-');
    write(root, `flows/${folder}/${id}.yaml`, yamlFile(`基准流程 ${i}`, flow));
    count('cron' in trigger ? 'cron' : String(trigger.on));
  }
  return { campaigns, tasks, counts };
}

function leaves(tree: VariableTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, node]) =>
    node === true ? [prefix + name] : node === 'open' ? [`${prefix}${name}.city`] : leaves(node, `${prefix}${name}.`));
}

/** 3–10 steps that fit the trigger's subject, with templates that use the trigger's variables. */
function steps(trigger: Trigger, campaigns: string[], tasks: string[]): Record<string, unknown>[] {
  const vars = leaves(variablesOf(trigger)).filter((v) => v !== 'now');
  const text = (extra: string[] = []) => {
    const pool = [...vars, ...extra];
    return `${pick(WORDS)}：{{${pick(pool)}}}，{{${pick(pool)}}}，详情问{{account.name}}`;
  };
  const subject = subjectOf(trigger);
  const out: Record<string, unknown>[] = [];
  let coupon = false;
  const n = int(3, 10);
  while (out.length < n) {
    const couponVars = coupon ? ['coupon.code', 'coupon.value'] : [];
    const when = rnd() < 0.2 ? { when: pick([{ notTagged: [pick(TAGS)] }, { tier: ['潜力', '核心'] }, { any: [{ tagged: [pick(TAGS)] }, { referred: true }] }]) } : {};
    const wait = { wait: pick(['1d', '2h30m', '3d', '90m']), ...(rnd() < 0.5 ? { at: pick(['10:00', '20:30']) } : {}) };
    const note = { notifyStaff: { text: text(couponVars) } };
    let step: Record<string, unknown>;
    switch (subject) {
      case 'contact':
        step = pick([
          () => ({ say: text(couponVars) }),
          () => ({ say: [text(couponVars), text(couponVars)] }),
          () => ({ say: { template: pick([`greet-${pad(int(1, GREET), 2)}`, `contact-${pad(int(1, CONTACT), 2)}`]) } }),
          () => ({ say: { text: text(couponVars), image: pick(ASSETS) } }),
          () => ({ say: { link: { url: 'https://example.com/spring', title: `${pick(WORDS)}`, thumbnail: pick(ASSETS) } } }),
          () => { coupon = true; return { say: '送您一张券：{{coupon.code}}，{{date coupon.expiresAt \'M月D日\'}}前有效', coupon: { campaign: pick(campaigns) } }; },
          () => { coupon = true; return { issueCoupon: { campaign: pick(campaigns) } }; },
          () => ({ tag: [pick(TAGS), pick(TAGS)].filter((t, i, a) => a.indexOf(t) === i) }),
          () => ({ untag: [pick(TAGS)] }),
          () => wait,
          () => ({ inviteToRoom: { topic: pick(ROOMS) } }),
          () => note,
          () => ({ awardPoints: { to: 'referrer', amount: int(1, 20), reason: '推荐客户' } }),
        ])();
        break;
      case 'room':
        step = pick([
          () => ({ roomSay: text(), ...('on' in trigger && trigger.on === 'room.joined' ? { mention: ['member'] } : {}) }),
          () => ({ roomSay: [text(), text()] }),
          () => ({ roomSay: { template: `greet-${pad(int(1, GREET), 2)}` } }),
          () => wait,
          () => ({ notifyStaff: { text: text() } }),
          () => ({ awardPoints: { to: 'on' in trigger && trigger.on === 'room.joined' ? 'inviter' : 'owner', amount: 5, reason: '邀请入群' } }),
        ])();
        break;
      case 'staff':
        step = pick([
          () => ({ assignTask: { task: pick(tasks) } }),
          () => ({ notifyStaff: { text: text() } }),
          () => wait,
          () => ({ awardPoints: { to: 'staff', amount: 10, reason: '每周活跃' } }),
        ])();
        break;
      default:
        step = pick([
          () => ({ moment: { text: { template: `moments-${int(1, MOMENT_FILES)}` }, images: [pick(ASSETS), pick(ASSETS)], visibleTo: { tags: ['VIP'] } }, mode: 'assist' }),
          () => ({ moment: { text: text(), link: { url: 'https://example.com/new', title: '新品' } } }),
          () => ({ notifyStaff: { text: text() } }),
          () => wait,
        ])();
    }
    out.push({ ...when, ...step });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring.

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** A path for the report: relative inside the repository, absolute outside it. */
const shown = (path: string) => (path.startsWith(REPO_ROOT + sep) ? relative(REPO_ROOT, path) : path);
function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}
function repeat(runs: number, fn: () => void): number[] {
  fn(); // warm-up
  return Array.from({ length: runs }, () => time(fn));
}

function readAll(root: string): { file: string; text: string }[] {
  return findPlaybookFiles(root).map((full) => ({ file: relative(root, full).split(sep).join('/'), text: readFileSync(full, 'utf8') }));
}

function folderSize(root: string): number {
  return findPlaybookFiles(root).reduce((sum, f) => sum + statSync(f).size, 0);
}

const root = mkdtempSync(join(tmpdir(), 'kocflow-bench-lint-'));
const empty = mkdtempSync(join(tmpdir(), 'kocflow-bench-empty-'));
try {
  const plan = generateFolder(root, fileCount);
  const cpu = cpus();
  const budget = (GOAL_MS_PER_1000 * fileCount) / 1000;
  console.log('kocflow lint benchmark (scripts/bench/lint.ts)');
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}`);
  console.log(`load:     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min load average before the run; above 0 means other work shared the CPU)`);
  console.log(`node:     ${process.version}`);
  console.log(`files:    ${findPlaybookFiles(root).length} playbook files, ${(folderSize(root) / 1024).toFixed(0)} KiB (+ ${ASSETS.length} assets, ${MOMENT_FILES} template files)`);
  const documents = ['campaigns', 'tasks', 'tiers file', 'library file'];
  const flowKinds = Object.entries(plan.counts).filter(([k]) => !documents.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  console.log(`          ${flowKinds.reduce((sum, [, v]) => sum + v, 0)} flows (${flowKinds.map(([k, v]) => `${k} ${v}`).join(', ')}),`);
  console.log(`          ${documents.map((k) => `${plan.counts[k] ?? 0} ${k}`).join(', ')}`);
  console.log(`goal:     1,000 files in under 2 s${fileCount === 1000 ? '' : ` (scaled to ${fileCount} files: ${ms(budget)})`}`);
  console.log('');

  // (a) The loader, in process.
  const first = loadPlaybookFolder(root);
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    console.error(`the generated playbooks have ${errors.length} errors, so lint would stop early and the figures would mean little:`);
    for (const d of errors.slice(0, 10)) console.error(`  ${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
    process.exitCode = 1;
  } else {
    const warnings = first.diagnostics.length;
    const lintRuns = Array.from({ length: 5 }, () => time(() => loadPlaybookFolder(root))); // the load above was the warm-up
    const lint = median(lintRuns);
    console.log(`(a) loadPlaybookFolder, in process: median ${ms(lint)} of 5 runs after 1 warm-up (runs: ${lintRuns.map(ms).join(', ')}); ${first.set.flows.size} flows loaded, 0 errors, ${warnings} warnings`);

    // Where the time goes: the same steps as loadPlaybookSources, timed one by one.
    const phases = { read: [] as number[], parse: [] as number[], validate: [] as number[], link: [] as number[] };
    for (let run = 0; run < 6; run++) {
      let sources: { file: string; text: string }[] = [];
      const read = time(() => { sources = readAll(root); });
      let parsed: ReturnType<typeof parseYaml>[] = [];
      const parse = time(() => { parsed = sources.map((s) => parseYaml(s.file, s.text)); });
      const validated: ValidatedDocument[] = [];
      const validate = time(() => {
        for (const source of parsed) {
          const result = validateDocument(source);
          if (result.document) validated.push({ source, document: result.document });
        }
      });
      const link = time(() => linkPlaybooks(root, validated, { files: folderFiles(root) }));
      if (run === 0) continue; // warm-up
      phases.read.push(read);
      phases.parse.push(parse);
      phases.validate.push(validate);
      phases.link.push(link);
    }
    console.log(`    phases, timed in separate runs (median of 5): list+read ${ms(median(phases.read))}, parse (yamlSource) ${ms(median(phases.parse))}, validate (zod) ${ms(median(phases.validate))}, link ${ms(median(phases.link))}`);

    // (b) The floor: read and parse the same files, nothing else.
    const baseRuns = repeat(5, () => {
      for (const source of readAll(root)) parseDocument(source.text);
    });
    const base = median(baseRuns);
    console.log(`(b) baseline read + yaml parseDocument: median ${ms(base)} of 5 runs after 1 warm-up (runs: ${baseRuns.map(ms).join(', ')})`);
    console.log(`    ratio lint / baseline: ${(lint / base).toFixed(1)}×`);

    // (c) The CLI, end to end.
    let cliVerdict = 'not measured';
    const cli = resolve(args.cli);
    let exists = false;
    try {
      exists = statSync(cli).isFile();
    } catch {
      exists = false;
    }
    if (!exists) {
      console.log(`(c) CLI end to end: not measured, ${shown(cli)} does not exist (run \`npm run build\` first, or pass --cli path/to/main.js)`);
    } else {
      const runCli = (dir: string) => {
        const start = performance.now();
        const result = spawnSync(process.execPath, [cli, 'lint', dir], { encoding: 'utf8' });
        const wall = performance.now() - start;
        if (result.status !== 0) throw new Error(`kocflow lint exited with ${result.status}: ${result.stderr.slice(0, 500)}`);
        return { wall, summary: result.stderr.trim().split('\n').pop() ?? '' };
      };
      const startup = [0, 1, 2].map(() => runCli(empty).wall);
      const runs = [0, 1, 2].map(() => runCli(root));
      const wall = median(runs.map((r) => r.wall));
      console.log(`(c) CLI end to end, node ${shown(cli)} lint <dir>: median ${ms(wall)} wall of 3 runs (runs: ${runs.map((r) => ms(r.wall)).join(', ')})`);
      console.log(`    the CLI's own report: "${runs[runs.length - 1]!.summary}"`);
      console.log(`    start-up (lint of an empty folder): median ${ms(median(startup))} (runs: ${startup.map(ms).join(', ')})`);
      cliVerdict = `${wall < budget ? 'PASS' : 'FAIL'} (${ms(wall)} ${wall < budget ? '<' : '≥'} ${ms(budget)})`;
    }
    console.log('');
    console.log(`result:   in process ${lint < budget ? 'PASS' : 'FAIL'} (${ms(lint)} ${lint < budget ? '<' : '≥'} ${ms(budget)}); CLI end to end ${cliVerdict}`);
  }
} finally {
  if (args.keep) console.log(`kept the playbook folder: ${root}`);
  else rmSync(root, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
}
