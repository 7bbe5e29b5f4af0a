import { describe, expect, it } from 'vitest';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { FakeClock } from '../../src/simulate/fakeChannel.ts';

const T0 = new Date('2026-12-05T02:00:00.000Z');
const MINUTE = 60_000;

function guard(options: Partial<ConstructorParameters<typeof RedemptionGuard>[0]> = {}) {
  const clock = new FakeClock(T0);
  return { clock, guard: new RedemptionGuard({ clock, ...options }) };
}

describe('RedemptionGuard', () => {
  it('allows 10 unknown codes per 10 minutes, then locks the source for 15 minutes from the 10th', () => {
    const { clock, guard: g } = guard();
    for (let i = 0; i < 9; i++) {
      expect(g.check('till-1')).toEqual({ allowed: true, remaining: 10 - i });
      expect(g.recordFailure('till-1')).toEqual({ allowed: true, remaining: 9 - i });
      clock.set(new Date(clock.now().getTime() + 30_000));
    }
    const lockedAt = clock.now();
    expect(g.recordFailure('till-1')).toEqual({ allowed: false, until: new Date(lockedAt.getTime() + 15 * MINUTE), retryAfterMs: 15 * MINUTE });
    clock.set(new Date(lockedAt.getTime() + 15 * MINUTE - 1));
    expect(g.check('till-1')).toEqual({ allowed: false, until: new Date(lockedAt.getTime() + 15 * MINUTE), retryAfterMs: 1 });
    // Failures during the lockout do not extend it.
    expect(g.recordFailure('till-1').allowed).toBe(false);
    clock.set(new Date(lockedAt.getTime() + 15 * MINUTE));
    expect(g.check('till-1')).toEqual({ allowed: true, remaining: 10 });
  });

  it('counts per source: one locked till does not lock another', () => {
    const { guard: g } = guard();
    for (let i = 0; i < 10; i++) g.recordFailure('till-1');
    expect(g.check('till-1').allowed).toBe(false);
    expect(g.check('till-2')).toEqual({ allowed: true, remaining: 10 });
    expect(g.check('staff:abc')).toEqual({ allowed: true, remaining: 10 });
  });

  it('forgets failures older than the window (sliding), so a slow typist is never locked', () => {
    const { clock, guard: g } = guard();
    for (let i = 0; i < 100; i++) {
      expect(g.recordFailure('chat:wang').allowed).toBe(true);
      clock.set(new Date(clock.now().getTime() + 67_000)); // 9 gaps of 67 s > 10 minutes: never 10 within one window
    }
    // Ten in quick succession still lock.
    for (let i = 0; i < 9; i++) g.recordFailure('chat:wang');
    expect(g.check('chat:wang').allowed).toBe(false);
  });

  it('counts only unknown codes: an expired, redeemed or other store\'s coupon is not a guess; a success resets nothing', () => {
    const { guard: g } = guard({ maxFailures: 3 });
    g.record('api:key-1', { ok: false, reason: 'expired' });
    g.record('api:key-1', { ok: false, reason: 'already_redeemed' });
    g.record('api:key-1', { ok: false, reason: 'wrong_store' });
    expect(g.check('api:key-1')).toEqual({ allowed: true, remaining: 3 });
    g.record('api:key-1', { ok: false, reason: 'not_found' });
    g.record('api:key-1', { ok: false, reason: 'not_found' });
    g.record('api:key-1', { ok: true });
    expect(g.check('api:key-1')).toEqual({ allowed: true, remaining: 1 });
    expect(g.record('api:key-1', { ok: false, reason: 'not_found' }).allowed).toBe(false);
  });

  it('takes its limits as options; reset lifts a lockout', () => {
    const { clock, guard: g } = guard({ maxFailures: 2, windowMs: MINUTE, lockoutMs: 5 * MINUTE });
    g.recordFailure('x');
    clock.set(new Date(T0.getTime() + MINUTE)); // the first one has left the window
    expect(g.recordFailure('x')).toEqual({ allowed: true, remaining: 1 });
    expect(g.recordFailure('x')).toMatchObject({ allowed: false, retryAfterMs: 5 * MINUTE });
    g.reset('x');
    expect(g.check('x')).toEqual({ allowed: true, remaining: 2 });
  });

  it('keeps memory bounded: at most maxSources sources, unlocked ones forgotten first', () => {
    const { guard: g } = guard({ maxSources: 100, maxFailures: 2 });
    g.recordFailure('locked');
    g.recordFailure('locked');
    for (let i = 0; i < 1_000; i++) g.recordFailure(`ip-${i}`);
    expect(g.size).toBe(100);
    expect(g.check('locked').allowed).toBe(false);
    expect(g.check('ip-999')).toEqual({ allowed: true, remaining: 1 });
    expect(g.check('ip-0')).toEqual({ allowed: true, remaining: 2 });
  });
});
