import { documentSchemas, type DocumentKind } from '../schema/documents.ts';
import { stepKinds, stepSchemas, type StepKind } from '../schema/steps.ts';
import {
  COUPON_VARS, cronTrigger, eventNames, eventTriggers, subjectOf, trigger as triggerSchema, variablesOf, type EventName,
  type SubjectKind, type Trigger, type VariableTree,
} from '../schema/triggers.ts';
import { MOMENT_LIMITS } from '../moments.ts';
import { BUILT_IN_BLOCKS, COMPILE_OPTIONS, TEMPLATE_HELPERS } from '../templates/helpers.ts';
import { MAX_ALIASES, MAX_FILE_BYTES } from '../yamlSource.ts';
import { withoutSchemaComment } from '../schemaComment.ts';
import { DIAGNOSTIC_MEANINGS, undocumentedCodes } from './diagnosticCodes.ts';
import { BLOCK_KEY, BUILDING_BLOCKS, markedJsonSchema, type BuildingBlock, type JsonSchemaNode } from './jsonSchema.ts';
import { cell, code, KeyTable, keyTableMarkdown, type BlockWords, type KeyRow } from './keyTable.ts';
import { readSample, stepSnippets, topLevelSnippet, type SampleFile } from './yamlSnippets.ts';

/**
 * docs/playbooks.md, generated from the zod definitions of the playbook language (src/playbook/schema/), the
 * trigger variables, the Moments limits and the template helpers, so the reference cannot drift from what lint
 * checks. Pure: everything read from disk (sample playbooks, diagnostic codes, helper docs) is passed in by
 * scripts/docs/referenceInputs.ts, so the test renders exactly what the script writes.
 */
export interface ReferenceInputs {
  /** Sample playbook files, path relative to the repository (sop-playbooks/…) → text. Examples are cut from them. */
  examples: Readonly<Record<string, string>>;
  /** Every `KOC_…` code used in src/playbook. Each needs a meaning in diagnosticCodes.ts. */
  diagnosticCodes: readonly string[];
  /** The TSDoc of each template helper of TEMPLATE_HELPERS, by name. */
  helperDocs: Readonly<Record<string, string>>;
}

