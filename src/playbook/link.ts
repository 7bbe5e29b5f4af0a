import { createHash } from 'node:crypto';
import type { Diagnostic } from './diagnostics.ts';
import type { LoadedFlow, Located, PlaybookFiles, PlaybookSet } from './model.ts';
import type { CampaignDocument, FlowDocument, LibraryDocument, PlaybookDocument, TaskDocument, TiersDocument } from './schema/documents.ts';
import type { Condition } from './schema/conditions.ts';
import { COUPON_VARS, STAFF_VARS, TASK_VARS, subjectOf, variablesOf, type SubjectKind, type VariableTree } from './schema/triggers.ts';
import { stepKinds, type StepKind } from './schema/steps.ts';
import { checkTemplate } from './templates/check.ts';
import { checkMoment } from './moments.ts';
import { findRewardOverlaps } from './rewardOverlap.ts';
import { findCronOverlaps } from './cronOverlap.ts';
import type { ValidatedDocument } from './validate.ts';
import type { YamlPath } from './yamlSource.ts';
import { didYouMean } from './suggest.ts';

/**
 * The second half of loading: checks that hold across files (unique ids, references to campaigns, tasks, tiers,
 * templates and assets, template variables against each flow's trigger, WeCom's Moments limits) and assembles
 * the PlaybookSet the engine runs.
 */
export interface LinkOptions {
  files: PlaybookFiles;
  /** Account ids from kocflow.yaml; when given, `accounts.ids` must name them. */
  accountIds?: ReadonlySet<string>;
  /** Ids of documents that failed validation: references to them are not reported again. */
  brokenIds?: ReadonlySet<string>;
}

type Emit = (at: Located<unknown>, path: YamlPath, severity: Diagnostic['severity'], code: string, message: string, target?: 'value' | 'key') => void;

export function linkPlaybooks(root: string, documents: ValidatedDocument[], options: LinkOptions): { set: PlaybookSet; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const emit: Emit = (at, path, severity, code, message, target = 'value') =>
    diagnostics.push({ file: at.source.file, ...at.source.locate(path, target), severity, code, message });

  const set: PlaybookSet = {
    root, flows: new Map(), campaigns: new Map(), tasks: new Map(), tiers: undefined, libraries: new Map(),
    templates: new Map(), assets: new Map(),
  };

  // 1. Ids are unique across every file (a flow and a campaign with one id would be ambiguous in reports).
  const firstById = new Map<string, Located<PlaybookDocument>>();
  const accepted: Located<PlaybookDocument>[] = [];
  for (const { source, document } of [...documents].sort((a, b) => a.source.file.localeCompare(b.source.file))) {
    const located = { source, document };
    const first = firstById.get(document.id);
    if (first) {
      const where = first.source.locate(['id']);
      emit(located, ['id'], 'error', 'KOC_PLAYBOOK_DUPLICATE_ID', `id "${document.id}" is already used by the ${first.document.kind} in ${first.source.file}:${where.line}:${where.column}; ids are unique across all playbook files`);
      continue;
    }
    firstById.set(document.id, located);
    accepted.push(located);
  }

  for (const located of accepted) {
    const doc = located.document;
    switch (doc.kind) {
      case 'campaign': set.campaigns.set(doc.id, located as Located<CampaignDocument>); break;
      case 'task': set.tasks.set(doc.id, located as Located<TaskDocument>); break;
      case 'library': set.libraries.set(doc.id, located as Located<LibraryDocument>); break;
      case 'tiers':
        if (set.tiers) {
          emit(located, ['kind'], 'error', 'KOC_PLAYBOOK_DUPLICATE_TIERS', `a second tiers file; the KOC program has one ladder, defined in ${set.tiers.source.file}`);
        } else {
          set.tiers = located as Located<TiersDocument>;
        }
        break;
      default: break;
    }
  }

  // 2. The content library: names are unique across library files; files exist.
  for (const library of set.libraries.values()) linkLibrary(library, set, options.files, emit);
  const tierNames = new Set(set.tiers?.document.tiers.map((t) => t.name) ?? []);
  if (set.tiers) checkTierLadder(set.tiers, emit);
  const refs: References = { set, files: options.files, tierNames, emit, brokenIds: options.brokenIds ?? new Set() };

  for (const campaign of set.campaigns.values()) checkCampaign(campaign, emit);
  for (const task of set.tasks.values()) checkTask(task, refs);

  // 3. Flows.
  for (const located of accepted) {
    if (located.document.kind !== 'flow') continue;
    const flow = located as Located<FlowDocument>;
    const subject = subjectOf(flow.document.trigger);
    const used = [...checkFlow(flow, subject, refs, options.accountIds)].sort();
    const templates = Object.fromEntries(used.map((name) => [name, set.templates.get(name) ?? []]));
    set.flows.set(flow.document.id, { ...flow, subject, templates, hash: hashFlow(flow.document, templates) });
  }

  for (const overlap of findCronOverlaps([...set.flows.values()])) {
    emit(overlap.second, ['trigger', 'cron'], 'warning', 'KOC_CRON_OVERLAP',
      `flows "${overlap.first.document.id}" and "${overlap.second.document.id}" can message the same audience within one hour (e.g. ${overlap.example} local time); customers may get two messages in a row: move one schedule or split the audience`);
  }
  for (const overlap of findRewardOverlaps(set.flows.values(), set.campaigns.values())) {
    emit(overlap.flow, ['steps', overlap.stepIndex, 'awardPoints'], 'warning', 'KOC_REWARD_PAID_TWICE', overlap.message, 'key');
  }
  return { set, diagnostics };
}

