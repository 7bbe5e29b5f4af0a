/**
 * The Dockerfile and the compose example, checked without a Docker engine (none runs on the project's machines):
 * every file the image copies exists and is not excluded by .dockerignore, what it copies from the build stage is
 * what the build produces, the npm scripts it relies on are in package.json, the entry point and health check
 * point at things that exist, and the compose example runs commands and roles kocflow has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; scripts: Record<string, string>; files: string[]; devDependencies: Record<string, string> };

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

function words(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return args.split(/\s+/);
}

const dockerignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe('the Dockerfile', () => {
  const all = instructions();
  const stages = all.filter((i) => i.op === 'FROM');

  it('is multi-stage on the Node major the project tests on, and runs as a non-root user with a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const major = /(\d+)/.exec(pkg.devDependencies.node ?? '')?.[1];
    for (const stage of stages) expect(stage.args).toMatch(new RegExp(`^node:${major}[-.]`));
    const finalStage = all.slice(all.lastIndexOf(stages.at(-1)!));
    const user = finalStage.filter((i) => i.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage.some((i) => i.op === 'HEALTHCHECK')).toBe(true);
  });

  it('copies only files that exist and that .dockerignore does not exclude', () => {
    const copies = all.filter((i) => i.op === 'COPY' && !i.args.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = words(copy.args).filter((w) => !w.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
        const top = source.split('/')[0]!;
        expect(dockerignore.includes(top) || dockerignore.includes(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('copies from the build stage what the build produces: node_modules (npm ci) and dist (prepare → build → tsconfig.build.json)', () => {
    const fromBuild = all.filter((i) => i.op === 'COPY' && i.args.includes('--from=build')).map((i) => words(i.args).filter((w) => !w.startsWith('--'))[0]);
    expect(fromBuild.sort()).toEqual(['/app/dist', '/app/node_modules']);
    const run = all.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    expect(run).toMatch(/npm ci\b/);
    expect(existsSync(join(root, 'package-lock.json'))).toBe(true);
    // npm ci runs postinstall (prisma generate) and prepare (npm run build): both must exist, and build must emit dist/.
    expect(pkg.scripts.postinstall).toMatch(/prisma generate/);
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toMatch(/tsconfig\.build\.json/);
    const build = JSON.parse(read('tsconfig.build.json')) as { extends: string; compilerOptions: { outDir: string; rootDir: string } };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    // The build stage has what those scripts read.
    const buildStage = all.slice(0, all.indexOf(stages[1]!));
    const copied = buildStage.filter((i) => i.op === 'COPY').flatMap((i) => words(i.args).filter((w) => !w.startsWith('--')).slice(0, -1));
    for (const needed of ['package.json', 'package-lock.json', 'prisma.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'prisma', 'src', build.extends.replace(/^\.\//, '')]) {
      expect(copied, `the build stage copies ${needed}`).toContain(needed);
    }
    // npm prune --omit=dev keeps what the image runs: @prisma/client and the adapters are dependencies.
    expect(run).toMatch(/npm prune --omit=dev/);
  });

  it('runs bin/kocflow.js, which runs dist/cli/main.js compiled from src/cli/main.ts; CMD is a kocflow command', () => {
    const entry = words(all.find((i) => i.op === 'ENTRYPOINT')!.args);
    expect(entry).toEqual(['node', pkg.bin.kocflow]);
    expect(read(pkg.bin.kocflow!)).toContain("'../dist/cli/main.js'");
    expect(existsSync(join(root, 'src/cli/main.ts'))).toBe(true);
    const cmd = words(all.find((i) => i.op === 'CMD')!.args);
    expect(cmd[0]).toBe('start');
    expect(read('src/cli/commands/start.ts')).toContain(".command('start')");
  });

  it('ships what the package ships (package.json files) that kocflow reads at run time', () => {
    const runtimeCopies = all.slice(all.indexOf(stages.at(-1)!)).filter((i) => i.op === 'COPY').flatMap((i) => words(i.args).filter((w) => !w.startsWith('--')).slice(0, -1));
    for (const file of pkg.files.filter((f) => f !== 'docs')) {
      expect(runtimeCopies.some((c) => c === file || c === `/app/${file}`), `the image has ${file}`).toBe(true);
    }
    // docs: only the two schemas `kocflow init` writes are read at run time.
    expect(runtimeCopies).toEqual(expect.arrayContaining(['docs/kocflow.config.schema.json', 'docs/kocflow.schema.json']));
  });

  it('checks health at /healthz on the default web port, which every role serves', () => {
    const check = all.find((i) => i.op === 'HEALTHCHECK')!.args;
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(check);
    expect(url).not.toBeNull();
    expect(read('src/config/schema.ts')).toMatch(new RegExp(`port: z[^\\n]*default\\(${url![1]}\\)`));
    expect(read('src/web/server.ts')).toContain(`'${url![2]}'`);
    expect(read('src/cli/commands/start.ts')).toContain(`web.get('${url![2]}'`); // the roles without the web server
  });
});

describe('the compose example (docs/deploy/compose.yaml)', () => {
  const compose = parse(read('docs/deploy/compose.yaml'), { merge: true }) as {
    services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; build?: { context: string } }>;
  };

  it('has PostgreSQL, a one-shot migrate, and bots, worker and web roles of the same image on the same DATABASE_URL', () => {
    const { services } = compose;
    expect(services.postgres?.image).toMatch(/^postgres:/);
    expect(services.migrate?.command).toEqual(['migrate']);
    const kocflow = ['bots', 'worker', 'web'];
    for (const name of kocflow) {
      const service = services[name]!;
      expect(service.image).toBe(services.migrate!.image);
      expect(service.command?.[0]).toBe('start');
      expect(service.environment?.KOCFLOW_ROLE).toBe(name);
      expect(service.environment?.DATABASE_URL).toBe(services.migrate!.environment!.DATABASE_URL);
      expect(service.depends_on).toHaveProperty('migrate');
      expect(existsSync(resolve(root, 'docs/deploy', service.build!.context, 'Dockerfile'))).toBe(true);
    }
    // The options it passes exist.
    const start = read('src/cli/commands/start.ts');
    for (const option of new Set(kocflow.flatMap((n) => services[n]!.command!.filter((w) => w.startsWith('--'))))) expect(start).toContain(`'${option}`);
  });
});