export function renderPlaybookReference(inputs: ReferenceInputs): string {
  const samples = Object.entries(inputs.examples)
    .sort(([a], [b]) => compare(a, b))
    .map(([path, text]) => readSample(path, withoutSchemaComment(text)));
  const parts = [
    '<!-- Generated from src/playbook/schema by scripts/docs/generate-playbook-reference.ts. Do not edit: change the zod definitions (.describe) and run `npm run docs:playbooks`. -->',
    '# Playbook reference',
    intro(),
    contents(),
    valueTypes(),
    documents(samples),
    triggers(samples),
    steps(samples),
    messages(),
    conditions(samples),
    templates(inputs.helperDocs),
    diagnostics(inputs.diagnosticCodes),
  ];
  return parts.join('\n\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// How building blocks are named in the tables.

const VALUE_TYPES = '#value-types';
/** Every building block is named here: the playbook reference explains each under Value types or its own section. */
const BLOCKS: Record<BuildingBlock, BlockWords> = {
  id: { one: 'id', many: 'ids', link: VALUE_TYPES },
  label: { one: 'label', many: 'labels', link: VALUE_TYPES },
  duration: { one: 'duration', many: 'durations', link: VALUE_TYPES },
  timeOfDay: { one: 'time of day', many: 'times of day', link: VALUE_TYPES },
  calendarDate: { one: 'date', many: 'dates', link: VALUE_TYPES },
  timeZone: { one: 'time zone', many: 'time zones', link: VALUE_TYPES },
  cronExpression: { one: 'cron schedule', many: 'cron schedules', link: VALUE_TYPES },
  glob: { one: 'name pattern', many: 'name patterns', link: VALUE_TYPES },
  templateText: { one: 'template text', many: 'template texts', link: VALUE_TYPES },
  templateRef: { one: 'template reference', many: 'template references', link: VALUE_TYPES },
  assetRef: { one: 'asset', many: 'assets', link: VALUE_TYPES },
  linkCard: { one: 'link card', many: 'link cards', link: '#link-card' },
  miniProgram: { one: 'mini-program card', many: 'mini-program cards', link: '#mini-program-card' },
  condition: { one: 'condition', many: 'conditions', link: '#conditions' },
  trigger: { one: 'trigger', many: 'triggers', link: '#triggers' },
  step: { one: 'step', many: 'steps', link: '#steps' },
  message: { one: 'message', many: 'messages', link: '#messages' },
};

/** How to write a value type, for the blocks whose definition carries no examples. */
const WRITTEN_LIKE: Partial<Record<BuildingBlock, string[]>> = {
  id: ['new-customer-7d'],
  label: ['新客', 'VIP'],
  glob: ['"sh-*"', '"车友会*"'],
  templateText: ['"{{contact.name}}您好"', '["您好！", "欢迎！"]'],
  templateRef: ['{ template: welcome }'],
  assetRef: ['spring-1', 'assets/spring-1.png'],
};

function table(schema: Parameters<typeof markedJsonSchema>[0], omit: ReadonlySet<string> = new Set()): string {
  const json = markedJsonSchema(schema);
  return keyTableMarkdown(new KeyTable(json, BLOCKS).rows().filter((row) => !omit.has(row.key)));
}

// ---------------------------------------------------------------------------------------------------------------
// Sections.

const KINDS = Object.keys(documentSchemas) as DocumentKind[];

function intro(): string {
  const kinds = KINDS.map((kind) => `| \`${kind}\`${kind === 'flow' ? ' (default)' : ''} | ${cell(documentSchemas[kind].description ?? '')} |`);
  return [
    'Playbooks are YAML files in `sop-playbooks/`: every `*.yaml` (or `*.yml`) file in it and its subfolders, in any folder layout you like (folders starting with `.` and `node_modules` are skipped). **One file holds one document**, and its `kind` says which; a file without `kind` is a flow.',
    '',
    '| kind | What it is |',
    '|---|---|',
    ...kinds,
    '',
    'All files are checked together by `kocflow lint sop-playbooks`: keys and values, references between files (a flow that names a campaign, task, tier, template or asset that does not exist), template variables, cron schedules and the WeCom limits. Every finding has a code, explained under [Diagnostics](#diagnostics), and points at `file:line:column`.',
    '',
    `Safety limits of a file: at most ${MAX_FILE_BYTES / 1024} KiB, at most ${MAX_ALIASES} aliases (\`*name\`), no YAML tags (\`!name\`), no duplicate keys, one document (no \`---\`).`,
    '',
    '**Reading the tables.** `pacing.quietHours.from` is a key inside a map; `tiers[].name` is the `name` of each item of the list `tiers`; `templates.<name>.file` is a key inside each entry of a map whose names you choose. *Required* keys of a nested map are required when you write that map. A key with a default can be left out.',
    '',
    '**Editor support.** `docs/kocflow.schema.json` is the same language as JSON Schema (`kocflow schema` prints it): with the YAML extension of VS Code (or any editor using yaml-language-server) add `"yaml.schemas": { "./docs/kocflow.schema.json": "sop-playbooks/**/*.yaml" }` to the settings, or put `# yaml-language-server: $schema=../docs/kocflow.schema.json` (path relative to the file) at the top of a playbook, as the samples and the files `kocflow init` writes do. The editor checks one file at a time; `kocflow lint` also checks across files.',
    '',
    '**Before it runs.** `kocflow explain FLOW` says what a flow does and when, for one example subject, with the pacing that applies; `kocflow preview FLOW [--contact FILE]` renders every message with sample data (the variables listed under [Templates](#templates)) and flags text over a WeCom limit and variables that would show as nothing. Both, and lint, speak Chinese with `--lang zh`.',
  ].join('\n');
}

function contents(): string {
  const entries: [string, string[]][] = [
    ['Value types', []],
    ['Documents', KINDS.map((k) => `\`${k}\``)],
    ['Triggers', triggerNames().map((n) => triggerHeading(n))],
    ['Steps', stepKinds.map((k) => `\`${k}\``)],
    ['Messages', []],
    ['Conditions', []],
    ['Templates', []],
    ['Diagnostics', []],
  ];
  const lines = ['## Contents', ''];
  for (const [section, subsections] of entries) {
    const sub = subsections.map((s) => `[${s}](#${slug(s)})`).join(' · ');
    lines.push(`- [${section}](#${slug(section)})${sub ? `: ${sub}` : ''}`);
  }
  return lines.join('\n');
}

function valueTypes(): string {
  const names = (Object.keys(BLOCKS) as BuildingBlock[]).filter((name) => BLOCKS[name].link === VALUE_TYPES);
  const lines = [
    '## Value types',
    '',
    'Besides plain text, numbers, `true`/`false`, lists (`[a, b]` or one `- item` per line) and maps (`{ key: value }` or one `key: value` per line), the tables below use these types:',
    '',
    '| Type | What to write | Examples |',
    '|---|---|---|',
  ];
  for (const name of names) {
    const json = markedJsonSchema(BUILDING_BLOCKS[name]);
    const examples = (json.examples as string[] | undefined)?.map((e) => code(e)) ?? WRITTEN_LIKE[name]?.map((e) => code(e)) ?? [];
    lines.push(`| ${BLOCKS[name].one} | ${cell(json.description ?? '')} | ${cell(examples.join(', '))} |`);
  }
  return lines.join('\n');
}

function documents(samples: SampleFile[]): string {
  const out = ['## Documents'];
  for (const kind of KINDS) {
    const schema = documentSchemas[kind];
    const rows = new KeyTable(markedJsonSchema(schema), BLOCKS).rows().map((row) =>
      row.key === 'kind' && !row.description ? { ...row, description: kindNote(kind) } : row);
    out.push(`### \`${kind}\``, schema.description ?? '', keyTableMarkdown(rows));
    const sample = bestSample(samples, kind);
    if (sample) out.push(`Example, \`${sample.path}\`:`, yamlBlock(sample.text));
  }
  return out.join('\n\n');
}

function kindNote(kind: DocumentKind): string {
  return kind === 'flow' ? 'Can be left out: a file without kind is a flow.' : `Write \`kind: ${kind}\`.`;
}

// Triggers --------------------------------------------------------------------------------------------------------

type TriggerName = 'cron' | EventName;
interface Variant {
  /** When this variant applies, e.g. "`in: room`"; '' for a trigger with one variant. */
  when: string;
  trigger: Record<string, unknown>;
}

/**
 * One sample trigger per way a trigger can set up a run (the subject and variables differ with `audience`,
 * `in` and `subject`). Typed over every event, so a new event in triggers.ts fails to compile until it is here.
 */
const TRIGGER_VARIANTS: Record<TriggerName, Variant[]> = {
  cron: [
    { when: 'no `audience`', trigger: { cron: '0 20 * * 1' } },
    { when: '`audience.contacts`', trigger: { cron: '0 20 * * 1', audience: { contacts: {} } } },
    { when: '`audience.rooms`', trigger: { cron: '0 20 * * 1', audience: { rooms: { topic: '*' } } } },
    { when: '`audience.staff`', trigger: { cron: '0 20 * * 1', audience: { staff: {} } } },
  ],
  'friend.added': [{ when: '', trigger: { on: 'friend.added' } }],
  'message.keyword': [
    { when: '`in: private`', trigger: { on: 'message.keyword', keywords: ['价格'], in: 'private' } },
    { when: '`in: room`', trigger: { on: 'message.keyword', keywords: ['价格'], in: 'room' } },
    { when: '`in: any`', trigger: { on: 'message.keyword', keywords: ['价格'], in: 'any' } },
  ],
  'room.joined': [{ when: '', trigger: { on: 'room.joined' } }],
  'room.left': [{ when: '', trigger: { on: 'room.left' } }],
  'tag.added': [{ when: '', trigger: { on: 'tag.added', tag: 'VIP' } }],
  'tag.removed': [{ when: '', trigger: { on: 'tag.removed', tag: 'VIP' } }],
  'code.sent': [{ when: '', trigger: { on: 'code.sent' } }],
  'coupon.redeemed': [{ when: '', trigger: { on: 'coupon.redeemed' } }],
  'fission.goal': [{ when: '', trigger: { on: 'fission.goal' } }],
  manual: [
    { when: '`subject: contact`', trigger: { on: 'manual', subject: 'contact' } },
    { when: '`subject: room`', trigger: { on: 'manual', subject: 'room' } },
    { when: '`subject: account`', trigger: { on: 'manual', subject: 'account' } },
  ],
};

const SUBJECT_WORDS: Record<SubjectKind, string> = {
  contact: 'the contact (customer)',
  room: 'the room (group)',
  account: 'the bot account itself',
  staff: 'each staff member',
};

function triggerNames(): TriggerName[] {
  return ['cron', ...eventNames];
}

function triggerHeading(name: TriggerName): string {
  return name === 'cron' ? '`cron`' : `\`on: ${name}\``;
}

function schemaOfTrigger(name: TriggerName) {
  return name === 'cron' ? cronTrigger : eventTriggers[name];
}

function parsedVariants(name: TriggerName): { when: string; trigger: Trigger }[] {
  return TRIGGER_VARIANTS[name].map((v) => ({ when: v.when, trigger: schemaOfTrigger(name).parse(v.trigger) as Trigger }));
}

function triggers(samples: SampleFile[]): string {
  const all = triggerNames().flatMap((name) => parsedVariants(name).map((v) => variableList(variablesOf(v.trigger))));
  const everywhere = all.reduce((common, list) => common.filter((v) => list.includes(v)));
  const out = [
    '## Triggers',
    `${triggerSchema.description ?? ''} A flow runs once per *subject* the trigger gives it: a contact, a room, a staff member or the account itself. The subject decides which steps make sense (\`say\` needs a contact, \`roomSay\` a room) and which template variables exist.`,
    `Templates of every flow can use ${everywhere.map((v) => code(v)).join(', ')}. The variables each trigger adds are listed below.`,
    ['| Trigger | Starts a run when |', '|---|---|', ...triggerNames().map((name) => `| [${triggerHeading(name)}](#${slug(triggerHeading(name))}) | ${cell(schemaOfTrigger(name).description ?? '')} |`)].join('\n'),
  ];
  for (const name of triggerNames()) {
    const schema = schemaOfTrigger(name);
    out.push(`### ${triggerHeading(name)}`, schema.description ?? '', table(schema));
    const variants = parsedVariants(name);
    const rows = variants.map((v) => {
      const added = variableList(variablesOf(v.trigger)).filter((x) => !everywhere.includes(x));
      return { when: v.when, subject: SUBJECT_WORDS[subjectOf(v.trigger)], added: added.length ? added.map((x) => code(x)).join(', ') : 'none' };
    });
    if (rows.length === 1) {
      out.push(`**Subject:** ${rows[0]!.subject}. **Template variables** (besides the ones every flow has): ${rows[0]!.added}.`);
    } else {
      out.push(['| With | Subject | Template variables (besides the ones every flow has) |', '|---|---|---|', ...rows.map((r) => `| ${r.when} | ${r.subject} | ${r.added} |`)].join('\n'));
    }
    const sample = samples.find((s) => s.kind === 'flow' && matchesTrigger(s.value.trigger, name));
    const snippet = sample && topLevelSnippet(sample.text, 'trigger');
    if (sample && snippet) out.push(`Example, from \`${sample.path}\`:`, yamlBlock(snippet));
  }
  return out.join('\n\n');
}

function matchesTrigger(value: unknown, name: TriggerName): boolean {
  if (!value || typeof value !== 'object') return false;
  return name === 'cron' ? 'cron' in value : (value as { on?: unknown }).on === name;
}

/** `account.name`, `contact.attributes.<name>`: the leaves of a variable tree. */
function variableList(tree: VariableTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, node]) => {
    const path = prefix + name;
    if (node === true) return [path];
    if (node === 'open') return [`${path}.<name>`];
    return variableList(node, `${path}.`);
  });
}

