import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapacityQueue, rateAt, type CapacityProfile } from '../src/backends/simulated/capacity-queue.js';
import { deployView } from '../src/report/deploy-view.js';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

const flat = (tokensPerS: number) => [{ sequences: 1, tokensPerS }];
/** Prefill so fast it does not count: the tests below reason about decode alone. */
const instantPrefill = flat(1e12);

describe('local servers as a queue on the virtual clock', () => {
  it('rates are linear between measured batch sizes and flat beyond them', () => {
    const points = [
      { sequences: 1, tokensPerS: 40 },
      { sequences: 4, tokensPerS: 20 },
    ];
    expect(rateAt(points, 1)).toBe(40);
    expect(rateAt(points, 2)).toBeCloseTo(40 - 20 / 3, 10);
    expect(rateAt(points, 4)).toBe(20);
    expect(rateAt(points, 9)).toBe(20);
  });

  it('serves in arrival order: one slot, three calls, each waits for the one before', () => {
    const queue = new CapacityQueue({ maxConcurrency: 1, decode: flat(10), prefill: instantPrefill });
    // 10 output tokens at 10 tokens/s: one second each.
    const a = queue.admit(0, 100, 10);
    const b = queue.admit(10, 100, 10);
    const c = queue.admit(20, 100, 10);
    expect([a.waitMs, b.waitMs, c.waitMs].map((w) => Math.round(w))).toEqual([0, 990, 1980]);
    expect([a.latencyMs, b.latencyMs, c.latencyMs].map((l) => Math.round(l))).toEqual([1000, 1990, 2980]);
    expect(queue.stats().waitMs.max).toBeCloseTo(1980, 0);
  });

  it('decodes at the rate for the batch it starts in', () => {
    const profile: CapacityProfile = {
      maxConcurrency: 4,
      decode: [
        { sequences: 1, tokensPerS: 40 },
        { sequences: 4, tokensPerS: 20 },
      ],
      prefill: instantPrefill,
    };
    const queue = new CapacityQueue(profile);
    const calls = [0, 1, 2, 3].map((i) => queue.admit(i, 10, 100));
    expect(calls.map((c) => c.batch)).toEqual([1, 2, 3, 4]);
    expect(calls[0]!.latencyMs).toBeCloseTo(2500, 6); // 100 tokens at 40/s
    expect(calls[1]!.latencyMs).toBeCloseTo((100 / (40 - 20 / 3)) * 1000, 6);
    expect(calls[3]!.latencyMs).toBeCloseTo(5000, 6); // 100 tokens at 20/s
    // A fifth waits for the first slot to free, then starts in a batch of four again.
    const fifth = queue.admit(4, 10, 100);
    expect(fifth.waitMs).toBeCloseTo(2500 - 4, 6);
    expect(fifth.batch).toBe(4);
  });

  it('prefill takes the input at the batch rate before the first token', () => {
    const queue = new CapacityQueue({ maxConcurrency: 2, decode: flat(50), prefill: flat(1000) });
    const call = queue.admit(0, 2000, 100);
    expect(call.ttftMs).toBeCloseTo(2000, 6);
    expect(call.latencyMs).toBeCloseTo(4000, 6);
  });

  it('a call that would answer after its timeout times out, and its slot frees at the timeout', () => {
    const queue = new CapacityQueue({ maxConcurrency: 1, decode: flat(10), prefill: instantPrefill });
    queue.admit(0, 10, 30); // busy until 3,000 ms
    const late = queue.admit(0, 10, 30, 2000);
    expect(late.timedOut).toBe(true);
    // It never started, so it held nothing: the next call starts when the first ends.
    const next = queue.admit(100, 10, 10);
    expect(next.waitMs).toBeCloseTo(2900, 6);
    const started = new CapacityQueue({ maxConcurrency: 1, decode: flat(10), prefill: instantPrefill });
    expect(started.admit(0, 10, 50, 1000).timedOut).toBe(true); // would take 5 s
    expect(started.admit(0, 10, 10).waitMs).toBeCloseTo(1000, 6); // freed at the 1 s timeout
    expect(started.stats().timedOut).toBe(1);
  });

  it('several servers share the load; two servers halve the wait of a burst', () => {
    const profile: CapacityProfile = { maxConcurrency: 1, decode: flat(10), prefill: instantPrefill };
    const one = new CapacityQueue(profile, 1);
    const two = new CapacityQueue(profile, 2);
    let waitOne = 0;
    let waitTwo = 0;
    for (let i = 0; i < 10; i++) {
      waitOne += one.admit(0, 10, 10).waitMs;
      waitTwo += two.admit(0, 10, 10).waitMs;
    }
    expect(waitOne).toBeCloseTo(45_000, 6); // 0 + 1 + … + 9 seconds
    expect(waitTwo).toBeCloseTo(20_000, 6); // 2 × (0 + 1 + 2 + 3 + 4) seconds
    expect(two.stats().peakHourUtilisation).toBeCloseTo(10_000 / (2 * 3_600_000), 9);
  });

  it('is deterministic, and its memory stays flat over a million calls', () => {
    const profile: CapacityProfile = {
      maxConcurrency: 8,
      decode: [
        { sequences: 1, tokensPerS: 60 },
        { sequences: 8, tokensPerS: 25 },
      ],
      prefill: [
        { sequences: 1, tokensPerS: 2000 },
        { sequences: 8, tokensPerS: 900 },
      ],
    };
    const run = (calls: number): ReturnType<CapacityQueue['stats']> => {
      const queue = new CapacityQueue(profile);
      let seed = 7;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let t = 0;
      for (let i = 0; i < calls; i++) {
        t += next() * 400;
        queue.admit(t, 200 + next() * 800, 20 + next() * 200, 30_000);
      }
      return queue.stats();
    };
    expect(run(5000)).toEqual(run(5000));
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const stats = run(1_000_000);
    const grown = process.memoryUsage().heapUsed - before;
    expect(stats.calls).toBe(1_000_000);
    expect(stats.averageUtilisation).toBeGreaterThan(0);
    expect(stats.averageUtilisation).toBeLessThanOrEqual(1);
    // A million calls over ~55 simulated hours: a few hundred numbers of state, not a million.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
  });
});

