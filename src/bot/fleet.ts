import { AccountBot, type AccountBotOptions, type BotStatus } from './accountBot.ts';
import type { PuppetHandle } from './puppetHandle.ts';

/**
 * Every account's bot in this process. Bots start side by side and fail on their own: one account that cannot
 * log in, or whose handler throws, leaves the others running.
 */
export interface FleetAccount {
  id: string;
  name: string;
  makePuppet: () => Promise<PuppetHandle>;
}

/** What every bot of the fleet shares (see AccountBotOptions). */
export type FleetOptions = Omit<AccountBotOptions, 'account' | 'makePuppet'>;

export class Fleet {
  readonly #bots = new Map<string, AccountBot>();
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  /** Starts the accounts' bots (resolves once each has logged in, is waiting for a scan, or failed). */
  async start(accounts: FleetAccount[]): Promise<void> {
    for (const account of accounts) {
      if (this.#bots.has(account.id)) continue;
      this.#bots.set(account.id, new AccountBot({ ...this.#options, account: { id: account.id, name: account.name }, makePuppet: account.makePuppet }));
    }
    await Promise.all(accounts.map((account) => this.#bots.get(account.id)!.start()));
  }

  /**
   * Stops these accounts' bots and forgets them (several processes: the account's lease moved to another process;
   * `start` may bring it back later with a new bot).
   */
  async stopAccounts(accountIds: readonly string[]): Promise<void> {
    const bots = accountIds.flatMap((id) => {
      const bot = this.#bots.get(id);
      this.#bots.delete(id);
      return bot ? [bot] : [];
    });
    await Promise.all(bots.map((bot) => bot.stop()));
  }

  get(accountId: string): AccountBot | undefined {
    return this.#bots.get(accountId);
  }

  statuses(): Map<string, BotStatus> {
    return new Map([...this.#bots].map(([id, bot]) => [id, bot.status()]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#bots.values()].map((bot) => bot.stop()));
  }
}
