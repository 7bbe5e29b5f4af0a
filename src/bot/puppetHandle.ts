import type { mock } from 'wechaty-puppet-mock';

/** What this puppet can really do; anything else falls back to assist mode (nothing is faked). */
export type PuppetCapability = 'moment' | 'tag' | 'urlLink' | 'miniProgram' | 'roomInvite' | 'friendshipAccept' | 'image';

/** A puppet as an account bot uses it, whichever kind it is. */
export interface PuppetHandle {
  /** The wechaty-puppet instance given to WechatyBuilder. */
  puppet: unknown;
  /** Present for the mock: the simulated world behind it (customers, rooms), for the demo and tests. */
  mocker?: mock.Mocker;
  capabilities: ReadonlySet<PuppetCapability>;
  /**
   * The mock has no phone to scan with: it logs in as soon as it runs. A real puppet leaves this undefined and
   * logs in when a person scans the QR code.
   */
  autoLogin?(displayName: string): void;
  /** Frees what the puppet holds (timers, files) after the bot stopped. */
  dispose(): Promise<void>;
}
