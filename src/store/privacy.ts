/**
 * PIPL: erasing one customer (`kocflow forget`) and purging old interactions (the `retention` setting).
 *
 * Forgetting keeps the contact row as an anonymous tombstone (id, account, `forgotten_at`, the attribution ids) so
 * that counts stay right — coupons issued and redeemed per campaign and per KOC, fission invites, sends per flow —
 * while everything that says who the person was goes: name, alias, phone, attributes, their WeCom id (replaced by
 * `forgotten:<contact id>` everywhere it was copied: room members, fission invites, outbox recipients), their tags,
 * what they wrote (interaction bodies) and what was sent to them (outbox payloads), and the state of their runs.
 * Sends still pending are skipped; runs still going are stopped. A row in the audit log says it happened (with
 * counts, never the personal data). One transaction: all of it or nothing.
 */
import { Prisma, type PrismaClient } from './generated/client.ts';
import { KocError } from '../shared/errors.ts';

export type ForgetTarget = { contactId: string } | { externalId: string; accountId?: string };

export interface ForgetResult {
  contactId: string;
  accountId: string;
  /** Rows changed per table (the same numbers the audit row holds). */
  counts: Record<string, number>;
  /** The contact was forgotten before: nothing changed but the audit row. */
  alreadyForgotten: boolean;
}

/** The WeCom id a forgotten contact carries from now on (unique per account, points to no one). */
export function forgottenExternalId(contactId: string): string {
  return `forgotten:${contactId}`;
}

const SCRUBBED = { forgotten: true } as const;

export async function forgetContact(prisma: PrismaClient, target: ForgetTarget, options: { actor: string; at: Date }): Promise<ForgetResult> {
  const contacts = 'contactId' in target
    ? await prisma.contact.findMany({ where: { id: target.contactId } })
    : await prisma.contact.findMany({ where: { externalId: target.externalId, ...(target.accountId === undefined ? {} : { accountId: target.accountId }) } });
  if (contacts.length === 0) {
    const what = 'contactId' in target ? `contact ${target.contactId}` : `a contact with WeCom id "${target.externalId}"${target.accountId ? ` on account ${target.accountId}` : ''}`;
    throw new KocError('KOC_CONTACT_NOT_FOUND', `there is no ${what} in the store`, {
      hint: 'check the id (kocflow coupons show CODE prints a coupon holder\'s contact id); a WeCom id is per account: add --account',
    });
  }
  if (contacts.length > 1) {
    throw new KocError('KOC_CONTACT_AMBIGUOUS', `WeCom id matches ${contacts.length} contacts, on accounts ${contacts.map((c) => c.accountId).join(', ')}`, {
      hint: 'name the account with --account, or forget each by its contact id (--contact)',
    });
  }
  const contact = contacts[0]!;
  const alreadyForgotten = contact.forgottenAt !== null;
  const oldExternalId = contact.externalId;
  const newExternalId = forgottenExternalId(contact.id);
  const at = options.at;

  const counts = await prisma.$transaction(async (tx) => {
    const c: Record<string, number> = {};
    c.tags = (await tx.contactTag.deleteMany({ where: { contactId: contact.id } })).count;
    // What they wrote and what was sent to them; the rows stay (kind, flow, campaign, time) for the reports.
    c.interactions = (await tx.interaction.updateMany({ where: { contactId: contact.id }, data: { body: SCRUBBED } })).count;
    // Room events that name them by WeCom id (a room.joined whose inviter they were, a fission refusal …).
    if (!alreadyForgotten) {
      c.roomInteractions = await tx.$executeRaw`
        UPDATE interactions SET body = ${JSON.stringify(SCRUBBED)}::jsonb
        WHERE account_id = ${contact.accountId} AND (contact_id IS NULL OR contact_id <> ${contact.id})
          AND position(${oldExternalId} in body::text) > 0`;
      c.roomMembers = (await tx.roomMember.updateMany({ where: { memberExternalId: oldExternalId, room: { accountId: contact.accountId } }, data: { memberExternalId: newExternalId } })).count;
      c.roomInvites = (await tx.roomMember.updateMany({ where: { inviterExternalId: oldExternalId, room: { accountId: contact.accountId } }, data: { inviterExternalId: newExternalId } })).count;
      c.fissionInvitee = (await tx.fissionInvite.updateMany({ where: { accountId: contact.accountId, inviteeExternalId: oldExternalId }, data: { inviteeExternalId: newExternalId } })).count;
      c.fissionInviter = (await tx.fissionInvite.updateMany({ where: { accountId: contact.accountId, inviterExternalId: oldExternalId }, data: { inviterExternalId: newExternalId } })).count;
    }
    // Sends: pending ones never go; every payload (rendered with their name) is dropped, the row stays for counts.
    c.outboxSkipped = (await tx.outboxEntry.updateMany({
      where: { OR: [{ contactId: contact.id }, { accountId: contact.accountId, recipientExternalId: oldExternalId }], status: 'pending' },
      data: { status: 'skipped', skipReason: 'contact_forgotten' },
    })).count;
    c.outbox = (await tx.outboxEntry.updateMany({
      where: { OR: [{ contactId: contact.id }, { accountId: contact.accountId, recipientExternalId: oldExternalId }] },
      data: { payload: SCRUBBED, recipientExternalId: newExternalId, lastError: null },
    })).count;
    // Group messages that name or @-mention them (a roomSay welcoming "@王芳"): the account's other sends whose
    // payload holds their WeCom id or their name (names of one character are too common to search for).
    const needles = [oldExternalId, ...[contact.name, contact.alias].filter((n): n is string => typeof n === 'string' && [...n].length >= 2)];
    c.outboxMentions = 0;
    c.interactionMentions = 0;
    for (const needle of needles) {
      c.outboxMentions += await tx.$executeRaw`
        UPDATE outbox SET payload = ${JSON.stringify(SCRUBBED)}::jsonb
        WHERE account_id = ${contact.accountId} AND position(${needle} in payload::text) > 0`;
      c.interactionMentions += await tx.$executeRaw`
        UPDATE interactions SET body = ${JSON.stringify(SCRUBBED)}::jsonb
        WHERE account_id = ${contact.accountId} AND position(${needle} in body::text) > 0`;
    }
    c.runsStopped = (await tx.flowRun.updateMany({
      where: { subjectKind: 'contact', subjectId: contact.id, status: { in: ['running', 'waiting'] } },
      data: { status: 'stopped', stopReason: 'contact forgotten', finishedAt: at, wakeAt: null },
    })).count;
    c.runs = (await tx.flowRun.updateMany({ where: { subjectKind: 'contact', subjectId: contact.id }, data: { state: {} } })).count;
    // Coupons and redemptions keep their rows (campaign budgets, per-KOC counts); the coupon code is no personal data.
    c.coupons = await tx.coupon.count({ where: { contactId: contact.id } });
    await tx.contact.update({
      where: { id: contact.id },
      data: {
        externalId: newExternalId, name: null, alias: null, phone: null, attributes: {},
        forgottenAt: contact.forgottenAt ?? at, optedOutAt: contact.optedOutAt ?? at,
      },
    });
    await tx.auditLog.create({
      data: {
        actor: options.actor, action: 'contact.forget', subject: `contact:${contact.id}`, at,
        details: { accountId: contact.accountId, alreadyForgotten, counts: c } as Prisma.InputJsonValue,
      },
    });
    return c;
  });
  return { contactId: contact.id, accountId: contact.accountId, counts, alreadyForgotten };
}

