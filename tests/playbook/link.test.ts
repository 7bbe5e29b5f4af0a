import { describe, expect, it } from 'vitest';
import { CAMPAIGN, TIERS, loadFiles, where } from '../support/playbooks.ts';

const flow = (steps: string, trigger = '{ on: friend.added }') => `id: f\ntrigger: ${trigger}\nsteps:\n${steps}`;

describe('linking playbooks across files', () => {
  it('reports a duplicate id at the second file, naming the first', () => {
    const d = loadFiles({
      'a.yaml': 'id: same\ntrigger: { on: friend.added }\nsteps: [{ say: hi }]\n',
      'b.yaml': 'kind: campaign\nid: same\nname: x\ncoupon: { title: t, value: v, validDays: 1 }\n',
    }).diagnostics;
    expect(where(d)).toEqual(['b.yaml:2:5 KOC_PLAYBOOK_DUPLICATE_ID']);
    expect(d[0]!.message).toContain('a.yaml:1:5');
  });

  it('resolves campaigns, tiers, tasks, templates and assets, and suggests near misses', () => {
    const files = {
      'c.yaml': CAMPAIGN,
      't.yaml': TIERS,
      'task.yaml': 'kind: task\nid: post\ntitle: 发圈\neligible: { tiers: [核芯] }\n',
      'lib.yaml': 'kind: library\nid: lib\ntemplates: { hello: "您好{{contact.name}}" }\nassets: { logo: assets/logo.png, gone: assets/gone.png }\n',
      'f.yaml': flow(
        '  - say: { template: helo }\n  - say: hi\n    coupon: { campaign: welcom }\n  - say: { image: lgo }\n  - say: { image: assets/missing.png }\n  - when: { tier: [核心] }\n    tag: [x]\n',
      ),
      'g.yaml': 'id: g\ntrigger: { cron: "0 9 * * 1", audience: { staff: { tiers: [核心] } } }\nsteps:\n  - assignTask: { task: psot }\n',
    };
    const d = loadFiles(files, { 'assets/logo.png': 'png' }).diagnostics;
    expect(where(d)).toEqual([
      'f.yaml:4:22 KOC_PLAYBOOK_UNKNOWN_REF',
      'f.yaml:6:25 KOC_PLAYBOOK_UNKNOWN_REF',
      'f.yaml:7:19 KOC_PLAYBOOK_UNKNOWN_REF',
      'f.yaml:8:19 KOC_PLAYBOOK_FILE_MISSING',
      'g.yaml:4:25 KOC_PLAYBOOK_UNKNOWN_REF',
      'lib.yaml:4:40 KOC_PLAYBOOK_FILE_MISSING',
      'task.yaml:4:21 KOC_PLAYBOOK_UNKNOWN_REF',
    ]);
    expect(d.map((x) => x.message)).toEqual([
      'unknown template "helo" (did you mean "hello"?)',
      'unknown campaign "welcom" (did you mean "welcome"?)',
      'unknown asset "lgo" (did you mean "logo"?); name an asset of a library file or give a file path',
      'file "assets/missing.png" does not exist (paths are relative to the playbook folder)',
      'unknown task "psot" (did you mean "post"?)',
      'asset file "assets/gone.png" does not exist (paths are relative to the playbook folder)',
      'unknown tier "核芯" (did you mean "核心"?); tiers are 普通, 核心',
    ]);
  });

  it('does not cascade: a reference to a document with its own error is not reported again', () => {
    const d = loadFiles({
      'c.yaml': 'kind: campaign\nid: welcome\nname: x\ncoupon: { title: t, value: v, validUntil: 2026-02-30 }\n',
      'f.yaml': flow('  - say: "{{coupon.code}}"\n    coupon: { campaign: welcome }\n'),
    }).diagnostics;
    expect(where(d)).toEqual(['c.yaml:4:43 KOC_DATE_INVALID']);
  });

  it('checks template variables against what the trigger provides', () => {
    const d = loadFiles({
      'c.yaml': CAMPAIGN,
      'f.yaml': flow('  - say: "{{contact.nmae}} {{coupon.code}}"\n  - say: "{{coupon.code}} {{date coupon.expiresAt \'M月D日\'}}"\n    coupon: { campaign: welcome }\n  - say: "{{member.name}}"\n'),
      'r.yaml': 'id: r\ntrigger: { on: room.joined }\nsteps:\n  - roomSay: "欢迎 {{member.name}} {{inviter.name}} {{room.topic}} {{contact.name}}"\n',
    }).diagnostics;
    expect(where(d)).toEqual([
      'f.yaml:4:10 KOC_TEMPLATE_UNKNOWN_VARIABLE',
      'f.yaml:4:10 KOC_TEMPLATE_UNKNOWN_VARIABLE',
      'f.yaml:7:10 KOC_TEMPLATE_UNKNOWN_VARIABLE',
      'r.yaml:4:14 KOC_TEMPLATE_UNKNOWN_VARIABLE',
    ]);
    expect(d[0]!.message).toBe('"contact" has no field "nmae" (did you mean "name"?); available here: contact.id, contact.name, contact.alias, contact.tags, contact.attributes');
    expect(d[1]!.message).toMatch(/^this flow's trigger does not provide "coupon"/);
  });

  it('reports template syntax errors and unknown helpers', () => {
    const d = loadFiles({ 'f.yaml': flow('  - say: "{{contact.name"\n  - say: "{{upper contact.name}}"\n  - say: "{{> partial}}"\n') }).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['KOC_TEMPLATE_SYNTAX', 'KOC_TEMPLATE_UNKNOWN_HELPER', 'KOC_TEMPLATE_SYNTAX']);
  });

  it('enforces WeCom Moments limits and warns on automatic Moments', () => {
    const long = '春'.repeat(2001);
    const images = Array.from({ length: 10 }, (_, i) => `assets/${i}.png`).join(', ');
    const assets = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`assets/${i}.png`, 'png']));
    const d = loadFiles({
      'm.yaml': `id: m\ntrigger: { cron: "0 20 * * 1" }\nsteps:\n  - moment: { text: "${long}" }\n  - moment: { images: [${images}] }\n  - moment: { text: hi, images: [assets/1.png], link: { url: "https://a.cn", title: t } }\n  - moment: { text: "ok {{store.name}}" }\n    mode: auto\n`,
    }, assets).diagnostics;
    expect(where(d)).toEqual([
      'm.yaml:4:21 KOC_MOMENT_LIMIT',
      'm.yaml:5:23 KOC_MOMENT_LIMIT',
      'm.yaml:6:55 KOC_MOMENT_LIMIT',
      'm.yaml:8:11 KOC_MOMENT_AUTO',
    ]);
    expect(d[0]!.message).toContain('2001 characters; WeCom allows 2000');
    expect(d[3]!.severity).toBe('warning');
  });

  it('counts only the fixed text of a template against the Moments limit', () => {
    const text = `${'春'.repeat(1990)}{{store.name}}`;
    expect(loadFiles({ 'm.yaml': `id: m\ntrigger: { cron: "0 20 * * 1" }\nsteps:\n  - moment: { text: "${text}" }\n` }).diagnostics).toEqual([]);
  });

  it('refuses steps that do not fit the flow\'s subject', () => {
    const d = loadFiles({
      'r.yaml': 'id: r\ntrigger: { on: room.joined }\nsteps:\n  - say: hi\n  - awardPoints: { to: referrer, amount: 5, reason: x }\n',
      'c.yaml': 'id: c\ntrigger: { on: friend.added }\nsteps:\n  - roomSay: hi\n',
    }).diagnostics;
    expect(where(d)).toEqual(['c.yaml:4:5 KOC_PLAYBOOK_STEP_SUBJECT', 'r.yaml:4:5 KOC_PLAYBOOK_STEP_SUBJECT', 'r.yaml:5:24 KOC_PLAYBOOK_STEP_SUBJECT']);
  });

  it('warns when a flow pays points its campaign already pays, and refuses a fission goal on a campaign without fission', () => {
    const campaign = 'kind: campaign\nid: spring\nname: s\ncoupon: { title: t, value: v, validDays: 7 }\nreferrerReward: { onArrival: 10 }\nfission: { room: { topic: "车友会*" }, goal: 3, pointsPerInvite: 5 }\n';
    const plain = 'kind: campaign\nid: plain\nname: p\ncoupon: { title: t, value: v, validDays: 7 }\n';
    const d = loadFiles({
      'campaigns/spring.yaml': campaign,
      'campaigns/plain.yaml': plain,
      'arrival.yaml': 'id: arrival\ntrigger: { on: code.sent, campaign: spring }\nsteps:\n  - say: hi\n  - awardPoints: { to: referrer, amount: 10, reason: x }\n',
      'join.yaml': 'id: join\ntrigger: { on: room.joined, room: { topic: "车友会*" } }\nsteps:\n  - awardPoints: { to: inviter, amount: 5, reason: x }\n',
      'other-room.yaml': 'id: other-room\ntrigger: { on: room.joined, room: { topic: "新品群" } }\nsteps:\n  - awardPoints: { to: inviter, amount: 5, reason: x }\n',
      'redeemed.yaml': 'id: redeemed\ntrigger: { on: coupon.redeemed }\nsteps:\n  - awardPoints: { to: referrer, amount: 20, reason: x }\n',
      'goal.yaml': 'id: goal\ntrigger: { on: fission.goal, campaign: plain }\nsteps:\n  - say: "{{fission.invites}}"\n',
    }).diagnostics;
    expect(where(d)).toEqual(['arrival.yaml:5:5 KOC_REWARD_PAID_TWICE', 'goal.yaml:2:40 KOC_PLAYBOOK_NO_FISSION', 'join.yaml:4:5 KOC_REWARD_PAID_TWICE']);
    expect(d.find((x) => x.code === 'KOC_REWARD_PAID_TWICE')!.message).toContain('campaign "spring" already pays the referrer 10 points (referrerReward.onArrival)');
    expect(d.filter((x) => x.code === 'KOC_REWARD_PAID_TWICE').every((x) => x.severity === 'warning')).toBe(true);
  });

  it('warns when two scheduled flows message the same audience within an hour', () => {
    const cron = (id: string, expr: string, audience = '{ contacts: { tagged: [VIP] } }') =>
      `id: ${id}\ntrigger: { cron: "${expr}", audience: ${audience} }\nsteps: [{ say: hi }]\n`;
    const overlapping = loadFiles({ 'a.yaml': cron('a', '0 20 * * 1'), 'b.yaml': cron('b', '30 20 * * 1') }).diagnostics;
    expect(where(overlapping)).toEqual(['b.yaml:2:18 KOC_CRON_OVERLAP']);
    expect(overlapping[0]!.message).toContain('Mon 20:30');
    expect(overlapping[0]!.severity).toBe('warning');
    // Two hours apart, disjoint audiences, or other days: no warning.
    expect(loadFiles({ 'a.yaml': cron('a', '0 20 * * 1'), 'b.yaml': cron('b', '0 22 * * 1') }).diagnostics).toEqual([]);
    expect(loadFiles({ 'a.yaml': cron('a', '0 20 * * 1'), 'b.yaml': cron('b', '0 20 * * 1', '{ contacts: { notTagged: [VIP] } }') }).diagnostics).toEqual([]);
    expect(loadFiles({ 'a.yaml': cron('a', '0 20 * * 1'), 'b.yaml': cron('b', '0 20 * * 2') }).diagnostics).toEqual([]);
  });

  it('changes a flow\'s hash when the flow or a template it uses changes, not when keys are reordered', () => {
    const lib = (text: string) => `kind: library\nid: lib\ntemplates: { hi: "${text}" }\n`;
    const hash = (files: Record<string, string>) => loadFiles(files).set.flows.get('f')!.hash;
    const base = hash({ 'f.yaml': 'id: f\ntrigger: { on: friend.added }\nsteps: [{ say: { template: hi } }]\n', 'l.yaml': lib('a') });
    const reordered = hash({ 'f.yaml': 'steps: [{ say: { template: hi } }]\ntrigger: { on: friend.added }\nid: f\n', 'l.yaml': lib('a') });
    const template = hash({ 'f.yaml': 'id: f\ntrigger: { on: friend.added }\nsteps: [{ say: { template: hi } }]\n', 'l.yaml': lib('b') });
    expect(reordered).toBe(base);
    expect(template).not.toBe(base);
  });

  it('reads library templates from files, split into wordings', () => {
    const result = loadFiles(
      { 'l.yaml': 'kind: library\nid: lib\ntemplates: { spring: { file: t/spring.txt } }\n' },
      { 't/spring.txt': '第一种\n---\n第二种 {{store.name}}\n' },
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.set.templates.get('spring')).toEqual(['第一种', '第二种 {{store.name}}']);
  });
});