// Steps -------------------------------------------------------------------------------------------------------------

function steps(samples: SampleFile[]): string {
  const jsons = stepKinds.map((kind) => markedJsonSchema(stepSchemas[kind]));
  // Keys every step takes in the same form (when, label): explained once, above the steps.
  const shared = Object.keys(jsons[0]!.properties ?? {}).filter((key) =>
    jsons.every((json) => json.properties?.[key] !== undefined && JSON.stringify(json.properties[key]) === JSON.stringify(jsons[0]!.properties![key])));
  const sharedSet = new Set(shared);
  const sharedRows = new KeyTable(jsons[0]!, BLOCKS).rows().filter((row) => sharedSet.has(row.key.split(/[.[]/)[0]!));
  const examples = stepExamples(samples);

  const out = [
    '## Steps',
    'A flow\'s `steps` run in order, for the run\'s subject. Each step is a map with exactly one **action** key (`say`, `wait`, `tag`, …) and, where the action supports them, `mode` (`auto`: the bot does it; `assist`: the responsible staff member gets a task card and confirms with `/done N`). Every step can also have:',
    keyTableMarkdown(sharedRows),
    ['| Action | What it does |', '|---|---|', ...stepKinds.map((kind) => `| [\`${kind}\`](#${slug(`\`${kind}\``)}) | ${cell(stepSchemas[kind].description ?? '')} |`)].join('\n'),
  ];
  stepKinds.forEach((kind, i) => {
    const json = jsons[i]!;
    const rows: KeyRow[] = new KeyTable(json, BLOCKS).rows().filter((row) => !sharedSet.has(row.key.split(/[.[]/)[0]!));
    out.push(`### \`${kind}\``, stepSchemas[kind].description ?? '', keyTableMarkdown(rows));
    const coupon = couponNote(kind, json);
    if (coupon) out.push(coupon);
    if (kind === 'moment') out.push(momentLimits());
    const example = examples.get(kind);
    if (example) out.push(`Example, from \`${example.path}\`:`, yamlBlock(example.snippet));
  });
  return out.join('\n\n');
}

