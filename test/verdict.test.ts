import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { headline } from '../src/report/verdict-view.js';
import { formatSimulationSummary } from '../src/cli/format/simulation-summary.js';
import { serviceLevelOf } from '../src/sim/service-level.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { writeMooncakeTrace } from './helpers/mooncake-trace.js';
import { tempDir } from './helpers/temp.js';
import { runCli } from './helpers/cli.js';

const AZURE = new URL(
  '../../shared/datasets/azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv',
  import.meta.url,
).pathname;

const cheapest = (s: Summary) => s.alternatives.find((a) => a.name === s.cheapestAlternative)!;
const verdictLine = (s: Summary): string =>
  formatSimulationSummary(s)
    .split('\n')
    .find((l) => l.startsWith('VERDICT'))!;

describe.runIf(existsSync(AZURE))('the verdict on the Azure conversation trace', () => {
  it('is the verdict of an uncapped run at the servers-needed count, not of the capped one', async () => {
    const { summary } = await simulate({ configFile: PROJECT_CONFIG, workload: { file: AZURE }, out: false });
    // As configured, the $10/day cap and one Mac Studio leave most requests unanswered.
    const configured = summary.asConfigured!;
    expect(configured.serviceLevel.answeredPct).toBeLessThan(50);
    expect(summary.budget!.limited).toBeGreaterThan(10_000);
    const studio = summary.verdictBasis!.fleet.find((f) => f.item === 'studio')!;
    expect(studio).toMatchObject({ configured: 1, sized: true, overloaded: true });
    expect(summary.verdictBasis!.keptUp).toBe(true);
    const needed = summary.serversNeeded!['studio']!.keepsUp!;
    expect(studio.verdict).toBeGreaterThanOrEqual(needed);

    // The same trace run by hand with no budget to speak of, at that many machines.
    const { summary: byHand } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: AZURE },
      out: false,
      configSets: ['router.daily_budget_usd=1000000000', `servers.studio=${studio.verdict}`],
    });
    expect(byHand.hybrid.budgetLimited).toBe(0);
    expect(byHand.capacity!['studio']!.timedOutWaiting).toBe(0);
    const v = cheapest(summary).comparison;
    const h = cheapest(byHand).comparison;
    expect(Math.sign(v.savings.allInUsd)).toBe(Math.sign(h.savings.allInUsd));
    expect(v.savings.allInUsd).toBeCloseTo(h.savings.allInUsd, 2);
    expect(v.hybrid.fixedUsd).toBeCloseTo(h.hybrid.fixedUsd, 6);
    // The capped run's "saving" (what today's headline reported) is not the verdict's.
    expect(configured.comparison!.savings.allInUsd).toBeGreaterThan(v.savings.allInUsd + 10);
    // Every request is answered on both sides: the comparison is like for like.
    expect(summary.serviceLevel!.hybrid.answeredPct).toBeGreaterThan(99);
    expect(summary.serviceLevel!.alternatives[summary.cheapestAlternative!]!.answeredPct).toBeGreaterThan(99);
    expect(verdictLine(summary)).toMatch(
      new RegExp(
        `^VERDICT {2}Needs ${studio.verdict} × Apple Mac Studio \\(studio; 1 configured\\) to carry this traffic\\. At ${studio.verdict}, hybrid costs`,
      ),
    );
  }, 240_000);
});

describe('a Mooncake-format trace that overloads one server', () => {
  it('gets its verdict at the sized fleet, names the count, and that fleet keeps up', async () => {
    const dir = tempDir();
    // ~2 requests a second of ~2,500-token inputs sharing prefix blocks: mixtral on one Mac Studio cannot.
    const file = writeMooncakeTrace(dir, { requests: 3000, perSecond: 2 });
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file, timeUnit: 'ms' },
      out: false,
    });
    const studio = summary.verdictBasis!.fleet[0]!;
    expect(studio.configured).toBe(1);
    expect(studio.sized).toBe(true);
    expect(studio.verdict).toBeGreaterThan(5);
    // The whole trace at that count: no call gave up waiting for a slot, and the count is what is priced.
    expect(summary.capacity!['studio']!.servers).toBe(studio.verdict);
    expect(summary.capacity!['studio']!.timedOutWaiting).toBe(0);
    const item = summary.config.localCosts.items.find((i) => i.name === 'studio')!;
    expect(item.detail).toMatch(new RegExp(`^${studio.verdict} × `));
    expect(verdictLine(summary)).toContain(
      `Needs ${studio.verdict} × Apple Mac Studio (studio; 1 configured)`,
    );
    // The fleet assumptions behind the count are named, with their source, and the ×4 row is there.
    expect(summary.fleetAssumptions!.map((a) => a.sequences)).toEqual([1, 1, 1, 1]);
    expect(formatSimulationSummary(summary)).toMatch(
      /FLEET ASSUMPTIONS {2}sequences at once per server: phi3:mini 1/,
    );
    const rows = summary.sensitivity.find((x) => x.alternative === summary.cheapestAlternative)!.rows;
    expect(rows.map((r) => r.assumption)).toContain('sequences at once');
    expect(summary.serversAtFourSequences!['studio']!).toBeLessThan(studio.verdict);
  }, 120_000);

  it('a capped run whose only saving is the cap: not green, and the refused requests are said', async () => {
    const dir = tempDir();
    // Long inputs: every request is COMPLEX and goes to the API; the $10/day cap refuses most of them.
    const file = writeMooncakeTrace(dir, { requests: 1500, perSecond: 1, inputTokens: 6000 });
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file, timeUnit: 'ms' },
      out: false,
    });
    expect(summary.verdictBasis!.uncapped).toBe(true);
    // What the capped run would have claimed: a large "saving" from requests nobody answered.
    expect(summary.asConfigured!.comparison!.savings.allInPct).toBeGreaterThan(50);
    const h = headline(summary);
    expect(h.tone).not.toBe('good');
    expect(h.figures.saving).toBeLessThan(0);
    const text = formatSimulationSummary(summary);
    expect(text).toMatch(
      /WHAT-IF {2}with your \$10\.00\/day cap, [\d,]+ request\(s\) \([\d.]+%\) would have been kept from the API/,
    );
    expect(text).toMatch(/answered by no model/);
  }, 60_000);
});

