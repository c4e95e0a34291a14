import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CapacityQueue,
  rateAt,
  wakeAfter,
  type Admission,
  type CapacityProfile,
} from '../src/backends/simulated/capacity-queue.js';
import { EventClock } from '../src/core/event-clock.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deployView } from '../src/report/deploy-view.js';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';
import { FLAKY_CONFIG } from './helpers/planted-run.js';

const flat = (tokensPerS: number) => [{ sequences: 1, tokensPerS }];
/** Prefill so fast it does not count: the tests below reason about decode alone. */
const instantPrefill = flat(1e12);

interface Call {
  at: number;
  input: number;
  output: number;
  timeout?: number;
  wakeDraw?: number;
}

/** Serves calls arriving at their times on an event clock, as the simulation does; returns each outcome. */
async function serveAll(
  profile: CapacityProfile,
  calls: readonly Call[],
  servers = 1,
  keep = true,
): Promise<{ results: Admission[]; queue: CapacityQueue }> {
  const clock = new EventClock(0);
  const queue = new CapacityQueue(profile, servers, clock);
  const results: Admission[] = [];
  for (const [i, call] of calls.entries())
    clock.schedule(call.at, () => {
      clock.begin();
      void queue
        .serve({
          inputTokens: call.input,
          outputTokens: call.output,
          ...(call.timeout === undefined ? {} : { timeoutMs: call.timeout }),
          ...(call.wakeDraw === undefined ? {} : { wakeDraw: call.wakeDraw }),
        })
        .then((admission) => {
          if (keep) results[i] = admission;
          clock.end();
        });
    });
  for (;;) {
    const settling = clock.whenSettled();
    if (settling) await settling;
    if (!clock.step()) break;
  }
  return { results, queue };
}