/** Steps that issue a coupon make the coupon's variables available (link.ts adds COUPON_VARS after them). */
function couponNote(kind: StepKind, json: JsonSchemaNode): string | undefined {
  const vars = variableList(COUPON_VARS).map((v) => code(v)).join(', ');
  if (kind === 'issueCoupon') return `The steps after it can use ${vars}.`;
  if (json.properties?.coupon) return `With \`coupon\`, this step's message and the steps after it can use ${vars}.`;
  return undefined;
}

function momentLimits(): string {
  return [
    '**WeCom limits** (checked by lint, `KOC_MOMENT_LIMIT`):',
    '',
    `- text: at most ${MOMENT_LIMITS.maxTextChars.toLocaleString('en-US')} characters, not counting the \`{{…}}\` parts (they add to it when sent, so leave room);`,
    `- images: at most ${MOMENT_LIMITS.maxImages};`,
    '- attachments: images, or one video, or one link, never mixed in one post;',
    '- a post needs text, images, a video or a link.',
    '',
    '`mode: auto` gets a warning (`KOC_MOMENT_AUTO`): automated Moments are the riskiest action for account bans.',
  ].join('\n');
}

function stepExamples(samples: SampleFile[]): Map<StepKind, { path: string; snippet: string }> {
  const found = new Map<StepKind, { path: string; snippet: string }>();
  for (const sample of samples) {
    if (sample.kind !== 'flow') continue;
    for (const { value, snippet } of stepSnippets(sample.text)) {
      const kind = stepKinds.find((k) => k in value);
      if (kind && !found.has(kind)) found.set(kind, { path: sample.path, snippet });
    }
  }
  return found;
}

