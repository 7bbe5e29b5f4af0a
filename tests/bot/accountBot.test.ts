import { afterEach, describe, expect, it } from 'vitest';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { AccountBot, type BotStatus, type BotTimers } from '../../src/bot/accountBot.ts';
import type { PuppetHandle } from '../../src/bot/puppetHandle.ts';
import type { ChannelEvent } from '../../src/domain/channel.ts';
import { silentLogger } from '../../src/shared/logger.ts';

/**
 * The account bot's lifecycle on the stock mock puppet: statuses, reconnecting with back-off after the puppet dies,
 * failing for good on a configuration error. Back-off timers are recorded and fired by hand: no waiting.
 */
class ManualTimers implements BotTimers {
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires the timers of exactly this delay. */
  fire(ms: number): void {
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms !== ms) continue;
      this.pending.delete(id);
      timer.fn();
    }
  }
  delays(): number[] {
    return [...this.pending.values()].map((t) => t.ms).sort((a, b) => a - b);
  }
}

function mockHandle(): PuppetHandle & { puppet: PuppetMock; mocker: mock.Mocker } {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  return {
    puppet, mocker, capabilities: new Set(),
    autoLogin: (name) => mocker.login(mocker.createContact({ name })),
    dispose: async () => {},
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

const bots: AccountBot[] = [];
afterEach(async () => {
  while (bots.length > 0) await bots.pop()!.stop();
});

function bot(makePuppet: () => Promise<PuppetHandle>, timers: ManualTimers, events: ChannelEvent[] = [], statuses: BotStatus['state'][] = []) {
  const b = new AccountBot({
    account: { id: 'a1', name: '小林' }, makePuppet, timers, logger: silentLogger(), clock: { now: () => new Date('2026-12-01T02:00:00Z') },
    backoff: { baseMs: 1000, maxMs: 8000 }, loginTimeoutMs: 60_000,
    hooks: { onEvent: async (e) => void events.push(e), acceptsFriendRequests: () => true, onStatus: (_id, s) => void statuses.push(s.state) },
  });
  bots.push(b);
  return b;
}

describe('an account bot', () => {
  it('logs in on the mock and reports its status', async () => {
    const timers = new ManualTimers();
    const statuses: BotStatus['state'][] = [];
    const b = bot(async () => mockHandle(), timers, [], statuses);
    await b.start();
    await until(() => b.status().state === 'logged_in', 'login');
    expect(statuses).toEqual(['starting', 'logged_in']);
    expect(b.status().self?.name).toBe('小林');
    expect(timers.delays()).toEqual([]); // the login timeout is disarmed by the login
  });

  it('reconnects with doubling back-off while the puppet cannot start, then logs in', async () => {
    const timers = new ManualTimers();
    let attempts = 0;
    const b = bot(async () => {
      attempts++;
      if (attempts <= 3) throw new Error('gateway unreachable');
      return mockHandle();
    }, timers);
    await b.start();
    expect(b.status()).toMatchObject({ state: 'reconnecting', attempt: 1, reason: 'gateway unreachable' });
    expect(timers.delays()).toEqual([1000]);
    timers.fire(1000);
    await until(() => b.status().attempt === 2, 'second attempt');
    expect(timers.delays()).toEqual([2000]);
    timers.fire(2000);
    await until(() => b.status().attempt === 3, 'third attempt');
    expect(timers.delays()).toEqual([4000]);
    timers.fire(4000);
    await until(() => b.status().state === 'logged_in', 'login after three failures');
    expect(attempts).toBe(4);
  });

  it('reconnects when the puppet dies after login, and hears messages again on the new puppet', async () => {
    const timers = new ManualTimers();
    const events: ChannelEvent[] = [];
    const handles: ReturnType<typeof mockHandle>[] = [];
    const b = bot(async () => {
      const h = mockHandle();
      handles.push(h);
      return h;
    }, timers, events);
    await b.start();
    await until(() => b.status().state === 'logged_in', 'login');
    const first = handles[0]!;
    await first.puppet.stop();
    first.puppet.emit('error', { data: 'connection reset by peer' });
    // The stopping puppet logs out first; its error then says it is gone: a reconnect is scheduled.
    await until(() => b.status().attempt === 1, 'reconnect scheduled');
    expect(b.status()).toMatchObject({ state: 'reconnecting', reason: 'the puppet stopped: connection reset by peer' });
    expect(b.wechaty()).toBeUndefined();
    timers.fire(1000);
    await until(() => b.status().state === 'logged_in', 'second login');
    const second = handles[1]!;
    const amy = second.mocker.createContact({ name: '王芳' });
    amy.say('在吗').to(second.mocker.ContactMock.load(b.wechaty()!.currentUser.id));
    await until(() => events.length === 1, 'message on the new puppet');
    expect(events[0]).toMatchObject({ kind: 'message', text: '在吗' });
  });

  it('fails for good on an error that says retrying cannot help', async () => {
    const timers = new ManualTimers();
    const b = bot(async () => {
      throw Object.assign(new Error('KOC_PUPPET_TOKEN_MISSING: the environment variable KOCFLOW_TOKEN_A1 is not set'), { retryable: false });
    }, timers);
    await b.start();
    expect(b.status()).toMatchObject({ state: 'failed', reason: 'KOC_PUPPET_TOKEN_MISSING: the environment variable KOCFLOW_TOKEN_A1 is not set' });
    expect(timers.delays()).toEqual([]);
  });

  it('waits for a scan without a deadline once the puppet shows a QR code, then logs in', async () => {
    const timers = new ManualTimers();
    const handle = { ...mockHandle(), autoLogin: undefined };
    const b = bot(async () => handle, timers);
    await b.start();
    handle.puppet.emit('scan', { qrcode: 'https://login.weixin.qq.com/l/abc', status: 2 });
    await until(() => b.status().state === 'waiting_for_scan', 'waiting for a scan');
    expect(b.status().qr).toBe('https://login.weixin.qq.com/l/abc');
    expect(timers.delays()).toEqual([]); // a person has to scan: no reconnect while the code is shown
    handle.mocker.login(handle.mocker.createContact({ name: '小林' }));
    await until(() => b.status().state === 'logged_in', 'login after the scan');
  });

  it('reconnects when neither a login nor a QR code comes within the login timeout', async () => {
    const timers = new ManualTimers();
    const b = bot(async () => ({ ...mockHandle(), autoLogin: undefined }), timers);
    await b.start();
    expect(b.status().state).toBe('starting');
    expect(timers.delays()).toEqual([60_000]);
    timers.fire(60_000);
    await until(() => b.status().state === 'reconnecting', 'reconnecting');
    expect(b.status().reason).toBe('no login and no QR code within 60 s');
  });
});
