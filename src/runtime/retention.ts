import type { Logger } from '../shared/logger.ts';
import { nextPurgeAt, purgeInteractions } from '../store/privacy.ts';
import type { PrismaClient } from '../store/types.ts';
import type { DueWork } from './dueWork.ts';

/**
 * The `retention` setting at work: interactions older than `interactionsDays` are deleted as they age past it
 * (PIPL: keep interactions only as long as configured). Due when the oldest interaction crosses the cutoff; a
 * restart loses nothing, the next tick purges what aged meanwhile. Each purge writes an audit row.
 */
export class RetentionWork implements DueWork {
  readonly name = 'retention';
  readonly #prisma: PrismaClient;
  readonly #days: number;
  readonly #logger: Logger;

  constructor(options: { prisma: PrismaClient; interactionsDays: number; logger: Logger }) {
    this.#prisma = options.prisma;
    this.#days = options.interactionsDays;
    this.#logger = options.logger;
  }

  async runDue(now: Date): Promise<number> {
    const result = await purgeInteractions(this.#prisma, { days: this.#days, now, actor: 'system' });
    if (result.interactions > 0) this.#logger.info({ deleted: result.interactions, days: this.#days }, 'old interactions purged (retention)');
    return result.interactions;
  }

  nextDueAt(): Promise<Date | null> {
    return nextPurgeAt(this.#prisma, this.#days);
  }
}