// Messages, conditions, templates, diagnostics ----------------------------------------------------------------------

function messages(): string {
  const json = markedJsonSchema(BUILDING_BLOCKS.message);
  const keyTable = new KeyTable(json, BLOCKS);
  const forms: string[] = [];
  let mapRows: KeyRow[] = [];
  for (const branch of json.anyOf ?? []) {
    const resolved = keyTable.resolve(branch);
    if (resolved.properties && !resolved[BLOCK_KEY]) {
      forms.push('a map with the keys below');
      mapRows = keyTable.rows(resolved);
    } else {
      forms.push(keyTable.typeOf(resolved));
    }
  }
  return [
    '## Messages',
    `\`say\` and \`roomSay\` send a message. ${json.description ?? ''}`,
    `A message is one of: ${forms.join('; ')}.`,
    keyTableMarkdown(mapRows),
    '### Link card',
    BUILDING_BLOCKS.linkCard.description ?? '',
    table(BUILDING_BLOCKS.linkCard),
    '### Mini-program card',
    BUILDING_BLOCKS.miniProgram.description ?? '',
    table(BUILDING_BLOCKS.miniProgram),
  ].join('\n\n');
}

function conditions(samples: SampleFile[]): string {
  const out = [
    '## Conditions',
    `${BUILDING_BLOCKS.condition.description ?? ''} A condition is written as \`when\` on a step (the step is skipped unless it holds) or as \`stopWhen\` on a flow (the run ends as soon as it holds).`,
    table(BUILDING_BLOCKS.condition),
  ];
  const examples: string[] = [];
  for (const sample of samples) {
    if (sample.kind !== 'flow') continue;
    const stop = topLevelSnippet(sample.text, 'stopWhen');
    if (stop) examples.push(`# ${sample.path}\n${stop}`);
    for (const { value, snippet } of stepSnippets(sample.text)) if ('when' in value) examples.push(`# ${sample.path}\n${snippet}`);
  }
  if (examples.length) out.push('Examples from the sample playbooks:', yamlBlock(examples.slice(0, 3).join('\n\n')));
  return out.join('\n\n');
}

