import { fill, type Lang } from './lang.ts';

/**
 * What kocflow's authoring commands (init, explain, preview) and lint's summary say, in both languages. Keys are
 * stable; `{name}` marks a parameter. tests/i18n/catalogue.test.ts checks that every entry has both languages
 * with the same parameters. Diagnostics (lint's findings) have their own catalogue: diagnostics.ts.
 */
export const MESSAGES = {
  // lint ---------------------------------------------------------------------------------------------------------
  'lint.summary': {
    en: '{files} file{filesPlural} checked in {ms} ms: {errors} error{errorsPlural}, {warnings} warning{warningsPlural}',
    zh: '检查了 {files} 个文件，用时 {ms} 毫秒：{errors} 个错误，{warnings} 个警告',
  },

  // errors shared by explain and preview -------------------------------------------------------------------------
  'flow.unknown': { en: 'there is no flow "{flow}"{suggestion}', zh: '没有流程 "{flow}"{suggestion}' },
  'flow.unknownFix': { en: 'flows in {folder}: {flows}', zh: '{folder} 里的流程：{flows}' },
  'flow.none': { en: 'none', zh: '无' },
  'didYouMean': { en: ' (did you mean "{word}"?)', zh: '（是不是 "{word}"？）' },
  'playbooks.invalid': {
    en: 'the playbooks in {folder} have {count} error{plural}; nothing to {command}',
    zh: '{folder} 里的剧本有 {count} 个错误，无法{command}',
  },
  'playbooks.invalidFix': { en: 'fix them (kocflow lint {folder} lists them) and try again', zh: '先修正错误（kocflow lint {folder} 会列出），再试一次' },
  'account.unknown': { en: 'account "{account}" is not in {config}{suggestion}', zh: '{config} 里没有账号 "{account}"{suggestion}' },
  'account.unknownFix': { en: 'accounts: {accounts}', zh: '账号：{accounts}' },
  'account.notSelected': {
    en: 'account "{account}" does not run flow "{flow}" (its accounts: selector leaves it out)',
    zh: '账号 "{account}" 不运行流程 "{flow}"（流程的 accounts 选择没有包含它）',
  },
  'account.notSelectedFix': { en: 'accounts that run it: {accounts}', zh: '运行它的账号：{accounts}' },
  'at.invalid': {
    en: '--at "{value}" is not a date and time',
    zh: '--at "{value}" 不是日期时间',
  },
  'at.invalidFix': {
    en: 'write local time as YYYY-MM-DD HH:MM (e.g. --at "2026-12-07 09:00"), or an ISO instant with a zone (2026-12-07T01:00Z)',
    zh: '写成当地时间 YYYY-MM-DD HH:MM（如 --at "2026-12-07 09:00"），或带时区的 ISO 时间（2026-12-07T01:00Z）',
  },
  'format.invalid': { en: '--format must be text or json, not "{value}"', zh: '--format 只能是 text 或 json，不能是 "{value}"' },
  'format.invalidFix': { en: 'e.g. --format json', zh: '例如 --format json' },

  // init ---------------------------------------------------------------------------------------------------------
  'init.exists': {
    en: '{count} of the files init writes already exist in {dir}: {files}',
    zh: '{dir} 里已经有 {count} 个 init 要写的文件：{files}',
  },
  'init.existsFix': {
    en: 'choose a new or empty folder (kocflow init my-brand), or pass --force to overwrite these files',
    zh: '换一个新的或空的文件夹（kocflow init my-brand），或加 --force 覆盖这些文件',
  },
  'init.notAFolder': { en: '"{dir}" exists and is not a folder', zh: '"{dir}" 已存在，但不是文件夹' },
  'init.notAFolderFix': { en: 'name a folder to create, e.g. kocflow init my-brand', zh: '请给出要创建的文件夹，例如 kocflow init my-brand' },
  'init.created': { en: 'created {path}', zh: '已创建 {path}' },
  'init.overwrote': { en: 'overwrote {path}', zh: '已覆盖 {path}' },
  'init.done': {
    en: 'A starting folder for your brand: one mock account, a 7-day new-customer journey, a weekly group SOP, a Moments script, a referral campaign, the KOC tiers and a task. Every key is commented in Chinese and English.',
    zh: '品牌起步文件夹已就绪：一个模拟账号、新客 7 天旅程、社群周 SOP、朋友圈脚本、推荐有礼活动、KOC 等级和一个任务。每个键都有中英文注释。',
  },
  'init.next': { en: 'Next:', zh: '接下来：' },
  'init.next.cd': { en: 'cd {dir}', zh: 'cd {dir}' },
  'init.next.lint': { en: 'npx kocflow lint                     # check the playbooks and kocflow.yaml', zh: 'npx kocflow lint                     # 检查剧本和 kocflow.yaml' },
  'init.next.explain': { en: 'npx kocflow explain new-customer-7d  # what the journey does, day by day', zh: 'npx kocflow explain new-customer-7d  # 旅程每天做什么' },
  'init.next.preview': { en: 'npx kocflow preview new-customer-7d  # the messages a customer gets', zh: 'npx kocflow preview new-customer-7d  # 顾客会收到的消息' },
  'init.next.start': { en: 'npx kocflow start                    # run the bot on the mock puppet (Ctrl-C stops it)', zh: 'npx kocflow start                    # 在模拟微信上运行机器人（Ctrl-C 停止）' },
  'init.editor': {
    en: 'Editors with a YAML language server (VS Code: the YAML extension) complete and check every key: each file\'s first line names kocflow.schema.json.',
    zh: '装了 YAML 语言服务的编辑器（VS Code 的 YAML 插件）会补全和检查每个键：每个文件第一行指向 kocflow.schema.json。',
  },
} as const satisfies Record<string, { en: string; zh: string }>;

export type MessageKey = keyof typeof MESSAGES;

export function t(lang: Lang, key: MessageKey, params: Readonly<Record<string, string | number>> = {}): string {
  return fill(MESSAGES[key][lang], params);
}

/** " (did you mean "x"?)" in the language, or '' when there is no close match. */
export function suggestion(lang: Lang, match: string | undefined): string {
  return match === undefined ? '' : t(lang, 'didYouMean', { word: match });
}
