/**
 * Flow runs. A run is unique per (flow, subject kind, subject id, occurrence key): a trigger that fires twice, in one
 * process or in several, starts one run, and the second caller gets the first one back.
 */
import type { NewRun, RunRecord, RunState, RunStatus } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import { Prisma } from '../generated/client.ts';
import type { FlowRunModel } from '../generated/models.ts';
import { accountUnknown, explainForeignKey, json, type EngineStoreContext, fromJsonColumn, type StoreScope } from './context.ts';
import type { VersionsPart } from './versions.ts';

const ACTIVE: RunStatus[] = ['running', 'waiting'];
/** Several processes: a `running` run untouched this long was left by a process that died mid-step. */
export const STALE_RUNNING_MS = 60_000;
const FINISHED = new Set<RunStatus>(['done', 'stopped', 'failed']);

export function runsPart({ prisma, sql, logger, scope }: EngineStoreContext, versions: VersionsPart) {
  async function toRecords(rows: FlowRunModel[]): Promise<RunRecord[]> {
    const hashes = await versions.hashesOf(rows.map((r) => r.playbookVersionId));
    return rows.map((row) => toRecord(row, hashes.get(row.playbookVersionId) ?? ''));
  }

  return {
    /** Inserts the run, or returns the existing one for the same key with created=false (ON CONFLICT DO NOTHING). */
    async startRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
      const playbookVersionId = await versions.idOf(run.flowId, run.versionHash);
      const [inserted] = await explainForeignKey(
        prisma.flowRun.createManyAndReturn({
          data: [
            {
              flowId: run.flowId,
              playbookVersionId,
              accountId: run.accountId,
              subjectKind: run.subjectKind,
              subjectId: run.subjectId,
              occurrenceKey: run.occurrenceKey,
              status: 'running',
              stepIndex: 0,
              wakeAt: null,
              state: json(run.state),
              startedAt: run.startedAt,
              updatedAt: run.startedAt,
            },
          ],
          skipDuplicates: true,
        }),
        (cause) => accountUnknown(run.accountId, cause),
      );
      if (inserted) return { run: toRecord(inserted, run.versionHash), created: true };
      const existing = await prisma.flowRun.findUnique({
        where: {
          flowId_subjectKind_subjectId_occurrenceKey: {
            flowId: run.flowId,
            subjectKind: run.subjectKind,
            subjectId: run.subjectId,
            occurrenceKey: run.occurrenceKey,
          },
        },
      });
      if (!existing) {
        // Only if the conflicting run was deleted between our insert and our read.
        throw new KocError('KOC_RUN_CONFLICT', `run of flow ${run.flowId} for ${run.subjectKind} ${run.subjectId} conflicted but is gone`, {
          retryable: true,
          details: { flowId: run.flowId, subjectKind: run.subjectKind, subjectId: run.subjectId, occurrenceKey: run.occurrenceKey },
        });
      }
      const [record] = await toRecords([existing]);
      return { run: record!, created: false };
    },

    /** Runs to advance: running ones, and waiting ones whose wakeAt has come; wakeAt (nulls first), then id. */
    async dueRuns(now: Date, limit: number): Promise<RunRecord[]> {
      return (await sql.query<DueRunRow>(dueRunsQuery(now, limit, scope))).map(dueRunRecord);
    },

    /**
     * Writes the run's progress. A finished run (done, stopped, failed) is final: a save that arrives after it
     * finished — a stale copy in another worker — changes nothing and is logged. The version is never changed.
     */
    async saveRun(run: RunRecord, at: Date): Promise<void> {
      // Raw rather than updateMany: every advance saves its run, and the model query cost twice the statement.
      const count = await sql.execute(Prisma.sql`
        UPDATE flow_runs
           SET status = ${run.status}::text::"FlowRunStatus", step_index = ${run.stepIndex}::int, wake_at = ${run.wakeAt}::timestamptz,
               state = ${JSON.stringify(run.state)}::jsonb, stop_reason = ${run.stopReason}::text, updated_at = ${at}::timestamptz,
               finished_at = ${FINISHED.has(run.status) ? at : null}::timestamptz
         WHERE id = ${run.id}::text AND status IN ('running', 'waiting')`);
      if (count === 1) return;
      const current = await prisma.flowRun.findUnique({ where: { id: run.id }, select: { status: true } });
      if (!current) {
        throw new KocError('KOC_RUN_UNKNOWN', `run ${run.id} is not in the store`, { details: { runId: run.id } });
      }
      logger.warn({ run: run.id, flow: run.flowId, status: current.status, wanted: run.status }, 'save of a finished run ignored');
    },

    async activeRunsOfFlow(flowId: string): Promise<RunRecord[]> {
      const rows = await prisma.flowRun.findMany({ where: { flowId, status: { in: ACTIVE } }, orderBy: { id: 'asc' } });
      return toRecords(rows);
    },
  };
}

