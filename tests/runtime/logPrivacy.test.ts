/**
 * PIPL: a customer's phone number and name go through every path kocflow has — a friend request whose greeting
 * carries them, private messages, a group join, a referral code, staff commands naming the customer, flows that
 * greet the customer by name, the till API with hostile bodies, the CLI — with a real pino logger at trace level
 * (kocflow's redaction) and the live log as `kocflow start` writes it for real accounts. No line may contain them.
 * (The CLI's forget/purge output is checked in tests/store/privacy.test.ts.)
 */
import { afterEach, expect, it } from 'vitest';
import { formatCode, newReferralCode } from '../../src/referral/codes.ts';
import { RedemptionGuard } from '../../src/referral/guard.ts';
import { commandForLog } from '../../src/runtime/liveLog.ts';
import { createWebServer } from '../../src/web/server.ts';
import { parseTillKeys } from '../../src/web/tillKeys.ts';
import { captureLogs } from '../support/logCapture.ts';
import { CAMPAIGN_FILES, LOOP_FLOWS } from '../support/referral.ts';
import { runtimeWorld, type RuntimeWorld } from '../support/runtime.ts';
import { describeEachStore } from '../support/stores.ts';

const PHONE = '13912345678';
const PHONE_SPACED = '139 1234 5678';
const NAME = '欧阳小明';
const START = new Date('2026-12-05T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

const FLOWS = {
  'welcome.yaml': `id: welcome
trigger: { on: friend.added }
steps:
  - say: "{{contact.name}}您好，我是小林"
  - tag: [新客]
`,
  'keyword.yaml': `id: keyword
trigger: { on: message.keyword, keywords: [电话] }
steps:
  - say: "{{contact.name}}，收到您的电话，我们会联系您"
`,
  'club.yaml': `id: club
trigger: { on: room.joined, room: { topic: "车友会*" } }
steps:
  - roomSay: "欢迎 @{{member.name}} 加入{{room.topic}}"
`,
};

const SECRET = 'a-till-secret-of-32-characters!!';
const worlds: RuntimeWorld[] = [];
afterEach(async () => {
  while (worlds.length > 0) await worlds.pop()!.stop();
});

describeEachStore('no phone number or name in any log line', (ctx) => {
  it('through chat, flows, commands, the till API and the CLI', async () => {
    const store = await ctx.freshStore();
    await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
    const staff = await store.prisma.staff.create({ data: { wecomUserId: 'koc-zhao', name: '赵雪', role: 'ambassador', storeId: 'sh-01' } });
    const code = await store.prisma.referralCode.create({ data: { code: newReferralCode(), staffId: staff.id } });
    await store.prisma.kocProfile.create({ data: { staffId: staff.id, tier: '核心', referralCodeId: code.id } });

    const logs = captureLogs('trace');
    const live: string[] = [];
    const w = await runtimeWorld(store, {
      files: { ...CAMPAIGN_FILES, ...LOOP_FLOWS, ...FLOWS }, start: START,
      runtime: { logger: logs.logger, liveLog: { write: (line) => void live.push(line), showText: false } },
    });
    worlds.push(w);
    const lin = w.customer('林导购', 'sh-guide-1', 'staff-lin');
    const amy = w.customer(NAME);
    let handled = 0;
    const step = async () => {
      handled += 1;
      await w.waitForHandled(handled);
    };

    // Friend request: the greeting carries the name, the phone and the KOC's code.
    w.mocks().puppet.receiveFriendship(amy.contact, `我是${NAME}，电话${PHONE}，朋友推荐的 ${formatCode(code.code)}`);
    await step();
    await w.runUntil(later(5));
    expect(amy.received[0]).toBe(`${NAME}您好，我是小林`); // the flow did greet them by name: the data went through
    // Messages: the keyword flow answers with the name; a code in a message; template syntax in customer text.
    amy.say(`我的电话 ${PHONE_SPACED}，${NAME}`);
    await step();
    amy.say(`{{contact.phone}} ${PHONE} {{#each this}}x{{/each}}`);
    await step();
    await w.runUntil(later(10));
    // A group join, invited by them.
    const friend = w.customer('路人甲');
    const club = w.room('车友会1群', [amy]);
    club.room.add(friend.contact).by(amy.contact);
    await step();
    await w.runUntil(later(15));
    // Staff commands naming the customer, and a hostile one.
    lin.say(`/tag ${NAME} VIP`);
    await step();
    lin.say(`/feedback 客户${NAME}电话${PHONE}想要试驾`);
    await step();
    const coupon = amy.received.find((t) => /Q[0-9A-Z]{9}/.test(t))?.match(/Q[0-9A-Z]{9}/)?.[0];
    lin.say(`/redeem ${PHONE}`);
    await step();
    await w.runUntil(later(20));

    // The till API, with the name and phone where a code and a staff id go.
    const app = createWebServer({
      referrals: w.runtime.referrals, guard: new RedemptionGuard({ clock: w.clock }),
      tillKeys: parseTillKeys(`till-1:${SECRET}`, 'KOCFLOW_TILL_KEYS'), stores: new Set(['sh-01']),
      raise: (event) => w.runtime.raise(event), prisma: store.prisma, clock: w.clock, logger: logs.logger,
    });
    const post = (payload: string) => app.inject({ method: 'POST', url: '/api/redemptions', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, payload });
    expect((await post(JSON.stringify({ code: PHONE, store: 'sh-01', staff: NAME }))).statusCode).toBe(404);
    expect((await post(JSON.stringify({ code: `${NAME}${PHONE}`.repeat(10), store: 'sh-01' }))).statusCode).toBe(400);
    if (coupon) expect((await post(JSON.stringify({ code: coupon, store: 'sh-01', requestId: PHONE }))).statusCode).toBe(200);
    await app.close();
    await w.runUntil(later(30));

    const chat = [...amy.received, ...lin.received].join('\n');
    expect(chat).not.toContain('{{'); // customer text is never a template
    const text = logs.text() + live.join('');
    expect(logs.lines().length).toBeGreaterThan(5);
    expect(live.length).toBeGreaterThan(5);
    for (const secret of [PHONE, PHONE_SPACED, NAME, SECRET]) expect(text).not.toContain(secret);

    // What the live log keeps of a staff command: the command, task numbers and codes.
    expect(commandForLog('/done 7')).toBe('/done 7');
    expect(commandForLog('/redeem q7kx-4m9a-tf')).toBe('/redeem q7kx-4m9a-tf');
    expect(commandForLog(`/tag ${NAME} VIP`)).toBe('/tag …');
    expect(commandForLog(`/feedback 客户 ${NAME} 电话 ${PHONE_SPACED}`)).toBe('/feedback …');
  });
}, { kinds: ['embedded'] });
