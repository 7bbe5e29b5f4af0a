import type { ChannelEvent } from '../domain/channel.ts';
import type { Logger } from '../shared/logger.ts';
import { parseCommand, type ChatCommand, type CommandServices, type StaffIdentity } from './command.ts';
import { helpCommand } from './foundationCommands.ts';

/**
 * Routes staff commands. A message is a command only when it comes from a registered staff member who may command
 * the account, in private chat, and starts with "/". Anything else (a customer typing "/status" included) is an
 * ordinary message for the engine: customers get no hint that commands exist.
 */
export interface StaffAccess {
  /** The staff member behind this external id if they may command `accountId`. */
  commander(accountId: string, externalId: string): StaffIdentity | undefined;
  /** Every account this staff member may command. */
  accountsOf(externalId: string): string[];
}

export type CommandOutcome =
  | { handled: false }
  | { handled: true; command: string; reply: string; failed?: boolean; duplicate?: boolean };

/** The longest argument text a staff command takes (a /feedback or /submit note included). */
export const MAX_COMMAND_ARGS_CHARS = 1_000;

export class StaffCommandRouter {
  readonly #commands: readonly ChatCommand[];
  readonly #byName: Map<string, ChatCommand>;
  readonly #access: StaffAccess;
  readonly #services: CommandServices;
  readonly #logger: Logger;

  constructor(commands: readonly ChatCommand[], access: StaffAccess, services: CommandServices, logger: Logger) {
    this.#commands = commands;
    this.#byName = new Map(commands.map((c) => [c.name, c]));
    this.#access = access;
    this.#services = services;
    this.#logger = logger;
  }

  /**
   * `claim`: called once the message is known to be a staff command, before it runs; false means this event was
   * handled before (the puppet delivered it again) and the command does not run a second time — a redelivered
   * `/feedback` used to store two rows. Commands are at most once: a crash between the claim and the run loses it,
   * and the staff member types it again.
   */
  async route(event: ChannelEvent, claim?: (command: string) => Promise<boolean>): Promise<CommandOutcome> {
    if (event.kind !== 'message' || event.room || event.media) return { handled: false };
    const parsed = parseCommand(event.text);
    if (!parsed) return { handled: false };
    const staff = this.#access.commander(event.accountId, event.contact.externalId);
    if (!staff) return { handled: false };
    const command = this.#byName.get(parsed.name);
    if (claim && !(await claim(command?.name ?? parsed.name.slice(0, 30)))) {
      return { handled: true, command: command?.name ?? parsed.name.slice(0, 30), reply: '', duplicate: true };
    }
    // Hostile or mistaken input: an oversized command is refused before it reaches a service (its answer would
    // echo it), and NUL characters, which PostgreSQL text cannot hold, are dropped.
    if (parsed.args.length > MAX_COMMAND_ARGS_CHARS || parsed.name.length > 30) {
      return { handled: true, command: command?.name ?? 'unknown', reply: `指令太长（最多 ${MAX_COMMAND_ARGS_CHARS} 字），请缩短后再发。`, failed: true };
    }
    const args = parsed.args.replace(/\u0000/g, '');
    const context = { accountId: event.accountId, accountIds: this.#access.accountsOf(staff.externalId), staff, services: this.#services, commands: this.#commands };
    if (!command) {
      return { handled: true, command: parsed.name, reply: `没有 /${parsed.name} 这个指令。\n${await helpCommand.run(context, '')}` };
    }
    try {
      return { handled: true, command: command.name, reply: await command.run(context, args) };
    } catch (error) {
      this.#logger.error({ account: event.accountId, command: command.name, err: error }, 'staff command failed');
      return { handled: true, command: command.name, reply: `/${command.name} 暂时无法完成，请稍后再试。`, failed: true };
    }
  }
}
