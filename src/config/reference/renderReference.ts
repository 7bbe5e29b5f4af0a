import { DEFAULT_PACING } from '../../engine/pacing/settings.ts';
import { markedJsonSchema } from '../../playbook/reference/jsonSchema.ts';
import { cell, KeyTable, keyTableMarkdown, type BlockNames, type KeyRow } from '../../playbook/reference/keyTable.ts';
import { undocumentedCodes } from '../../playbook/reference/diagnosticCodes.ts';
import { DEFAULT_CONFIG_FILE, kocflowConfigSchema } from '../schema.ts';
import { CONFIG_DIAGNOSTIC_MEANINGS, SHARED_DIAGNOSTIC_CODES } from './diagnosticCodes.ts';

/**
 * docs/config.md, generated from the zod definition of kocflow.yaml (src/config/schema.ts) so the reference says
 * exactly what the loader checks. Pure: the example file and the codes used in src/config are passed in by
 * scripts/docs/referenceInputs.ts.
 */
export interface ConfigReferenceInputs {
  /** The kocflow.yaml at the repository root, shown whole as the example. */
  example: string;
  /** Every `KOC_…` code used in src/config. Each needs a meaning in reference/diagnosticCodes.ts. */
  diagnosticCodes: readonly string[];
}

const VALUE_TYPES = 'playbooks.md#value-types';
const BLOCKS: BlockNames = {
  id: { one: 'id', many: 'ids', link: VALUE_TYPES },
  label: { one: 'label', many: 'labels', link: VALUE_TYPES },
  timeZone: { one: 'time zone', many: 'time zones', link: VALUE_TYPES },
  calendarDate: { one: 'date', many: 'dates', link: VALUE_TYPES },
};

export function renderConfigReference(inputs: ConfigReferenceInputs): string {
  const rows = new KeyTable(markedJsonSchema(kocflowConfigSchema), BLOCKS).rows();
  const under = (prefix: string) => rows.filter((row) => row.key.startsWith(prefix));
  const lists = ['stores[]', 'staff[]', 'accounts[]'];
  const topLevel = rows.filter((row) => !lists.some((list) => row.key.startsWith(list)));
  const pacing = under('accounts[].pacing.');
  const accounts = under('accounts[].').filter((row) => !pacing.includes(row));
  return [
    '<!-- Generated from src/config/schema.ts by scripts/docs/generate-playbook-reference.ts. Do not edit: change the zod definitions (.describe) and run `npm run docs:playbooks`. -->',
    `# Configuration reference: ${DEFAULT_CONFIG_FILE}`,
    intro(),
    contents(),
    '## Top level',
    table(topLevel),
    '## Stores',
    'Each item of `stores`:',
    table(under('stores[].')),
    '## Staff',
    'Each item of `staff`: a person. Guides and ambassadors are the KOC program\'s people; ops members can command bots and own accounts, and take no part in the program.',
    table(under('staff[].')),
    '## Accounts',
    'Each item of `accounts`: one WeCom identity kocflow runs a bot for.',
    table(accounts),
    puppets(),
    pacingSection(pacing),
    store(),
    example(inputs.example),
    diagnostics(inputs.diagnosticCodes),
  ].join('\n\n') + '\n';
}

function table(rows: KeyRow[]): string {
  return keyTableMarkdown(rows);
}

function intro(): string {
  return [
    `\`${DEFAULT_CONFIG_FILE}\` lists the brand's stores, its people (guides, ambassadors, ops) and the bot accounts kocflow runs, each with its role, store, time zone, puppet, token variable, pacing and who may command it. kocflow reads it from the working directory; without one it uses a built-in demo: two guide accounts in two stores and an ambassador's account, on the mock puppet. (Status: \`kocflow lint\` checks the file today; \`kocflow start\` runs it when the bots land, issue #6.) The \`${DEFAULT_CONFIG_FILE}\` at the repository root is that demo as a file, with every key commented in Chinese and English ([Example](#example)).`,
    '',
    '`kocflow lint` checks it with the playbooks (`--config FILE` names another file, `--no-config` skips it): keys and values, references between its lists (an account\'s store, owner and commanders must be listed), unique ids and token variables, and that no token is written in it. Each finding points at `file:line:column` and has a code, explained under [Diagnostics](#diagnostics). It also checks the account ids playbooks name (`accounts: { ids: [...] }`) against this file.',
    '',
    '**Tokens never sit in this file.** An account names the environment variable that holds its puppet-service token (`tokenEnv`); kocflow reads the variable when it starts the bot and never prints or logs the token. A value that looks like a token instead of a variable name is an error, reported without repeating the value.',
    '',
    '**Editor support.** `docs/kocflow.config.schema.json` is this file\'s language as JSON Schema: with the YAML extension of VS Code (or any editor using yaml-language-server) the first line of the sample, `# yaml-language-server: $schema=docs/kocflow.config.schema.json`, turns on completion and checks.',
  ].join('\n');
}