interface References {
  set: PlaybookSet;
  files: PlaybookFiles;
  tierNames: Set<string>;
  emit: Emit;
  brokenIds: ReadonlySet<string>;
}

function linkLibrary(library: Located<LibraryDocument>, set: PlaybookSet, files: PlaybookFiles, emit: Emit): void {
  for (const [name, value] of Object.entries(library.document.templates ?? {})) {
    if (set.templates.has(name)) {
      emit(library, ['templates', name], 'error', 'KOC_PLAYBOOK_DUPLICATE_TEMPLATE', `template "${name}" is defined in two library files`, 'key');
      continue;
    }
    let variants: string[];
    if (typeof value === 'string') variants = [value];
    else if (Array.isArray(value)) variants = value;
    else {
      const text = files.readText(value.file);
      if (text === undefined) {
        emit(library, ['templates', name, 'file'], 'error', 'KOC_PLAYBOOK_FILE_MISSING', `template file "${value.file}" does not exist (paths are relative to the playbook folder)`);
        continue;
      }
      variants = text.split(/^---\s*$/m).map((v) => v.trim()).filter(Boolean);
    }
    for (const variant of variants) {
      for (const problem of checkTemplate(variant, undefined)) emit(library, ['templates', name], 'error', problem.code, problem.message);
    }
    set.templates.set(name, variants);
  }
  for (const [name, path] of Object.entries(library.document.assets ?? {})) {
    if (set.assets.has(name)) {
      emit(library, ['assets', name], 'error', 'KOC_PLAYBOOK_DUPLICATE_ASSET', `asset "${name}" is defined in two library files`, 'key');
      continue;
    }
    if (!files.exists(path)) {
      emit(library, ['assets', name], 'error', 'KOC_PLAYBOOK_FILE_MISSING', `asset file "${path}" does not exist (paths are relative to the playbook folder)`);
    }
    set.assets.set(name, path);
  }
}

function checkTierLadder(tiers: Located<TiersDocument>, emit: Emit): void {
  const names = new Set<string>();
  tiers.document.tiers.forEach((tier, i) => {
    if (names.has(tier.name)) emit(tiers, ['tiers', i, 'name'], 'error', 'KOC_PLAYBOOK_DUPLICATE_TIER', `tier "${tier.name}" is listed twice`);
    names.add(tier.name);
    const previous = tiers.document.tiers[i - 1];
    if (previous && tier.minPoints < previous.minPoints) {
      emit(tiers, ['tiers', i, 'minPoints'], 'error', 'KOC_PLAYBOOK_TIER_ORDER', `tiers go from the lowest to the highest: "${tier.name}" needs at least the ${previous.minPoints} points of "${previous.name}"`);
    }
  });
}

function checkCampaign(campaign: Located<CampaignDocument>, emit: Emit): void {
  const c = campaign.document;
  if (c.coupon.validDays === undefined && c.coupon.validUntil === undefined) {
    emit(campaign, ['coupon'], 'error', 'KOC_PLAYBOOK_MISSING_KEY', 'a coupon needs validDays or validUntil, so customers know when it expires');
  }
  if (c.startsOn && c.endsOn && c.startsOn > c.endsOn) {
    emit(campaign, ['endsOn'], 'error', 'KOC_DATE_INVALID', `endsOn ${c.endsOn} is before startsOn ${c.startsOn}`);
  }
}