describe('servers needed', () => {
  it('is a finite number for a load that needs over 100 machines, and a replay at that count keeps up', async () => {
    const dir = tempDir();
    const file = writeMooncakeTrace(dir, { requests: 8000, perSecond: 12 });
    const { code, stdout } = await runCli([
      'simulate',
      '--workload',
      file,
      '--time-unit',
      'ms',
      '--no-write',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Summary;
    const needed = summary.serversNeeded!['studio']!;
    expect(needed.keepsUp).toBeGreaterThan(100);
    // The search starts from the demand bound (an overloaded run's demand counts retries, so it can overstate).
    expect(needed.demandBound).toBeGreaterThan(50);
    expect(summary.capacity!['studio']!.servers).toBeGreaterThanOrEqual(needed.keepsUp!);
    expect(summary.capacity!['studio']!.timedOutWaiting).toBe(0);
  }, 120_000);
});

describe('service levels', () => {
  it('count refused and unanswered requests as failures', () => {
    const stats = {
      requests: 8,
      rejected: 2,
      passed: 5,
      latencyMs: { p50: 1, p95: 9, p99: 9, mean: 1, max: 9, count: 8 },
      byTier: { LOCAL_FAST: { served: 3 }, LOCAL_QUALITY: { served: 1 }, API_FALLBACK: { served: 2 } },
      byModel: {
        'phi3:mini': { tier: 'LOCAL_FAST', calls: 4, errors: 1, ttftMs: { p95: 700 } },
        'mixtral:8x7b': { tier: 'LOCAL_QUALITY', calls: 1, errors: 0, ttftMs: { p95: 1200 } },
        'gpt-4o': { tier: 'API_FALLBACK', calls: 2, errors: 0, ttftMs: { p95: 9000 } },
      },
    } as unknown as Parameters<typeof serviceLevelOf>[0];
    const level = serviceLevelOf(stats);
    expect(level.requests).toBe(10);
    expect(level.answeredPct).toBeCloseTo(60, 9);
    expect(level.acceptablePct).toBeCloseTo(50, 9);
    expect(level.localTtftP95Ms).toBe(1200);
  });

  it('a hybrid that answers fewer requests acceptably than the alternative is amber, naming the gap', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 7,
      out: false,
    });
    expect(headline(summary).tone).not.toBe('amber');
    const name = summary.cheapestAlternative!;
    const worse: Summary = {
      ...summary,
      serviceLevel: {
        ...summary.serviceLevel!,
        hybrid: {
          ...summary.serviceLevel!.hybrid,
          acceptablePct: summary.serviceLevel!.alternatives[name]!.acceptablePct - 3,
        },
      },
    };
    const h = headline(worse);
    expect(h.tone).toBe('amber');
    expect(h.sentence).toMatch(
      /it answers fewer requests acceptably than .* so the costs do not compare like with like/,
    );
    expect(verdictLine(worse)).toMatch(/but it answers fewer requests acceptably/);
  }, 60_000);
});

describe('every verdict follows the rule', () => {
  it('estimate and simulate price the same sized fleet for a scenario one machine cannot carry', async () => {
    const dir = tempDir();
    const busy = join(dir, 'busy.yaml');
    // The heavy scenario at 20,000 iterations a day: mixtral's busiest hour needs several Mac Studios.
    writeFileSync(
      busy,
      readFileSync(new URL('../scenarios/heavy.yaml', import.meta.url), 'utf8')
        .replace(/^iterations_per_day: 500$/m, 'iterations_per_day: 20000')
        .replace(/^name: .*$/m, 'name: busy'),
    );
    const estimate = await runCli(['estimate', '--scenario', busy, '--json']);
    expect(estimate.code).toBe(0);
    const fleet = (
      JSON.parse(estimate.stdout) as { fleet: { item: string; configured: number; priced: number }[] }
    ).fleet;
    const studio = fleet.find((f) => f.item === 'studio')!;
    expect(studio.configured).toBe(1);
    expect(studio.priced).toBeGreaterThan(1);
    const { summary, monteCarlo } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: busy,
      days: 7,
      runs: 2,
      out: false,
    });
    const sized = summary.verdictBasis!.fleet.find((f) => f.item === 'studio')!;
    expect(sized.sized).toBe(true);
    // The estimate's demand bound and the simulation's search agree here.
    expect(sized.verdict).toBe(studio.priced);
    // Monte Carlo folds the sized runs: its mean API bill is near the first seed's sized run's, not the
    // one-machine run's (whose timed-out calls escalate to the API).
    const perYear = summary.cost.hybrid.marginal.perYear;
    const asConfigured = summary.asConfigured!.comparison!.hybrid.marginal.perYear;
    expect(Math.abs(asConfigured - perYear)).toBeGreaterThan(perYear * 0.2);
    expect(monteCarlo!.metrics.hybridCostPerYearUsd.mean).toBeGreaterThan(perYear * 0.9);
    expect(monteCarlo!.metrics.hybridCostPerYearUsd.mean).toBeLessThan(perYear * 1.1);
  }, 180_000);
});
