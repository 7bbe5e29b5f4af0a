import type { Diagnostic } from '../playbook/diagnostics.ts';
import type { ParsedYaml } from '../playbook/yamlSource.ts';
import { allowedKeysErrorMap, isObject, reportIssues, type IssueTranslation, type Push } from '../playbook/zodIssues.ts';
import { linkConfig } from './link.ts';
import { kocflowConfigSchema, type KocflowConfig } from './schema.ts';
import { screenTokens } from './secrets.ts';

/**
 * kocflow.yaml, parsed, → a config or diagnostics: tokens screened out first (secrets.ts), then the keys and
 * values (the zod schema, with the playbooks' wording of its findings under KOC_CONFIG_ codes), then the
 * references between them (link.ts). The config is returned only when there is no error; warnings ride along.
 */
const CONFIG_ISSUES: IssueTranslation = {
  codes: {
    unknownKey: 'KOC_CONFIG_UNKNOWN_KEY',
    missingKey: 'KOC_CONFIG_MISSING_KEY',
    type: 'KOC_CONFIG_TYPE',
    invalidValue: 'KOC_CONFIG_INVALID_VALUE',
    outOfRange: 'KOC_CONFIG_OUT_OF_RANGE',
    idInvalid: 'KOC_CONFIG_ID_INVALID',
    invalid: 'KOC_CONFIG_INVALID',
  },
  reference: 'docs/config.md',
};

export interface ValidateConfigOptions {
  /** Whether a file named by the config (relative to its folder) exists; without it files are not checked. */
  fileExists?(relativePath: string): boolean;
}

export function validateConfig(source: ParsedYaml, options: ValidateConfigOptions = {}): { config?: KocflowConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const push: Push = (path, code, message, target = 'value') =>
    diagnostics.push({ file: source.file, ...source.locate(path, target), severity: 'error', code, message });

  const value = source.value;
  if (value === null || value === undefined) {
    push([], 'KOC_CONFIG_EMPTY', 'the file is empty; kocflow.yaml lists stores:, staff: and accounts: (see docs/config.md)');
    return { diagnostics };
  }
  if (!isObject(value)) {
    push([], 'KOC_CONFIG_TYPE', 'kocflow.yaml is a map of keys (stores:, staff:, accounts: …), not a list or a single value');
    return { diagnostics };
  }
  const screened = screenTokens(value, push);
  const result = kocflowConfigSchema.safeParse(screened, { error: allowedKeysErrorMap });
  if (!result.success) {
    reportIssues(result.error.issues, screened, push, CONFIG_ISSUES);
    return { diagnostics };
  }
  linkConfig(
    result.data,
    (path, code, message, severity = 'error') => diagnostics.push({ file: source.file, ...source.locate(path), severity, code, message }),
    (path) => source.locate(path).line,
  );
  if (options.fileExists) {
    result.data.staff.forEach((person, i) => {
      const qr = person.landing?.qr;
      if (qr && !options.fileExists!(qr)) {
        diagnostics.push({
          file: source.file, ...source.locate(['staff', i, 'landing', 'qr']), severity: 'error', code: 'KOC_CONFIG_FILE_MISSING',
          message: `"${qr}" does not exist (paths are relative to this file's folder); save ${person.name}'s add-me QR code there or remove landing.qr`,
        });
      }
    });
  }
  return diagnostics.some((d) => d.severity === 'error') ? { diagnostics } : { config: result.data, diagnostics };
}
