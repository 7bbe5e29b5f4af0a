/**
 * Subjects: contacts, rooms and staff as the engine sees them.
 *
 * Contacts are read with one SQL statement (tags, referrer with the KOC's tier and current referral code joined
 * in), so an audience of thousands is one round trip; tags are sorted in TypeScript (code-unit order) so both
 * stores agree whatever their collation.
 */
import type { ContactRef, RoomRef } from '../../domain/channel.ts';
import type { ContactFilter, ContactRecord, RoomRecord, StaffRecord } from '../../engine/ports.ts';
import { Prisma } from '../generated/client.ts';
import { StaffRole } from '../generated/enums.ts';
import { accountUnknown, contactUnknown, explainForeignKey, type EngineStoreContext, fromJsonColumn } from './context.ts';

interface ContactRow {
  id: string;
  account_id: string;
  external_id: string;
  name: string | null;
  alias: string | null;
  attributes: unknown;
  opted_out_at: Date | null;
  tags: string[] | null;
  referrer_id: string | null;
  referrer_name: string | null;
  referrer_tier: string | null;
  referrer_code: string | null;
}

interface RoomRow {
  id: string;
  accountId: string;
  externalId: string;
  topic: string;
}

const STAFF_ROLES = new Set<string>(Object.values(StaffRole));