describe('local servers as a queue on the virtual clock', () => {
  it('time per token is linear between measured batch sizes, and flat beyond them', () => {
    const points = [
      { sequences: 1, tokensPerS: 40 },
      { sequences: 4, tokensPerS: 20 },
    ];
    expect(rateAt(points, 1)).toBe(40);
    // 25 ms a token at one, 50 ms at four: 33.3 ms at two.
    expect(rateAt(points, 2)).toBeCloseTo(1000 / (25 + 25 / 3), 10);
    expect(rateAt(points, 4)).toBe(20);
    expect(rateAt(points, 9)).toBe(20);
  });

  it('serves in arrival order: one slot, three calls, each waits for the one before', async () => {
    // The first token ends prefill (instant here), then 10 more at 10 tokens/s: one second each.
    const { results, queue } = await serveAll(
      { maxConcurrency: 1, decode: flat(10), prefill: instantPrefill },
      [
        { at: 0, input: 100, output: 11 },
        { at: 10, input: 100, output: 11 },
        { at: 20, input: 100, output: 11 },
      ],
    );
    expect(results.map((r) => Math.round(r.waitMs))).toEqual([0, 990, 1980]);
    expect(results.map((r) => Math.round(r.latencyMs))).toEqual([1000, 1990, 2980]);
    expect(queue.stats().waitMs.max).toBeCloseTo(1980, 0);
    expect(queue.stats().maxWaiting).toBe(2);
  });

  it('decodes at the rate of the batch running, which changes as calls join and leave', async () => {
    const profile: CapacityProfile = {
      maxConcurrency: 4,
      decode: [
        { sequences: 1, tokensPerS: 40 },
        { sequences: 4, tokensPerS: 20 },
      ],
      prefill: instantPrefill,
    };
    const two = 1000 / (25 + 25 / 3); // tokens/s each with two running: 33.3 ms a token
    // After its first token, A decodes 100 more alone at 40/s; B joins after 1 s, when A has 60 left: both run at the two-sequence
    // rate until A ends, then B finishes alone at 40/s.
    const { results } = await serveAll(profile, [
      { at: 0, input: 10, output: 101 },
      { at: 1000, input: 10, output: 101 },
    ]);
    const aEnds = 1000 + (60 / two) * 1000;
    expect(results[0]!.latencyMs).toBeCloseTo(aEnds, 6);
    const bLeft = 100 - (60 / two) * two;
    expect(results[1]!.latencyMs).toBeCloseTo(aEnds - 1000 + (bLeft / 40) * 1000, 6);
    expect(results.map((r) => r.batch)).toEqual([1, 2]);
    // Four at once run at 20/s each; a fifth waits for the first slot to free, then starts in a batch of four.
    const burst = await serveAll(
      profile,
      [0, 0, 0, 0, 4].map((at) => ({ at, input: 10, output: 101 })),
    );
    expect(burst.results.slice(0, 4).every((r) => Math.abs(r.latencyMs - 5000) < 1e-6)).toBe(true);
    expect(burst.results[4]!.waitMs).toBeCloseTo(5000 - 4, 6);
    expect(burst.results[4]!.batch).toBe(1);
    // Alone after the four leave, it decodes at 40/s.
    expect(burst.results[4]!.latencyMs).toBeCloseTo(5000 - 4 + 2500, 6);
  });

  it('prefill takes the input at the batch rate before the first token', async () => {
    const { results } = await serveAll({ maxConcurrency: 2, decode: flat(50), prefill: flat(1000) }, [
      { at: 0, input: 2000, output: 101 },
    ]);
    expect(results[0]!.ttftMs).toBeCloseTo(2000, 6);
    expect(results[0]!.latencyMs).toBeCloseTo(4000, 6);
  });

  it('a call on an idle server pays the wake its idle time calls for: linear between measured idle times, flat beyond', async () => {
    const wake = [
      { idleMs: 100, ms: 20 },
      { idleMs: 500, ms: 60 },
    ];
    expect(wakeAfter({ decode: flat(1), prefill: flat(1), wake }, 50)).toBeCloseTo(10, 9);
    expect(wakeAfter({ decode: flat(1), prefill: flat(1), wake }, 300)).toBeCloseTo(40, 9);
    expect(wakeAfter({ decode: flat(1), prefill: flat(1), wake }, 5_000)).toBeCloseTo(60, 9);
    // One token each (1 s of decode is none: the first token ends the prefill), back to back or after gaps.
    const { results } = await serveAll(
      { maxConcurrency: 1, decode: flat(1000), prefill: instantPrefill, wake },
      [
        { at: 0, input: 1, output: 1 }, // never busy before: the longest wake
        { at: 60, input: 1, output: 1 }, // idle 0 ms after the first ends at 60
        { at: 360, input: 1, output: 1 }, // idle 300 ms
      ],
    );
    expect(results.map((r) => Math.round(r.ttftMs * 1000) / 1000)).toEqual([60, 0, 40]);
  });

  it("when only a share of calls meet a cold server, the call's own draw decides: shares linear between points, flat before the first and beyond the last", async () => {
    const wake = [
      { idleMs: 100, ms: 20, share: 0.2 },
      { idleMs: 500, ms: 60, share: 1 },
    ];
    const rates = { decode: flat(1), prefill: flat(1), wake };
    // Before the first point the share is the first point's (0.2), the time ramps from 0.
    expect(wakeAfter(rates, 50, 0.1)).toBeCloseTo(10, 9);
    expect(wakeAfter(rates, 50, 0.3)).toBe(0);
    // Halfway (300 ms): share 0.6, time 40 ms.
    expect(wakeAfter(rates, 300, 0.59)).toBeCloseTo(40, 9);
    expect(wakeAfter(rates, 300, 0.61)).toBe(0);
    // Beyond the last point every call pays (share 1), whatever its draw.
    expect(wakeAfter(rates, 5_000, 0.999)).toBeCloseTo(60, 9);
    // Back to back (under 10 ms idle) nobody does.
    expect(wakeAfter(rates, 5, 0)).toBe(0);
    // In the queue: two calls after the same 300 ms idle, one drawing cold, one warm.
    const { results } = await serveAll(
      { maxConcurrency: 1, decode: flat(1000), prefill: instantPrefill, wake },
      [
        { at: 0, input: 1, output: 1, wakeDraw: 0.99 }, // never busy before: beyond the last point, cold
        { at: 360, input: 1, output: 1, wakeDraw: 0.5 }, // idle 300 ms (the first ended at 60): share 0.6, cold
        { at: 700, input: 1, output: 1, wakeDraw: 0.7 }, // idle 300 ms again (the last ended at 400): warm
      ],
    );
    expect(results.map((r) => Math.round(r.ttftMs * 1000) / 1000)).toEqual([60, 40, 0]);
  });

  it('a call still unanswered at its timeout times out then, and its slot frees at the timeout', async () => {
    const profile: CapacityProfile = { maxConcurrency: 1, decode: flat(10), prefill: instantPrefill };
    // The first is busy until 3 s; the second waits and gives up at 2 s, holding nothing; the third starts
    // when the first ends.
    const waiting = await serveAll(profile, [
      { at: 0, input: 10, output: 31 },
      { at: 0, input: 10, output: 31, timeout: 2000 },
      { at: 100, input: 10, output: 11 },
    ]);
    expect(waiting.results[1]).toMatchObject({ timedOut: true, batch: 0, ttftMs: 0 });
    expect(waiting.results[1]!.latencyMs).toBeCloseTo(2000, 6);
    expect(waiting.results[2]!.waitMs).toBeCloseTo(2900, 6);
    // A call that would take 5 s is cancelled at its 1 s timeout; the next starts then.
    const started = await serveAll(profile, [
      { at: 0, input: 10, output: 51, timeout: 1000 },
      { at: 0, input: 10, output: 11 },
    ]);
    expect(started.results[0]).toMatchObject({ timedOut: true, batch: 1 });
    expect(started.results[1]!.waitMs).toBeCloseTo(1000, 6);
    expect(started.queue.stats().timedOut).toBe(1);
    expect(started.queue.stats().busyMs).toBeCloseTo(2000, 6);
  });

  it('several servers share the load; two servers halve the wait of a burst', async () => {
    const profile: CapacityProfile = { maxConcurrency: 1, decode: flat(10), prefill: instantPrefill };
    const burst = Array.from({ length: 10 }, () => ({ at: 0, input: 10, output: 11 }));
    const one = await serveAll(profile, burst, 1);
    const two = await serveAll(profile, burst, 2);
    const total = (r: Admission[]) => r.reduce((sum, x) => sum + x.waitMs, 0);
    expect(total(one.results)).toBeCloseTo(45_000, 6); // 0 + 1 + … + 9 seconds
    expect(total(two.results)).toBeCloseTo(20_000, 6); // 2 × (0 + 1 + 2 + 3 + 4) seconds
    // Both machines busy from the first call to the last answer (5 s); the burst asked 10 s of one slot per
    // second of arrivals (it all came at once: demand over the 1 s floor).
    expect(two.queue.stats().averageUtilisation).toBeCloseTo(1, 9);
    expect(two.queue.stats().peakHourUtilisation).toBeCloseTo(1, 9);
    expect(two.queue.stats().demand['']!.peakHour).toBeCloseTo(10_000 / (2 * 1000), 9);
  });

  it('is deterministic, and its memory stays flat over a million calls', async () => {
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
    /** Calls generated as they are scheduled, so the test holds none of them. */
    const run = async (calls: number): Promise<ReturnType<CapacityQueue['stats']>> => {
      const clock = new EventClock(0);
      const queue = new CapacityQueue(profile, 1, clock);
      let seed = 7;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let t = 0;
      let made = 0;
      const arrive = (): void => {
        if (made++ >= calls) return;
        clock.begin();
        void queue
          .serve({ inputTokens: 200 + next() * 800, outputTokens: 20 + next() * 200, timeoutMs: 30_000 })
          .then(() => clock.end());
        t += next() * 2000;
        clock.schedule(t, arrive);
      };
      clock.schedule(0, arrive);
      for (;;) {
        const settling = clock.whenSettled();
        if (settling) await settling;
        if (!clock.step()) break;
      }
      return queue.stats();
    };
    expect(await run(5000)).toEqual(await run(5000));
    // Live memory, measured after a full collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const stats = await run(1_000_000);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(stats.calls).toBe(1_000_000);
    expect(stats.averageUtilisation).toBeGreaterThan(0.1);
    expect(stats.averageUtilisation).toBeLessThan(1);
    expect(stats.timedOut).toBeLessThan(stats.calls / 100);
    // A million calls over ~280 simulated hours: the calls in flight and a number per hour, not a million.
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);
});

describe('the simulator with a capacity profile', () => {
  // Two mixtral sequences at a time, slower with two running; the other local models keep the shipped
  // profiles (one sequence at a time each, on the same Mac Studio).
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
          // Pinned at one machine: the verdict's run is the overloaded one (unpinned, it would be sized).
          configSets: [capacity, 'servers.studio=1'],
        })
      ).summary;
    const summary = await run();
    const studio = summary.capacity!['studio']!;
    // mixtral answers; the fast tier critiques its answers on the same machine; codestral takes what times out.
    expect(studio.models).toContain('mixtral:8x7b');
    expect(studio.demand['mixtral:8x7b']!.maxConcurrency).toBe(2);
    // 10 calls a second asking ~8 s each of two slots: about forty times what they can serve.
    expect(studio.demand['mixtral:8x7b']!.peakHour).toBeGreaterThan(0.001);
    expect(studio.waitMs.p95).toBeGreaterThan(10_000);
    expect(studio.timedOut).toBeGreaterThan(0);
    expect(summary.hybrid.errors['TimeoutError']).toBe(studio.timedOut);
    // Timed-out calls go down the router's failure path: retried, then the next model of the tier
    // (codestral), then the API.
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
    // Without capacity profiles (this config has none) the local server never makes anyone wait.
    const { summary: unlimited } = await simulate({
      configFile: FLAKY_CONFIG,
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
    const { code, stdout } = await runCli([
      'simulate',
      '--workload',
      file,
      '--no-write',
      '--set',
      capacity,
      '--servers',
      'studio=1',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /studio: 1 server\(s\), sequences at once per server: .*mixtral:8x7b 2.*; busy [\d.]+% on average, [\d.]+% in the peak hour .*queue wait p50 .*, p95 .*; [\d,]+ of [\d,]+ call\(s\) timed out/,
    );
    expect(stdout).toMatch(
      /demand .*mixtral:8x7b [\d,.]+% in its peak hour.*\(above 100%: more than the servers can do\)/,
    );
    expect(stdout).toMatch(
      new RegExp(
        `servers needed: ${needed.needed} for local TTFT p95 ≤ 5\\.00 s in the busiest hour \\(120 requests replayed`,
      ),
    );
  });
});
