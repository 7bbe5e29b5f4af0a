/**
 * The engine's store port (src/engine/ports.ts `EngineStore`) implemented with Prisma, identical on the embedded
 * store (PGlite) and PostgreSQL. One module per concern under ./engine/:
 *   versions      recordVersion, loadVersion (+ the versionHash ↔ playbook_versions row mapping runs use)
 *   subjects      contacts, rooms, staff (also by WeCom user id: room inviters), tags, opt-out
 *   runs          startRun, dueRuns, saveRun, activeRunsOfFlow
 *   outbox        enqueue, dueOutbox, dueForDispatch, claim, settleMany (outboxSettle), markInterruptedInDoubt,
 *                 the stale-dispatcher rule; markSending and settle are their one-row forms
 *   pacing        pacingSnapshot (counts and back-off for a dispatch batch), setAccountBackoff, endBackoffStreak
 *   schedules     cron schedules
 *   interactions  logInteraction
 *   staffActions  confirmAssist, markAssistReminded, releaseDeferred (what staff do from chat)
 *   due           nextDueAt, dueWork (across runs, outbox, schedules and assist reminders: what a tick and the fake
 *                 clock ask)
 *
 * Time: every instant the engine passes is stored as given (createdAt/updatedAt/startedAt/claimedAt/sentAt…);
 * nothing the engine controls comes from the database's now(). Rows the engine gives no instant for (playbook
 * versions, schedules' updated_at) keep their defaults.
 *
 * SQL written here (every statement that is not a Prisma model query) runs through Prisma, or directly on the
 * driver when `driver` is given (./engine/sql.ts); the engine store tests run both ways.
 *
 * PGlite has one connection: no method awaits a query outside the transaction it runs in, and batch writes are one
 * statement (enqueue, claim, settleMany, setTags) or one batch transaction.
 */
import type { EngineStore } from '../engine/ports.ts';
import { silentLogger, type Logger } from '../shared/logger.ts';
import type { PrismaClient } from './generated/client.ts';
import type { EngineStoreContext, StoreScope } from './engine/context.ts';
import { duePart } from './engine/due.ts';
import { interactionsPart } from './engine/interactions.ts';
import { outboxPart } from './engine/outbox.ts';
import { pacingPart } from './engine/pacing.ts';
import { runsPart } from './engine/runs.ts';
import { schedulesPart } from './engine/schedules.ts';
import { staffActionsPart } from './engine/staffActions.ts';
import { driverSql, prismaSql, type SqlDriver } from './engine/sql.ts';
import { subjectsPart } from './engine/subjects.ts';
import { versionsPart } from './engine/versions.ts';

export interface EngineStoreOptions {
  logger?: Logger;
  /** Written to outbox.claimed_by when this process claims an entry (e.g. `host:pid`), for ops. */
  claimedBy?: string;
  /**
   * The database under `prisma` (an openStore Store is one): the engine store then runs its own SQL on it directly,
   * ~0.3 ms a statement faster than through Prisma (./engine/sql.ts). Without it, everything goes through Prisma.
   */
  driver?: SqlDriver;
  /** Several processes on PostgreSQL: what this process may dispatch (./engine/context.ts, docs/scaling.md). */
  scope?: StoreScope;
}

export function createEngineStore(prisma: PrismaClient, options: EngineStoreOptions = {}): EngineStore {
  const context: EngineStoreContext = {
    prisma,
    sql: options.driver ? driverSql(options.driver) : prismaSql(prisma),
    logger: options.logger ?? silentLogger(),
    claimedBy: options.claimedBy ?? null,
    scope: options.scope,
  };
  const versions = versionsPart(context);
  return {
    recordVersion: versions.recordVersion,
    loadVersion: versions.loadVersion,
    ...subjectsPart(context),
    ...runsPart(context, versions),
    ...outboxPart(context),
    ...pacingPart(context),
    ...schedulesPart(context),
    ...interactionsPart(context),
    ...staffActionsPart(context),
    ...duePart(context),
  };
}
