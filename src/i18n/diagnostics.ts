import { CONFIG_DIAGNOSTIC_MEANINGS } from '../config/reference/diagnosticCodes.ts';
import type { Diagnostic } from '../playbook/diagnostics.ts';
import { DIAGNOSTIC_MEANINGS } from '../playbook/reference/diagnosticCodes.ts';
import { fill, type Lang } from './lang.ts';

/**
 * Lint's findings in Chinese. The English messages are built where each check runs (src/playbook, src/config) and
 * stay byte-identical; this catalogue holds, per diagnostic code, the shapes of those messages with their
 * parameters (`{name}`) and the Chinese for each. A finding is translated by matching its English message against
 * its code's shapes and filling the Chinese with the same parameters; phrases the checks share ("did you mean",
 * "allowed here", value words) are translated inside parameters. A message no shape matches (a YAML parser's own
 * words, say) is shown as the code's Chinese meaning followed by the English. tests/i18n/diagnostics.test.ts fails
 * when a code used in src/playbook or src/config has no Chinese meaning or no shape, or when a finding of its
 * corpus falls back.
 */
interface Shape {
  en: string;
  zh: string;
}

/** The Chinese meaning of every code (the English ones are DIAGNOSTIC_MEANINGS and CONFIG_DIAGNOSTIC_MEANINGS). */
export const ZH_MEANINGS: Readonly<Record<string, string>> = {
  KOC_CRON_INVALID: 'cron 定时不是有效的 5 字段表达式；消息会指出哪个字段有错。',
  KOC_CRON_OVERLAP: '警告：两个定时流程可能在一小时内给同一批人发消息；错开其中一个定时或拆分对象。',
  KOC_DATE_INVALID: '日期不是 YYYY-MM-DD、不存在（2026-04-31），或活动结束早于开始。',
  KOC_DURATION_INVALID: '时长不是数字加单位 w、d、h、m 或 s（写 3d、2h30m、90s）。',
  KOC_FILE_TOO_LARGE: '文件太大；拆分它，或把长文案移到 library 文件。',
  KOC_MOMENT_AUTO: '警告：朋友圈步骤用了 mode: auto；自动发朋友圈最容易导致封号。',
  KOC_MOMENT_LIMIT: '朋友圈超出企业微信限制：文字太长、图片太多，或图片、视频、链接混用。',
  KOC_PLAYBOOKS_INVALID: '剧本有错误，kocflow 没有启动（或重新加载）；`kocflow lint` 会列出错误。',
  KOC_PLAYBOOKS_NOT_FOUND: '给出的剧本文件夹不存在。',
  KOC_PLAYBOOK_AUDIENCE: '定时流程写了不止一种对象（contacts、rooms、staff）；每种对象写一个流程。',
  KOC_PLAYBOOK_CONFLICT: '两个互斥的键同时出现，例如一条消息里同时有 text 和 template。',
  KOC_PLAYBOOK_DUPLICATE_ASSET: '两个 library 文件定义了同名素材。',
  KOC_PLAYBOOK_DUPLICATE_ID: '两个文件用了同一个 id；id 在所有剧本文件中必须唯一。',
  KOC_PLAYBOOK_DUPLICATE_TEMPLATE: '两个 library 文件定义了同名话术。',
  KOC_PLAYBOOK_DUPLICATE_TIER: 'tiers 文件里同一个等级名出现了两次。',
  KOC_PLAYBOOK_DUPLICATE_TIERS: '有不止一个 tiers 文件；KOC 等级只有一套。',
  KOC_PLAYBOOK_EMPTY: '文件是空的。',
  KOC_PLAYBOOK_FILE_MISSING: '剧本里写的话术文件或素材文件不存在（路径相对于剧本文件夹）。',
  KOC_PLAYBOOK_ID_INVALID: 'id 用了小写字母、数字和 "-" 以外的字符，或超过 64 个字符。',
  KOC_PLAYBOOK_INVALID: '值不符合这个键（没有更具体代码的检查都用它）。',
  KOC_PLAYBOOK_INVALID_VALUE: '值不是允许的选项之一；消息会列出选项。',
  KOC_PLAYBOOK_MISSING_KEY: '缺少必填的键，或两个备选键都没写（例如券需要 validDays 或 validUntil）。',
  KOC_PLAYBOOK_OUT_OF_RANGE: '数字、文字或列表对这个键来说太小或太大。',
  KOC_PLAYBOOK_STEP_ACTION: '步骤没有动作键（say、wait、tag …）或有多个。',
  KOC_PLAYBOOK_STEP_SUBJECT: '步骤作用的对象不是流程触发给出的，例如以顾客为对象的流程里用 roomSay。',
  KOC_PLAYBOOK_TIER_ORDER: '等级没有按 minPoints 从低到高排列。',
  KOC_PLAYBOOK_TRIGGER: '触发既没有 on: 也没有 cron:，或写了不存在的事件。',
  KOC_PLAYBOOK_TYPE: '值的类型不对（例如需要列表却写了文字），或文件不是键值映射。',
  KOC_PLAYBOOK_UNKNOWN_KEY: '这里不存在这个键；通常是拼写错误，消息会提示想写的键。',
  KOC_PLAYBOOK_UNKNOWN_KIND: 'kind 不是 flow、campaign、tiers、task、library 之一。',
  KOC_PLAYBOOK_NO_FISSION: 'fission.goal 流程指定的活动没有 fission: 配置，目标永远不会达成。',
  KOC_REWARD_PAID_TWICE: '警告：流程步骤给推荐人或邀请人加的积分，活动已经自动发放（referrerReward、fission.pointsPerInvite）；删掉这一步，或把活动里的数值设为 0。',
  KOC_PLAYBOOK_UNKNOWN_REF: '引用了没有定义的活动、任务、等级、话术、素材或账号。',
  KOC_REGEX_INVALID: 'message.keyword 触发的 regex 不是有效的正则表达式。',
  KOC_TEMPLATE_SYNTAX: '模板有语法错误（例如 {{ 没有 }}），或用了 partial（{{> name}}）。',
  KOC_TEMPLATE_UNKNOWN_HELPER: '模板调用了不存在的函数；可用函数见参考文档的 Templates。',
  KOC_TEMPLATE_UNKNOWN_VARIABLE: '模板用了流程触发（或前面的发券步骤）不提供的变量。',
  KOC_TIMEZONE_INVALID: '不是 IANA 时区；写成如 Asia/Shanghai。',
  KOC_TIME_INVALID: '时刻不是 HH:MM（24 小时制）。',
  KOC_YAML_ALIAS_LIMIT: '一个文件里的别名（*name）太多，或别名展开过大。',
  KOC_YAML_CUSTOM_TAG: '用了 YAML 标签（!name）；剧本只能写普通值。',
  KOC_YAML_DUPLICATE_KEY: '同一个映射里出现了两次同一个键。',
  KOC_YAML_SYNTAX: '文件不是有效的 YAML，或包含多个文档（---）。',
  KOC_YAML_WARNING: '警告：YAML 解析器读取了文件，但发现了很可能是错误的地方。',
  KOC_CONFIG_DUPLICATE_ID: '两个门店、员工或账号的 id 相同（员工的企业微信账号不区分大小写）。',
  KOC_CONFIG_DUPLICATE_TOKEN_ENV: '两个账号写了同一个 tokenEnv；每个账号用自己的令牌登录。',
  KOC_CONFIG_EMPTY: 'kocflow.yaml 是空的。',
  KOC_CONFIG_FILE_MISSING: '配置里写的文件（KOC 的 landing.qr 图片）不存在；路径相对于配置文件所在的文件夹。',
  KOC_CONFIG_ENDPOINT_INVALID: 'endpoint 不是 `host:port` 或 `{ host, port, tls }`，或主机名、端口（1–65535）无效。',
  KOC_CONFIG_ENDPOINT_UNUSED: '警告：账号写了永远不会连接的 endpoint（puppet: mock，或没有 tokenEnv）。',
  KOC_CONFIG_ID_INVALID: '门店或账号 id 不是小写字母、数字和 "-"，或员工 id 不是企业微信成员账号。',
  KOC_CONFIG_INVALID: '值不符合这个键（没有更具体代码的检查都用它）。',
  KOC_CONFIG_INVALID_VALUE: '值不是允许的选项之一；消息会列出选项。',
  KOC_CONFIG_MISSING_KEY: '缺少必填的键：accounts、id 或 name、导购的门店、导购或员工KOC账号的负责人、puppet: service 的 tokenEnv。',
  KOC_CONFIG_NOT_FOUND: '--config 指定的配置文件不存在。',
  KOC_CONFIG_OUT_OF_RANGE: '数字、文字或列表对这个键来说太小或太大。',
  KOC_CONFIG_OWNER_CONFLICT: '一个导购或员工KOC拥有两个自己的账号；每人最多一个（品牌助手账号除外）。',
  KOC_CONFIG_TOKEN_ENV_INVALID: 'tokenEnv 不是环境变量名（大写字母、数字和 _，不以数字开头）。',
  KOC_CONFIG_TOKEN_IN_FILE: '文件里写了令牌（在 tokenEnv 或 token: 之类的键里）。把它移到环境变量，在 tokenEnv 写变量名；如果文件被分享过，请更换令牌。',
  KOC_CONFIG_TYPE: '值的类型不对（例如需要列表却写了文字），或文件不是键值映射。',
  KOC_CONFIG_UNKNOWN_KEY: '这里不存在这个键；通常是拼写错误，消息会提示想写的键。',
  KOC_CONFIG_UNKNOWN_REF: '用到了没有列出的门店或员工 id（账号的门店、负责人或指挥者，员工的门店）。',
  KOC_CONFIG_UNREADABLE: '配置文件存在但无法读取（权限问题，或它是文件夹）。',
  KOC_PUPPET_TOKEN_MISSING: 'puppet: service 的账号在 tokenEnv 变量里没有令牌，所以没有启动。',
};

