import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveScenarioPath } from '../src/sim/load-scenario.js';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

function cheapest(summary: Summary): Summary['alternatives'][number] {
  return summary.alternatives.find((a) => a.name === summary.cheapestAlternative)!;
}

describe('the break-even volume is true', () => {
  it('replaying the workload at the reported break-even volume puts hybrid all-in within 2% of the alternative', async () => {
    const days = 28;
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'medium',
      days,
      out: false,
      parallel: false,
    });
    const breakEven = cheapest(summary).comparison.breakEvenIterationsPerDay!;
    expect(breakEven).toBeGreaterThan(summary.run.iterationsPerDay);
    // The same scenario at that volume: same mix, same sessions, same seed.
    const text = readFileSync(resolveScenarioPath('medium'), 'utf8').replace(
      /^iterations_per_day: .*$/m,
      `iterations_per_day: ${Math.round(breakEven)}`,
    );
    const file = join(tempDir(), 'medium-at-break-even.yaml');
    writeFileSync(file, text);
    const { summary: replay } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: file,
      days,
      out: false,
      parallel: false,
    });
    const alternative = cheapest(replay).comparison;
    const gap = (alternative.hybrid.allInUsd - alternative.pureApi.usd) / alternative.pureApi.usd;
    expect(Math.abs(gap)).toBeLessThan(0.02);
  }, 120_000);
});
