import type { mock } from 'wechaty-puppet-mock';
import type { PuppetCapability } from './puppet/createPuppet.ts';

export type { PuppetCapability };

/** A puppet as an account bot uses it, whichever kind it is (`createPuppet` makes one; tests may hand-make one). */
export interface PuppetHandle {
  /** The wechaty-puppet instance given to WechatyBuilder. */
  puppet: unknown;
  /** Present for the mock: the simulated world behind it (customers, rooms), for the demo and tests. */
  mocker?: mock.Mocker;
  /** Present for the mock: the puppet itself, for what the mocker cannot do alone (friend requests). */
  mockPuppet?: { receiveFriendship(contact: mock.ContactMock | string, hello?: string): string };
  capabilities: ReadonlySet<PuppetCapability>;
  /**
   * For a puppet that needs to be told to log in once started (the stock mock in tests). createPuppet's mock logs
   * in by itself and a real puppet when a person scans the QR code: both leave this undefined.
   */
  autoLogin?(displayName: string): void;
  /** Frees what the puppet holds (timers, files) after the bot stopped. */
  dispose(): Promise<void>;
}
