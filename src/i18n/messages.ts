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

  // plain words: lists -------------------------------------------------------------------------------------------
  'list.sep': { en: ', ', zh: '、' },
  'list.and': { en: ' and ', zh: '，且' },
  'list.or': { en: ' or ', zh: ' 或 ' },

  // plain words: triggers ----------------------------------------------------------------------------------------
  'trigger.friend.added': { en: 'a customer adds the account{accept}', zh: '顾客添加账号为好友{accept}' },
  'trigger.accept': { en: ' (the friend request is accepted automatically)', zh: '（自动通过好友申请）' },
  'trigger.message.keyword': { en: "a customer's message {where} {match}", zh: '顾客{where}发来的消息{match}' },
  'where.private': { en: 'in private chat', zh: '在私聊中' },
  'where.room': { en: 'in {room}', zh: '在{room}里' },
  'where.any': { en: 'in private chat or {room}', zh: '在私聊或{room}里' },
  'match.keywords': { en: 'contains one of: {words}', zh: '包含以下任一词：{words}' },
  'match.regex': { en: 'matches /{regex}/', zh: '匹配 /{regex}/' },
  'trigger.room.joined': { en: 'someone joins {room}', zh: '有人加入{room}' },
  'trigger.room.left': { en: 'someone leaves {room}', zh: '有人退出{room}' },
  'room.any': { en: 'a group', zh: '群' },
  'room.topic': { en: 'a group named like "{topic}"', zh: '名称匹配 "{topic}" 的群' },
  'trigger.tag.added': { en: 'the tag {tag} is added to a customer', zh: '顾客被打上标签 {tag}' },
  'trigger.tag.removed': { en: 'the tag {tag} is removed from a customer', zh: '顾客的标签 {tag} 被去掉' },
  'trigger.code.sent': { en: 'a customer sends a valid referral code{campaign}', zh: '顾客发来有效的推荐码{campaign}' },
  'trigger.coupon.redeemed': { en: 'a coupon{campaign} is redeemed', zh: '券{campaign}被核销' },
  'campaign.of': { en: ' of campaign {campaign}', zh: '（活动 {campaign}）' },
  'trigger.manual': { en: 'someone starts it by hand: kocflow run {flow} --{subject} ID', zh: '手动启动：kocflow run {flow} --{subject} ID' },
  'trigger.cron': { en: 'on the schedule "{cron}" ({zone}){audience}', zh: '按定时 "{cron}"（{zone}）{audience}' },
  'audience.account': { en: ', once for the account itself', zh: '，每个账号运行一次' },
  'audience.rooms': { en: ', once for each group named like "{topic}"', zh: '，对每个名称匹配 "{topic}" 的群各运行一次' },
  'audience.contacts': { en: ', once for each customer{filters} (never those who opted out)', zh: '，对每位{filters}顾客各运行一次（已退订的除外）' },
  'audience.staff': { en: ', once for each staff member{filters}', zh: '，对每位{filters}员工各运行一次' },
  'audience.filters': { en: ' ({condition})', zh: '{condition}的' },
  'audience.referredByTier': { en: 'referred by a KOC in tier {tiers}', zh: '由 {tiers} 等级 KOC 推荐' },
  'audience.roles': { en: 'role {roles}', zh: '角色为{roles}' },
  'audience.tiers': { en: 'in tier {tiers}', zh: '等级为 {tiers}' },
  'cron.catchUp.once': { en: 'Missed while kocflow was down: the latest missed time runs once if it is at most {grace} late.', zh: 'kocflow 停机时错过的：最近一次若晚于计划不超过 {grace}，补跑一次。' },
  'cron.catchUp.skip': { en: 'Missed while kocflow was down: skipped.', zh: 'kocflow 停机时错过的：跳过，不补跑。' },

  // plain words: subjects and roles ------------------------------------------------------------------------------
  'subject.contact': { en: 'customer', zh: '顾客' },
  'subject.room': { en: 'group', zh: '群' },
  'subject.staff': { en: 'staff member', zh: '员工' },
  'subject.account': { en: 'account', zh: '账号' },
  'role.guide': { en: 'guide', zh: '导购' },
  'role.ambassador': { en: 'ambassador', zh: '员工KOC' },
  'role.assistant': { en: 'assistant', zh: '品牌助手' },

  // plain words: conditions --------------------------------------------------------------------------------------
  'cond.tagged': { en: 'tagged {tags}', zh: '有标签 {tags}' },
  'cond.taggedAny': { en: 'tagged {tags} (any one)', zh: '有任一标签 {tags}' },
  'cond.notTagged': { en: 'not tagged {tags}', zh: '没有标签 {tags}' },
  'cond.attribute': { en: '{key} is {value}', zh: '{key} 为 {value}' },
  'cond.referred': { en: 'came through a referral code', zh: '通过推荐码而来' },
  'cond.notReferred': { en: 'did not come through a referral code', zh: '不是通过推荐码而来' },
  'cond.invitedBy.koc': { en: 'invited by a KOC', zh: '由 KOC 邀请' },
  'cond.invitedBy.staff': { en: 'invited by a staff member', zh: '由员工邀请' },
  'cond.invitedBy.customer': { en: 'invited by a customer', zh: '由顾客邀请' },
  'cond.invitedBy.anyone': { en: 'invited by someone', zh: '由他人邀请' },
  'cond.tier': { en: 'the KOC is in tier {tiers}', zh: 'KOC 等级为 {tiers}' },
  'cond.optedOut': { en: 'opted out', zh: '已退订' },
  'cond.notOptedOut': { en: 'not opted out', zh: '未退订' },
  'cond.any': { en: 'either {alternatives}', zh: '满足其一（{alternatives}）' },

  // plain words: steps -------------------------------------------------------------------------------------------
  'step.say': { en: 'say {content}', zh: '私聊发送 {content}' },
  'step.roomSay': { en: 'post in the group {content}{mention}', zh: '在群里发送 {content}{mention}' },
  'step.mention': { en: ', @{who}', zh: '，@{who}' },
  'mention.member': { en: 'the new member', zh: '新成员' },
  'mention.inviter': { en: 'the inviter', zh: '邀请人' },
  'mention.all': { en: 'everyone', zh: '所有人' },
  'step.moment': { en: 'post to Moments {content}{visible}', zh: '发朋友圈 {content}{visible}' },
  'moment.visible': { en: ', visible to customers tagged {tags}', zh: '，仅标签为 {tags} 的顾客可见' },
  'step.tag': { en: 'tag the customer {tags}', zh: '给顾客打标签 {tags}' },
  'step.untag': { en: "remove the customer's tags {tags}", zh: '去掉顾客的标签 {tags}' },
  'step.inviteToRoom': { en: 'invite the customer into the first group named like "{topic}"', zh: '邀请顾客进入名称匹配 "{topic}" 的群' },
  'step.issueCoupon': { en: 'issue a coupon of campaign {campaign} (no message)', zh: '发放活动 {campaign} 的券（不发消息）' },
  'step.awardPoints': { en: '{amount} points to the {to} ("{reason}")', zh: '给{to} {amount} 积分（"{reason}"）' },
  'points.inviter': { en: 'inviter', zh: '邀请人' },
  'points.referrer': { en: 'referrer', zh: '推荐人' },
  'points.staff': { en: 'staff member', zh: '该员工' },
  'points.owner': { en: "account's owner", zh: '账号负责人' },
  'step.wait': { en: 'wait {duration}', zh: '等待 {duration}' },
  'step.waitAt': { en: 'wait {duration}, then until the next {at}', zh: '等待 {duration}，再到下一个 {at}' },
  'step.assignTask': { en: 'offer the task {task} ("{title}")', zh: '派发任务 {task}（"{title}"）' },
  'step.notifyStaff': { en: 'note to {to}: {content}', zh: '提醒{to}：{content}' },
  'notify.owner': { en: "the account's owner", zh: '账号负责人' },
  'notify.referrer': { en: "the customer's referrer", zh: '顾客的推荐人' },
  'step.coupon': { en: ', with a coupon of campaign {campaign}', zh: '，附活动 {campaign} 的券' },
  'step.assist': { en: ' (assist: the account owner gets a task card and does it by hand)', zh: '（assist：账号负责人收到任务卡片，手动完成）' },
  'step.when': { en: 'only if {condition}: {action}', zh: '仅当{condition}时：{action}' },
  'content.text': { en: '"{text}"', zh: '"{text}"' },
  'content.variants': { en: '"{text}" (one of {count} wordings)', zh: '"{text}"（{count} 种说法之一）' },
  'content.template': { en: 'template {name}', zh: '话术 {name}' },
  'content.templateVariants': { en: 'template {name} (one of {count} wordings)', zh: '话术 {name}（{count} 种说法之一）' },
  'content.image': { en: ' + image {asset}', zh: ' + 图片 {asset}' },
  'content.images': { en: ' + {count} images', zh: ' + {count} 张图片' },
  'content.video': { en: ' + a video', zh: ' + 视频' },
  'content.link': { en: ' + link card "{title}"', zh: ' + 链接卡片 "{title}"' },
  'content.miniProgram': { en: ' + mini-program "{title}"', zh: ' + 小程序 "{title}"' },

  // explain ------------------------------------------------------------------------------------------------------
  'explain.title': { en: 'Flow {id}{name} ({file})', zh: '流程 {id}{name}（{file}）' },
  'explain.disabled': { en: 'Disabled (enabled: false): it starts no new runs.', zh: '已停用（enabled: false）：不会启动新的运行。' },
  'explain.starts': { en: 'Starts when {trigger}. Each run is about one {subject}.', zh: '触发：{trigger}。每次运行针对一个{subject}。' },
  'explain.startsCron': { en: 'Starts {trigger}. Each run is about one {subject}.', zh: '触发：{trigger}。每次运行针对一个{subject}。' },
  'explain.runsOn': { en: 'Runs on: {selector} → {accounts} ({config})', zh: '运行账号：{selector} → {accounts}（{config}）' },
  'explain.runsOnNoConfig': { en: 'Runs on: {selector} (pass --config kocflow.yaml to list the accounts)', zh: '运行账号：{selector}（加 --config kocflow.yaml 可列出具体账号）' },
  'selector.all': { en: 'every account', zh: '所有账号' },
  'selector.roles': { en: '{roles} accounts', zh: '{roles}账号' },
  'selector.stores': { en: 'in stores {stores}', zh: '门店 {stores}' },
  'selector.ids': { en: 'accounts {ids}', zh: '账号 {ids}' },
  'explain.stopWhen': { en: 'Stops early as soon as the {subject} is {condition} (checked before every step).', zh: '提前结束：一旦{subject}{condition}就结束（每一步之前检查）。' },
  'explain.next': { en: 'Next times on {account}: {times}', zh: '接下来在 {account} 上的时间：{times}' },
  'explain.timeline': { en: 'Timeline for one example {subject} on {account} ({zone}), starting {start}:', zh: '示例{subject}在 {account}（{zone}）上的时间线，从 {start} 开始：' },
  'explain.day': { en: 'day {n}', zh: '第 {n} 天' },
  'explain.end': { en: 'end of the flow', zh: '流程结束' },
  'explain.sent': { en: 'sent {time}', zh: '{time} 发出' },
  'explain.reply': { en: 'a reply to the customer: not counted against the daily cap', zh: '属于回复顾客：不计入每日上限' },
  'explain.quiet': { en: 'held by quiet hours', zh: '遇免打扰时段顺延' },
  'explain.dayCap': { en: 'held by the cap of {limit} proactive message(s) per customer a day', zh: '受每位顾客每天 {limit} 条主动消息上限顺延' },
  'explain.spacing': { en: 'at least {gap} s after the previous send', zh: '与上一条至少间隔 {gap} 秒' },
  'explain.skip.contact_month_cap': { en: 'skipped: the customer already got {limit} proactive messages in 30 days', zh: '跳过：该顾客 30 天内已收到 {limit} 条主动消息' },
  'explain.skip.contact_day_cap': { en: 'skipped: the daily cap per customer is 0', zh: '跳过：每位顾客每天上限为 0' },
  'explain.skip.quiet_hours': { en: 'skipped: quiet hours cover the whole day', zh: '跳过：免打扰时段覆盖全天' },
  'explain.skip.other': { en: 'skipped: {reason}', zh: '跳过：{reason}' },
  'explain.pacing': { en: 'Pacing on {account} ({source}):', zh: '{account} 的发送节奏（{source}）：' },
  'pacing.source.config': { en: 'from {config}', zh: '来自 {config}' },
  'pacing.source.default': { en: 'the defaults', zh: '默认值' },
  'pacing.quiet': { en: 'quiet hours {windows} local time: sends wait until they end', zh: '免打扰 {windows}（当地时间）：消息顺延到结束' },
  'pacing.noQuiet': { en: 'no quiet hours', zh: '没有免打扰时段' },
  'pacing.contact': { en: 'at most {day} proactive message(s) per customer a day and {month} in 30 days (replies to a customer do not count)', zh: '每位顾客每天最多 {day} 条、30 天内最多 {month} 条主动消息（回复顾客不计）' },
  'pacing.rates': { en: 'at most {minute} sends a minute, {hour} an hour, {day} a day per account', zh: '每个账号每分钟最多 {minute} 条、每小时 {hour} 条、每天 {day} 条' },
  'pacing.gap': { en: '{gap} s plus 0–{jitter} s at random between two sends', zh: '两条之间间隔 {gap} 秒，再加 0–{jitter} 秒随机' },
  'pacing.rampUp': { en: 'a new account starts at 20% of these rates and reaches them after {days} days', zh: '新账号从以上速率的 20% 起步，{days} 天后达到' },
  'pacing.flow': { en: 'this flow tightens them: {what}', zh: '本流程另外收紧：{what}' },
  'pacing.mock': {
    en: '{account} runs on the mock puppet now: kocflow start relaxes its pacing for the demo (demo.pacing); the timeline shows the live limits.',
    zh: '{account} 现在运行在模拟微信上：kocflow start 会为演示放宽节奏（demo.pacing）；时间线按正式上线的限制计算。',
  },
  'pacing.ambassador': { en: '{account} is an ambassador account: every message becomes a task card (assist).', zh: '{account} 是员工KOC账号：所有消息都以任务卡片发送（assist）。' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type MessageKey = keyof typeof MESSAGES;

export function t(lang: Lang, key: MessageKey, params: Readonly<Record<string, string | number>> = {}): string {
  return fill(MESSAGES[key][lang], params);
}

/** " (did you mean "x"?)" in the language, or '' when there is no close match. */
export function suggestion(lang: Lang, match: string | undefined): string {
  return match === undefined ? '' : t(lang, 'didYouMean', { word: match });
}