/** The shapes zod's issues take (zodIssues.ts), the same for playbooks and kocflow.yaml. */
const ZOD_SHAPES = {
  unknownKey: [{ en: 'unknown key "{key}"{suggest}{allowed}', zh: '未知的键 "{key}"{suggest}{allowed}' }],
  missingKey: [{ en: 'missing required key "{key}"', zh: '缺少必填的键 "{key}"' }],
  type: [
    { en: 'expected {expected}, found {found}{fix}', zh: '这里应为{expected}，实际是{found}{fix}' },
    { en: '{value} does not fit here; see {reference} for the forms this key takes', zh: '{value}不符合这里的写法；见 {reference} 里这个键的写法' },
  ],
  invalidValue: [{ en: '"{value}" is not allowed here{suggest}; use one of: {options}', zh: '这里不允许 "{value}"{suggest}；可选值：{options}' }],
  outOfRange: [{ en: '{value} is out of range: write {bound}', zh: '{value}超出范围：应{bound}' }],
  formats: [
    { en: 'ids use lower-case letters, digits and "-", up to 64 characters (e.g. new-customer-7d)', zh: 'id 只能用小写字母、数字和 "-"，最多 64 个字符（如 new-customer-7d）' },
    { en: 'a mini-program appId looks like wx followed by 16 hex digits', zh: '小程序 appId 是 wx 加 16 位十六进制数字' },
    { en: 'amount must not be 0', zh: 'amount 不能为 0' },
    { en: 'write HH:MM, e.g. 21:30', zh: '写成 HH:MM，如 21:30' },
    { en: 'tokenEnv is the name of an environment variable: upper-case letters, digits and _', zh: 'tokenEnv 是环境变量的名字：大写字母、数字和 _' },
    { en: 'an environment variable NAME, e.g. KOCFLOW_TILL_KEYS', zh: '环境变量的名字，如 KOCFLOW_TILL_KEYS' },
    { en: 'a staff id is the person\'s WeCom user id (成员账号): letters, digits and _ - @ ., starting with a letter or digit, up to 64 characters', zh: '员工 id 是企业微信成员账号：字母、数字和 _ - @ .，以字母或数字开头，最多 64 个字符' },
    { en: '{problem}', zh: '值无效：{problem}' },
  ],
} satisfies Record<string, Shape[]>;

