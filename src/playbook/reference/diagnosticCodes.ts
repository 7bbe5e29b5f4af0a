import { MAX_ALIASES, MAX_FILE_BYTES } from '../yamlSource.ts';

/**
 * What each diagnostic code means, in one line an ops person can act on. The Diagnostics section of
 * docs/playbooks.md is generated from this table, and tests/playbook/reference.test.ts fails when a `KOC_…` code
 * used in src/playbook has no entry here (or an entry names a code nothing uses any more).
 * "Warning:" marks the codes lint reports as warnings; the others stop the playbooks from loading.
 */
export const DIAGNOSTIC_MEANINGS: Readonly<Record<string, string>> = {
  KOC_CRON_INVALID: 'A cron schedule is not a valid 5-field expression; the message names the field that is wrong.',
  KOC_REWARD_PAID_TWICE: 'Warning: a flow step pays the referrer or inviter points that its campaign already pays by itself (`referrerReward`, `fission.pointsPerInvite`); remove the step or set the campaign\'s amount to 0.',
  KOC_CRON_OVERLAP: 'Warning: two scheduled flows can message the same people within an hour of each other; move one schedule or split the audience.',
  KOC_DATE_INVALID: 'A date is not written YYYY-MM-DD, does not exist (2026-04-31), or a campaign ends before it starts.',
  KOC_DURATION_INVALID: 'A duration is not a number with a unit w, d, h, m or s (write 3d, 2h30m, 90s).',
  KOC_FILE_TOO_LARGE: `A playbook file is larger than ${MAX_FILE_BYTES / 1024} KiB; split it or move long texts into a library file.`,
  KOC_MOMENT_AUTO: 'Warning: a Moments step uses mode: auto; automated posting is the riskiest action for account bans.',
  KOC_MOMENT_LIMIT: 'A Moments post breaks a WeCom limit: text too long, too many images, or images, video and link mixed.',
  KOC_PLAYBOOKS_INVALID: 'kocflow did not start (or reload) because the playbooks have errors; `kocflow lint` lists them.',
  KOC_PLAYBOOKS_NOT_FOUND: 'The playbook folder given does not exist.',
  KOC_PLAYBOOK_AUDIENCE: 'A scheduled flow names more than one audience (contacts, rooms, staff); make one flow per audience.',
  KOC_PLAYBOOK_CONFLICT: 'Two keys that exclude each other are both given, e.g. text and template in one message.',
  KOC_PLAYBOOK_DUPLICATE_ASSET: 'Two library files define an asset with the same name.',
  KOC_PLAYBOOK_DUPLICATE_ID: 'Two files use the same id; ids are unique across all playbook files.',
  KOC_PLAYBOOK_DUPLICATE_TEMPLATE: 'Two library files define a template with the same name.',
  KOC_PLAYBOOK_DUPLICATE_TIER: 'The tiers file lists the same tier name twice.',
  KOC_PLAYBOOK_DUPLICATE_TIERS: 'There is more than one tiers file; the KOC program has one ladder.',
  KOC_PLAYBOOK_EMPTY: 'The file is empty.',
  KOC_PLAYBOOK_FILE_MISSING: 'A template file or asset file named in a playbook does not exist (paths are relative to the playbook folder).',
  KOC_PLAYBOOK_ID_INVALID: 'An id uses characters other than lower-case letters, digits and "-", or is longer than 64 characters.',
  KOC_PLAYBOOK_INVALID: 'A value does not fit its key (the general code for checks without a more specific one).',
  KOC_PLAYBOOK_INVALID_VALUE: 'A value is not one of the allowed choices; the message lists them.',
  KOC_PLAYBOOK_MISSING_KEY: 'A required key is missing, or neither of two alternatives is given (e.g. a coupon needs validDays or validUntil).',
  KOC_PLAYBOOK_OUT_OF_RANGE: 'A number, text or list is too small or too large for its key.',
  KOC_PLAYBOOK_STEP_ACTION: 'A step has no action key (say, wait, tag, …) or more than one.',
  KOC_PLAYBOOK_STEP_SUBJECT: 'A step acts on something the flow\'s trigger does not give it, e.g. roomSay in a contact flow.',
  KOC_PLAYBOOK_TIER_ORDER: 'Tiers are not listed from the lowest to the highest minPoints.',
  KOC_PLAYBOOK_TRIGGER: 'A trigger has neither on: nor cron:, or names an event that does not exist.',
  KOC_PLAYBOOK_TYPE: 'A value has the wrong type (e.g. text where a list is expected), or the file is not a map of keys.',
  KOC_PLAYBOOK_UNKNOWN_KEY: 'A key that does not exist in this place; usually a typo, and the message suggests the key meant.',
  KOC_PLAYBOOK_UNKNOWN_KIND: 'kind is not one of flow, campaign, tiers, task, library.',
  KOC_PLAYBOOK_NO_FISSION: 'A `fission.goal` flow names a campaign without a `fission:` section, so the goal can never be reached.',
  KOC_PLAYBOOK_UNKNOWN_REF: 'A campaign, task, tier, template, asset or account is referenced but not defined.',
  KOC_REGEX_INVALID: 'The regex of a message.keyword trigger is not a valid regular expression.',
  KOC_TEMPLATE_SYNTAX: 'A template has a syntax error (e.g. a {{ without }}), or uses partials ({{> name}}).',
  KOC_TEMPLATE_UNKNOWN_HELPER: 'A template calls a helper that does not exist; the helpers are listed under Templates.',
  KOC_TEMPLATE_UNKNOWN_VARIABLE: 'A template uses a variable the flow\'s trigger (or an earlier coupon step) does not provide.',
  KOC_TIMEZONE_INVALID: 'Not an IANA time zone; write e.g. Asia/Shanghai.',
  KOC_TIME_INVALID: 'A time of day is not HH:MM (24-hour clock).',
  KOC_YAML_ALIAS_LIMIT: `More than ${MAX_ALIASES} aliases (*name) in one file, or aliases that expand too far.`,
  KOC_YAML_CUSTOM_TAG: 'A YAML tag (!name) is used; playbooks hold plain values only.',
  KOC_YAML_DUPLICATE_KEY: 'The same key appears twice in one map.',
  KOC_YAML_SYNTAX: 'The file is not valid YAML, or holds more than one document (---).',
  KOC_YAML_WARNING: 'Warning: the YAML parser read the file but found something that is probably a mistake.',
};

/** Codes used in the code base that have no meaning in `meanings` (by default the table above). */
export function undocumentedCodes(codes: Iterable<string>, meanings: Readonly<Record<string, string>> = DIAGNOSTIC_MEANINGS): string[] {
  return [...new Set(codes)].filter((code) => !Object.hasOwn(meanings, code)).sort();
}

/** Meanings in `meanings` (by default the table above) for codes the code base no longer uses. */
export function staleMeanings(codes: Iterable<string>, meanings: Readonly<Record<string, string>> = DIAGNOSTIC_MEANINGS): string[] {
  const used = new Set(codes);
  return Object.keys(meanings).filter((code) => !used.has(code)).sort();
}