export function subjectsPart({ prisma, sql }: EngineStoreContext) {
  async function selectContacts(where: Prisma.Sql): Promise<ContactRecord[]> {
    const rows = await sql.query<ContactRow>(Prisma.sql`
      SELECT c.id, c.account_id, c.external_id, c.name, c.alias, c.attributes, c.opted_out_at,
             ARRAY(SELECT t.tag FROM contact_tags t WHERE t.contact_id = c.id) AS tags,
             s.id AS referrer_id, s.name AS referrer_name, k.tier AS referrer_tier, rc.code AS referrer_code
        FROM contacts c
        LEFT JOIN staff s ON s.id = c.attributed_to_staff_id
        LEFT JOIN koc_profiles k ON k.staff_id = s.id
        LEFT JOIN referral_codes rc ON rc.id = k.referral_code_id
       WHERE ${where}
       ORDER BY c.id COLLATE "C"`);
    return rows.map(toContact);
  }

  async function contactById(id: string): Promise<ContactRecord | undefined> {
    const [contact] = await selectContacts(Prisma.sql`c.id = ${id}::text`);
    return contact;
  }

  return {
    /**
     * Creates the contact the first time an account meets it, else updates its name (when the ref has one) and
     * lastSeenAt. KOC_ACCOUNT_UNKNOWN when the account row is missing.
     */
    async ensureContact(accountId: string, ref: ContactRef, at: Date): Promise<ContactRecord> {
      const { id } = await explainForeignKey(
        prisma.contact.upsert({
          where: { accountId_externalId: { accountId, externalId: ref.externalId } },
          create: {
            accountId,
            externalId: ref.externalId,
            name: ref.name ?? null,
            firstSeenAt: at,
            lastSeenAt: at,
            createdAt: at,
            updatedAt: at,
          },
          update: { ...(ref.name === undefined ? {} : { name: ref.name }), lastSeenAt: at, updatedAt: at },
          select: { id: true },
        }),
        (cause) => accountUnknown(accountId, cause),
      );
      const contact = await contactById(id);
      if (!contact) throw contactUnknown(id); // deleted between the two statements
      return contact;
    },

    getContact: contactById,

    /**
     * The account's contacts that are neither opted out nor forgotten, have every `tagged` tag, none of the
     * `notTagged` ones, and attributes containing `attributes` (jsonb @>: equal values, types included); by id.
     */
    listContacts(accountId: string, filter: ContactFilter): Promise<ContactRecord[]> {
      const where = [Prisma.sql`c.account_id = ${accountId}::text AND c.opted_out_at IS NULL AND c.forgotten_at IS NULL`];
      for (const tag of new Set(filter.tagged ?? [])) {
        where.push(Prisma.sql`EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ${tag}::text)`);
      }
      const notTagged = [...new Set(filter.notTagged ?? [])];
      if (notTagged.length > 0) {
        where.push(
          Prisma.sql`NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag IN (${Prisma.join(notTagged.map((tag) => Prisma.sql`${tag}::text`))}))`,
        );
      }
      if (filter.attributes !== undefined && Object.keys(filter.attributes).length > 0) {
        where.push(Prisma.sql`c.attributes @> ${JSON.stringify(filter.attributes)}::jsonb`);
      }
      return selectContacts(Prisma.join(where, ' AND '));
    },

    /** Creates the room or updates its topic. KOC_ACCOUNT_UNKNOWN when the account row is missing. */
    async ensureRoom(accountId: string, ref: RoomRef, at: Date): Promise<RoomRecord> {
      return explainForeignKey(
        prisma.room.upsert({
          where: { accountId_externalId: { accountId, externalId: ref.externalId } },
          create: { accountId, externalId: ref.externalId, topic: ref.topic, createdAt: at, updatedAt: at },
          update: { topic: ref.topic, updatedAt: at },
          select: { id: true, accountId: true, externalId: true, topic: true },
        }),
        (cause) => accountUnknown(accountId, cause),
      );
    },

    async getRoom(id: string): Promise<RoomRecord | undefined> {
      return (await prisma.room.findUnique({ where: { id }, select: { id: true, accountId: true, externalId: true, topic: true } })) ?? undefined;
    },

    /** The account's rooms whose topic matches the glob (* any run of characters, ? one character), by id. */
    listRooms(accountId: string, topicPattern: string): Promise<RoomRecord[]> {
      return sql.query<RoomRow>(Prisma.sql`
        SELECT id, account_id AS "accountId", external_id AS "externalId", topic
          FROM rooms
         WHERE account_id = ${accountId}::text AND topic LIKE ${globToLike(topicPattern)}::text ESCAPE '\\'
         ORDER BY id COLLATE "C"`);
    },

    /**
     * Staff "of" an account, who have not left: for the assistant account (ambassadors talk to the assistant bot
     * and own none) every staff member; for a guide's or ambassador's own account, the person who owns it.
     * Optionally only some roles, or KOCs in some tiers (staff without a KOC profile have no tier). By id.
     */
    async listStaff(accountId: string, filter: { roles?: string[]; tiers?: string[] }): Promise<StaffRecord[]> {
      const account = await prisma.account.findUnique({ where: { id: accountId }, select: { role: true } });
      if (!account) throw accountUnknown(accountId);
      const roles = filter.roles?.filter((role): role is StaffRole => STAFF_ROLES.has(role));
      if (roles !== undefined && roles.length === 0) return []; // e.g. roles: [assistant]: no staff member has it
      const rows = await prisma.staff.findMany({
        where: {
          leftAt: null,
          ...(account.role === 'assistant' ? {} : { accountId }),
          ...(roles === undefined ? {} : { role: { in: roles } }),
          ...(filter.tiers === undefined ? {} : { koc: { tier: { in: filter.tiers } } }),
        },
        include: { koc: { select: { tier: true, pointsBalance: true } } },
        orderBy: { id: 'asc' },
      });
      return rows.map(toStaff);
    },

    async getStaff(id: string): Promise<StaffRecord | undefined> {
      const row = await prisma.staff.findUnique({ where: { id }, include: { koc: { select: { tier: true, pointsBalance: true } } } });
      return row ? toStaff(row) : undefined;
    },

    async findStaffByExternalId(externalId: string): Promise<StaffRecord | undefined> {
      const row = await prisma.staff.findFirst({
        where: { wecomUserId: externalId, leftAt: null },
        include: { koc: { select: { tier: true, pointsBalance: true } } },
      });
      return row ? toStaff(row) : undefined;
    },

    /**
     * Adds and removes tags in one transaction; idempotent (an existing tag keeps its source and time). A tag in
     * both lists ends up removed. KOC_CONTACT_UNKNOWN when adding to a contact that is not stored.
     */
    async setTags(contactId: string, add: string[], remove: string[], source: string, at: Date): Promise<void> {
      const adding = [...new Set(add)];
      const removing = [...new Set(remove)];
      const writes = [];
      if (adding.length > 0) {
        writes.push(
          prisma.contactTag.createMany({ data: adding.map((tag) => ({ contactId, tag, source, createdAt: at })), skipDuplicates: true }),
        );
      }
      if (removing.length > 0) writes.push(prisma.contactTag.deleteMany({ where: { contactId, tag: { in: removing } } }));
      if (writes.length === 0) return;
      await explainForeignKey(prisma.$transaction(writes), (cause) => contactUnknown(contactId, cause));
    },

    /** Marks the contact opted out; true only the first time. KOC_CONTACT_UNKNOWN for a contact that is not stored. */
    async setOptedOut(contactId: string, at: Date): Promise<boolean> {
      const { count } = await prisma.contact.updateMany({ where: { id: contactId, optedOutAt: null }, data: { optedOutAt: at, updatedAt: at } });
      if (count === 1) return true;
      if ((await prisma.contact.count({ where: { id: contactId } })) === 0) throw contactUnknown(contactId);
      return false;
    },
  };
}

/** A topic glob as a LIKE pattern with `\` as the escape character: LIKE's own wildcards match only themselves. */
export function globToLike(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

function toContact(row: ContactRow): ContactRecord {
  const attributes = fromJsonColumn(row.attributes);
  return {
    id: row.id,
    accountId: row.account_id,
    externalId: row.external_id,
    name: row.name,
    alias: row.alias,
    tags: [...(row.tags ?? [])].sort(),
    attributes: isObject(attributes) ? attributes : {},
    optedOutAt: row.opted_out_at === null ? null : new Date(row.opted_out_at),
    referrer:
      row.referrer_id === null
        ? null
        : { staffId: row.referrer_id, name: row.referrer_name ?? '', code: row.referrer_code, tier: row.referrer_tier },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toStaff(row: {
  id: string;
  wecomUserId: string;
  name: string;
  role: StaffRole;
  accountId: string | null;
  koc: { tier: string; pointsBalance: number } | null;
}): StaffRecord {
  return {
    id: row.id,
    externalId: row.wecomUserId,
    name: row.name,
    role: row.role,
    tier: row.koc?.tier ?? null,
    points: row.koc?.pointsBalance ?? 0,
    accountId: row.accountId,
  };
}