function zodFamily(prefix: 'KOC_PLAYBOOK' | 'KOC_CONFIG'): Record<string, Shape[]> {
  return {
    [`${prefix}_UNKNOWN_KEY`]: ZOD_SHAPES.unknownKey,
    [`${prefix}_MISSING_KEY`]: ZOD_SHAPES.missingKey,
    [`${prefix}_TYPE`]: ZOD_SHAPES.type,
    [`${prefix}_INVALID_VALUE`]: ZOD_SHAPES.invalidValue,
    [`${prefix}_OUT_OF_RANGE`]: ZOD_SHAPES.outOfRange,
    [`${prefix}_ID_INVALID`]: ZOD_SHAPES.formats,
    [`${prefix}_INVALID`]: ZOD_SHAPES.formats,
  };
}

const FAMILY = { ...zodFamily('KOC_PLAYBOOK'), ...zodFamily('KOC_CONFIG') };

const TOKEN_FIX_EN = 'put the token in an environment variable, e.g. {env}, write `tokenEnv: {env2}`, and rotate the token if this file was ever shared or committed';
const TOKEN_FIX_ZH = '把令牌放进环境变量（如 {env}），写 `tokenEnv: {env2}`；如果这个文件曾被分享或提交过，请更换令牌';

/** The shapes of every message, by code; checked in order, a family's generic shapes after its own. */
export const DIAGNOSTIC_SHAPES: Readonly<Record<string, readonly Shape[]>> = {
  KOC_PLAYBOOK_UNKNOWN_KEY: FAMILY.KOC_PLAYBOOK_UNKNOWN_KEY!,
  KOC_PLAYBOOK_MISSING_KEY: [
    { en: 'a coupon needs validDays or validUntil, so customers know when it expires', zh: '券需要 validDays 或 validUntil，顾客才知道何时过期' },
    { en: 'message.keyword needs keywords: [...] or regex: "..."', zh: 'message.keyword 需要 keywords: [...] 或 regex: "..."' },
    { en: 'a message needs text, template, image, link or miniProgram', zh: '消息需要 text、template、image、link 或 miniProgram' },
    ...FAMILY.KOC_PLAYBOOK_MISSING_KEY!,
  ],
  KOC_PLAYBOOK_TYPE: [
    { en: 'a playbook file is a map of keys (id:, trigger:, steps: …), not a list or a single value', zh: '剧本文件应是键值映射（id:、trigger:、steps: …），不是列表或单个值' },
    ...FAMILY.KOC_PLAYBOOK_TYPE!,
  ],
  KOC_PLAYBOOK_INVALID_VALUE: FAMILY.KOC_PLAYBOOK_INVALID_VALUE!,
  KOC_PLAYBOOK_OUT_OF_RANGE: FAMILY.KOC_PLAYBOOK_OUT_OF_RANGE!,
  KOC_PLAYBOOK_ID_INVALID: FAMILY.KOC_PLAYBOOK_ID_INVALID!,
  KOC_PLAYBOOK_INVALID: FAMILY.KOC_PLAYBOOK_INVALID!,
  KOC_PLAYBOOK_EMPTY: [{ en: 'the file is empty; a playbook file holds one flow, campaign, tiers, task or library', zh: '文件是空的；一个剧本文件包含一个 flow、campaign、tiers、task 或 library' }],
  KOC_PLAYBOOK_UNKNOWN_KIND: [{ en: 'unknown kind "{kind}"{suggest}; kinds are {kinds}', zh: '未知的 kind "{kind}"{suggest}；可选：{kinds}' }],
  KOC_PLAYBOOK_STEP_ACTION: [
    { en: 'this step has no action{suggest}; a step has one of: {actions}', zh: '这一步没有动作{suggest}；每一步要有以下之一：{actions}' },
    { en: 'a step has one action but this one has {actions}; split it into two steps', zh: '每一步只能有一个动作，这一步有 {actions}；拆成两步' },
  ],
  KOC_PLAYBOOK_TRIGGER: [
    { en: 'a trigger needs "on: <event>" ({events}) or "cron: <schedule>"', zh: '触发需要 "on: <事件>"（{events}）或 "cron: <定时>"' },
    { en: 'unknown trigger event "{on}"{suggest}; events are {events}', zh: '未知的触发事件 "{on}"{suggest}；可选事件：{events}' },
  ],
  KOC_PLAYBOOK_DUPLICATE_ID: [{ en: 'id "{id}" is already used by the {kind} in {where}; ids are unique across all playbook files', zh: 'id "{id}" 已被 {where} 的 {kind} 使用；id 在所有剧本文件中必须唯一' }],
  KOC_PLAYBOOK_DUPLICATE_TIERS: [{ en: 'a second tiers file; the KOC program has one ladder, defined in {file}', zh: '第二个 tiers 文件；KOC 等级只有一套，已在 {file} 定义' }],
  KOC_PLAYBOOK_DUPLICATE_TEMPLATE: [{ en: 'template "{name}" is defined in two library files', zh: '话术 "{name}" 在两个 library 文件里都有定义' }],
  KOC_PLAYBOOK_DUPLICATE_ASSET: [{ en: 'asset "{name}" is defined in two library files', zh: '素材 "{name}" 在两个 library 文件里都有定义' }],
  KOC_PLAYBOOK_DUPLICATE_TIER: [{ en: 'tier "{name}" is listed twice', zh: '等级 "{name}" 列了两次' }],
  KOC_PLAYBOOK_TIER_ORDER: [{ en: 'tiers go from the lowest to the highest: "{name}" needs at least the {points} points of "{previous}"', zh: '等级要从低到高排列："{name}" 至少需要 "{previous}" 的 {points} 积分' }],
  KOC_PLAYBOOK_FILE_MISSING: [
    { en: 'template file "{file}" does not exist (paths are relative to the playbook folder)', zh: '话术文件 "{file}" 不存在（路径相对于剧本文件夹）' },
    { en: 'asset file "{file}" does not exist (paths are relative to the playbook folder)', zh: '素材文件 "{file}" 不存在（路径相对于剧本文件夹）' },
    { en: 'file "{file}" does not exist (paths are relative to the playbook folder)', zh: '文件 "{file}" 不存在（路径相对于剧本文件夹）' },
  ],
  KOC_PLAYBOOK_UNKNOWN_REF: [
    { en: 'tier "{name}" is used but there is no tiers file (kind: tiers)', zh: '用到了等级 "{name}"，但没有 tiers 文件（kind: tiers）' },
    { en: 'unknown tier "{name}"{suggest}; tiers are {tiers}', zh: '未知的等级 "{name}"{suggest}；已有等级：{tiers}' },
    { en: 'unknown asset "{name}"{suggest}; name an asset of a library file or give a file path', zh: '未知的素材 "{name}"{suggest}；请写 library 文件里的素材名或文件路径' },
    { en: 'unknown account "{name}"{suggest}; accounts are defined in kocflow.yaml', zh: '未知的账号 "{name}"{suggest}；账号在 kocflow.yaml 里定义' },
    { en: 'unknown campaign "{name}"{suggest}; no campaign is defined yet', zh: '未知的活动 "{name}"{suggest}；还没有定义任何活动' },
    { en: 'unknown campaign "{name}"{suggest}', zh: '未知的活动 "{name}"{suggest}' },
    { en: 'unknown task "{name}"{suggest}; no task is defined yet', zh: '未知的任务 "{name}"{suggest}；还没有定义任何任务' },
    { en: 'unknown task "{name}"{suggest}', zh: '未知的任务 "{name}"{suggest}' },
    { en: 'unknown template "{name}"{suggest}; no template is defined yet', zh: '未知的话术 "{name}"{suggest}；还没有定义任何话术' },
    { en: 'unknown template "{name}"{suggest}', zh: '未知的话术 "{name}"{suggest}' },
  ],
  KOC_PLAYBOOK_AUDIENCE: [{ en: 'choose one audience: {audiences} (make two flows for two audiences)', zh: '只能选一种对象：{audiences}（两种对象请写两个流程）' }],
  KOC_PLAYBOOK_STEP_SUBJECT: [
    { en: '"{kind}" acts on a {allowed}, but this flow\'s trigger gives it a {subject}; use a room trigger or audience: { rooms: … }', zh: '"{kind}" 作用于{allowed}，但这个流程的触发给出的是{subject}；请用群触发或 audience: { rooms: … }' },
    { en: '"{kind}" acts on a {allowed}, but this flow\'s trigger gives it a {subject}; use audience: { staff: … }', zh: '"{kind}" 作用于{allowed}，但这个流程的触发给出的是{subject}；请用 audience: { staff: … }' },
    { en: '"{kind}" acts on a {allowed}, but this flow\'s trigger gives it a {subject}; use a contact trigger or audience: { contacts: … }', zh: '"{kind}" 作用于{allowed}，但这个流程的触发给出的是{subject}；请用顾客触发或 audience: { contacts: … }' },
    { en: 'to: referrer needs a contact subject', zh: 'to: referrer 需要以顾客为对象的流程' },
    { en: 'to: {to} is not known in this flow (inviter needs a room.joined trigger, referrer a contact subject, staff a staff audience)', zh: 'to: {to} 在这个流程里不可用（inviter 需要 room.joined 触发，referrer 需要以顾客为对象，staff 需要员工对象）' },
  ],
  KOC_PLAYBOOK_CONFLICT: [{ en: 'give text or template, not both', zh: 'text 和 template 只能写一个' }],
  KOC_REGEX_INVALID: [{ en: 'invalid regular expression: {problem}', zh: '正则表达式无效：{problem}' }],
  KOC_MOMENT_LIMIT: [
    { en: 'Moments text has {length} characters; WeCom allows {limit}: shorten it by {over}', zh: '朋友圈文字有 {length} 字；企业微信上限 {limit} 字：需删减 {over} 字' },
    { en: '{count} images; a Moments post has at most {limit}', zh: '{count} 张图片；一条朋友圈最多 {limit} 张' },
    { en: 'a Moments post carries images, or one video, or one link, not {kinds}: make two posts', zh: '一条朋友圈只能带图片、一个视频或一个链接，不能同时有 {kinds}：拆成两条' },
    { en: 'a Moments post needs text, images, a video or a link', zh: '朋友圈需要文字、图片、视频或链接' },
  ],
  KOC_MOMENT_AUTO: [{ en: 'automatic Moments are the riskiest action for account bans; prefer mode: assist unless this account is known to tolerate it', zh: '自动发朋友圈是最容易导致封号的操作；除非确认该账号能承受，请用 mode: assist' }],
  KOC_REWARD_PAID_TWICE: [{
    en: 'campaign "{campaign}" already pays the {to} {what}; this step pays again: remove it, or set the campaign\'s amount to 0 if the flow should decide',
    zh: '活动 "{campaign}" 已经自动给{to}发放 {what}；这一步会重复发放：删掉它，或者如果要由流程决定，把活动里的数值设为 0',
  }],
  KOC_PLAYBOOK_NO_FISSION: [{
    en: 'campaign "{campaign}" has no fission: section, so its goal is never reached; add fission: { room, goal } to it or name another campaign',
    zh: '活动 "{campaign}" 没有 fission: 配置，目标永远不会达成；给它加上 fission: { room, goal }，或换一个活动',
  }],
  KOC_CRON_OVERLAP: [{ en: 'flows "{a}" and "{b}" can message the same audience within one hour (e.g. {example} local time); customers may get two messages in a row: move one schedule or split the audience', zh: '流程 "{a}" 和 "{b}" 可能在一小时内给同一批对象发消息（例如当地时间 {example}）；顾客可能连收两条：错开其中一个定时或拆分对象' }],
  KOC_CRON_INVALID: [
    { en: 'cron "{expression}" has {count} field{plural}; write exactly 5: minute hour day-of-month month day-of-week, for example "0 20 * * 1,3,5"', zh: 'cron "{expression}" 有 {count} 个字段；需要正好 5 个：分 时 日 月 周，例如 "0 20 * * 1,3,5"' },
    { en: 'cron field {index} ({field}) "{value}" is invalid: {problem}', zh: 'cron 第 {index} 个字段（{field}）"{value}" 无效：{problem}' },
    { en: 'cron "{expression}" is invalid: {problem}', zh: 'cron "{expression}" 无效：{problem}' },
  ],
  KOC_DATE_INVALID: [
    { en: 'endsOn {end} is before startsOn {start}', zh: 'endsOn {end} 早于 startsOn {start}' },
    { en: '"{text}" is not a date; write it as YYYY-MM-DD, for example 2026-12-31', zh: '"{text}" 不是日期；写成 YYYY-MM-DD，例如 2026-12-31' },
    { en: '"{text}" has no month {month}; months run 01 to 12', zh: '"{text}" 没有 {month} 月；月份是 01 到 12' },
    { en: '"{text}" does not exist: {month} has {days} days', zh: '"{text}" 不存在：{month} 只有 {days} 天' },
  ],
  KOC_DURATION_INVALID: [{ en: '"{value}" is not a duration; write e.g. 3d, 2h30m or 90s', zh: '"{value}" 不是时长；写成如 3d、2h30m 或 90s' }],
  KOC_TIME_INVALID: [{ en: '"{value}" is not a time of day; write HH:MM, e.g. 10:00 or 21:30', zh: '"{value}" 不是时刻；写成 HH:MM，如 10:00 或 21:30' }],
  KOC_TIMEZONE_INVALID: [
    { en: '"{value}" is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)', zh: '"{value}" 不是 IANA 时区（例如 Asia/Shanghai、Europe/Berlin）' },
    { en: '"{value}" is not an IANA time zone{suggest}', zh: '"{value}" 不是 IANA 时区{suggest}' },
  ],
  KOC_TEMPLATE_SYNTAX: [
    { en: 'template syntax error on {where} ({got}); check that every {{ has its }}', zh: '模板语法错误：{where}（{got}）；检查每个 {{ 都有对应的 }}' },
    { en: 'partials ({{> name}}) and decorators are not supported; use { template: name } on the step', zh: '不支持 partial（{{> name}}）和 decorator；请在步骤上用 { template: name }' },
  ],
  KOC_TEMPLATE_UNKNOWN_VARIABLE: [
    { en: 'template "{name}": {inner}', zh: '话术 "{name}"：{inner}' },
    { en: 'this flow\'s trigger does not provide "{variable}"{suggest}; available here: {available}', zh: '这个流程的触发不提供 "{variable}"{suggest}；这里可用：{available}' },
    { en: '"{path}" has no field "{field}"{suggest}; available here: {available}', zh: '"{path}" 没有字段 "{field}"{suggest}；这里可用：{available}' },
    { en: '"{path}" has no field "{field}"', zh: '"{path}" 没有字段 "{field}"' },
  ],
  KOC_TEMPLATE_UNKNOWN_HELPER: [
    { en: 'template "{name}": {inner}', zh: '话术 "{name}"：{inner}' },
    { en: 'unknown template helper "{helper}"{suggest}; helpers are {helpers}', zh: '未知的模板函数 "{helper}"{suggest}；可用函数：{helpers}' },
  ],
  KOC_FILE_TOO_LARGE: [{ en: 'file is {size} KiB; {files} are limited to {limit} KiB: {fix}', zh: '文件有 {size} KiB；{files}最大 {limit} KiB：{fix}' }],
  KOC_YAML_ALIAS_LIMIT: [
    { en: 'more than {count} aliases (*name) in one file; {fix}', zh: '一个文件里的别名（*name）超过 {count} 个；{fix}' },
    { en: '{message}', zh: '别名展开过大：{message}' },
  ],
  KOC_YAML_CUSTOM_TAG: [{ en: 'YAML tag "{tag}" is not allowed in {files}; remove it and write the plain value', zh: '{files}里不允许 YAML 标签 "{tag}"；删掉它，直接写值' }],
  KOC_YAML_SYNTAX: [
    { en: 'a playbook file holds one document: remove the --- separator or split the file', zh: '一个剧本文件只能有一个文档：删掉 --- 分隔符或拆成多个文件' },
    { en: 'kocflow.yaml holds one document: remove the --- separator', zh: 'kocflow.yaml 只能有一个文档：删掉 --- 分隔符' },
    { en: 'and {count} more YAML errors in this file, not listed: fix the ones above first (later errors often follow from them)', zh: '本文件还有 {count} 个 YAML 错误未列出：先修正上面的（后面的错误常常由它们引起）' },
    { en: '{message}', zh: 'YAML 语法错误：{message}' },
  ],
  KOC_YAML_DUPLICATE_KEY: [{ en: '{message}', zh: '同一个映射里有重复的键：{message}' }],
  KOC_YAML_WARNING: [{ en: '{message}', zh: 'YAML 警告：{message}' }],
  KOC_PLAYBOOKS_INVALID: [{ en: '{message}', zh: '剧本有错误：{message}' }],
  KOC_PLAYBOOKS_NOT_FOUND: [{ en: 'playbook folder "{folder}" does not exist', zh: '剧本文件夹 "{folder}" 不存在' }],

  KOC_CONFIG_UNKNOWN_KEY: FAMILY.KOC_CONFIG_UNKNOWN_KEY!,
  KOC_CONFIG_MISSING_KEY: [
    { en: 'missing key "store": guide {id} works in a store', zh: '缺少键 "store"：导购 {id} 需要所属门店' },
    { en: 'missing key "store": guide account {id} belongs to a store', zh: '缺少键 "store"：导购账号 {id} 需要所属门店' },
    { en: 'missing key "owner": the staff id of the person who gets {id}\'s assist task cards', zh: '缺少键 "owner"：接收 {id} 辅助任务卡片的员工 id' },
    { en: 'missing key "tokenEnv": puppet: service needs the name of the environment variable that holds {id}\'s token', zh: '缺少键 "tokenEnv"：puppet: service 需要保存 {id} 令牌的环境变量名' },
    ...FAMILY.KOC_CONFIG_MISSING_KEY!,
  ],
  KOC_CONFIG_TYPE: [
    { en: 'kocflow.yaml is a map of keys (stores:, staff:, accounts: …), not a list or a single value', zh: 'kocflow.yaml 应是键值映射（stores:、staff:、accounts: …），不是列表或单个值' },
    ...FAMILY.KOC_CONFIG_TYPE!,
  ],
  KOC_CONFIG_INVALID_VALUE: FAMILY.KOC_CONFIG_INVALID_VALUE!,
  KOC_CONFIG_OUT_OF_RANGE: FAMILY.KOC_CONFIG_OUT_OF_RANGE!,
  KOC_CONFIG_ID_INVALID: FAMILY.KOC_CONFIG_ID_INVALID!,
  KOC_CONFIG_INVALID: FAMILY.KOC_CONFIG_INVALID!,
  KOC_CONFIG_FILE_MISSING: [{
    en: '"{path}" does not exist (paths are relative to this file\'s folder); save {name}\'s add-me QR code there or remove landing.qr',
    zh: '"{path}" 不存在（路径相对于本文件所在的文件夹）；把{name}的"联系我"二维码保存到这里，或删掉 landing.qr',
  }],
  KOC_CONFIG_EMPTY: [{ en: 'the file is empty; kocflow.yaml lists stores:, staff: and accounts: (see docs/config.md)', zh: '文件是空的；kocflow.yaml 要列出 stores:、staff: 和 accounts:（见 docs/config.md）' }],
  KOC_CONFIG_UNKNOWN_REF: [
    { en: 'unknown store "{id}"{suggest}; stores are listed under stores:', zh: '未知的门店 "{id}"{suggest}；门店列在 stores: 下' },
    { en: 'unknown staff id "{id}"{suggest}; people are listed under staff:', zh: '未知的员工 id "{id}"{suggest}；员工列在 staff: 下' },
  ],
  KOC_CONFIG_OWNER_CONFLICT: [{ en: '{person} already owns account {other}; a guide or ambassador owns one bot of their own (an assistant account can have any owner)', zh: '{person} 已经是账号 {other} 的负责人；导购或员工KOC只能拥有一个自己的机器人（品牌助手账号不限）' }],
  KOC_CONFIG_DUPLICATE_TOKEN_ENV: [{ en: 'account {other} already uses {env}; each account logs in with its own token, so give this one its own variable', zh: '账号 {other} 已经使用 {env}；每个账号用自己的令牌登录，请给这个账号单独的变量' }],
  KOC_CONFIG_ENDPOINT_UNUSED: [
    { en: 'endpoint is not used: puppet: mock never connects to it', zh: '不会用到 endpoint：puppet: mock 从不连接它' },
    { en: 'endpoint is not used: without tokenEnv the account always runs on the mock', zh: '不会用到 endpoint：没有 tokenEnv 时账号总是运行在模拟微信上' },
  ],
  KOC_CONFIG_ENDPOINT_INVALID: [
    { en: 'write the endpoint as host:port, e.g. 10.0.0.5:8788, or as { host, port, tls }', zh: 'endpoint 写成 host:port（如 10.0.0.5:8788）或 { host, port, tls }' },
    { en: 'the port is a whole number from 1 to 65535', zh: '端口是 1 到 65535 的整数' },
    { en: 'the host is a name or an IP address (letters, digits, "." and "-")', zh: '主机是名字或 IP 地址（字母、数字、"." 和 "-"）' },
  ],
  KOC_CONFIG_DUPLICATE_ID: [{ en: 'duplicate {noun} id "{id}": {where} has it already{spelling}', zh: '重复的{noun} id "{id}"：{where}已经用了{spelling}' }],
  KOC_CONFIG_TOKEN_IN_FILE: [
    { en: `"{key}" holds a token in the file; tokens never sit in kocflow.yaml: ${TOKEN_FIX_EN}`, zh: `"{key}" 在文件里写了令牌；令牌绝不写进 kocflow.yaml：${TOKEN_FIX_ZH}` },
    { en: `tokenEnv holds what looks like a token, not the name of an environment variable (names are upper-case letters, digits and _); tokens never sit in kocflow.yaml: ${TOKEN_FIX_EN}`, zh: `tokenEnv 里像是令牌本身，而不是环境变量名（变量名是大写字母、数字和 _）；令牌绝不写进 kocflow.yaml：${TOKEN_FIX_ZH}` },
  ],
  KOC_CONFIG_TOKEN_ENV_INVALID: [
    { en: 'tokenEnv is the name of an environment variable, written as text such as {env}; found {found}', zh: 'tokenEnv 是环境变量的名字，应写成文本，如 {env}；实际是 {found}' },
    { en: 'tokenEnv is not an environment variable name: use upper-case letters, digits and _, not starting with a digit, e.g. {env}', zh: 'tokenEnv 不是有效的环境变量名：用大写字母、数字和 _，不以数字开头，如 {env}' },
  ],
  KOC_CONFIG_NOT_FOUND: [{ en: 'configuration file "{file}" does not exist', zh: '配置文件 "{file}" 不存在' }],
  KOC_CONFIG_UNREADABLE: [{ en: 'cannot read the configuration file "{file}": {problem}', zh: '无法读取配置文件 "{file}"：{problem}' }],
  KOC_PUPPET_TOKEN_MISSING: [{ en: '{message}', zh: '缺少令牌：{message}' }],
};

