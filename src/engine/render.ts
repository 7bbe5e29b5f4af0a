import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import { COMPILE_OPTIONS, RUNTIME_OPTIONS, createTemplateEnvironment } from '../playbook/templates/helpers.ts';

/**
 * Renders playbook templates. Templates come only from playbook files (never from customer input); the
 * environment has prototype access locked. Compiled templates are cached by text.
 */
const env = createTemplateEnvironment();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(text: string, vars: Record<string, unknown>, timeZone: string): string {
  let template = compiled.get(text);
  if (!template) {
    template = env.compile(text, COMPILE_OPTIONS);
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(text, template);
  }
  return template(vars, { ...RUNTIME_OPTIONS, data: { timeZone } }).trim();
}

/**
 * Picks one of several wordings for a recipient: stable for the same recipient and step (a retried step sends the
 * same words), spread across recipients (varied wording lowers ban risk).
 */
export function pickVariant(variants: readonly string[], seed: string): string {
  if (variants.length === 1) return variants[0]!;
  const n = createHash('sha256').update(seed).digest().readUInt32BE(0);
  return variants[n % variants.length]!;
}
