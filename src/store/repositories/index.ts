import type { PrismaClient } from '../generated/client.ts';
import { accountsRepository } from './accounts.ts';
import { auditLogRepository } from './auditLog.ts';
import { playbookVersionsRepository } from './playbookVersions.ts';
import { staffRepository } from './staff.ts';
import { storesRepository } from './stores.ts';

export { accountsRepository, type AccountsRepository, type AccountInput, type AccountFilter } from './accounts.ts';
export { auditLogRepository, type AuditLogRepository, type AuditInput, type AuditQuery } from './auditLog.ts';
export {
  playbookVersionsRepository,
  type PlaybookVersionsRepository,
  type PlaybookVersionInput,
  type RecordedVersion,
} from './playbookVersions.ts';
export { staffRepository, type StaffRepository, type StaffInput } from './staff.ts';
export { storesRepository, type StoresRepository, type StoreInput } from './stores.ts';

/** Every repository over one Prisma client (or one interactive transaction's client). */
export function createRepositories(prisma: PrismaClient) {
  return {
    stores: storesRepository(prisma),
    accounts: accountsRepository(prisma),
    staff: staffRepository(prisma),
    playbookVersions: playbookVersionsRepository(prisma),
    auditLog: auditLogRepository(prisma),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
