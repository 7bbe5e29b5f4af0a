import type { KocCommandServices, TaskAnswer, TaskLine } from '../../chat/kocCommands.ts';
import type { StaffIdentity } from '../../chat/command.ts';
import { renderTemplate } from '../../engine/render.ts';
import { formatLocal } from '../../playbook/templates/helpers.ts';
import { auditLogRepository } from '../../store/repositories/auditLog.ts';
import { kocResults, addFeedback, staffByWecomId, type StaffWithKoc } from '../../store/koc/stats.ts';
import { acceptTask, assignmentsOf, declineTask, offerTask, submitTask, type AssignmentView, type ChangeResult } from '../../store/koc/tasks.ts';
import type { KocProgram, KocProgramOptions } from './program.ts';

/** The KOC chat commands over the store: what /tasks, /accept, /stats … do (their wording is in src/chat). */
export function createKocCommandServices(program: KocProgram, o: KocProgramOptions): KocCommandServices {
  const { prisma, clock, logger } = o;
  const audit = auditLogRepository(prisma);

  const kocOf = async (staff: StaffIdentity): Promise<(StaffWithKoc & { koc: NonNullable<StaffWithKoc['koc']> }) | undefined> => {
    const person = await staffByWecomId(prisma, staff.externalId);
    return person?.koc ? { ...person, koc: person.koc } : undefined;
  };
  const zoneOf = (person: StaffWithKoc) => program.notes.zoneOf(person);
  const line = (a: AssignmentView): TaskLine => ({ number: a.number, title: a.title, points: a.points, status: a.status, dueAt: a.dueAt });
  const changed = (result: ChangeResult): TaskAnswer =>
    result.ok ? { ok: true, task: line(result.assignment) } : result.reason === 'not_found' ? { ok: false, reason: 'not_found' } : { ok: false, reason: 'wrong_status', task: line(result.assignment) };

  /** The content pack of an accepted task, as a staff note (text rendered for this KOC, images, links). */
  const sendPack = async (person: StaffWithKoc & { koc: { tier: string; pointsBalance: number } }, a: AssignmentView) => {
    const set = o.playbooks();
    const task = set.tasks.get(a.taskId)?.document;
    if (!task) return;
    const zone = zoneOf(person);
    const board = await program.leaderboard(clock.now());
    const me = board.entries.find((e) => e.staffId === person.id);
    const vars = {
      staff: { name: person.name, role: person.role, tier: person.koc.tier, points: person.koc.pointsBalance, rank: me?.rank ?? '', code: me?.code ?? '', link: me?.link ?? '' },
      task: { id: task.id, title: task.title, points: task.points, number: a.number, due: a.dueAt?.toISOString() ?? '' },
    };
    const parts = [`【任务 #${a.number} 素材】${task.title}`];
    if (task.description) parts.push(task.description);
    if (task.content?.text) parts.push(renderTemplate(Array.isArray(task.content.text) ? task.content.text[0]! : task.content.text, vars, zone));
    for (const link of task.content?.links ?? []) parts.push(link);
    parts.push(`完成后发 /submit ${a.number} 链接或说明${a.dueAt ? `（${formatLocal(a.dueAt, 'MM-DD HH:mm', zone)} 截止）` : ''}`);
    const images = (task.content?.images ?? []).map((ref) => set.assets.get(ref) ?? ref);
    await program.notes.send({ staffId: person.id, wecomUserId: person.wecomUserId, accountId: person.accountId }, `task-pack:${a.id}`, parts.join('\n'), clock.now(), images);
  };

  return {
    referralLink: (code) => program.referralLink(code),

    async tasks(staff) {
      const person = await kocOf(staff);
      if (!person) return undefined;
      const zone = zoneOf(person);
      const now = clock.now();
      // Two-way choice: every open task this KOC may take is offered (once), then they choose.
      for (const loaded of o.playbooks().tasks.values()) {
        await offerTask(prisma, loaded.document, { staffId: person.id, role: person.role, tier: person.koc.tier }, now, zone);
      }
      const open = await assignmentsOf(prisma, person.id);
      return { tasks: open.filter((a) => !(a.status === 'offered' && a.dueAt && a.dueAt <= now)).map(line), timeZone: zone };
    },

    async accept(number, staff) {
      const person = await kocOf(staff);
      if (!person) return { ok: false, reason: 'not_koc', timeZone: 'Asia/Shanghai' };
      const zone = zoneOf(person);
      const result = await acceptTask(prisma, {
        number, staffId: person.id, task: (id) => o.playbooks().tasks.get(id)?.document,
        koc: { role: person.role, tier: person.koc.tier }, at: clock.now(), timeZone: zone,
      });
      if (result.ok) {
        logger.info({ staff: person.id, number, task: result.assignment.taskId }, 'task accepted');
        await sendPack(person, result.assignment);
        return { ok: true, task: line(result.assignment), timeZone: zone };
      }
      switch (result.reason) {
        case 'not_found':
          return { ok: false, reason: 'not_found', timeZone: zone };
        case 'task_gone':
          return { ok: false, reason: 'task_gone', task: line(result.assignment), timeZone: zone };
        case 'closed':
          return { ok: false, reason: 'wrong_status', task: line(result.assignment), timeZone: zone };
        case 'full':
          return { ok: false, reason: 'full', task: line(result.assignment), capacity: result.capacity, timeZone: zone };
        case 'not_eligible': {
          const e = result.eligibility;
          return {
            ok: false, reason: 'not_eligible', task: line(result.assignment), myTier: person.koc.tier, timeZone: zone,
            ...(e.reason === 'tier' ? { tiers: e.tiers } : e.reason === 'role' ? { roles: e.roles } : {}),
          };
        }
      }
    },

    async decline(number, reason, staff) {
      const person = await kocOf(staff);
      if (!person) return { ok: false, reason: 'not_koc' };
      const result = await declineTask(prisma, { number, staffId: person.id, reason, at: clock.now() });
      if (result.ok) logger.info({ staff: person.id, number }, 'task declined');
      return changed(result);
    },

    async submit(number, submission, staff) {
      const person = await kocOf(staff);
      if (!person) return { ok: false, reason: 'not_koc' };
      const result = await submitTask(prisma, { number, staffId: person.id, submission, at: clock.now() });
      if (result.ok) logger.info({ staff: person.id, number }, 'task submitted');
      return changed(result);
    },

    async stats(staff) {
      const person = await kocOf(staff);
      if (!person) return undefined;
      const now = clock.now();
      const board = await program.leaderboard(now);
      const results = await kocResults(prisma, person.id, new Date(now.getTime() - board.windowMs), now);
      const me = board.entries.find((e) => e.staffId === person.id);
      return {
        name: person.name, tier: person.koc.tier, windowDays: Math.round(board.windowMs / 86_400_000), ...results,
        rank: me?.rank ?? board.entries.length, of: board.entries.length,
      };
    },

    async rank(staff) {
      const board = await program.leaderboard(clock.now());
      const me = board.entries.find((e) => e.wecomUserId === staff.externalId);
      return {
        windowDays: Math.round(board.windowMs / 86_400_000),
        top: board.entries.slice(0, board.size).map((e) => ({ rank: e.rank, name: e.name, points: e.points, tier: e.tier })),
        ...(me ? { me: { rank: me.rank, points: me.points, of: board.entries.length } } : {}),
      };
    },

    async tag(accountId, query, tag, staff) {
      const wanted = query.toLowerCase();
      const candidates = await prisma.contact.findMany({
        where: { accountId, forgottenAt: null, OR: [{ name: { equals: query, mode: 'insensitive' } }, { alias: { equals: query, mode: 'insensitive' } }, { externalId: query }] },
        select: { id: true, externalId: true, name: true, alias: true, tags: { select: { tag: true } } },
        take: 5,
      });
      // A customer's alias (备注) wins over another customer's equal name.
      const byAlias = candidates.filter((c) => c.alias?.toLowerCase() === wanted);
      const matches = byAlias.length > 0 ? byAlias : candidates;
      if (matches.length === 0) return { ok: false, reason: 'not_found' };
      if (matches.length > 1) return { ok: false, reason: 'ambiguous', names: matches.map((c) => c.alias ?? c.name ?? '') };
      const contact = matches[0]!;
      const shown = contact.alias ?? contact.name ?? query;
      if (contact.tags.some((t) => t.tag === tag)) return { ok: true, contactName: shown, already: true };
      const now = clock.now();
      const key = `tag-command:${contact.id}:${tag}:${now.getTime()}`;
      // As if the person tagged the customer in WeCom: the store mirrors it and tag.added flows run …
      await o.handleEvent({ kind: 'tag.added', accountId, eventId: key, at: now, contact: { externalId: contact.externalId, ...(contact.name ? { name: contact.name } : {}) }, tag });
      // … and the bot applies it in WeCom.
      await o.store.enqueue([{
        idempotencyKey: key, accountId, runId: null, stepIndex: null, flowId: null, mode: 'auto', proactive: false, contactId: contact.id, roomId: null, dueAt: now,
        action: { kind: 'tag', accountId, contactExternalId: contact.externalId, tags: [tag] },
      }], now);
      await audit.append({ actor: `staff:${staff.externalId}`, action: 'contact.tag', subject: `contact:${contact.id}`, details: { tag }, at: now });
      return { ok: true, contactName: shown, already: false };
    },

    async feedback(accountId, text, staff) {
      const person = await staffByWecomId(prisma, staff.externalId);
      if (!person) return { ok: false };
      const open = await assignmentsOf(prisma, person.id);
      const context = {
        accountId, role: person.role, tier: person.koc?.tier ?? null, points: person.koc?.pointsBalance ?? 0,
        openTasks: open.map((a) => ({ number: a.number, task: a.taskId, status: a.status })),
      };
      const row = await addFeedback(prisma, { staffId: person.id, accountId, text, context, at: clock.now() });
      logger.info({ staff: person.id, account: accountId, feedback: row.id }, 'feedback received');
      return { ok: true };
    },
  };
}
