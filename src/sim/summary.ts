import { createHash } from 'node:crypto';
import type { ProfileOrigin } from '../bench/profile.js';
import { planChain } from '../router/chain.js';
import { isLocalTier } from '../router/types.js';
import { compareCosts, CALENDAR_DAYS_PER_MONTH, type CostComparison } from '../cost/cost-model.js';
import { priceTableVersion } from '../cost/price-table.js';
import type { RouterConfig } from '../config/router-config.js';
import { toolVersion } from '../version.js';
import type { Scenario } from './load-scenario.js';
import type { MeanInterval, Summary } from './summary-types.js';
import type { RunStats } from './run-aggregator.js';
import type { SimulationOutput } from './run-simulation.js';
import { END_OF_LIFE, END_OF_LIFE_SOURCE } from '../cost/model-lifecycle.js';
import { summariseAlternatives, type AlternativeSummary } from './alternatives-summary.js';
import { sensitivity } from './sensitivity.js';
import { DEFAULT_TARGETS, scorecard, type Targets } from './scorecard.js';
import { fleetAssumptions, serviceLevelOf } from './service-level.js';

const DAY_MS = 86_400_000;

export type { MeanInterval, Summary } from './summary-types.js';

export function meanInterval(stats: RunStats): MeanInterval {
  const n = stats.requests;
  if (n < 2) return { mean: n ? stats.costUsd : 0, low: 0, high: 0 };
  const mean = stats.costUsd / n;
  const variance = Math.max(0, (stats.costSquaresUsd - n * mean * mean) / (n - 1));
  const half = 1.96 * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function targetsOf(scenario: Scenario | undefined): Targets {
  const t = scenario?.targets ?? {};
  return {
    maxCostPerWeekUsd: t.max_cost_per_week_usd ?? DEFAULT_TARGETS.maxCostPerWeekUsd,
    minSavingsPct: t.min_savings_pct ?? DEFAULT_TARGETS.minSavingsPct,
    maxAverageLatencyMs: t.max_average_latency_ms ?? DEFAULT_TARGETS.maxAverageLatencyMs,
    minPassRatePct: t.min_pass_rate_pct ?? DEFAULT_TARGETS.minPassRatePct,
    maxFallbackRatePct: t.max_fallback_rate_pct ?? DEFAULT_TARGETS.maxFallbackRatePct,
    minLocalSharePct: t.min_local_share_pct ?? DEFAULT_TARGETS.minLocalSharePct,
    minAverageConfidence: t.min_average_confidence ?? DEFAULT_TARGETS.minAverageConfidence,
  };
}

/** Days the run covers: the scenario's, or a recorded trace's span (at least one minute). */
export function coveredDays(output: SimulationOutput): number {
  const scenario = output.run.scenario;
  if (scenario) return scenario.days;
  const first = output.hybrid.firstArrivalMs ?? 0;
  const last = output.hybrid.lastArrivalMs ?? first;
  return Math.max((last - first) / DAY_MS, 1 / 1440);
}

/** What a summary records of the config: file, hash, price table, models with their prices. */
export function configSummary(config: RouterConfig): Summary['config'] {
  return {
    file: config.source,
    sha256: sha256(config.sourceText),
    priceTable: priceTableVersion(),
    models: config.models.map((m) => ({
      name: m.name,
      provider: m.provider,
      tier: m.tier,
      enabled: m.enabled,
      sizeGb: m.sizeGb ?? null,
      watts: m.watts,
      hardware: m.hardware ?? null,
      inputPerMtok: m.price.inputPerMtok,
      outputPerMtok: m.price.outputPerMtok,
      cachedInputPerMtok: m.price.cachedInputPerMtok,
      priceSource: m.price.source,
    })),
    qualityThreshold: config.qualityThreshold,
    selfCritique: config.selfCritique,
    dailyBudgetUsd: config.dailyBudgetUsd,
    localCosts: config.localCosts,
  };
}

export function buildSummary(
  output: SimulationOutput,
  options: {
    command: string;
    workloadFile?: string;
    seed: number;
    profiles?: string;
    profileOrigin?: ProfileOrigin;
    annualise?: boolean;
    backend?: 'simulated' | 'real';
  },
): Summary {
  const { run, hybrid, baseline } = output;
  const config: RouterConfig = run.config;
  const scenario = run.scenario;
  const days = coveredDays(output);
  const daysPerMonth = scenario?.projection.days_per_month ?? CALENDAR_DAYS_PER_MONTH;
  // The verdict's run is the uncapped one when the cap bit: its break-even says so.
  const uncapped = output.verdictBasis?.uncapped ? hybrid.stats : undefined;
  const cost = compareCosts(hybrid.stats, baseline.stats, config, days, daysPerMonth, uncapped);
  const alternatives = alternativesOf(output, days, daysPerMonth);
  const cheapestStats = output.alternatives.find(
    (a) => a.alternative.name === alternatives.cheapestAlternative,
  )?.outcome.stats;
  const targets = targetsOf(scenario);
  const startMs = hybrid.firstArrivalMs ?? run.startMs;
  return {
    tool: { name: 'hybridllm', version: toolVersion() },
    run: {
      kind: scenario ? 'synthetic' : 'recorded',
      scenario: scenario?.name ?? 'recorded',
      seed: options.seed,
      iterationsPerDay: scenario?.iterations_per_day ?? hybrid.stats.requests / days,
      days,
      startDate: new Date(Math.floor(startMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
      ...(options.workloadFile ? { workloadFile: options.workloadFile, workload: run.readStats } : {}),
      ...(scenario
        ? {}
        : {
            window: windowOf(hybrid.firstArrivalMs, hybrid.lastArrivalMs, days, options.annualise ?? false),
          }),
      command: options.command,
      backend: options.backend ?? 'simulated',
    },
    config: configSummary(config),
    scenarioSha256: scenario ? sha256(scenario.text) : null,
    profiles: options.profiles ?? 'config defaults (llm_config.yaml simulation profiles)',
    ...(options.profileOrigin ? { profileOrigin: options.profileOrigin } : {}),
    hybrid: hybrid.stats,
    baseline: baseline.stats,
    cost,
    costPerRequest: { hybrid: meanInterval(hybrid.stats), baseline: meanInterval(baseline.stats) },
    scorecard: scorecard(hybrid.stats, cost, targets, cheapestOf(alternatives)),
    targets,
    accuracy: accuracyOf(output),
    ...alternatives,
    sensitivity: output.alternatives.map(({ alternative, outcome }) =>
      sensitivity(
        hybrid.stats,
        { name: alternative.name, stats: outcome.stats },
        config,
        days,
        daysPerMonth,
        fleetAtFour(output),
      ),
    ),
    ...(output.asConfigured && output.verdictBasis?.uncapped
      ? { budget: budgetOf(output, output.asConfigured.outcome.stats, cheapestStats, days, daysPerMonth) }
      : {}),
    ...(output.verdictBasis ? { verdictBasis: output.verdictBasis } : {}),
    ...(output.asConfigured
      ? { asConfigured: asConfiguredOf(output.asConfigured, cheapestStats, days, daysPerMonth) }
      : {}),
    serviceLevel: {
      hybrid: serviceLevelOf(hybrid.stats, hybrid.capacity),
      alternatives: Object.fromEntries(
        output.alternatives.map(({ alternative, outcome }) => [
          alternative.name,
          serviceLevelOf(outcome.stats, outcome.capacity),
        ]),
      ),
    },
    fleetAssumptions: fleetAssumptions(config, run.profiles),
    ...(output.serversAtFourSequences ? { serversAtFourSequences: output.serversAtFourSequences } : {}),
    baselineModel: baselineModelOf(output),
    ...(output.hybrid.capacity ? { capacity: output.hybrid.capacity } : {}),
    ...(output.serversNeeded ? { serversNeeded: output.serversNeeded } : {}),
    lifecycle: config.models
      .filter((m) => m.enabled && (END_OF_LIFE[m.model] ?? END_OF_LIFE[m.name]))
      .map((m) => ({
        model: m.name,
        endOfLife: (END_OF_LIFE[m.model] ?? END_OF_LIFE[m.name])!,
        source: END_OF_LIFE_SOURCE,
      })),
    ...(output.recordedQuality ? { recordedQuality: output.recordedQuality } : {}),
  };
}

function cheapestOf(
  a: ReturnType<typeof alternativesOf>,
): { name: string; comparison: CostComparison } | undefined {
  return a.alternatives.find((x) => x.name === a.cheapestAlternative);
}

function alternativesOf(
  output: SimulationOutput,
  days: number,
  daysPerMonth: number,
): { alternatives: AlternativeSummary[]; cheapestAlternative: string | null } {
  const { alternatives, cheapest } = summariseAlternatives(
    output.hybrid.stats,
    output.alternatives,
    output.run.config,
    days,
    daysPerMonth,
    output.verdictBasis?.uncapped ? output.hybrid.stats : undefined,
  );
  return { alternatives, cheapestAlternative: cheapest };
}

/**
 * The cost of the "sequences at once ×4" row: hardware and idle energy at the machines that keep up with
 * four sequences, as multiples of the verdict's.
 */
function fleetAtFour(output: SimulationOutput): { hardware: number; idle: number } | undefined {
  const atFour = output.serversAtFourSequences;
  if (!atFour) return undefined;
  const hardware = output.run.config.localCosts.hardware;
  let usd = 0;
  let usdAtFour = 0;
  let idle = 0;
  let idleAtFour = 0;
  for (const h of hardware) {
    const count = atFour[h.name] ?? h.count;
    usd += h.usdPerMonth * h.count;
    usdAtFour += h.usdPerMonth * Math.min(count, h.count);
    idle += h.idleWatts * h.count;
    idleAtFour += h.idleWatts * Math.min(count, h.count);
  }
  return { hardware: usd ? usdAtFour / usd : 1, idle: idle ? idleAtFour / idle : 1 };
}

function asConfiguredOf(
  configured: NonNullable<SimulationOutput['asConfigured']>,
  against: RunStats | undefined,
  days: number,
  daysPerMonth: number,
): NonNullable<Summary['asConfigured']> {
  const { stats, capacity } = configured.outcome;
  return {
    stats,
    serviceLevel: serviceLevelOf(stats, capacity),
    ...(capacity ? { capacity } : {}),
    comparison: against ? compareCosts(stats, against, configured.config, days, daysPerMonth) : null,
  };
}

function budgetOf(
  output: SimulationOutput,
  capped: RunStats,
  against: RunStats | undefined,
  days: number,
  daysPerMonth: number,
): NonNullable<Summary['budget']> {
  const uncapped = output.hybrid.stats;
  return {
    dailyBudgetUsd: output.run.config.dailyBudgetUsd,
    limited: capped.budgetLimited,
    rejected: capped.rejected,
    detail: capped.budgetLimitedDetail,
    uncapped: {
      costUsd: uncapped.costUsd,
      passed: uncapped.passed,
      requests: uncapped.requests,
      accuracy: uncapped.quality.accuracy,
      comparison: against ? compareCosts(uncapped, against, output.run.config, days, daysPerMonth) : null,
    },
  };
}

function windowOf(
  firstMs: number | undefined,
  lastMs: number | undefined,
  days: number,
  annualise: boolean,
): NonNullable<Summary['run']['window']> {
  const first = firstMs ?? 0;
  const last = lastMs ?? first;
  const hours = (last - first) / 3_600_000;
  return {
    first: new Date(first).toISOString(),
    last: new Date(last).toISOString(),
    hours,
    yearScaleFactor: 365 / days,
    annualised: annualise || hours >= 24,
  };
}

/** Expected accuracy of both runs and its basis: recorded labels, fitted profiles or assumed rates. */
function accuracyOf(output: SimulationOutput): Summary['accuracy'] {
  const { run, hybrid, baseline } = output;
  const figures = { hybrid: hybrid.stats.quality.accuracy, baseline: baseline.stats.quality.accuracy };
  if (run.answers) {
    const { recordedAnswers, profileAnswers } = hybrid.stats.quality;
    return {
      ...figures,
      basis: profileAnswers ? 'mixed' : 'recorded',
      source: `recorded answers and labels in ${run.answers.table.file} (${recordedAnswers} answers recorded${profileAnswers ? `, ${profileAnswers} drawn from profiles because the file has none for that model or row` : ''})`,
    };
  }
  const sources = new Map<string, string[]>();
  for (const model of run.config.models.filter((m) => m.enabled)) {
    const profile = run.profiles?.get(model.name) ?? model.simulation;
    const source = profile.rates_source ?? 'assumed';
    sources.set(source, [...(sources.get(source) ?? []), model.name]);
  }
  const fitted = [...sources.keys()].filter((s) => s !== 'assumed');
  const basis = fitted.length === 0 ? 'assumed' : sources.has('assumed') ? 'mixed' : 'fitted';
  return {
    ...figures,
    basis,
    source: `simulated from profile defect and silent-wrong rates: ${[...sources]
      .map(([source, models]) => `${source} (${models.join(', ')})`)
      .join('; ')}`,
  };
}

function baselineModelOf(output: SimulationOutput): Summary['baselineModel'] {
  const chosen = output.run.baselineModel;
  const model =
    chosen?.model ?? planChain('API_FALLBACK', output.run.config).find((m) => !isLocalTier(m.tier));
  if (!model) return null;
  return {
    name: model.name,
    inputPerMtok: model.price.inputPerMtok,
    outputPerMtok: model.price.outputPerMtok,
    priceSource: model.price.source,
    chosen: chosen !== undefined,
    profileFrom: chosen?.profileFrom ?? null,
  };
}