function checkTask(task: Located<TaskDocument>, refs: References): void {
  const t = task.document;
  t.eligible?.tiers?.forEach((tier, i) => checkTier(tier, task, ['eligible', 'tiers', i], refs));
  t.content?.images?.forEach((image, i) => checkAsset(image, task, ['content', 'images', i], refs));
  if (t.content?.text !== undefined) {
    checkTexts(t.content.text, task, ['content', 'text'], { ...STAFF_VARS, ...TASK_VARS }, refs);
  }
}

function checkTier(name: string, at: Located<unknown>, path: YamlPath, refs: References): void {
  if (!refs.set.tiers) {
    if (refs.brokenIds.has('tiers')) return;
    refs.emit(at, path, 'error', 'KOC_PLAYBOOK_UNKNOWN_REF', `tier "${name}" is used but there is no tiers file (kind: tiers)`);
  } else if (!refs.tierNames.has(name)) {
    refs.emit(at, path, 'error', 'KOC_PLAYBOOK_UNKNOWN_REF', `unknown tier "${name}"${didYouMean(name, refs.tierNames)}; tiers are ${[...refs.tierNames].join(', ')}`);
  }
}

function checkAsset(ref: string, at: Located<unknown>, path: YamlPath, refs: References): void {
  if (refs.set.assets.has(ref)) return;
  if (/[./]/.test(ref)) {
    if (!refs.files.exists(ref)) refs.emit(at, path, 'error', 'KOC_PLAYBOOK_FILE_MISSING', `file "${ref}" does not exist (paths are relative to the playbook folder)`);
    return;
  }
  refs.emit(at, path, 'error', 'KOC_PLAYBOOK_UNKNOWN_REF', `unknown asset "${ref}"${didYouMean(ref, refs.set.assets.keys())}; name an asset of a library file or give a file path`);
}

function checkReference(kind: 'campaign' | 'task' | 'template', name: string, at: Located<unknown>, path: YamlPath, refs: References): boolean {
  const table = kind === 'campaign' ? refs.set.campaigns : kind === 'task' ? refs.set.tasks : refs.set.templates;
  if (table.has(name)) return true;
  if (refs.brokenIds.has(name)) return false; // its own file already has an error; one report is enough
  refs.emit(at, path, 'error', 'KOC_PLAYBOOK_UNKNOWN_REF', `unknown ${kind} "${name}"${didYouMean(name, table.keys())}${table.size ? '' : `; no ${kind} is defined yet`}`);
  return false;
}

/** Checks Handlebars text (a string or wordings) and returns nothing; problems are emitted at the text. */
function checkTexts(text: string | string[], at: Located<unknown>, path: YamlPath, variables: VariableTree | undefined, refs: References): void {
  const variants = Array.isArray(text) ? text : [text];
  variants.forEach((variant, i) => {
    for (const problem of checkTemplate(variant, variables)) {
      refs.emit(at, Array.isArray(text) ? [...path, i] : path, 'error', problem.code, problem.message);
    }
  });
}

/** `{ template: name }`: the template exists and fits this flow's variables. */
function checkTemplateUse(name: string, at: Located<unknown>, path: YamlPath, variables: VariableTree, refs: References, used: Set<string>): void {
  if (!checkReference('template', name, at, path, refs)) return;
  used.add(name);
  for (const variant of refs.set.templates.get(name) ?? []) {
    for (const problem of checkTemplate(variant, variables)) {
      if (problem.code !== 'KOC_TEMPLATE_SYNTAX') refs.emit(at, path, 'error', problem.code, `template "${name}": ${problem.message}`);
    }
  }
}

const SUBJECT_OF_STEP: Partial<Record<StepKind, SubjectKind[]>> = {
  say: ['contact'], tag: ['contact'], untag: ['contact'], inviteToRoom: ['contact'], issueCoupon: ['contact'],
  roomSay: ['room'], assignTask: ['staff'],
};

