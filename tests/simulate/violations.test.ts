import { describe, expect, it } from 'vitest';
import { DEFAULT_PACING } from '../../src/engine/pacing/settings.ts';
import type { AccountProfile } from '../../src/engine/ports.ts';
import { checkDeliveries, type SentRecord } from '../../src/simulate/violations.ts';

const account: AccountProfile = {
  id: 'sh-01-g1', name: '小林', role: 'guide', storeId: 'sh-01', storeName: '上海南京西路店', timeZone: 'Asia/Shanghai',
  pacing: { ...DEFAULT_PACING, rampUpDays: 0 }, ownerStaffExternalId: 'u-sh-01-g1', activeSince: new Date('2026-01-01T00:00:00Z'),
};
const accounts = new Map([[account.id, account]]);
let nextId = 1;
/** A send at a local Shanghai time on 2026-12-01 (UTC+8). */
const send = (local: string, overrides: Partial<SentRecord> = {}): SentRecord => {
  const id = String(nextId++);
  return {
    at: new Date(`2026-12-01T${local}+08:00`), accountId: account.id, flowId: 'f', kind: 'say', contactId: `c-${id}`, proactive: true,
    idempotencyKey: `run:r${id}:0:say`, outboxId: id, ...overrides,
  };
};
const check = (sends: SentRecord[], flowPacing: Record<string, object> = {}) => checkDeliveries(sends, accounts, (flow) => (flow ? flowPacing[flow] : undefined));

describe('the violation checks of simulate', () => {
  it('count nothing for sends that keep every rule', () => {
    const result = check([send('10:00:00'), send('10:01:00'), send('12:00:00', { kind: 'tag', proactive: false }), send('21:29:59')]);
    expect(result.violations).toEqual({ quietHours: 0, caps: 0, duplicates: 0, examples: [] });
    expect(result.maxima.get(account.id)).toEqual({ minute: 1, hour: 2, day: 3 });
  });

  it('count a send inside quiet hours, the account\'s or the flow\'s own, but not a tag', () => {
    const result = check([
      send('21:30:00'), send('08:29:59'), send('08:30:00'), send('23:00:00', { kind: 'tag', proactive: false }),
      send('13:00:00', { flowId: 'lunch' }), send('13:00:00'),
      send('22:00:00', { kind: 'staffNote', contactId: null, proactive: false }),
    ], { lunch: { quietHours: { from: '12:00', to: '13:30' } } });
    expect(result.violations.quietHours).toBe(4);
    expect(result.violations.examples.map((e) => e.detail)).toEqual([
      'say at 08:29 local, inside quiet hours 21:30–08:30',
      'say at 13:00 local, inside quiet hours 12:00–13:30',
      'say at 21:30 local, inside quiet hours 21:30–08:30',
      'staffNote at 22:00 local, inside quiet hours 21:30–08:30',
    ]);
    expect(result.violations.caps + result.violations.duplicates).toBe(0);
  });

  it('count a send over the account\'s per-minute limit, and over a new account\'s ramped limit', () => {
    const seven = Array.from({ length: 7 }, (_, i) => send(`10:00:0${i}`)); // the limit is 6 a minute
    expect(check(seven).violations).toMatchObject({ caps: 1, quietHours: 0, duplicates: 0 });
    expect(check(seven).violations.examples[0]).toMatchObject({ rule: 'rate_minute', detail: '7 sends of sh-01-g1 in the minute window, limit 6' });
    // Tags are not rate-limited by pacing, so they do not count against the account.
    expect(check([...seven.slice(0, 6), send('10:00:30', { kind: 'tag', proactive: false })]).violations.caps).toBe(0);
    // A brand-new account may send 20% of its limits on its first day: one a minute.
    const fresh = { ...account, pacing: { ...DEFAULT_PACING, rampUpDays: 14 }, activeSince: new Date('2026-11-30T16:00:00Z') };
    const ramped = checkDeliveries([send('10:00:00'), send('10:00:30')], new Map([[fresh.id, fresh]]), () => undefined);
    expect(ramped.violations.examples.map((e) => e.detail)).toEqual(['2 sends of sh-01-g1 in the minute window, limit 1']);
  });

  it('count a second proactive message to a contact on one local day, but not a reply', () => {
    const result = check([
      send('10:00:00', { contactId: 'amy' }), send('15:00:00', { contactId: 'amy' }),
      send('10:00:00', { contactId: 'bob' }), send('11:00:00', { contactId: 'bob', proactive: false }),
    ]);
    expect(result.violations.caps).toBe(1);
    expect(result.violations.examples[0]).toMatchObject({ rule: 'contact_day_cap', detail: '2 proactive messages to contact amy on 2026-12-01, cap 1' });
  });

  it('count a delivery of an idempotency key that was delivered before', () => {
    const once = send('10:00:00');
    const result = check([once, { ...once, at: new Date(once.at.getTime() + 60_000), contactId: 'other' }]);
    expect(result.violations).toMatchObject({ duplicates: 1, quietHours: 0, caps: 0 });
    expect(result.violations.examples[0]!.detail).toBe(`idempotency key ${once.idempotencyKey} delivered again (outbox ${once.outboxId})`);
  });
});