function contents(): string {
  const entries = ['Top level', 'Stores', 'Staff', 'Accounts', 'Puppets and tokens', 'Pacing', 'What kocflow does with it', 'Example', 'Diagnostics'];
  return ['## Contents', '', ...entries.map((e) => `- [${e}](#${slug(e)})`)].join('\n');
}

function puppets(): string {
  return [
    '### Puppets and tokens',
    'The puppet is how a bot reaches WeChat: `mock` is a simulated WeChat inside kocflow (demos, tests, trying playbooks), `service` is wechaty-puppet-service, which connects to a WeCom gateway with the account\'s token. What runs, by `puppet` and the variable named by `tokenEnv`:',
    [
      '| `puppet` | variable set (not empty) | variable unset or empty |',
      '|---|---|---|',
      '| `auto` (default) | puppet-service | mock |',
      '| `mock` | mock | mock |',
      '| `service` | puppet-service | the account does not start: `KOC_PUPPET_TOKEN_MISSING` |',
    ].join('\n'),
    '`endpoint` connects to a self-hosted gateway directly (`host:port`, or `{ host, port, tls: true }`) instead of looking the token up with the token discovery service. Two accounts cannot share a `tokenEnv`: one token is one WeCom login.',
  ].join('\n\n');
}

function pacingSection(rows: KeyRow[]): string {
  const quiet = DEFAULT_PACING.quietHours;
  return [
    '### Pacing',
    `How fast and when an account sends. Puppet accounts get banned for bursts and customers must not be messaged at night, so the defaults are conservative: ${DEFAULT_PACING.maxPerMinute} sends a minute, ${DEFAULT_PACING.perContactPerDay} proactive message per customer per day${quiet ? `, nothing between ${quiet.from} and ${quiet.to}` : ''}, and a new account ramps up over ${DEFAULT_PACING.rampUpDays} days from \`activeSince\`. \`pacing\` on an account overrides single keys; the others keep the defaults below. A playbook can tighten pacing for its own sends, never loosen it.`,
    table(rows),
  ].join('\n\n');
}

function store(): string {
  return [
    '## What kocflow does with it',
    [
      'Before it runs the bots, kocflow writes the file into its store, so contacts, runs, coupons and points can point at its stores, people and accounts. Writing the same file again changes nothing; with a changed file:',
      '',
      '- a store is created or renamed; a store removed from the file stays in the store (redemptions point at it);',
      '- an account is created or updated; an account removed from the file is marked `disabled` and comes back `active` when it returns. Its id keys its history: renaming an account starts a new one;',
      '- a guide or ambassador is created or updated by WeCom user id, and linked to the account they own; someone removed from the file is marked as left (their history stays) and their account unlinked. `tier` is the tier a new KOC starts in; after that the tiers evaluation moves them;',
      '- ops members are not written to the store: the staff there are the KOC program\'s people, who receive the tasks and notes playbooks send to staff. Who may command a bot is read from the file.',
      '',
      '`activeSince` counts from the day the account was first written to the store unless the file sets it.',
    ].join('\n'),
  ].join('\n\n');
}

function example(text: string): string {
  return [
    '## Example',
    `The \`${DEFAULT_CONFIG_FILE}\` at the repository root:`,
    '```yaml\n' + text.trimEnd() + '\n```',
  ].join('\n\n');
}

function diagnostics(codes: readonly string[]): string {
  const missing = undocumentedCodes(codes, CONFIG_DIAGNOSTIC_MEANINGS);
  if (missing.length) throw new Error(`codes without a meaning in src/config/reference/diagnosticCodes.ts: ${missing.join(', ')}`);
  const sorted = [...new Set(codes)].sort(compare);
  const shared = SHARED_DIAGNOSTIC_CODES.map((c) => `\`${c}\``).join(', ');
  return [
    '## Diagnostics',
    '`kocflow lint` prints one line per finding: `file:line:column: error CODE message` (or `warning`). With an error, kocflow does not use the file; warnings do not stop it.',
    ['| Code | Meaning |', '|---|---|', ...sorted.map((c) => `| \`${c}\` | ${cell(CONFIG_DIAGNOSTIC_MEANINGS[c]!)} |`)].join('\n'),
    `The file is read by the same YAML reader as the playbooks and checks time zones and dates the same way, so these codes of the [playbook reference](playbooks.md#diagnostics) apply too: ${shared}.`,
  ].join('\n\n');
}

/** GitHub's heading anchor. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-');
}

/** Code-point order: deterministic, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