function checkFlow(flow: Located<FlowDocument>, subject: SubjectKind, refs: References, accountIds: ReadonlySet<string> | undefined): Set<string> {
  const doc = flow.document;
  const used = new Set<string>();
  const trigger = doc.trigger;
  let variables: VariableTree = variablesOf(trigger);

  if (accountIds) {
    doc.accounts?.ids?.forEach((account, i) => {
      if (!accountIds.has(account)) refs.emit(flow, ['accounts', 'ids', i], 'error', 'KOC_PLAYBOOK_UNKNOWN_REF', `unknown account "${account}"${didYouMean(account, accountIds)}; accounts are defined in kocflow.yaml`);
    });
  }
  if ('cron' in trigger) {
    trigger.audience?.staff?.tiers?.forEach((tier, i) => checkTier(tier, flow, ['trigger', 'audience', 'staff', 'tiers', i], refs));
    trigger.audience?.contacts?.referredByTier?.forEach((tier, i) => checkTier(tier, flow, ['trigger', 'audience', 'contacts', 'referredByTier', i], refs));
    const audiences = ['contacts', 'rooms', 'staff'].filter((k) => trigger.audience?.[k as 'contacts'] !== undefined);
    if (audiences.length > 1) refs.emit(flow, ['trigger', 'audience'], 'error', 'KOC_PLAYBOOK_AUDIENCE', `choose one audience: ${audiences.join(' or ')} (make two flows for two audiences)`);
  } else if (trigger.on === 'code.sent' || trigger.on === 'coupon.redeemed' || trigger.on === 'fission.goal') {
    if (trigger.campaign && checkReference('campaign', trigger.campaign, flow, ['trigger', 'campaign'], refs) && trigger.on === 'fission.goal' && !refs.set.campaigns.get(trigger.campaign)?.document.fission) {
      refs.emit(flow, ['trigger', 'campaign'], 'error', 'KOC_PLAYBOOK_NO_FISSION', `campaign "${trigger.campaign}" has no fission: section, so its goal is never reached; add fission: { room, goal } to it or name another campaign`);
    }
  } else if (trigger.on === 'message.keyword') {
    if (!trigger.keywords && !trigger.regex) refs.emit(flow, ['trigger'], 'error', 'KOC_PLAYBOOK_MISSING_KEY', 'message.keyword needs keywords: [...] or regex: "..."');
    if (trigger.regex) {
      try {
        new RegExp(trigger.regex, 'u');
      } catch (error) {
        refs.emit(flow, ['trigger', 'regex'], 'error', 'KOC_REGEX_INVALID', `invalid regular expression: ${(error as Error).message}`);
      }
    }
  }
  if (doc.stopWhen) checkCondition(doc.stopWhen, flow, ['stopWhen'], refs);

  doc.steps.forEach((raw, i) => {
    const step = raw as Record<string, unknown>;
    const kind = stepKinds.find((k) => k in step)!;
    const path: YamlPath = ['steps', i];
    const allowed = SUBJECT_OF_STEP[kind];
    if (allowed && !allowed.includes(subject)) {
      refs.emit(flow, [...path, kind], 'error', 'KOC_PLAYBOOK_STEP_SUBJECT',
        `"${kind}" acts on a ${allowed.join(' or ')}, but this flow's trigger gives it a ${subject}; ${kind === 'roomSay' ? 'use a room trigger or audience: { rooms: … }' : kind === 'assignTask' ? 'use audience: { staff: … }' : 'use a contact trigger or audience: { contacts: … }'}`, 'key');
    }
    if (step.when) checkCondition(step.when as Condition, flow, [...path, 'when'], refs);

    switch (kind) {
      case 'say':
      case 'roomSay': {
        const coupon = step.coupon as { campaign: string } | undefined;
        if (coupon) {
          checkReference('campaign', coupon.campaign, flow, [...path, 'coupon', 'campaign'], refs);
          variables = { ...variables, ...COUPON_VARS };
        }
        checkMessage(step[kind], flow, [...path, kind], variables, refs, used);
        break;
      }
      case 'moment': {
        const moment = step.moment as Parameters<typeof checkMoment>[0];
        const text = moment.text;
        if (text !== undefined) {
          if (typeof text === 'object' && !Array.isArray(text)) checkTemplateUse(text.template, flow, [...path, 'moment', 'text'], variables, refs, used);
          else checkTexts(text, flow, [...path, 'moment', 'text'], variables, refs);
        }
        moment.images?.forEach((image, j) => checkAsset(image, flow, [...path, 'moment', 'images', j], refs));
        if (moment.video) checkAsset(moment.video, flow, [...path, 'moment', 'video'], refs);
        for (const problem of checkMoment(moment, refs.set.templates)) {
          refs.emit(flow, [...path, 'moment', ...problem.path], 'error', 'KOC_MOMENT_LIMIT', problem.message);
        }
        if (step.mode === 'auto') {
          refs.emit(flow, [...path, 'mode'], 'warning', 'KOC_MOMENT_AUTO', 'automatic Moments are the riskiest action for account bans; prefer mode: assist unless this account is known to tolerate it');
        }
        break;
      }
      case 'issueCoupon': {
        const { campaign } = step.issueCoupon as { campaign: string };
        checkReference('campaign', campaign, flow, [...path, 'issueCoupon', 'campaign'], refs);
        variables = { ...variables, ...COUPON_VARS };
        break;
      }
      case 'assignTask':
        checkReference('task', (step.assignTask as { task: string }).task, flow, [...path, 'assignTask', 'task'], refs);
        variables = { ...variables, ...TASK_VARS }; // later steps can name the offer: {{task.number}}
        break;
      case 'notifyStaff': {
        const note = step.notifyStaff as { text: string | string[] | { template: string }; to: string };
        if (typeof note.text === 'object' && !Array.isArray(note.text)) checkTemplateUse(note.text.template, flow, [...path, 'notifyStaff', 'text'], variables, refs, used);
        else checkTexts(note.text, flow, [...path, 'notifyStaff', 'text'], variables, refs);
        if (note.to === 'referrer' && subject !== 'contact') refs.emit(flow, [...path, 'notifyStaff', 'to'], 'error', 'KOC_PLAYBOOK_STEP_SUBJECT', 'to: referrer needs a contact subject');
        if (note.to === 'staff' && subject !== 'staff') refs.emit(flow, [...path, 'notifyStaff', 'to'], 'error', 'KOC_PLAYBOOK_STEP_SUBJECT', 'to: staff needs a staff subject: a cron trigger with audience: { staff: … }');
        break;
      }
      case 'awardPoints': {
        const { to } = step.awardPoints as { to: string };
        const needs: Record<string, boolean> = {
          inviter: !('cron' in trigger) && trigger.on === 'room.joined',
          referrer: subject === 'contact',
          staff: subject === 'staff',
          owner: true,
        };
        if (!needs[to]) refs.emit(flow, [...path, 'awardPoints', 'to'], 'error', 'KOC_PLAYBOOK_STEP_SUBJECT', `to: ${to} is not known in this flow (inviter needs a room.joined trigger, referrer a contact subject, staff a staff audience)`);
        break;
      }
      default:
        break;
    }
  });
  return used;
}

