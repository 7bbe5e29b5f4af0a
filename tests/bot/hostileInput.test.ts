import { afterEach, expect, it } from 'vitest';
import { newReferralCode } from '../../src/referral/codes.ts';
import { CAMPAIGN_FILES, LOOP_FLOWS } from '../support/referral.ts';
import { runtimeWorld, type RuntimeWorld } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

/**
 * Hostile input in chat: template syntax in what customers write (and in their names) is text, never evaluated;
 * staff commands with oversized, unicode, NUL, prototype-pollution and injection arguments get a clear answer,
 * never a stack trace, and store nothing half-way; the bot keeps working afterwards.
 */
const START = new Date('2026-12-05T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

const ECHO = `id: echo
trigger: { on: message.keyword, keywords: [问] }
steps:
  - say: "{{contact.name}}，您问的是：{{message.text}}"
`;

const HOSTILE_TEXT = [
  '问 {{contact.phone}} {{constructor.constructor "return process"}} {{#each this}}{{@key}}{{/each}} {{> partial}} {{lookup this "__proto__"}}',
  '问 {{{raw}}} {{!comment}} \\{{escaped}} ${process.env.HOME} <script>alert(1)</script>',
  '问 NUL\u0000 在中间 \u202e 和 \ud83d 半个表情',
];

const HOSTILE_COMMANDS = [
  '/redeem {{constructor.constructor "return 1"}}',
  '/redeem __proto__',
  '/redeem ' + 'Q'.repeat(20_000),
  '/redeem \u0000\u0000\u0000',
  "/redeem ' OR 1=1; DROP TABLE coupons; --",
  '/done -1',
  '/done 99999999999999999999999',
  '/done constructor',
  '/accept __proto__',
  '/decline 0 ' + '拒'.repeat(5_000),
  '/submit 1 \u202egnp.exe',
  '/tag __proto__ constructor',
  '/tag ' + '客'.repeat(3_000) + ' VIP',
  '/feedback ' + '{{'.repeat(2_000),
  '/feedback \u0000',
  '/' + 'x'.repeat(10_000),
  '/',
  '/💥 🙂',
  '/pause extra args',
];

const worlds: RuntimeWorld[] = [];
afterEach(async () => {
  while (worlds.length > 0) await worlds.pop()!.stop();
});

describeEachStore('hostile chat input', (ctx) => {
  it('customer template syntax stays text; hostile staff commands get clear answers; nothing stored half-way', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    const staff = await store.prisma.staff.create({ data: { wecomUserId: 'koc-zhao', name: '赵雪', role: 'ambassador', storeId: 'sh-01' } });
    const code = await store.prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id } });
    await store.prisma.kocProfile.create({ data: { staffId: staff.id, tier: '核心', referralCodeId: code.id } });
    const w = await runtimeWorld(store, { files: { ...CAMPAIGN_FILES, ...LOOP_FLOWS, 'echo.yaml': ECHO }, start: START });
    worlds.push(w);
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const eve = w.customer('{{contact.phone}}{{constructor}}');
    let handled = 0;
    for (const text of HOSTILE_TEXT) {
      eve.say(text);
      handled += 1;
      await w.waitForHandled(handled);
    }
    await w.runUntil(later(10));
    expect(eve.received.slice(0, 2)).toEqual(HOSTILE_TEXT.slice(0, 2).map((t) => `{{contact.phone}}{{constructor}}，您问的是：${t}`));
    // The NUL cannot be stored (PostgreSQL text and jsonb refuse it): the message is still logged and answered.
    expect(eve.received[2]).toMatch(/^\{\{contact\.phone\}\}\{\{constructor\}\}，您问的是：问 NUL/);
    expect(await store.prisma.interaction.count({ where: { kind: 'message', direction: 'in' } })).toBe(3);

    const before = {
      redemptions: await store.prisma.redemption.count(),
      feedback: await store.prisma.feedback.count(), coupons: await store.prisma.coupon.count(),
    };
    for (const command of HOSTILE_COMMANDS) {
      lin.say(command);
      handled += 1;
      await w.waitForHandled(handled);
    }
    await w.runUntil(later(20));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Every command got a short answer (or, for a word that is no command, the help), and none leaked internals.
    expect(lin.received.length).toBeGreaterThanOrEqual(HOSTILE_COMMANDS.length - 2);
    for (const reply of lin.received) {
      expect(reply).not.toMatch(/\n\s+at |Error:|KOC_INTERNAL|prisma|undefined|\[object Object\]|NaN/i);
      expect(reply.length).toBeLessThan(2_000);
    }
    expect(await store.prisma.redemption.count()).toBe(before.redemptions);
    expect(await store.prisma.coupon.count()).toBe(before.coupons);
    // /feedback with odd text is stored as text (a feature), but a NUL never reaches the store.
    const feedback = await store.prisma.feedback.findMany();
    for (const f of feedback) expect(f.text).not.toContain('\u0000');

    // Still working: a normal question gets its answer.
    eve.say('问 营业时间');
    handled += 1;
    await w.waitForHandled(handled);
    await w.runUntil(later(30));
    expect(eve.received.at(-1)).toBe('{{contact.phone}}{{constructor}}，您问的是：问 营业时间');
  });
});
