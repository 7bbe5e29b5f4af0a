import type { AssistConfirmation } from '../engine/ports.ts';
import type { RedemptionResult } from '../referral/ports.ts';
import type { KocCommandServices } from './kocCommands.ts';

/**
 * Staff chat commands: a message from a registered staff member, in private chat with an account they may command,
 * that starts with "/". Each command is a small module; the router finds it by name and sends back its answer.
 */

export interface StaffIdentity {
  /** The staff member's WeCom user id (their external id as the bot sees them). */
  externalId: string;
  name: string;
}

/** What commands may do. The runtime implements it over the store, the engine and the fleet. */
export interface CommandServices {
  /** `/done N` on behalf of `staff`, for task cards of the accounts they command. */
  confirmAssist(outboxId: bigint, accountIds: string[], staff: StaffIdentity): Promise<AssistConfirmation>;
  /** Pauses or resumes the account's proactive sends; false when it already was in that state. */
  setPaused(accountId: string, paused: boolean, staff: StaffIdentity): Promise<{ changed: boolean; released?: number }>;
  accountStatus(accountId: string): Promise<AccountStatusSummary>;
  /** `/redeem CODE` at the account's store, guarded against guessing (per staff member). */
  redeem(code: string, accountId: string, staff: StaffIdentity): Promise<RedemptionResult | { ok: false; reason: 'locked'; until: Date } | { ok: false; reason: 'no_store' }>;
  /** `/code`: the staff member's exclusive referral code, formatted; undefined when they are not a KOC. */
  referralCode(staff: StaffIdentity): Promise<string | undefined>;
  /** The KOC program's commands (/tasks, /stats, …); absent where the runtime has no KOC program. */
  koc?: KocCommandServices;
}

export interface AccountStatusSummary {
  accountId: string;
  name: string;
  bot: string;
  paused: boolean;
  sentToday: number;
  maxPerDay: number;
  pending: number;
  deferred: number;
  inDoubt: number;
  openCards: number;
  nextSendAt: Date | null;
  timeZone: string;
}

export interface CommandContext {
  /** The account the staff member is talking to. */
  accountId: string;
  /** Accounts this staff member may command (owner or commander); `accountId` is one of them. */
  accountIds: string[];
  staff: StaffIdentity;
  services: CommandServices;
  /** The command table, for /help. */
  commands: readonly ChatCommand[];
}

export interface ChatCommand {
  name: string;
  /** e.g. "/done N" */
  usage: string;
  /** One line for /help, in the language staff use. */
  summary: string;
  run(context: CommandContext, args: string): Promise<string>;
}

/** "/done 12" → { name: 'done', args: '12' }; undefined when the text is not a command. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = /^\s*[/／]([A-Za-z]+)(?:\s+([\s\S]*))?$/u.exec(text);
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() };
}
