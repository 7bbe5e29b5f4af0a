import type { Diagnostic } from '../playbook/diagnostics.ts';
import type { Lang } from './lang.ts';

export function localizeDiagnostic(d: Diagnostic, lang: Lang): Diagnostic {
  return lang === 'en' ? d : d;
}
