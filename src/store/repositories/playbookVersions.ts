import type { PrismaClient } from '../generated/client.ts';
import type { InputJsonValue } from '../generated/internal/prismaNamespace.ts';
import type { PlaybookVersionModel } from '../generated/models.ts';
import { isUniqueViolation } from '../prismaErrors.ts';

export interface PlaybookVersionInput {
  flowId: string;
  /** sha256 hex of the compiled definition: the same content is recorded once. */
  contentHash: string;
  sourcePath: string;
  definition: InputJsonValue;
}

export interface RecordedVersion {
  version: PlaybookVersionModel;
  /** False when this exact content was already recorded (then `version` is the existing row). */
  created: boolean;
}

/** Compiled playbook versions, content-addressed per flow, so every run knows the exact steps it runs. */
export function playbookVersionsRepository(prisma: PrismaClient) {
  return {
    /** Records a version by content hash; safe to call on every load and from several processes at once. */
    async record(input: PlaybookVersionInput): Promise<RecordedVersion> {
      const existing = await findByHash(input.flowId, input.contentHash);
      if (existing) return { version: existing, created: false };
      try {
        return { version: await prisma.playbookVersion.create({ data: input }), created: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another process recorded the same content between our read and our insert.
        const winner = await findByHash(input.flowId, input.contentHash);
        if (!winner) throw error;
        return { version: winner, created: false };
      }
    },

    get(id: string): Promise<PlaybookVersionModel | null> {
      return prisma.playbookVersion.findUnique({ where: { id } });
    },

    getByHash: findByHash,

    /** The most recently recorded version of a flow. */
    latest(flowId: string): Promise<PlaybookVersionModel | null> {
      return prisma.playbookVersion.findFirst({ where: { flowId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    },
  };

  function findByHash(flowId: string, contentHash: string): Promise<PlaybookVersionModel | null> {
    return prisma.playbookVersion.findUnique({ where: { flowId_contentHash: { flowId, contentHash } } });
  }
}

export type PlaybookVersionsRepository = ReturnType<typeof playbookVersionsRepository>;
