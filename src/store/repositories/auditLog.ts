import type { PrismaClient } from '../generated/client.ts';
import type { InputJsonValue } from '../generated/internal/prismaNamespace.ts';
import type { AuditLogModel } from '../generated/models.ts';

export interface AuditInput {
  /** Who: "cli", "system", "dashboard:<username>", "staff:<id>", "api:<key id>". */
  actor: string;
  /** What, as a stable verb: "contact.forget", "coupon.redeem", "playbooks.reload" … */
  action: string;
  /** The object acted on, e.g. "contact:<id>". Never personal data. */
  subject?: string;
  details?: InputJsonValue;
  /** @default now (the database's clock) */
  at?: Date;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  subject?: string;
  /** Entries at or after this instant. */
  since?: Date;
  /** @default 100 */
  limit?: number;
}

/** The append-only audit log. */
export function auditLogRepository(prisma: PrismaClient) {
  return {
    append(entry: AuditInput): Promise<AuditLogModel> {
      return prisma.auditLog.create({
        data: {
          actor: entry.actor,
          action: entry.action,
          subject: entry.subject ?? null,
          details: entry.details ?? {},
          ...(entry.at === undefined ? {} : { at: entry.at }),
        },
      });
    },

    /** Newest first. */
    list(query: AuditQuery = {}): Promise<AuditLogModel[]> {
      return prisma.auditLog.findMany({
        where: {
          ...(query.actor === undefined ? {} : { actor: query.actor }),
          ...(query.action === undefined ? {} : { action: query.action }),
          ...(query.subject === undefined ? {} : { subject: query.subject }),
          ...(query.since === undefined ? {} : { at: { gte: query.since } }),
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: query.limit ?? 100,
      });
    },
  };
}

export type AuditLogRepository = ReturnType<typeof auditLogRepository>;
