import { relative, resolve, sep } from 'node:path';
import { accountProfiles, DEFAULT_CONFIG_FILE, loadConfig, playbooksFolder, resolvePuppet, type KocflowConfig } from '../config/index.ts';
import { accountMatches } from '../engine/accountMatch.ts';
import { nextLocalTime, localDateKey, startOfLocalDay, zoneOffsetMs } from '../engine/localTime.ts';
import { DEFAULT_PACING } from '../engine/pacing/settings.ts';
import type { AccountProfile } from '../engine/ports.ts';
import type { Diagnostic } from '../playbook/diagnostics.ts';
import { DEFAULT_TIME_ZONE } from '../playbook/calendar.ts';
import { parseTimeOfDay } from '../playbook/duration.ts';
import { loadPlaybookFolder } from '../playbook/load.ts';
import type { LoadedFlow, PlaybookSet } from '../playbook/model.ts';
import { closest } from '../playbook/suggest.ts';
import { KocError } from '../shared/errors.ts';
import type { Lang } from '../i18n/lang.ts';
import { suggestion, t } from '../i18n/messages.ts';
import { SAMPLE_ACCOUNT } from './sampleData.ts';

/**
 * What `explain` and `preview` work on: the playbook set loaded by the one loader, the flow asked for, the accounts
 * of kocflow.yaml as the engine sees them (accountProfiles) and the one account the example runs on, and the example
 * start instant. Everything is read the way `kocflow start` reads it, so what they show is what would run.
 */
export interface AuthoringOptions {
  playbooks?: string | undefined;
  /** A file name, or false for --no-config; undefined: ./kocflow.yaml when it exists. */
  config?: string | false | undefined;
  account?: string | undefined;
  at?: string | undefined;
}

export interface AuthoringContext {
  set: PlaybookSet;
  /** The playbook folder as the user would type it. */
  folder: string;
  flow: LoadedFlow;
  /** The flow's file, relative to the working directory. */
  file: string;
  /** The config file as the user would type it, when one was read. */
  configLabel: string | undefined;
  config: KocflowConfig | undefined;
  /** The accounts of the config (none without one). */
  accounts: AccountProfile[];
  /** Accounts of the config that run the flow; undefined without a config. */
  selected: AccountProfile[] | undefined;
  /** The account the example runs on: --account, else the first selected, else an example account. */
  account: AccountProfile;
  /** Whether `account` comes from the config (false: the example account with default pacing). */
  accountFromConfig: boolean;
  /** Whether `account` runs on the mock puppet now (kocflow start then relaxes its pacing for the demo). */
  onMock: boolean;
  /** --at, or the default start of the example. */
  at: Date;
  atGiven: boolean;
}

export function loadAuthoringContext(flowId: string, options: AuthoringOptions, cwd: string, env: NodeJS.ProcessEnv, lang: Lang, now: Date): { context?: AuthoringContext; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let config: KocflowConfig | undefined;
  let configPath: string | undefined;
  let configLabel: string | undefined;
  if (options.config !== false) {
    const path = resolve(cwd, options.config ?? DEFAULT_CONFIG_FILE);
    const label = relative(cwd, path).split(sep).join('/') || path;
    const load = loadConfig(path, { label, required: options.config !== undefined });
    if (load.found) {
      diagnostics.push(...load.diagnostics);
      if (!load.config) return { diagnostics };
      config = load.config;
      configPath = path;
      configLabel = label;
    }
  }
  const root = options.playbooks !== undefined
    ? resolve(cwd, options.playbooks)
    : config && configPath ? playbooksFolder(configPath, config) : resolve(cwd, 'sop-playbooks');
  const folder = relative(cwd, root).split(sep).join('/') || '.';
  const accounts = config ? accountProfiles(config, { now }) : [];
  const loaded = loadPlaybookFolder(root, config ? { accountIds: new Set(accounts.map((a) => a.id)) } : {});
  diagnostics.push(...loaded.diagnostics.map((d) => ({ ...d, file: folder === '.' ? d.file : `${folder}/${d.file}` })));
  if (!loaded.ok) return { diagnostics };

  const flow = loaded.set.flows.get(flowId);
  if (!flow) {
    const ids = [...loaded.set.flows.keys()].sort();
    throw new KocError('KOC_FLOW_UNKNOWN', t(lang, 'flow.unknown', { flow: flowId, suggestion: suggestion(lang, closest(flowId, ids)) }), {
      hint: t(lang, 'flow.unknownFix', { folder, flows: ids.join(', ') || t(lang, 'flow.none') }),
    });
  }

  const selected = config ? accounts.filter((a) => accountMatches(flow.document.accounts, a)) : undefined;
  let account: AccountProfile | undefined;
  if (options.account !== undefined) {
    if (!config) {
      throw new KocError('KOC_CLI_USAGE', lang === 'zh' ? '--account 需要 kocflow.yaml 里的账号' : '--account names an account of kocflow.yaml, and there is none here', {
        hint: lang === 'zh' ? '用 --config 指定 kocflow.yaml，或去掉 --account' : 'pass --config FILE, or leave --account out',
      });
    }
    account = accounts.find((a) => a.id === options.account);
    if (!account) {
      throw new KocError('KOC_ACCOUNT_UNKNOWN', t(lang, 'account.unknown', { account: options.account, config: configLabel!, suggestion: suggestion(lang, closest(options.account, accounts.map((a) => a.id))) }), {
        hint: t(lang, 'account.unknownFix', { accounts: accounts.map((a) => a.id).join(', ') }),
      });
    }
    if (!selected!.includes(account)) {
      throw new KocError('KOC_ACCOUNT_NOT_SELECTED', t(lang, 'account.notSelected', { account: account.id, flow: flowId }), {
        hint: t(lang, 'account.notSelectedFix', { accounts: selected!.map((a) => a.id).join(', ') || t(lang, 'flow.none') }),
      });
    }
  }
  account ??= selected?.[0];
  const accountFromConfig = account !== undefined;
  account ??= exampleAccount(flow, config, now);
  const configAccount = config?.accounts.find((a) => a.id === account.id);
  const onMock = configAccount !== undefined && resolvePuppet(configAccount, env).kind === 'mock';

  const cron = 'cron' in flow.document.trigger;
  const at = options.at !== undefined ? parseAt(options.at, account.timeZone, lang) : cron ? now : nextMondayNine(now, account.timeZone);
  const file = folder === '.' ? flow.source.file : `${folder}/${flow.source.file}`;
  return {
    context: { set: loaded.set, folder, flow, file, configLabel, config, accounts, selected, account, accountFromConfig, onMock, at, atGiven: options.at !== undefined },
    diagnostics,
  };
}

