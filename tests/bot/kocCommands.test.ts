import { expect, it } from 'vitest';
import { formatCode } from '../../src/referral/codes.ts';
import { reviewSubmission } from '../../src/runtime/koc/review.ts';
import { guideAccount } from '../support/engine.ts';
import { addKoc, KOC_FILES } from '../support/koc.ts';
import { runtimeWorld, stoppedAfterEach } from '../support/runtime.ts';
import { describeEachStore, type StoreTestContext } from '../support/stores.ts';

/**
 * The KOC program in chat, through real Wechaty events on the mock puppet: tasks chosen both ways, the content
 * pack, ops' review paying the points, /stats, /rank, /code, /tag, /feedback, participation points in a group,
 * reminders and expiry — and every bad input answered in one clear line. Monday 2026-12-07 10:00 in Shanghai.
 */
const START = new Date('2026-12-07T02:00:00Z');
const later = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
const DAY = 24 * 60;

const worlds = stoppedAfterEach();

async function kocWorld(ctx: StoreTestContext) {
  const store = await ctx.freshStore();
  await store.prisma.store.create({ data: { id: 'sh-01', name: '上海南京西路店' } });
  await store.prisma.account.create({ data: { id: 'sh-guide-1', displayName: '小林', role: 'guide', storeId: 'sh-01' } });
  const zhou = await addKoc(store.prisma, { wecomUserId: 'staff-zhou', name: '周大使', tier: '潜力' });
  const wang = await addKoc(store.prisma, { wecomUserId: 'staff-wang', name: '王核心', tier: '核心' });
  const lin = await addKoc(store.prisma, { wecomUserId: 'staff-lin', name: '林导购', role: 'guide', tier: '普通', accountId: 'sh-guide-1' });
  const w = await runtimeWorld(store, {
    files: { ...KOC_FILES, 'arrived.yaml': 'id: arrived\ntrigger: { on: tag.added, tag: 已到店 }\nsteps:\n  - say: "到店了就好！"\n' }, start: START,
    accounts: [{ profile: guideAccount({ ownerStaffExternalId: 'staff-lin' }), commanders: ['staff-zhou', 'staff-wang'] }],
    staff: [{ id: 'staff-lin', name: '林导购' }, { id: 'staff-zhou', name: '周大使' }, { id: 'staff-wang', name: '王核心' }],
    runtime: { koc: { linkBase: 'https://koc.example.com' } },
  });
  worlds.push(w);
  const person = (name: string, id: string) => {
    const c = w.customer(name, 'sh-guide-1', id);
    return {
      ...c,
      /** Sends a command and returns the answer. */
      async ask(text: string): Promise<string> {
        const before = c.received.length;
        const target = w.handled.length + 1;
        c.say(text);
        await w.waitForHandled(target);
        await new Promise((resolve) => setImmediate(resolve));
        return c.received.slice(before).join('\n');
      },
    };
  };
  return { w, store, prisma: store.prisma, ids: { zhou: zhou.staff.id, wang: wang.staff.id, lin: lin.staff.id }, codes: { zhou: zhou.code }, person };
}

async function numberOf(prisma: StoreTestContext['prisma'], staffId: string, taskId: string): Promise<number> {
  return (await prisma.taskAssignment.findUniqueOrThrow({ where: { taskId_staffId: { taskId, staffId } } })).number;
}

