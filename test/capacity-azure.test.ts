import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/sim/simulate.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';

const AZURE = new URL(
  '../../shared/datasets/azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv',
  import.meta.url,
).pathname;

describe.runIf(existsSync(AZURE))('the Azure conversation trace on the shipped config', () => {
  it('overloads one Mac Studio, says how many it needs, and with that many mixtral meets the target', async () => {
    // 19,366 requests in 58 minutes (~5.5 a second) at the shipped, assumed capacity: one sequence at a time
    // per model, mixtral decoding 45 tokens/s after prefilling at 350 tokens/s. 15 s, because no number of
    // machines gets these prompts' prefill under the 5 s default (the output says so).
    const { code, stdout } = await runCli([
      'simulate',
      '--workload',
      AZURE,
      '--no-write',
      '--local-p95-ms',
      '15000',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Awaited<ReturnType<typeof simulate>>['summary'];
    // The configured machine is the what-if; the verdict's run is on the machines that carry the load.
    const studio = summary.asConfigured!.capacity!['studio']!;
    // mixtral is asked for many times what one machine's slot can do.
    expect(studio.demand['mixtral:8x7b']!.peakHour).toBeGreaterThan(1);
    expect(studio.timedOut).toBeGreaterThan(1000);
    const needed = summary.serversNeeded!['studio']!;
    expect(needed.configured).toBe(1);
    expect(needed.p95AtConfiguredMs).toBeGreaterThan(15_000);
    expect(needed.needed).toBeGreaterThan(10);
    expect(needed.keepsUp).toBeGreaterThanOrEqual(needed.needed!);

    // Sized so: no call times out, and mixtral's time to first token is back within the target.
    const { summary: sized } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: AZURE },
      out: false,
      localP95Ms: 15_000,
      configSets: [`servers.studio=${needed.needed}`],
    });
    expect(sized.capacity!['studio']!.timedOut).toBe(0);
    expect(sized.hybrid.byModel['mixtral:8x7b']!.ttftMs.p95).toBeLessThanOrEqual(15_000);
    expect(sized.serversNeeded!['studio']!.p95AtConfiguredMs).toBeLessThanOrEqual(15_000);
    // Those machines are in the all-in cost.
    const item = (x: typeof sized) => x.config.localCosts.items.find((i) => i.name === 'studio')!.usdPerMonth;
    const perMachine = item(summary) / summary.capacity!['studio']!.servers;
    expect(item(sized)).toBeCloseTo(needed.needed! * perMachine, 6);
  }, 180_000);

  it('says when more machines cannot meet the target: the calls’ own prefill is too slow', async () => {
    const { code, stdout } = await runCli(['simulate', '--workload', AZURE, '--no-write']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /servers needed: \d+ to keep up with the busiest hour .*; none meets local TTFT p95 ≤ 5\.00 s: with \d+ it is still [\d.]+ s, the calls' own prefill and decode/,
    );
  }, 120_000);
});
