import { KocError } from '../../shared/errors.ts';
import type { PrismaClient } from '../generated/client.ts';
import type { StaffRole } from '../generated/enums.ts';
import type { StaffModel } from '../generated/models.ts';
import { isForeignKeyViolation } from '../prismaErrors.ts';

export interface StaffInput {
  /** The person's WeCom user id: their id in configuration. WeCom compares these without case, and so does this. */
  wecomUserId: string;
  name: string;
  role: StaffRole;
  storeId?: string | null;
  /** The bot account of their own (a guide's, an ambassador's); null: none. */
  accountId?: string | null;
}

/** Guides and ambassadors, synchronised from configuration; the KOC program's state hangs off them. */
export function staffRepository(prisma: PrismaClient) {
  return {
    /**
     * Creates the person or updates their configured fields (a different spelling of the same WeCom id included);
     * someone who had left is back. Throws KOC_STAFF_ACCOUNT_TAKEN when another person still owns `accountId`
     * (call releaseAccounts first) and KOC_ACCOUNT_STORE_UNKNOWN for a store or account that is not stored.
     */
    async upsert(input: StaffInput): Promise<StaffModel> {
      const fields = {
        wecomUserId: input.wecomUserId,
        name: input.name,
        role: input.role,
        storeId: input.storeId ?? null,
        accountId: input.accountId ?? null,
        leftAt: null,
      };
      if (input.accountId) {
        const holder = await prisma.staff.findUnique({ where: { accountId: input.accountId }, select: { wecomUserId: true } });
        if (holder && holder.wecomUserId.toLowerCase() !== input.wecomUserId.toLowerCase()) {
          throw new KocError('KOC_STAFF_ACCOUNT_TAKEN', `account ${input.accountId} is still linked to ${holder.wecomUserId}, so ${input.wecomUserId} cannot own it`, {
            hint: 'release the account from its previous owner first (staff.releaseAccounts)',
            details: { wecomUserId: input.wecomUserId, accountId: input.accountId },
          });
        }
      }
      try {
        const existing = await findByWecomUserId(input.wecomUserId);
        return existing
          ? await prisma.staff.update({ where: { id: existing.id }, data: fields })
          : await prisma.staff.create({ data: fields });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new KocError('KOC_ACCOUNT_STORE_UNKNOWN', `staff ${input.wecomUserId} names store ${input.storeId} or account ${input.accountId}, which is not stored`, {
            hint: 'upsert stores and accounts before staff',
            details: { wecomUserId: input.wecomUserId, storeId: input.storeId, accountId: input.accountId },
            cause: error,
          });
        }
        throw error;
      }
    },

    getByWecomUserId: findByWecomUserId,

    /** By WeCom user id; people who left only with `includeLeft`. */
    list(options: { includeLeft?: boolean } = {}): Promise<StaffModel[]> {
      return prisma.staff.findMany({
        where: options.includeLeft ? {} : { leftAt: null },
        orderBy: { wecomUserId: 'asc' },
      });
    },

    /**
     * Unlinks every account from whoever holds it unless `owners` (account id → WeCom user id) says they own it,
     * so that moving an account to a new owner does not collide with the one-owner rule. Returns how many.
     */
    async releaseAccounts(owners: ReadonlyMap<string, string>): Promise<number> {
      const keep = [...owners].map(([accountId, wecomUserId]) => ({
        accountId,
        wecomUserId: { equals: wecomUserId, mode: 'insensitive' as const },
      }));
      const { count } = await prisma.staff.updateMany({ where: { accountId: { not: null }, NOT: keep }, data: { accountId: null } });
      return count;
    },

    /** Marks everyone not in `present` (WeCom user ids) as left at `at` and unlinks their accounts; their history stays. */
    async markLeftExcept(present: readonly string[], at: Date): Promise<number> {
      const { count } = await prisma.staff.updateMany({
        where: { leftAt: null, NOT: present.map((id) => ({ wecomUserId: { equals: id, mode: 'insensitive' as const } })) },
        data: { leftAt: at, accountId: null },
      });
      return count;
    },

    /**
     * Gives a person a KOC profile in a starting tier when they have none; an existing profile is left alone
     * (the tier evaluation moves people after that). True when one was created.
     */
    async ensureKocProfile(staffId: string, tier: string, at: Date): Promise<boolean> {
      const { count } = await prisma.kocProfile.createMany({ data: [{ staffId, tier, joinedAt: at }], skipDuplicates: true });
      return count === 1;
    },
  };

  function findByWecomUserId(wecomUserId: string): Promise<StaffModel | null> {
    return prisma.staff.findFirst({ where: { wecomUserId: { equals: wecomUserId, mode: 'insensitive' } }, orderBy: { createdAt: 'asc' } });
  }
}

export type StaffRepository = ReturnType<typeof staffRepository>;
