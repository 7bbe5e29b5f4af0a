import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../src/engine/ports.ts';
import { LiveLog, maskName } from '../../src/runtime/liveLog.ts';
import { guideAccount } from '../support/engine.ts';

const now = new Date('2026-12-01T02:00:05Z'); // 10:00:05 in Shanghai
const account = guideAccount();

function log(showText: boolean) {
  const lines: string[] = [];
  const live = new LiveLog({ write: (line) => lines.push(line.trimEnd()), accounts: { list: () => [account], get: () => account }, now: () => now, showText });
  return { live, lines };
}

function entry(overrides: Partial<OutboxRecord> & { contact?: { name: string | null; alias: string | null } } = {}): OutboxRecord {
  return {
    id: 7n, idempotencyKey: 'k', accountId: account.id, runId: 'r', stepIndex: 0, flowId: 'welcome', mode: 'auto', proactive: true,
    contactId: 'c1', roomId: null, dueAt: now, status: 'pending', attempts: 0, deferredReason: null,
    action: { kind: 'say', accountId: account.id, contactExternalId: 'wx-1', content: { text: '王芳您好，电话 13812345678 找我' } },
    contact: { name: '王芳', alias: null },
    ...overrides,
  } as OutboxRecord;
}

describe('the live log', () => {
  it('masks names and phone numbers, and shows text only when asked', () => {
    expect(maskName('王芳')).toBe('王*');
    expect(maskName('Alexander')).toBe('A****');
    expect(maskName(null)).toBe('someone');
    const demo = log(true);
    demo.live.observer().outboxSettled!({ entry: entry(), outcome: { decision: 'sent' } });
    expect(demo.lines).toEqual(['10:00:05  sh-guide-1     → message to 王*  [welcome] "王芳您好，电话 138****5678 找我"']);
    const real = log(false);
    real.live.observer().outboxSettled!({ entry: entry(), outcome: { decision: 'sent' } });
    expect(real.lines).toEqual(['10:00:05  sh-guide-1     → message to 王*  [welcome]']);
  });

  it('shows a KOC\'s tier change with its reason, the name masked', () => {
    const { live, lines } = log(false);
    live.tierChange({ accountId: account.id, kocName: '李磊', from: '普通', to: '潜力', reason: '30 天内 140 分、活跃 5 天' });
    live.tierChange({ accountId: undefined, kocName: '赵雪', from: '核心', to: '潜力', reason: '30 天内 80 分、活跃 2 天' });
    expect(lines).toEqual([
      '10:00:05  sh-guide-1     ◆ tier: 李* 普通 → 潜力 (30 天内 140 分、活跃 5 天)',
      '10:00:05  -              ◆ tier: 赵* 核心 → 潜力 (30 天内 80 分、活跃 2 天)',
    ]);
  });

  it('says why a send is held, once per reason, and when', () => {
    const { live, lines } = log(false);
    const observer = live.observer();
    observer.outboxSettled!({ entry: entry(), outcome: { decision: 'deferred', until: new Date('2026-12-01T02:00:30Z'), reason: 'spacing' } });
    observer.outboxSettled!({ entry: entry({ deferredReason: 'spacing' }), outcome: { decision: 'deferred', until: new Date('2026-12-01T02:01:00Z'), reason: 'spacing' } });
    observer.outboxSettled!({ entry: entry({ deferredReason: 'spacing' }), outcome: { decision: 'deferred', until: new Date('2026-12-02T00:30:00Z'), reason: 'quiet_hours' } });
    observer.outboxSettled!({ entry: entry(), outcome: { decision: 'skipped', reason: 'opted_out' } });
    expect(lines).toEqual([
      '10:00:05  sh-guide-1     ⏸ message to 王*  [welcome] held until 10:00:30: gap between two sends',
      '10:00:05  sh-guide-1     ⏸ message to 王*  [welcome] held until 12-02 08:30: quiet hours',
      '10:00:05  sh-guide-1     ✕ message to 王*  [welcome] skipped: the customer opted out (退订)',
    ]);
  });

  it('shows assist task cards as cards, and staff commands as typed', () => {
    const { live, lines } = log(false);
    live.observer().outboxSettled!({ entry: entry({ mode: 'assist', action: { kind: 'moment', accountId: account.id, text: '新品' } }), outcome: { decision: 'sent', mode: 'assist' } });
    live.command({ kind: 'message', accountId: account.id, eventId: 'e', at: now, contact: { externalId: 'staff-lin', name: '林导购' }, text: '/done 7' }, 'done');
    expect(lines).toEqual(['10:00:05  sh-guide-1     ✎ task card #7 to the owner: Moment  [welcome]', '10:00:05  sh-guide-1     ⌘ staff 林**: /done 7']);
  });
});