function checkMessage(content: unknown, flow: Located<FlowDocument>, path: YamlPath, variables: VariableTree, refs: References, used: Set<string>): void {
  if (typeof content === 'string' || Array.isArray(content)) return checkTexts(content as string | string[], flow, path, variables, refs);
  const c = content as { text?: string | string[]; template?: string; image?: string; link?: { thumbnail?: string }; miniProgram?: { thumbnail?: string } };
  if (c.text !== undefined && c.template !== undefined) refs.emit(flow, [...path, 'template'], 'error', 'KOC_PLAYBOOK_CONFLICT', 'give text or template, not both', 'key');
  if (c.text === undefined && c.template === undefined && !c.image && !c.link && !c.miniProgram) {
    refs.emit(flow, path, 'error', 'KOC_PLAYBOOK_MISSING_KEY', 'a message needs text, template, image, link or miniProgram');
  }
  if (c.text !== undefined) checkTexts(c.text, flow, [...path, 'text'], variables, refs);
  if (c.template !== undefined) checkTemplateUse(c.template, flow, [...path, 'template'], variables, refs, used);
  if (c.image) checkAsset(c.image, flow, [...path, 'image'], refs);
  if (c.link?.thumbnail) checkAsset(c.link.thumbnail, flow, [...path, 'link', 'thumbnail'], refs);
  if (c.miniProgram?.thumbnail) checkAsset(c.miniProgram.thumbnail, flow, [...path, 'miniProgram', 'thumbnail'], refs);
}

function checkCondition(condition: Condition, at: Located<unknown>, path: YamlPath, refs: References): void {
  condition.tier?.forEach((tier, i) => checkTier(tier, at, [...path, 'tier', i], refs));
  condition.any?.forEach((inner, i) => checkCondition(inner, at, [...path, 'any', i], refs));
}

function hashFlow(flow: FlowDocument, templates: Record<string, string[]>): string {
  return createHash('sha256').update(stableJson({ flow, templates })).digest('hex');
}

/** JSON with sorted keys, so the hash does not depend on key order in the file. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
