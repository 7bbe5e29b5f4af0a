import { parseArgs } from 'node:util';
import { newCouponCode } from '../../src/referral/codes.ts';
import type { RedemptionResult } from '../../src/referral/ports.ts';
import type { Store } from '../../src/store/openStore.ts';
import { redeemCoupon } from '../../src/store/referral/index.ts';
import { printBenchHeader, withEmbeddedStore, withFreshPostgres } from './benchStores.ts';

/**
 * `npm run bench:redeem -- [--rounds 10] [--race 100] [--n 1000] [--workers 10] [--pg postgresql://…/test] [--only embedded|postgres]`:
 * redemption on the embedded store (PGlite in a temp data directory) and on PostgreSQL (a database created for the
 * run and dropped after it, the store's own pool of 10 connections). A benchmark, not a test: run it by hand and keep
 * the raw output (docs/bench/redeem.txt) with the machine it ran on.
 *
 *   (a) the race: `rounds` times, `race` concurrent redeemCoupon calls for one coupon (each with its own request id):
 *       how many succeeded (must be exactly 1) and were refused already_redeemed (must be the rest), and how long
 *       the whole burst took;
 *   (b) throughput: `n` different coupons redeemed by `workers` concurrent callers (a busy till API), redemptions/s.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    race: { type: 'string', default: '100' },
    n: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '10' },
    pg: { type: 'string', default: process.env.KOCFLOW_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    only: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const RACE = Number(args.race);
const N = Number(args.n);
const WORKERS = Number(args.workers);
if (![ROUNDS, RACE, N, WORKERS].every((x) => Number.isInteger(x) && x >= 1)) {
  console.error('--rounds, --race, --n and --workers must be whole numbers of at least 1');
  process.exit(2);
}
const AT = new Date('2026-12-05T02:00:00.000Z');

async function seed(store: Store, count: number): Promise<string[]> {
  const { prisma } = store;
  await prisma.store.upsert({ where: { id: 'sh-001' }, create: { id: 'sh-001', name: '上海南京西路店' }, update: {} });
  await prisma.campaign.upsert({ where: { id: 'bench' }, create: { id: 'bench', name: 'bench' }, update: {} });
  const codes = Array.from({ length: count }, () => newCouponCode());
  await prisma.coupon.createMany({ data: codes.map((code) => ({ code, campaignId: 'bench', issuedAt: AT, expiresAt: new Date(AT.getTime() + 86_400_000) })) });
  return codes;
}

const redeem = (store: Store, code: string, requestId: string): Promise<RedemptionResult> =>
  redeemCoupon(store.prisma, { code, storeId: 'sh-001', channel: 'api', requestId, at: AT });

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)})`;
}

async function measure(name: string, store: Store): Promise<void> {
  console.log(`[${name}]`);
  const raceCodes = await seed(store, ROUNDS);
  const times: number[] = [];
  const outcomes = new Map<string, number>();
  for (const [round, code] of raceCodes.entries()) {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: RACE }, (_, i) => redeem(store, code, `race-${round}-${i}`)));
    times.push(performance.now() - started);
    const ok = results.filter((r) => r.ok).length;
    const already = results.filter((r) => !r.ok && r.reason === 'already_redeemed').length;
    const key = `${ok} ok, ${already} already_redeemed, ${RACE - ok - already} other`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const rows = await store.prisma.redemption.count({ where: { coupon: { code: { in: raceCodes } } } });
  console.log(`  (a) ${RACE} concurrent redemptions of one coupon, ${ROUNDS} rounds: ${stats(times)} per burst`);
  for (const [key, n] of outcomes) console.log(`      ${n} round${n === 1 ? '' : 's'}: ${key}`);
  console.log(`      check: ${rows} redemption rows for ${ROUNDS} coupons`);

  const codes = await seed(store, N);
  let next = 0;
  let ok = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    while (next < codes.length) {
      const i = next++;
      if ((await redeem(store, codes[i]!, `tp-${i}`)).ok) ok++;
    }
  }));
  const ms = performance.now() - started;
  console.log(`  (b) ${N.toLocaleString('en-US')} different coupons by ${WORKERS} concurrent callers: ${(N / (ms / 1000)).toFixed(0)} redemptions/s (${ms.toFixed(0)} ms), ${ok} ok`);
}

printBenchHeader('kocflow redemption benchmark (scripts/bench/redeem.ts)');
if (!args.only || args.only === 'embedded') await withEmbeddedStore('redeem', (store) => measure('embedded (PGlite, new data directory)', store));
console.log('');
if (!args.only || args.only === 'postgres') {
  await withFreshPostgres(args.pg, (store, { name, version }) => measure(`postgres (PostgreSQL ${version} on loopback, pool of 10, database ${name}, dropped after the run)`, store));
}