/** Phrases the checks put inside parameters, translated wherever they appear. */
const PHRASES: [RegExp, string][] = [
  [/ \(did you mean "([^"]*)"\?\)/g, '（是不是 "$1"？）'],
  [/^; allowed here: /, '；这里可用的键：'],
  [/^; write \[(.*)\]$/, '；写成 [$1]'],
  [/^a map of keys$/, '键值映射'],
  [/^a list$/, '列表'],
  [/^text$/, '文本'],
  [/^a number$/, '数字'],
  [/^true or false$/, 'true 或 false'],
  [/^an empty value$/, '空值'],
  [/^text "/, '文本 "'],
  [/^number (\S+)$/, '数字 $1'],
  [/^boolean (\S+)$/, '布尔值 $1'],
  [/^at least (\S+) items$/, '至少 $1 项'],
  [/^at most (\S+) items$/, '最多 $1 项'],
  [/^at least (\S+) characters$/, '至少 $1 个字符'],
  [/^at most (\S+) characters$/, '最多 $1 个字符'],
  [/^at least (\S+)$/, '至少 $1'],
  [/^at most (\S+)$/, '最多 $1'],
  [/^line (\d+)$/, '第 $1 行'],
  [/^playbook files$/, '剧本文件'],
  [/^configuration files$/, '配置文件'],
  [/^split it or move long texts into a library file$/, '请拆分，或把长文案移到 library 文件'],
  [/^a kocflow.yaml this large is not a configuration; check that the right file is named$/, '这么大的 kocflow.yaml 不会是配置文件；请确认文件名没有写错'],
  [/^repeat the values or use the content library instead$/, '请直接重复写值，或改用内容库'],
  [/^repeat the values instead$/, '请直接重复写值'],
  [/^minute$/, '分'], [/^hour$/, '时'], [/^day of month$/, '日'], [/^month$/, '月'], [/^day of week$/, '周'],
  [/^ as "([^"]*)" \(WeCom user ids ignore case\)$/, '（写作 "$1"，企业微信成员账号不区分大小写）'],
  [/^store$/, '门店'], [/^account$/, '账号'], [/^staff$/, '员工'],
  [/^contact$/, '顾客'], [/^room$/, '群'], [/^contact or room$/, '顾客或群'],
];

