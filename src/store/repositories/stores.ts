import type { PrismaClient } from '../generated/client.ts';
import type { StoreModel } from '../generated/models.ts';

export interface StoreInput {
  /** The store's id in configuration, e.g. "sh-001". */
  id: string;
  name: string;
}

/** Physical stores (门店), synchronised from configuration. */
export function storesRepository(prisma: PrismaClient) {
  return {
    /** Creates the store or updates its name. */
    upsert(input: StoreInput): Promise<StoreModel> {
      return prisma.store.upsert({
        where: { id: input.id },
        create: { id: input.id, name: input.name },
        update: { name: input.name },
      });
    },

    list(): Promise<StoreModel[]> {
      return prisma.store.findMany({ orderBy: { id: 'asc' } });
    },
  };
}

export type StoresRepository = ReturnType<typeof storesRepository>;
