import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareCosts } from '../src/cost/cost-model.js';
import { runSimulation } from '../src/sim/run-simulation.js';
import { sensitivity } from '../src/sim/sensitivity.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';

const SCENARIO = new URL('../scenarios/medium.yaml', import.meta.url).pathname;

async function run(configText: string) {
  return runSimulation({
    config: { file: PROJECT_CONFIG, text: configText },
    workload: {
      kind: 'synthetic',
      scenario: { file: SCENARIO, text: readFileSync(SCENARIO, 'utf8') },
      days: 20,
    },
    seed: 4,
  });
}

/** The shipped config with every API model's prices multiplied by `factor` (Sonnet 4.6, Haiku 4.5, GPT-4o). */
function pricedAt(factor: number): string {
  const prices: Record<string, [number, number, number, number]> = {
    'claude-haiku-4-5': [1, 5, 0.1, 1.25],
    'claude-sonnet-4-6': [3, 15, 0.3, 3.75],
    'gpt-4o': [2.5, 10, 1.25, 2.5],
  };
  let text = PROJECT_CONFIG_TEXT;
  for (const [name, [input, output, cached, write]] of Object.entries(prices))
    text = text.replace(
      new RegExp(`(  - name: ${name}\\n)`),
      `$1    pricing: { input_per_mtok: ${input * factor}, output_per_mtok: ${output * factor}, cached_input_per_mtok: ${cached * factor}, cache_write_input_per_mtok: ${write * factor} }\n`,
    );
  return text;
}

describe('sensitivity, one assumption at a time', () => {
  it('API prices ×1.3 and ops time ×2 give what re-running with those inputs gives', async () => {
    const base = await run(PROJECT_CONFIG_TEXT);
    expect(base.hybrid.stats.budgetLimited).toBe(0);
    const tiered = base.alternatives.find((a) => a.alternative.name === 'api-tiered')!;
    const s = sensitivity(
      base.hybrid.stats,
      { name: 'api-tiered', stats: tiered.outcome.stats },
      base.run.config,
      20,
      365 / 12,
    );
    const row = (name: string) => s.rows.find((r) => r.assumption === name)!;
    const saving = (output: Awaited<ReturnType<typeof run>>) => {
      const alt = output.alternatives.find((a) => a.alternative.name === 'api-tiered')!.outcome.stats;
      const c = compareCosts(output.hybrid.stats, alt, output.run.config, 20);
      return c.pureApi.usd - c.hybrid.allInUsd;
    };
    expect(row('API prices').base).toBeCloseTo(saving(base), 9);
    // The price table's prices × 1.3, re-run: routing does not depend on price, so the bills scale exactly.
    expect(row('API prices').high).toBeCloseTo(saving(await run(pricedAt(1.3))), 6);
    expect(Math.abs(row('API prices').high - row('API prices').base)).toBeGreaterThan(1);
    const doubledOps = await run(
      PROJECT_CONFIG_TEXT.replace('ops_hours_per_month: 1', 'ops_hours_per_month: 2'),
    );
    expect(row('ops time').high).toBeCloseTo(saving(doubledOps), 9);
    // The tornado is ordered by swing, and a verdict flip is flagged when a bound changes sign.
    const swings = s.rows.map((r) => Math.abs(r.high - r.low));
    expect([...swings].sort((a, b) => b - a)).toEqual(swings);
    for (const r of s.rows)
      expect(r.flipsVerdict).toBe(
        Math.sign(r.low) !== Math.sign(r.base) || Math.sign(r.high) !== Math.sign(r.base),
      );
  });
});