function translatePhrases(value: string): string {
  let out = value;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out;
}

interface CompiledShape {
  pattern: RegExp;
  names: string[];
  zh: string;
}

const SPECIAL_PARAMS: Record<string, string> = {
  suggest: '(?: \\(did you mean "[^"]*"\\?\\))?',
  allowed: '(?:; allowed here: .*)?',
  fix: '(?:; write \\[.*\\])?',
  plural: 's?',
};

function compile(shape: Shape): CompiledShape {
  const names: string[] = [];
  const source = shape.en.split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(name);
    return `(${SPECIAL_PARAMS[name] ?? '[\\s\\S]*?'})`;
  }).join('');
  return { pattern: new RegExp(`^${source}$`, 'u'), names, zh: shape.zh };
}

const compiled = new Map<string, CompiledShape[]>();

function shapesOf(code: string): CompiledShape[] {
  let shapes = compiled.get(code);
  if (!shapes) {
    shapes = (DIAGNOSTIC_SHAPES[code] ?? []).map(compile);
    compiled.set(code, shapes);
  }
  return shapes;
}

/** A message in the language, and whether a shape matched (false: the fallback, meaning + English). */
export function translateMessage(code: string, message: string, lang: Lang): { text: string; matched: boolean } {
  if (lang === 'en') return { text: message, matched: true };
  for (const shape of shapesOf(code)) {
    const match = shape.pattern.exec(message);
    if (!match) continue;
    const params: Record<string, string> = {};
    shape.names.forEach((name, i) => {
      const value = match[i + 1] ?? '';
      params[name] = name === 'inner' ? translateMessage(code, value, lang).text : translatePhrases(value);
    });
    return { text: fill(shape.zh, params), matched: true };
  }
  const meaning = ZH_MEANINGS[code];
  return { text: meaning ? `${meaning.replace(/。$/, '')}：${message}` : message, matched: false };
}

/** A finding in the language asked for; English is the message as the check wrote it. */
export function localizeDiagnostic(d: Diagnostic, lang: Lang): Diagnostic {
  return lang === 'en' ? d : { ...d, message: translateMessage(d.code, d.message, lang).text };
}

/** The English meaning of a code, from the references' tables. */
export function englishMeaning(code: string): string | undefined {
  return DIAGNOSTIC_MEANINGS[code] ?? CONFIG_DIAGNOSTIC_MEANINGS[code];
}