const BLOCK_DOCS: Record<(typeof BUILT_IN_BLOCKS)[number], string> = {
  if: '`{{#if contact.alias}}…{{else}}…{{/if}}`: the part inside shows only when the value is not empty.',
  unless: '`{{#unless contact.alias}}…{{/unless}}`: the part inside shows only when the value is empty.',
  each: '`{{#each contact.tags}}{{this}} {{/each}}`: repeats the part for every item of a list; inside, `this` is the item.',
  with: '`{{#with referrer}}{{name}}{{/with}}`: inside, the fields of the value can be written without its name.',
};

function templates(helperDocs: Readonly<Record<string, string>>): string {
  const helpers = Object.keys(TEMPLATE_HELPERS);
  const missing = helpers.filter((name) => !helperDocs[name]);
  if (missing.length) throw new Error(`template helpers without TSDoc in src/playbook/templates/helpers.ts: ${missing.join(', ')}`);
  const coupon = variableList(COUPON_VARS).map((v) => code(v)).join(', ');
  return [
    '## Templates',
    'Message texts are [Handlebars](https://handlebarsjs.com/guide/) templates: `{{contact.name}}` inserts the contact\'s name. Which variables exist depends on the flow\'s trigger (see [Triggers](#triggers)); after a step with `coupon` or an `issueCoupon` step, ' +
      `${coupon} exist too. Lint rejects a variable the flow cannot have (\`KOC_TEMPLATE_UNKNOWN_VARIABLE\`) and a helper that does not exist (\`KOC_TEMPLATE_UNKNOWN_HELPER\`).`,
    'A text can be a list of wordings; each recipient gets one of them, which makes mass messages look less automated. Long or shared wordings belong in a library file (`kind: library`) and are used with `{ template: name }`.' +
      (COMPILE_OPTIONS.noEscape ? ' Texts are sent as written: nothing is HTML-escaped (`&` stays `&`).' : ''),
    '### Helpers',
    ['| Helper | Use |', '|---|---|', ...helpers.map((name) => `| \`${name}\` | ${cell(helperDocs[name]!)} |`)].join('\n'),
    '### Blocks',
    ['| Block | Use |', '|---|---|', ...BUILT_IN_BLOCKS.map((name) => `| \`#${name}\` | ${cell(BLOCK_DOCS[name])} |`)].join('\n'),
    'Inside `#each` and `#with` lint does not check variable names (the item\'s fields are not known in advance). Partials (`{{> name}}`) are not supported: use `{ template: name }` on the step.',
  ].join('\n\n');
}

function diagnostics(codes: readonly string[]): string {
  const missing = undocumentedCodes(codes);
  if (missing.length) {
    throw new Error(`diagnostic codes without a meaning in src/playbook/reference/diagnosticCodes.ts: ${missing.join(', ')}`);
  }
  const sorted = [...new Set(codes)].sort(compare);
  return [
    '## Diagnostics',
    '`kocflow lint` prints one line per finding: `file:line:column: error CODE message` (or `warning`). Errors stop the playbooks from loading (the running version stays in place); warnings do not.',
    ['| Code | Meaning |', '|---|---|', ...sorted.map((c) => `| \`${c}\` | ${cell(DIAGNOSTIC_MEANINGS[c]!)} |`)].join('\n'),
  ].join('\n\n');
}

// Helpers -----------------------------------------------------------------------------------------------------------

/** The sample of a kind with the most top-level keys (it shows the most), ties by path. */
function bestSample(samples: SampleFile[], kind: DocumentKind): SampleFile | undefined {
  return samples
    .filter((s) => s.kind === kind)
    .sort((a, b) => Object.keys(b.value).length - Object.keys(a.value).length || compare(a.path, b.path))[0];
}

function yamlBlock(text: string): string {
  return '```yaml\n' + text.trimEnd() + '\n```';
}

/** GitHub's heading anchor. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-');
}

/** Code-point order: deterministic, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
