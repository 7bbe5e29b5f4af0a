/**
 * `kocflow coupons issue` and `kocflow coupons show`, run in-process through the CLI's entry point on both stores:
 * the embedded store in a data directory, PostgreSQL through DATABASE_URL.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { endOfLocalDate, localDateKey } from '../../src/engine/localTime.ts';
import { formatCode, normalizeCouponCode } from '../../src/referral/codes.ts';
import type { Store } from '../../src/store/openStore.ts';
import { kocflow } from '../support/cli.ts';
import { CAMPAIGN_FILES, LOOP_FLOWS, runClosedLoop } from '../support/referral.ts';
import { describeEachStore, cliStore } from '../support/stores.ts';

const FLYER = `kind: campaign
id: flyer
name: 传单券
coupon: { title: 传单券, value: 满100减10, validDays: 10, stores: ["sh-*"] }
budget: 5
`;

describeEachStore('kocflow coupons', (ctx) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let open: () => Promise<Store>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kocflow-coupons-'));
    // No kocflow.yaml: the built-in demo configuration (Asia/Shanghai); its playbooks folder is ./sop-playbooks.
    for (const [file, text] of Object.entries({ ...CAMPAIGN_FILES, ...LOOP_FLOWS, 'campaigns/flyer.yaml': FLYER })) {
      const path = join(work, 'sop-playbooks', file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    ({ env, open } = await cliStore(ctx, work));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (...args: string[]) => kocflow(['coupons', ...args], { cwd: work, env });

  it('issue prints N coupons as JSON within the budget and records them; a batch over the budget issues none', async () => {
    const before = endOfLocalDate(localDateKey(new Date(Date.now() + 10 * 86_400_000), 'Asia/Shanghai'), 'Asia/Shanghai');
    const issued = await run('issue', '--campaign', 'flyer', '--count', '3', '--format', 'json');
    const after = endOfLocalDate(localDateKey(new Date(Date.now() + 10 * 86_400_000), 'Asia/Shanghai'), 'Asia/Shanghai');
    expect(issued.code, issued.stderr).toBe(0);
    const coupons = JSON.parse(issued.stdout) as { code: string; expiresAt: string; allowedStores: string[] }[];
    expect(coupons).toHaveLength(3);
    for (const c of coupons) {
      expect(Object.keys(c)).toEqual(['code', 'expiresAt', 'allowedStores']);
      expect(normalizeCouponCode(c.code)).toBe(c.code);
      expect([before.toISOString(), after.toISOString()]).toContain(c.expiresAt); // the end of the 10th local day from today
      expect(c.allowedStores).toEqual(['sh-*']);
    }
    expect(issued.stderr).toMatch(/^issued 3 coupons of flyer \(传单券, 满100减10\), valid until \d{4}-\d\d-\d\d \(Asia\/Shanghai\), stores sh-\*; 3 of 5 issued so far; batch [0-9a-f-]{36}\n$/);

    const over = await run('issue', '--campaign', 'flyer', '--count', '3', '--format', 'json');
    expect(over).toEqual({
      code: 1, stdout: '',
      stderr: 'error KOC_COUPON_BUDGET_EXCEEDED campaign flyer has 2 of its 5 coupons left: 3 asked for, none issued\n  fix: issue at most 2, or raise budget in the campaign file\n',
    });

    const text = await run('issue', '--campaign', 'flyer', '--count', '2', '--expires-days', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Q[0-9A-Z]{9}\nQ[0-9A-Z]{9}\n$/);
    const store = await open();
    try {
      expect(await store.prisma.coupon.count({ where: { campaignId: 'flyer' } })).toBe(5);
      expect(await store.prisma.campaign.findUniqueOrThrow({ where: { id: 'flyer' } })).toMatchObject({ budget: 5, issuedCount: 5 });
      const code = text.stdout.split('\n')[0]!;
      const row = await store.prisma.coupon.findUniqueOrThrow({ where: { code } });
      expect(row.expiresAt.getTime() - row.issuedAt.getTime()).toBeLessThanOrEqual(2 * 86_400_000);
      expect(row.contactId).toBeNull();
    } finally {
      await store.close();
    }
    expect((await run('issue', '--campaign', 'flyer', '--count', '1')).stderr).toContain('has 0 of its 5 coupons left: 1 asked for, none issued\n  fix: raise budget');
  });

  it('issue explains bad input: an unknown campaign (with the list), a count out of range, a bad format', async () => {
    expect(await run('issue', '--campaign', 'flyr', '--count', '1')).toMatchObject({ code: 1, stderr: 'error KOC_CAMPAIGN_UNKNOWN there is no campaign "flyr" (did you mean "flyer"?)\n  fix: campaigns: flyer, spring, tight, winter\n' });
    expect(await run('issue', '--campaign', 'flyer', '--count', '0')).toMatchObject({ code: 2, stderr: expect.stringContaining('KOC_CLI_USAGE --count must be a whole number from 1 to 10000, not "0"') });
    expect(await run('issue', '--campaign', 'flyer', '--count', '2.5')).toMatchObject({ code: 2 });
    expect(await run('issue', '--campaign', 'flyer', '--count', '1', '--format', 'xml')).toMatchObject({ code: 2, stderr: expect.stringContaining('--format must be text or json') });
    expect(await run('issue', '--campaign', 'flyer')).toMatchObject({ code: 2, stderr: expect.stringContaining("required option '--count <n>' not specified") });
  });

  it('show prints a coupon\'s whole history, from the code in any case and with separators', async () => {
    const store = await open();
    let code: string;
    let kocCode: string;
    try {
      const loop = await runClosedLoop(store);
      code = loop.coupon.code;
      kocCode = loop.koc.code;
    } finally {
      await store.close();
    }
    const shown = await run('show', formatCode(code).toLowerCase());
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe(`coupon ${formatCode(code)}  redeemed  (times in Asia/Shanghai)`);
    expect(lines.slice(1, -1)).toEqual([
      '  campaign   spring 春季推荐有礼 — 推荐礼券, 满300减50',
      expect.stringMatching(/^ {2}issued {5}2026-12-05 10:00 by flow referral-arrival \(run \S+, step 1\) on sh-guide-1$/),
      '  expires    2027-01-04 10:00, stores sh-*',
      '  to         王* (a contact of sh-guide-1)',
      `  KOC        赵雪 (ambassador, tier 核心) through code ${formatCode(kocCode)} since 2026-12-05 10:00 (campaign spring)`,
      expect.stringMatching(/^ {2}message {4}outbox #\d+ \(say\) on sh-guide-1: sent 2026-12-05 10:\d\d$/),
      '  redeemed   2026-12-06 10:00 at 上海南京西路店 (sh-001), through the API (request till-7:1001)',
    ]);

    const json = await run('show', code, '--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      code, status: 'redeemed', campaign: { id: 'spring', coupon: { title: '推荐礼券', value: '满300减50' } },
      issuedBy: { via: 'flow', flowId: 'referral-arrival' }, contact: { name: '王*' },
      attribution: { code: kocCode, at: '2026-12-05T02:00:00.000Z' }, message: { kind: 'say', outboxId: expect.stringMatching(/^\d+$/) },
      redemption: { storeId: 'sh-001', at: '2026-12-06T02:00:00.000Z' },
    });
  });

  it('show says which issue made an offline coupon; an unknown or mistyped code is KOC_COUPON_NOT_FOUND, exit 1', async () => {
    const issued = await run('issue', '--campaign', 'tight', '--count', '1'); // no dates: the test does not age
    expect(issued.code, issued.stderr).toBe(0);
    const shown = await run('show', issued.stdout.trim());
    expect(shown.stdout).toContain('by kocflow coupons issue (batch ');
    expect(shown.stdout).toContain('  to         nobody: offline use (flyer, till)\n  KOC        none\n  message    none recorded\n  redeemed   not yet\n');

    expect(await run('show', 'Q333-3333-33')).toEqual({
      code: 1, stdout: '',
      stderr: expect.stringMatching(/^error KOC_COUPON_NOT_FOUND no coupon Q333-3333-33 in the store \(.+\)\n {2}fix: check the code; coupons live in the store they were issued in \(DATABASE_URL or --data-dir\)\n$/),
    });
    const typo = await run('show', issued.stdout.trim().slice(0, -1) + (issued.stdout.trim().endsWith('3') ? '4' : '3'));
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^error KOC_COUPON_NOT_FOUND "Q\w+" is not a coupon code\n {2}fix: coupon codes are Q and 9 letters or digits/);
  });
});