export interface PurgeResult {
  /** Interactions older than the cutoff that were deleted. */
  interactions: number;
  cutoff: Date;
}

/**
 * Deletes interactions that occurred before `now - days`, in batches (a big first purge does not hold one huge
 * transaction), and writes one audit row when anything went. Outbox rows and coupons are not interactions: they are
 * kept (they carry the idempotency keys that make a send never go twice).
 */
export async function purgeInteractions(prisma: PrismaClient, options: { days: number; now: Date; actor: string; batchSize?: number }): Promise<PurgeResult> {
  if (!Number.isInteger(options.days) || options.days < 1) {
    throw new KocError('KOC_RETENTION_INVALID', `retention of ${options.days} days is not a whole number of days ≥ 1`, { hint: 'set retention.interactionsDays to 1 or more' });
  }
  const cutoff = new Date(options.now.getTime() - options.days * 86_400_000);
  const batch = options.batchSize ?? 5_000;
  let total = 0;
  for (;;) {
    const deleted = await prisma.$executeRaw`
      DELETE FROM interactions WHERE id IN (
        SELECT id FROM interactions WHERE occurred_at < ${cutoff} ORDER BY id LIMIT ${batch})`;
    total += deleted;
    if (deleted < batch) break;
  }
  if (total > 0) {
    await prisma.auditLog.create({
      data: { actor: options.actor, action: 'interactions.purge', subject: null, at: options.now, details: { deleted: total, cutoff: cutoff.toISOString(), days: options.days } },
    });
  }
  return { interactions: total, cutoff };
}

/** The earliest instant at which an interaction becomes older than the retention (null when there is none). */
export async function nextPurgeAt(prisma: PrismaClient, days: number): Promise<Date | null> {
  const oldest = await prisma.interaction.findFirst({ orderBy: { occurredAt: 'asc' }, select: { occurredAt: true } });
  return oldest ? new Date(oldest.occurredAt.getTime() + days * 86_400_000 + 1) : null;
}