function toRecord(row: FlowRunModel, versionHash: string): RunRecord {
  return {
    id: row.id,
    flowId: row.flowId,
    versionHash,
    accountId: row.accountId,
    subjectKind: row.subjectKind,
    subjectId: row.subjectId,
    occurrenceKey: row.occurrenceKey,
    status: row.status,
    stepIndex: row.stepIndex,
    wakeAt: row.wakeAt,
    state: row.state as unknown as RunState,
    stopReason: row.stopReason,
  };
}

/**
 * The due runs as one query, with each run's version hash joined in (dueRuns, and dueWork's runs). Two index range
 * scans on (status, wake_at) — running runs, waiting runs woken by `now` — each limited before they are merged: one
 * `status = 'running' OR (…)` condition made PGlite, which has no statistics to plan with, scan and sort the whole
 * table once it held a month of finished runs.
 */
export function dueRunsQuery(now: Date, limit: number, scope?: StoreScope): Prisma.Sql {
  // Several processes: a run is `running` while the process that started it (on an event) advances it; another
  // process takes it only once it has not moved for a while (that process died mid-step).
  const stale = scope ? Prisma.sql`AND r.updated_at <= ${new Date(now.getTime() - STALE_RUNNING_MS)}::timestamptz` : Prisma.empty;
  const columns = Prisma.sql`r.id, r.flow_id, v.content_hash AS version_hash, r.account_id, r.subject_kind::text AS subject_kind, r.subject_id,
                             r.occurrence_key, r.status::text AS status, r.step_index, r.wake_at, r.state, r.stop_reason`;
  return Prisma.sql`
    SELECT * FROM (
      (SELECT ${columns} FROM flow_runs r JOIN playbook_versions v ON v.id = r.playbook_version_id
        WHERE r.status = 'running' ${stale} ORDER BY r.id LIMIT ${limit}::int)
      UNION ALL
      (SELECT ${columns} FROM flow_runs r JOIN playbook_versions v ON v.id = r.playbook_version_id
        WHERE r.status = 'waiting' AND r.wake_at <= ${now}::timestamptz ORDER BY r.wake_at, r.id LIMIT ${limit}::int)
    ) due
    ORDER BY due.wake_at ASC NULLS FIRST, due.id
    LIMIT ${limit}::int`;
}

/** A row of dueRunsQuery, typed by the driver or read back from JSON (dueWork): instants may be strings. */
export interface DueRunRow {
  id: string;
  flow_id: string;
  version_hash: string;
  account_id: string;
  subject_kind: RunRecord['subjectKind'];
  subject_id: string;
  occurrence_key: string;
  status: RunStatus;
  step_index: number;
  wake_at: Date | string | null;
  state: unknown;
  stop_reason: string | null;
}

export function dueRunRecord(row: DueRunRow): RunRecord {
  const state = fromJsonColumn(row.state);
  return {
    id: row.id,
    flowId: row.flow_id,
    versionHash: row.version_hash,
    accountId: row.account_id,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    occurrenceKey: row.occurrence_key,
    status: row.status,
    stepIndex: Number(row.step_index),
    wakeAt: row.wake_at === null ? null : new Date(row.wake_at),
    state: state as RunState,
    stopReason: row.stop_reason,
  };
}
