import { KocError } from '../shared/errors.ts';

/**
 * The languages kocflow speaks to ops: Chinese and English. `--lang zh|en` wins; otherwise KOCFLOW_LANG, then the
 * locale variables in POSIX order of precedence (LC_ALL, LC_MESSAGES, LANG): a value starting with "zh" means
 * Chinese, anything else (or nothing) English, so CI logs and existing scripts keep their English output.
 */
export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export function langFromEnv(env: NodeJS.ProcessEnv): Lang {
  const explicit = env.KOCFLOW_LANG?.trim().toLowerCase();
  if (explicit) return explicit.startsWith('zh') ? 'zh' : 'en';
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG'] as const) {
    const value = env[name]?.trim();
    if (value) return value.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }
  return 'en';
}

/** `--lang` as given (undefined: from the environment). Anything but zh or en is a usage error. */
export function resolveLang(option: string | undefined, env: NodeJS.ProcessEnv): Lang {
  if (option === undefined) return langFromEnv(env);
  const value = option.trim().toLowerCase();
  if ((LANGS as readonly string[]).includes(value)) return value as Lang;
  throw new KocError('KOC_CLI_USAGE', `--lang must be zh or en, not "${option}"`, { hint: 'e.g. --lang zh (or set KOCFLOW_LANG=zh)' });
}

/**
 * The `--lang` of a command line, read before commander parses it, so an error commander or a command throws is
 * printed in the language asked for. An invalid value falls back to the environment (the command reports it).
 */
export function langFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): Lang {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === '--lang' ? argv[i + 1] : arg.startsWith('--lang=') ? arg.slice('--lang='.length) : undefined;
    if (value !== undefined && (LANGS as readonly string[]).includes(value.trim().toLowerCase())) return value.trim().toLowerCase() as Lang;
  }
  return langFromEnv(env);
}

/** `{name}` placeholders filled from params; a missing param is a bug in the caller, so it shows as {name}. */
export function fill(template: string, params: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}