/** Without a kocflow.yaml (or with no account that runs the flow): an account the flow's selector would take. */
function exampleAccount(flow: LoadedFlow, config: KocflowConfig | undefined, now: Date): AccountProfile {
  const selector = flow.document.accounts;
  const store = selector?.stores?.[0]?.replace(/\*/g, '001').replace(/\?/g, '0') ?? SAMPLE_ACCOUNT.storeId;
  const role = selector?.roles?.[0] ?? 'guide';
  return {
    id: selector?.ids?.[0] ?? `${role}-example`,
    name: SAMPLE_ACCOUNT.names[role],
    role,
    storeId: store,
    storeName: SAMPLE_ACCOUNT.storeName,
    timeZone: config?.accounts[0]?.timeZone ?? DEFAULT_TIME_ZONE,
    pacing: { ...DEFAULT_PACING },
    ownerStaffExternalId: SAMPLE_ACCOUNT.owner,
    activeSince: now,
  };
}

const LOCAL = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?$/;

/**
 * `--at`: a local date and time in the account's zone (`2026-12-07 09:00`, or a date alone for its 00:00), or an ISO
 * instant with a zone (`2026-12-07T01:00:00Z`, `…+08:00`). Wall times become instants with the engine's local-time
 * functions, so a time in a DST gap resolves the way waits and quiet hours resolve it.
 */
export function parseAt(text: string, timeZone: string, lang: Lang): Date {
  const value = text.trim();
  const local = LOCAL.exec(value);
  if (local) {
    const [, date, time] = local;
    const minutes = time === undefined ? 0 : parseTimeOfDay(time);
    const noonAsUtc = Date.parse(`${date}T12:00:00Z`);
    if (minutes !== undefined && !Number.isNaN(noonAsUtc) && new Date(noonAsUtc).toISOString().slice(0, 10) === date) {
      const midnight = startOfLocalDay(new Date(noonAsUtc - zoneOffsetMs(noonAsUtc, timeZone)), timeZone);
      return minutes === 0 ? midnight : nextLocalTime(new Date(midnight.getTime() - 1), minutes, timeZone);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const instant = new Date(value);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw new KocError('KOC_CLI_USAGE', t(lang, 'at.invalid', { value: text }), { hint: t(lang, 'at.invalidFix') });
}

/** The next Monday 09:00 local time after `now`: a working morning, so the example is not held by quiet hours. */
export function nextMondayNine(now: Date, timeZone: string): Date {
  let candidate = nextLocalTime(now, 9 * 60, timeZone);
  for (let i = 0; i < 7 && new Date(`${localDateKey(candidate, timeZone)}T00:00:00Z`).getUTCDay() !== 1; i++) {
    candidate = nextLocalTime(candidate, 9 * 60, timeZone);
  }
  return candidate;
}
