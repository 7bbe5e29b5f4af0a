/**
 * Playbook versions for the engine: a run names its version by content hash (RunRecord.versionHash), the table
 * links it by row id (flow_runs.playbook_version_id → playbook_versions). Versions are immutable and content
 * addressed, so the id ↔ hash mapping is cached for the life of the store object.
 */
import { KocError } from '../../shared/errors.ts';
import { playbookVersionsRepository } from '../repositories/playbookVersions.ts';
import { json, type EngineStoreContext } from './context.ts';

export function versionsPart({ prisma }: EngineStoreContext) {
  const repo = playbookVersionsRepository(prisma);
  const idByKey = new Map<string, string>();
  const hashById = new Map<string, string>();
  const keyOf = (flowId: string, hash: string) => `${flowId}\u0000${hash}`;
  const remember = (v: { id: string; flowId: string; contentHash: string }) => {
    idByKey.set(keyOf(v.flowId, v.contentHash), v.id);
    hashById.set(v.id, v.contentHash);
  };

  return {
    async recordVersion(flowId: string, hash: string, sourcePath: string, definition: unknown): Promise<void> {
      const { version } = await repo.record({ flowId, contentHash: hash, sourcePath, definition: json(definition) });
      remember(version);
    },

    async loadVersion(flowId: string, hash: string): Promise<unknown> {
      const version = await repo.getByHash(flowId, hash);
      if (!version) return undefined;
      remember(version);
      return version.definition;
    },

    /** The row id of a recorded version; KOC_PLAYBOOK_VERSION_UNKNOWN when recordVersion was never called for it. */
    async idOf(flowId: string, hash: string): Promise<string> {
      const cached = idByKey.get(keyOf(flowId, hash));
      if (cached !== undefined) return cached;
      const version = await prisma.playbookVersion.findUnique({
        where: { flowId_contentHash: { flowId, contentHash: hash } },
        select: { id: true, flowId: true, contentHash: true },
      });
      if (!version) {
        throw new KocError('KOC_PLAYBOOK_VERSION_UNKNOWN', `flow ${flowId} has no recorded version ${hash.slice(0, 12)}`, {
          hint: 'record the compiled flow (recordVersion) before starting runs of it',
          details: { flowId, hash },
        });
      }
      remember(version);
      return version.id;
    },

    /** Content hashes of version rows, by id (one query for the ids not cached yet). */
    async hashesOf(ids: Iterable<string>): Promise<Map<string, string>> {
      const missing = [...new Set(ids)].filter((id) => !hashById.has(id));
      if (missing.length > 0) {
        const rows = await prisma.playbookVersion.findMany({
          where: { id: { in: missing } },
          select: { id: true, flowId: true, contentHash: true },
        });
        rows.forEach(remember);
      }
      return hashById;
    },
  };
}

export type VersionsPart = ReturnType<typeof versionsPart>;
