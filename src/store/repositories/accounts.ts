import { KocError } from '../../shared/errors.ts';
import type { PrismaClient } from '../generated/client.ts';
import type { AccountRole } from '../generated/enums.ts';
import type { AccountModel } from '../generated/models.ts';
import { isForeignKeyViolation } from '../prismaErrors.ts';

export interface AccountInput {
  /** The account's id in configuration. */
  id: string;
  displayName: string;
  role: AccountRole;
  storeId?: string | null;
  /** IANA zone. @default Asia/Shanghai (the column default) */
  timeZone?: string;
  status?: string;
  /**
   * When the account was first seen, set on create only: pacing's ramp-up counts from it.
   * @default now (the database's clock)
   */
  createdAt?: Date;
}

export interface AccountFilter {
  role?: AccountRole;
  storeId?: string;
}

/** Bot accounts, synchronised from configuration; runtime fields (status, lastSeenAt) are kept on update. */
export function accountsRepository(prisma: PrismaClient) {
  return {
    /**
     * Creates the account or updates its configured fields. Throws KOC_ACCOUNT_STORE_UNKNOWN when `storeId` names
     * a store that is not in the store table (upsert stores first).
     */
    async upsert(input: AccountInput): Promise<AccountModel> {
      const fields = {
        displayName: input.displayName,
        role: input.role,
        storeId: input.storeId ?? null,
        ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
        ...(input.status === undefined ? {} : { status: input.status }),
      };
      try {
        const create = { id: input.id, ...fields, ...(input.createdAt === undefined ? {} : { createdAt: input.createdAt }) };
        return await prisma.account.upsert({ where: { id: input.id }, create, update: fields });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new KocError('KOC_ACCOUNT_STORE_UNKNOWN', `account ${input.id} names store ${input.storeId}, which is not configured`, {
            hint: 'add the store to the configuration, or fix the account\'s store id',
            details: { accountId: input.id, storeId: input.storeId },
            cause: error,
          });
        }
        throw error;
      }
    },

    get(id: string): Promise<AccountModel | null> {
      return prisma.account.findUnique({ where: { id } });
    },

    /** Accounts ordered by id, optionally by role and store. */
    list(filter: AccountFilter = {}): Promise<AccountModel[]> {
      return prisma.account.findMany({
        where: {
          ...(filter.role === undefined ? {} : { role: filter.role }),
          ...(filter.storeId === undefined ? {} : { storeId: filter.storeId }),
        },
        orderBy: { id: 'asc' },
      });
    },

    /**
     * Accounts no longer configured get status "disabled" (their history stays); configured ones that were
     * disabled that way become "active" again. Other statuses are the bot's to set. Returns how many changed.
     */
    async syncEnabled(configured: readonly string[]): Promise<{ disabled: number; enabled: number }> {
      const disabled = await prisma.account.updateMany({ where: { id: { notIn: [...configured] }, status: { not: 'disabled' } }, data: { status: 'disabled' } });
      const enabled = await prisma.account.updateMany({ where: { id: { in: [...configured] }, status: 'disabled' }, data: { status: 'active' } });
      return { disabled: disabled.count, enabled: enabled.count };
    },

    /** Records that the bot was seen alive (status and time). */
    async markSeen(id: string, at: Date, status = 'active'): Promise<void> {
      await prisma.account.update({ where: { id }, data: { lastSeenAt: at, status } });
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;
