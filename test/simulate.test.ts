import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyticEstimate } from '../src/sim/analytic/analytic-estimate.js';
import { iterationOdds } from '../src/sim/analytic/analytic-cache.js';
import { parseConfig } from '../src/config/load-config.js';
import { loadScenarioFile } from '../src/sim/load-scenario.js';
import { runPassesInWorkers, workerCount } from '../src/sim/run-in-worker.js';
import { simulate } from '../src/sim/simulate.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

const scenarioFile = (name: string): string => new URL(`../scenarios/${name}.yaml`, import.meta.url).pathname;

function writeScenario(dir: string, text: string): string {
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

const SMALL = (extra = ''): string => `name: small
iterations_per_day: 300
days: 3
seed: 5
actions:
  classification: { share: 0.3, expects: json, required_fields: [label, confidence], input_tokens: { mean: 800, sd: 200 }, output_tokens: { mean: 100, sd: 30 } }
  edit_file: { share: 0.4, expects: python, input_tokens: { mean: 1200, sd: 300 }, output_tokens: { mean: 400, sd: 100 } }
  orchestration: { share: 0.3, expects: json, required_fields: [plan, steps], input_tokens: { mean: 1500, sd: 400 }, output_tokens: { mean: 450, sd: 100 } }
${extra}`;

describe('simulate', () => {
  it('same config, scenario and seed give a byte-identical summary.json, in a worker or not', async () => {
    const out = tempDir();
    const file = writeScenario(out, SMALL());
    const a = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: file,
      out,
      command: 'test',
      parallel: true,
    });
    const b = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: file,
      out,
      command: 'test',
      parallel: false,
    });
    expect(a.runDir).not.toBe(b.runDir);
    const bytesA = readFileSync(join(a.runDir!, 'summary.json'));
    expect(bytesA.equals(readFileSync(join(b.runDir!, 'summary.json')))).toBe(true);
    const c = await simulate({ configFile: PROJECT_CONFIG, scenario: file, out: false, seed: 6 });
    expect(JSON.stringify(c.summary)).not.toBe(JSON.stringify(a.summary));
    expect(readdirSync(a.runDir!).sort()).toEqual([
      'config.yaml',
      'report.html',
      'requests.jsonl',
      'scenario.yaml',
      'summary.json',
    ]);
    const rows = readFileSync(join(a.runDir!, 'requests.jsonl'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(a.summary.hybrid.requests);
    expect(JSON.parse(rows[0]!)).toHaveProperty('attempts');
  });

  it('the pure-API baseline routes everything to the API tier, same workload', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: writeScenario(tempDir(), SMALL()),
      out: false,
    });
    expect(summary.baseline.requests).toBe(summary.hybrid.requests);
    expect(summary.baseline.byTier.API_FALLBACK.started).toBe(summary.baseline.requests);
    expect(summary.baseline.localServed).toBe(0);
    expect(summary.baseline.byTier.LOCAL_FAST.calls + summary.baseline.byTier.LOCAL_QUALITY.calls).toBe(0);
    expect(summary.cost.pureApi.usd).toBeGreaterThan(summary.cost.hybrid.marginalUsd);
  });

  it('classification yields the design document tier shares for light / medium / heavy', async () => {
    const expected = { light: [40, 35, 25], medium: [30, 45, 25], heavy: [20, 50, 30] } as const;
    for (const [name, shares] of Object.entries(expected)) {
      const { summary } = await simulate({
        configFile: PROJECT_CONFIG,
        scenario: name,
        days: 20,
        out: false,
        parallel: false,
      });
      const n = summary.hybrid.requests;
      const got = (['LOCAL_FAST', 'LOCAL_QUALITY', 'API_FALLBACK'] as const).map(
        (t) => (summary.hybrid.byTier[t].started / n) * 100,
      );
      got.forEach((share, i) => expect(Math.abs(share - shares[i]!)).toBeLessThan(2));
      // a Poisson number of iterations per day: within 4 standard deviations of the mean
      const expectedCount = summary.run.iterationsPerDay * 20;
      expect(Math.abs(n - expectedCount)).toBeLessThan(4 * Math.sqrt(expectedCount));
      // ~1,500 tokens per iteration of the step's own content, as in the design document, after the agent's
      // standing prompt (2,000 tokens) and the session's history (200 tokens per earlier step)
      const meanStep = iterationOdds({ mean: 6, sd: 3 }).reduce((sum, p, k) => sum + p * k, 0);
      const tokensPerRequest =
        (summary.baseline.inputTokens + summary.baseline.outputTokens) / summary.baseline.requests -
        2000 -
        200 * meanStep;
      expect(tokensPerRequest).toBeGreaterThan(1300);
      expect(tokensPerRequest).toBeLessThan(1900);
    }
  });

  it('faults in a scenario raise the fallback rate and are counted as errors', async () => {
    const dir = tempDir();
    const clean = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: writeScenario(dir, SMALL()),
      out: false,
      parallel: false,
    });
    const faulty = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: writeScenario(dir, SMALL("faults: { 'mixtral:8x7b': 0.3 }")),
      out: false,
      parallel: false,
    });
    const rate = (s: typeof clean.summary): number => s.hybrid.fallbacks / s.hybrid.requests;
    expect(rate(faulty.summary) - rate(clean.summary)).toBeGreaterThan(0.08); // 40% of requests × 30%
    expect(faulty.summary.hybrid.errors['TransientError']).toBeGreaterThan(0);
    // an error moves to the next model of the same tier (codestral), not to the API
    expect(faulty.summary.hybrid.chains['mixtral:8x7b → codestral:22b']).toBeGreaterThan(0);
  });

  it('the daily budget holds every virtual day and resets at virtual midnight', async () => {
    const dir = tempDir();
    const scenario = writeScenario(dir, SMALL('config_overrides: { router: { daily_budget_usd: 0.5 } }'));
    const { summary } = await simulate({ configFile: PROJECT_CONFIG, scenario, out: false, parallel: false });
    // The capped run is the what-if beside the verdict (which is on the same run without the cap).
    const capped = summary.asConfigured!.stats;
    expect(capped.budgetLimited).toBeGreaterThan(0);
    expect(summary.hybrid.budgetLimited).toBe(0);
    expect(capped.costPerDay).toHaveLength(3);
    for (const day of capped.costPerDay) {
      expect(day).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(day).toBeGreaterThan(0.4); // spending resumes each day: the budget reset at midnight
    }
  });

  it('agrees with the analytic estimate within its confidence interval', async () => {
    const scenario = loadScenarioFile('medium');
    const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
    const estimate = await analyticEstimate(scenario, config);
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'medium',
      days: 120,
      out: false,
    });
    const { mean, low, high } = summary.costPerRequest.hybrid;
    const expected = estimate.perRequest.hybrid.costUsd;
    // the 95% interval of the simulated mean contains the expected value
    expect(expected).toBeGreaterThanOrEqual(low);
    expect(expected).toBeLessThanOrEqual(high);
    expect(Math.abs(mean - expected) / expected).toBeLessThan(0.03);
    const apiMean = summary.costPerRequest.baseline;
    expect(estimate.perRequest.pureApi.costUsd).toBeGreaterThanOrEqual(apiMean.low);
    expect(estimate.perRequest.pureApi.costUsd).toBeLessThanOrEqual(apiMean.high);
    const n = summary.hybrid.requests;
    expect(Math.abs(summary.hybrid.fallbacks / n - estimate.perRequest.hybrid.fallbackRate)).toBeLessThan(
      0.005,
    );
    expect(Math.abs(summary.hybrid.passed / n - estimate.perRequest.hybrid.passRate)).toBeLessThan(0.005);
    // The same alternatives, with prompt caching from the scenario's agent sessions, agree too.
    expect(estimate.alternatives.map((a) => a.name)).toEqual(summary.alternatives.map((a) => a.name));
    for (const alternative of estimate.alternatives) {
      const simulated = summary.alternatives.find((a) => a.name === alternative.name)!;
      const perRequest = simulated.costUsd / simulated.requests;
      expect(Math.abs(alternative.perRequest.costUsd - perRequest) / perRequest).toBeLessThan(0.02);
      expect(Math.abs(alternative.cacheHitShare * 100 - simulated.promptCache.hitPct)).toBeLessThan(1);
    }
    expect(estimate.alternatives.find((a) => a.name === 'api-premium')!.cacheHitShare).toBeGreaterThan(0.2);
    expect(estimate.cheapestAlternative).toBe(summary.cheapestAlternative);
    // All-in: energy and fixed costs as the simulation counts them.
    expect(
      Math.abs(estimate.hybridAllIn.perYear - summary.cost.hybrid.allIn.perYear) /
        summary.cost.hybrid.allIn.perYear,
    ).toBeLessThan(0.03);
  });

  it('a recorded workload whose verdict re-runs and re-sizes gives the same summary with its runs in workers', async () => {
    // The first 4,000 rows of the Azure conversation trace (shared data, read in place): they overload the one
    // configured Mac Studio, so the verdict re-runs uncapped and sizes the fleet while the workers run.
    const out = tempDir();
    const lines = readFileSync(
      new URL('../../shared/datasets/azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv', import.meta.url),
      'utf8',
    )
      .split('\n')
      .slice(0, 4001);
    const workload = join(out, 'azure-head.csv');
    writeFileSync(workload, `${lines.join('\n')}\n`);
    const run = (parallel: boolean) =>
      simulate({
        configFile: PROJECT_CONFIG,
        workload: { file: workload },
        out: false,
        command: 'test',
        parallel,
      });
    const [inWorkers, inOneThread] = [await run(true), await run(false)];
    expect(inOneThread.summary.verdictBasis?.fleet?.[0]?.sized).toBe(true);
    expect(inOneThread.summary.alternatives.length).toBeGreaterThan(1);
    expect(JSON.stringify(inWorkers.summary)).toBe(JSON.stringify(inOneThread.summary));
  });

  it('passes in workers: one a spare core; dealt to one worker or two, the same outcomes; a failure ends its own and the later ones', async () => {
    expect([1, 2, 3, 4, 8].map((cores) => workerCount(2, cores))).toEqual([1, 1, 2, 2, 2]);
    expect(workerCount(0, 8)).toBe(0);
    const spec = {
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: { kind: 'synthetic' as const, scenario: { file: 'small.yaml', text: SMALL() } },
      seed: 5,
    };
    const alternative = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG).alternatives.find(
      (a) => !a.premium,
    )!;
    const passes = [{}, { alternative: alternative.name }];
    const inOne = await Promise.all(runPassesInWorkers(spec, passes, {}, 1));
    const inTwo = await Promise.all(runPassesInWorkers(spec, passes, {}, 2));
    expect(JSON.stringify(inOne)).toBe(JSON.stringify(inTwo));
    // The alternative is a run of its own, not the baseline again.
    expect(inOne[1]!.stats.costUsd).not.toBe(inOne[0]!.stats.costUsd);
    expect(inOne[0]!.stats.requests).toBe(inOne[1]!.stats.requests);
    const [first, bad, after] = runPassesInWorkers(spec, [{}, { alternative: 'nonesuch' }, {}], {}, 1);
    await expect(first).resolves.toHaveProperty('stats');
    await expect(bad).rejects.toThrow(/no API-only alternative named 'nonesuch'/);
    await expect(after).rejects.toThrow(/nonesuch/);
  });

  it('leaves nothing half-written when a run fails', async () => {
    const out = tempDir();
    const workload = join(out, 'bad.csv');
    writeFileSync(workload, 'timestamp,input_tokens\n2026-01-01T00:00:00Z,100\n2026-01-01T00:01:00Z,lots\n');
    await expect(simulate({ configFile: PROJECT_CONFIG, workload: { file: workload }, out })).rejects.toThrow(
      /bad\.csv:3:2: input_tokens: expected a non-negative integer, found "lots"/,
    );
    expect(readdirSync(out)).toEqual(['bad.csv']);
  });
});

describe('analytic estimate', () => {
  it("reproduces the design document's figures from its assumptions", async () => {
    const scenario = loadScenarioFile('design-doc');
    const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG, scenario.config_overrides);
    const estimate = await analyticEstimate(scenario, config);
    expect(estimate.pureApi.perDay).toBeCloseTo(0.45, 10);
    expect(estimate.pureApi.perMonth).toBeCloseTo(13.5, 10);
    expect(estimate.pureApi.perYear).toBeCloseTo(162, 10);
    expect(estimate.hybrid.perDay).toBeCloseTo(0.135, 10);
    expect(estimate.savingsPct).toBeCloseTo(70, 10);
    expect(estimate.perRequest.hybrid.fallbackRate).toBeCloseTo(0.05, 10);
  });
});

it('the project ships its scenarios', () => {
  for (const name of ['light', 'medium', 'heavy', 'design-doc'])
    expect(existsSync(scenarioFile(name))).toBe(true);
});
