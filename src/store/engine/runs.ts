/**
 * Flow runs. A run is unique per (flow, subject kind, subject id, occurrence key): a trigger that fires twice, in one
 * process or in several, starts one run, and the second caller gets the first one back.
 */
import type { NewRun, RunRecord, RunState, RunStatus } from '../../engine/ports.ts';
import { KocError } from '../../shared/errors.ts';
import type { FlowRunModel } from '../generated/models.ts';
import { accountUnknown, explainForeignKey, json, type EngineStoreContext } from './context.ts';
import type { VersionsPart } from './versions.ts';

const ACTIVE: RunStatus[] = ['running', 'waiting'];
const FINISHED = new Set<RunStatus>(['done', 'stopped', 'failed']);

export function runsPart({ prisma, logger }: EngineStoreContext, versions: VersionsPart) {
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
      const rows = await prisma.flowRun.findMany({
        where: { OR: [{ status: 'running' }, { status: 'waiting', wakeAt: { lte: now } }] },
        orderBy: [{ wakeAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
        take: limit,
      });
      return toRecords(rows);
    },

    /**
     * Writes the run's progress. A finished run (done, stopped, failed) is final: a save that arrives after it
     * finished — a stale copy in another worker — changes nothing and is logged. The version is never changed.
     */
    async saveRun(run: RunRecord, at: Date): Promise<void> {
      const { count } = await prisma.flowRun.updateMany({
        where: { id: run.id, status: { in: ACTIVE } },
        data: {
          status: run.status,
          stepIndex: run.stepIndex,
          wakeAt: run.wakeAt,
          state: json(run.state),
          stopReason: run.stopReason,
          updatedAt: at,
          finishedAt: FINISHED.has(run.status) ? at : null,
        },
      });
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