describe('the simulator with a capacity profile', () => {
  const capacity =
    'models.mixtral:8x7b.simulation.capacity={max_concurrency: 2, decode: [{sequences: 1, tokens_per_s: 50}, {sequences: 2, tokens_per_s: 40}], prefill: [{sequences: 1, tokens_per_s: 2000}]}';

  it('queues a burst for the local server: waits grow, calls time out down the failure path, same bytes twice', async () => {
    const dir = tempDir();
    const file = join(dir, 'burst.csv');
    // 120 reasoning requests (MODERATE → mixtral) ten a second, each writing 400 tokens: ~8 s of decode.
    const rows = Array.from(
      { length: 120 },
      (_, i) => `${new Date(Date.UTC(2026, 2, 1, 10, 0, 0, i * 100)).toISOString()},reasoning,600,400`,
    );
    writeFileSync(file, `timestamp,action,input_tokens,output_tokens\n${rows.join('\n')}\n`);
    const run = async (): Promise<Summary> =>
      (
        await simulate({
          configFile: PROJECT_CONFIG,
          workload: { file },
          out: false,
          parallel: false,
          configSets: [capacity],
        })
      ).summary;
    const summary = await run();
    const studio = summary.capacity!['studio']!;
    expect(studio.models).toEqual(['mixtral:8x7b']);
    expect(studio.maxConcurrency).toBe(2);
    expect(studio.waitMs.p95).toBeGreaterThan(10_000);
    expect(studio.timedOut).toBeGreaterThan(0);
    expect(summary.hybrid.errors['TimeoutError']).toBe(studio.timedOut);
    // Timed-out calls go down the router's failure path: retried, then the next model of the tier
    // (codestral, which has no capacity profile), then the API.
    expect(summary.hybrid.byModel['codestral:22b']!.calls).toBeGreaterThan(0);
    expect(summary.hybrid.passed).toBeGreaterThan(110);
    expect(JSON.stringify(await run())).toBe(JSON.stringify(summary));
    // The report's deployment box reads the queue: the peak hour, waits and timeouts, and the risk.
    const deploy = deployView(summary);
    expect(deploy.machines[0]).toMatchObject({ name: 'studio', peakLabel: 'peak hour', overloaded: true });
    expect(deploy.machines[0]!.queue).toMatch(/queue wait p95 \d+ ms, [\d,]+ of [\d,]+ calls timed out/);
    expect(deploy.risks.some((r) => r.startsWith('studio is at or above capacity in its peak hour'))).toBe(
      true,
    );
    // Without a capacity profile the local server never makes anyone wait.
    const { summary: unlimited } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file },
      out: false,
      parallel: false,
    });
    expect(unlimited.capacity).toBeUndefined();
    expect(unlimited.hybrid.errors['TimeoutError'] ?? 0).toBe(0);
    // Three servers: three times the slots (shorter waits) and three times the hardware in the all-in cost.
    const { summary: three } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file },
      out: false,
      parallel: false,
      configSets: [capacity, 'servers.mixtral:8x7b=3'],
    });
    expect(three.capacity!['studio']!.servers).toBe(3);
    expect(three.capacity!['studio']!.waitMs.p95).toBeLessThan(studio.waitMs.p95);
    const item = (x: Summary) => x.config.localCosts.items.find((i) => i.name === 'studio')!.usdPerMonth;
    expect(item(three)).toBeCloseTo(3 * item(summary), 9);
    // Servers needed: the busiest hour replayed with more machines until local TTFT p95 meets the target;
    // with that many, it does.
    const needed = summary.serversNeeded!['studio']!;
    expect(needed.targetP95Ms).toBe(5000);
    expect(needed.requests).toBe(120);
    expect(needed.p95AtConfiguredMs).toBeGreaterThan(5000);
    expect(needed.needed).toBeGreaterThan(1);
    expect(needed.p95AtNeededMs).toBeLessThanOrEqual(5000);
    const { summary: sized } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file },
      out: false,
      parallel: false,
      configSets: [capacity, `servers.studio=${needed.needed}`],
    });
    expect(sized.serversNeeded!['studio']!.p95AtConfiguredMs).toBeLessThanOrEqual(5000);
    expect(sized.serversNeeded!['studio']!.needed).toBe(needed.needed);
    const { code, stdout } = await runCli(['simulate', '--workload', file, '--no-write', '--set', capacity]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /studio: 1 server\(s\) × 2 parallel sequences \(mixtral:8x7b\): busy [\d.]+% on average, [\d.]+% in the peak hour .*queue wait p50 .*, p95 .*; [\d,]+ of [\d,]+ call\(s\) timed out/,
    );
    expect(stdout).toMatch(
      new RegExp(
        `servers needed: ${needed.needed} for local TTFT p95 ≤ 5\\.00 s in the busiest hour \\(120 requests replayed`,
      ),
    );
  });
});
