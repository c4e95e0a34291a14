import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/load-config.js';
import { runSimulation } from '../src/sim/run-simulation.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';

const SCENARIO = new URL('../scenarios/medium.yaml', import.meta.url).pathname;

describe('API-only alternatives, each re-run through the router', () => {
  it('api-tiered starts SIMPLE and MODERATE at the cheapest API model and costs what its tokens × prices say', async () => {
    const output = await runSimulation({
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: {
        kind: 'synthetic',
        scenario: { file: SCENARIO, text: readFileSync(SCENARIO, 'utf8') },
        days: 14,
      },
      seed: 5,
    });
    const names = output.alternatives.map((a) => a.alternative.name);
    expect(names).toEqual(['api-premium', 'api-tiered']);
    // The premium alternative is the pure-API baseline run itself.
    expect(output.alternatives[0]!.outcome).toBe(output.baseline);

    const tiered = output.alternatives[1]!.outcome.stats;
    const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
    const priceOf = (name: string) => config.models.find((m) => m.name === name)!.price;
    let independent = 0;
    for (const [name, model] of Object.entries(tiered.byModel)) {
      const price = priceOf(name);
      const uncached = model.inputTokens - model.cachedInputTokens - model.cacheWriteTokens;
      independent +=
        (uncached * price.inputPerMtok +
          model.cachedInputTokens * price.cachedInputPerMtok +
          model.cacheWriteTokens * price.cacheWriteInputPerMtok +
          model.outputTokens * price.outputPerMtok) /
        1e6;
    }
    expect(tiered.costUsd).toBeCloseTo(independent, 9);
    // The scenario's agent sessions make Sonnet read part of its input from the prompt cache.
    expect(tiered.byModel['claude-sonnet-4-6']!.cachedInputTokens).toBeGreaterThan(0);
    // SIMPLE and MODERATE requests start at Haiku; COMPLEX at Sonnet; Haiku's failures escalate to Sonnet.
    const simpleAndModerate = (tiered.byComplexity['SIMPLE'] ?? 0) + (tiered.byComplexity['MODERATE'] ?? 0);
    expect(tiered.byModel['claude-haiku-4-5']!.calls).toBe(simpleAndModerate);
    expect(tiered.byModel['claude-sonnet-4-6']!.calls).toBeGreaterThan(tiered.byComplexity['COMPLEX'] ?? 0);
    expect(tiered.byTier.LOCAL_FAST.calls + tiered.byTier.LOCAL_QUALITY.calls).toBe(0);
    // Cheaper than everything to Sonnet.
    expect(tiered.costUsd).toBeLessThan(output.baseline.stats.costUsd);
  });

  it('a mix named in config is resolved, and a wrong model name is refused with file:line', () => {
    const text = `${PROJECT_CONFIG_TEXT}\nbaselines:\n  premium: premium\n  gpt-simple: { SIMPLE: gpt-4o, description: GPT-4o for simple work }\n`;
    const config = parseConfig(text, 'mix.yaml');
    expect(config.alternatives.map((a) => a.name)).toEqual(['premium', 'gpt-simple']);
    const mix = config.alternatives[1]!;
    expect(mix.chains.SIMPLE.map((m) => m.name)).toEqual(['gpt-4o', 'claude-sonnet-4-6']);
    expect(mix.chains.COMPLEX.map((m) => m.name)).toEqual(['claude-sonnet-4-6']);
    expect(() =>
      parseConfig(`${PROJECT_CONFIG_TEXT}\nbaselines:\n  bad: { SIMPLE: phi3:mini }\n`, 'bad.yaml'),
    ).toThrow(/bad\.yaml:\d+:\d+.*'phi3:mini' is a local model/);
    expect(() =>
      parseConfig(`${PROJECT_CONFIG_TEXT}\nbaselines:\n  bad: { SIMPLE: nope }\n`, 'bad.yaml'),
    ).toThrow(/bad\.yaml:\d+:\d+.*no model named 'nope'/);
  });
});
