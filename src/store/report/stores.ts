/**
 * `--store`: a store id, or a pattern as playbooks write them (`sh-*`: `*` any run of characters, `?` one), matched
 * against the stores the store knows (synchronised from kocflow.yaml). The stores table is small (a brand's shops),
 * so matching happens here and the queries get the list.
 */
import { globToRegExp } from '../../playbook/glob.ts';
import { closest } from '../../playbook/suggest.ts';
import { KocError } from '../../shared/errors.ts';
import type { PrismaClient } from '../generated/client.ts';

export interface MatchedStores {
  /** The matching store ids, sorted. */
  ids: string[];
  /** Every store id the store knows, sorted (for messages). */
  known: string[];
}

/**
 * The ids matching `pattern`. KOC_REPORT_STORE_UNKNOWN (a usage error) when none does: a typo should not look like
 * a quiet week.
 */
export async function matchStores(prisma: PrismaClient, pattern: string): Promise<MatchedStores> {
  const known = (await prisma.store.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
  const regex = globToRegExp(pattern);
  const ids = known.filter((id) => regex.test(id));
  if (ids.length === 0) {
    const near = /[*?]/.test(pattern) ? undefined : closest(pattern, known);
    throw new KocError('KOC_REPORT_STORE_UNKNOWN', `no store matches --store "${pattern}"${near ? ` (did you mean "${near}"?)` : ''}`, {
      hint: known.length > 0
        ? `stores in this store: ${known.join(', ')}; a pattern like "sh-*" selects several`
        : 'the store has no stores yet: kocflow start writes them from kocflow.yaml',
      details: { pattern },
    });
  }
  return { ids, known };
}