describeEachStore('KOC commands in chat', (ctx) => {
  it('/tasks → /accept → content pack → /submit → ops approve → points, /stats and /rank; bad inputs get one clear line', async () => {
    const { w, prisma, ids, codes, person } = await kocWorld(ctx);
    const zhou = person('周大使', 'staff-zhou');
    const wang = person('王核心', 'staff-wang');
    const lin = person('林导购', 'staff-lin');

    // Wang looks first: both tasks are offered to him (he is 核心).
    expect(await wang.ask('/tasks')).toMatch(/^你的任务：\n#\d+ 发一条春季新品朋友圈（30 分）待接受/);
    const zhouList = await zhou.ask('/tasks');
    const post = await numberOf(prisma, ids.zhou, 'spring-post');
    const survey = await numberOf(prisma, ids.zhou, 'survey');
    expect(zhouList).toBe([
      '你的任务：',
      `#${post} 发一条春季新品朋友圈（30 分）待接受`,
      `  接受：/accept ${post}　不做：/decline ${post}`,
      `#${survey} 填写新品试用问卷（5 分）待接受`,
      `  接受：/accept ${survey}　不做：/decline ${survey}`,
    ].join('\n'));
    // 普通 Lin is offered the survey only: the post is for 潜力 and 核心.
    expect(await lin.ask('/tasks')).toMatch(/^你的任务：\n#\d+ 填写新品试用问卷（5 分）待接受/);

    expect(await zhou.ask('/accept')).toBe('请写任务编号，例如：/accept 12');
    expect(await zhou.ask('/accept 9999')).toBe('没有找到你的任务 #9999。发 /tasks 查看你的任务。');
    const wangPost = await numberOf(prisma, ids.wang, 'spring-post');
    expect(await zhou.ask(`/accept ${wangPost}`)).toBe(`没有找到你的任务 #${wangPost}。发 /tasks 查看你的任务。`); // someone else's
    expect(await zhou.ask(`/accept ${post}`)).toBe(`好的，已接受任务 #${post}「发一条春季新品朋友圈」，12-10 10:00 前完成。素材马上发给你，完成后发 /submit ${post} 链接或说明。`);
    expect(await zhou.ask(`/accept ${post}`)).toBe(`你已经接受了任务 #${post}，完成后发 /submit ${post} 链接或说明。`);
    // The post has one place: Wang, offered it earlier, finds it taken.
    expect(await wang.ask(`/accept ${wangPost}`)).toBe(`任务 #${wangPost} 的名额已满（共 1 个）。`);

    await w.runUntil(later(5));
    expect(zhou.received.at(-1)).toBe([
      `【任务 #${post} 素材】发一条春季新品朋友圈`,
      `周大使推荐：春季新品到店，报我的推荐码 ${formatCode(codes.zhou)} 有礼`,
      'https://example.com/spring',
      `完成后发 /submit ${post} 链接或说明（12-10 10:00 截止）`,
    ].join('\n'));

    expect(await zhou.ask(`/decline ${survey} 这周太忙`)).toBe(`好的，任务 #${survey} 不做了，原因已记下。谢谢告诉我们！`);
    expect(await zhou.ask(`/submit ${survey} https://example.com/x`)).toBe(`任务 #${survey} 你已经拒绝了，不能提交。想做的话先 /accept ${survey}。`);
    expect(await zhou.ask(`/submit ${post}`)).toBe(`请附上链接或说明，例如：/submit ${post} https://…`);
    expect(await zhou.ask(`/submit ${post} https://moments.example.com/p/1`)).toBe(`已提交任务 #${post}，运营审核后会通知你，通过即得 30 分。`);
    const linSurvey = await numberOf(prisma, ids.lin, 'survey');
    expect(await lin.ask(`/submit ${linSurvey} 填好了`)).toBe(`请先 /accept ${linSurvey} 接受任务 #${linSurvey}，再提交。`);

    // Ops approve (kocflow tasks review --approve N): the points are credited once, the KOC is told.
    const review = await reviewSubmission(prisma, w.runtime.koc.notes, { number: post, approve: true, note: '拍得很好', actor: 'cli', at: later(10) });
    expect(review).toMatchObject({ ok: true, credited: 30 });
    expect(await reviewSubmission(prisma, w.runtime.koc.notes, { number: post, approve: true, note: '再来', actor: 'cli', at: later(10) })).toMatchObject({ ok: false, reason: 'not_submitted' });
    await w.runUntil(later(15));
    expect(zhou.received.at(-1)).toBe(`任务 #${post}「发一条春季新品朋友圈」审核通过，+30 分！\n运营：拍得很好\n发 /stats 看看你的排名。`);
    const ledger = await prisma.pointsLedger.findMany({ where: { staffId: ids.zhou } });
    expect(ledger.map((l) => [l.amount, l.sourceKind, l.reason])).toEqual([[30, 'task', '任务：发一条春季新品朋友圈']]);
    expect((await prisma.kocProfile.findUniqueOrThrow({ where: { staffId: ids.zhou } })).pointsBalance).toBe(30);
    expect(await zhou.ask(`/submit ${post} 再交一次`)).toBe(`任务 #${post} 已审核通过，不用再操作。`);

    expect(await zhou.ask('/stats')).toBe(['周大使（潜力）近 7 天：', '推荐到店：0 人', '发券：0 张　核销：0 张', '积分：+30（累计 30）', '排名：第 1 名 / 3 人'].join('\n'));
    expect(await lin.ask('/rank')).toBe(['近 7 天积分榜：', '1. 周大使（潜力）30 分', '2. 林导购（普通）0 分', '2. 王核心（核心）0 分', '你：第 2 名，0 分'].join('\n'));
    expect(await zhou.ask('/code')).toBe(`你的专属推荐码：${formatCode(codes.zhou)}\n专属链接：https://koc.example.com/r/${formatCode(codes.zhou)}\n朋友加导购时在招呼语里写上它，或发给导购，就会记在你名下。`);
  });

  it('a task someone may no longer take (demoted since the offer) is refused with the tiers it is for', async () => {
    const { prisma, ids, person } = await kocWorld(ctx);
    const zhou = person('周大使', 'staff-zhou');
    await zhou.ask('/tasks');
    const post = await numberOf(prisma, ids.zhou, 'spring-post');
    await prisma.kocProfile.update({ where: { staffId: ids.zhou }, data: { tier: '普通' } });
    expect(await zhou.ask(`/accept ${post}`)).toBe(`任务 #${post} 只对 潜力、核心 等级开放，你目前是 普通。`);
    expect((await prisma.taskAssignment.findUniqueOrThrow({ where: { number: post } })).status).toBe('offered');
  });

  it('an accepted task is reminded a day before it is due and expires unsubmitted; the KOC is told both times', async () => {
    const { w, prisma, ids, person } = await kocWorld(ctx);
    const zhou = person('周大使', 'staff-zhou');
    await zhou.ask('/tasks');
    const post = await numberOf(prisma, ids.zhou, 'spring-post');
    await zhou.ask(`/accept ${post}`);
    await w.runUntil(later(2 * DAY - 1));
    expect(zhou.received.filter((t) => t.startsWith('提醒'))).toEqual([]);
    await w.runUntil(later(2 * DAY + 1));
    expect(zhou.received.filter((t) => t.startsWith('提醒'))).toEqual([`提醒：任务 #${post}「发一条春季新品朋友圈」将在 12-10 10:00 截止。完成后发 /submit ${post} 链接或说明`]);
    await w.runUntil(later(3 * DAY + 1));
    expect(zhou.received.at(-1)).toBe(`任务 #${post}「发一条春季新品朋友圈」已过截止时间，没有提交，已过期。发 /tasks 看看别的任务。`);
    const row = await prisma.taskAssignment.findUniqueOrThrow({ where: { number: post } });
    expect([row.status, row.remindedAt?.toISOString()]).toEqual(['expired', later(2 * DAY).toISOString()]);
    expect(await zhou.ask(`/submit ${post} 晚了`)).toBe(`任务 #${post} 已过期。`);
    expect(zhou.received.filter((t) => t.startsWith('提醒'))).toHaveLength(1);
  });

  it('participation points: a KOC\'s messages in a 车友会 group pay 2 points each up to 6 a day; short ones and other groups pay nothing', async () => {
    const { w, prisma, ids } = await kocWorld(ctx);
    const zhou = w.customer('周大使', 'sh-guide-1', 'staff-zhou');
    const amy = w.customer('王芳');
    const club = w.room('车友会1群', [zhou, amy]);
    const other = w.room('闲聊群', [zhou]);
    const { mocker } = w.mocks();
    let handled = 0;
    const inRoom = async (room: typeof club, text: string, who = zhou) => {
      mocker.ContactMock.load(who.id).say(text).to(room.room);
      await w.waitForHandled(++handled);
    };
    await inRoom(club, '这款车的油耗怎么样？');
    await inRoom(club, '好的'); // too short
    await inRoom(club, '周末去试驾了，很不错');
    await inRoom(other, '今天天气真好啊'); // not a 车友会 group
    await inRoom(club, '大家有问题可以问我');
    await inRoom(club, '再分享一张照片给大家');  // over the cap
    await inRoom(club, '客户也能说这么长的话', amy); // not a KOC
    const today = await prisma.pointsLedger.findMany({ where: { staffId: ids.zhou }, orderBy: { id: 'asc' } });
    expect(today.map((l) => [l.amount, l.sourceKind, l.reason])).toEqual([[2, 'participation', '群内互动'], [2, 'participation', '群内互动'], [2, 'participation', '群内互动']]);
    // The next local day (midnight in Shanghai is 16:00 UTC) pays again.
    await w.runUntil(new Date('2026-12-07T16:00:01Z'));
    await inRoom(club, '早上好，今天店里有活动');
    expect(await prisma.pointsLedger.count({ where: { staffId: ids.zhou, sourceKind: 'participation' } })).toBe(4);
    expect((await prisma.kocProfile.findUniqueOrThrow({ where: { staffId: ids.zhou } })).pointsBalance).toBe(8);
  });

  it('/tag tags a customer by name (tag.added flows run, the bot tags in WeCom); /feedback lands in the ops queue with context; non-KOC staff are told', async () => {
    const { w, prisma, ids, person } = await kocWorld(ctx);
    const lin = person('林导购', 'staff-lin');
    const amy = w.customer('王芳');
    amy.say('你好');
    await w.waitForHandled(1);
    expect(await lin.ask('/tag')).toBe('请写客户和标签，例如：/tag 王芳 已到店');
    expect(await lin.ask('/tag 李雷 已到店')).toBe('没有找到客户「李雷」，请写客户的名字或备注。');
    expect(await lin.ask('/tag 王芳 已到店')).toBe('已给 王芳 打上「已到店」标签。');
    expect(await lin.ask('/tag 王芳 已到店')).toBe('王芳 已经有「已到店」标签了。');
    await w.runUntil(later(5));
    expect(amy.received).toEqual(['到店了就好！']); // the tag.added flow ran
    const contact = await prisma.contact.findFirstOrThrow({ where: { name: '王芳' }, include: { tags: true } });
    expect(contact.tags.map((t) => t.tag)).toEqual(['已到店']);
    expect(w.mocks().puppet.callLog.entries().filter((e) => e.kind === 'tagContactAdd')).toHaveLength(1);
    w.customer('王芳', 'sh-guide-1', 'twin').say('我也叫王芳');
    await w.waitForHandled(w.handled.length + 1);
    expect(await lin.ask('/tag 王芳 VIP')).toBe('有 2 位客户叫「王芳」，请用备注名区分。');

    expect(await lin.ask('/feedback')).toBe('请写下你的反馈，例如：/feedback 新品素材图片太少了');
    expect(await lin.ask('/feedback 新品素材图片太少了')).toBe('收到，已转给运营同事，谢谢你的反馈！');
    const feedback = await prisma.feedback.findMany();
    expect(feedback.map((f) => [f.staffId, f.text, f.status, f.accountId])).toEqual([[ids.lin, '新品素材图片太少了', 'open', 'sh-guide-1']]);
    expect(feedback[0]!.context).toMatchObject({ tier: '普通', points: 0, role: 'guide', openTasks: [] });

    // A commander who is not in the KOC program (an ops member).
    await prisma.kocProfile.delete({ where: { staffId: ids.wang } });
    const wang = person('王核心', 'staff-wang');
    expect(await wang.ask('/tasks')).toBe('你还不是 KOC，暂时没有任务和积分。');
    expect(await wang.ask('/stats')).toBe('你还不是 KOC，暂时没有任务和积分。');
    expect(await wang.ask('/accept 1')).toBe('你还不是 KOC，暂时没有任务和积分。');
  });
});
