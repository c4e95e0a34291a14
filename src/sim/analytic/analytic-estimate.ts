import type { ModelConfig, RouterConfig } from '../../config/router-config.js';
import { classify } from '../../router/classify.js';
import { selectTier } from '../../router/chain.js';
import { isLocalTier, type RouteRequest } from '../../router/types.js';
import type { Scenario } from '../load-scenario.js';
import { alternativeConfig, baselineConfig } from '../counterfactual-config.js';
import { DEFAULT_HOURLY_WEIGHTS } from '../synthetic-workload.js';
import { expectedCacheUse, iterationOdds, type PrefixTraffic } from './analytic-cache.js';
import { inputBands, type InputBand, type InputShape } from './analytic-input.js';
import { chainOf, expectedRequest, type AttemptInput, type ExpectedRun } from './analytic-request.js';
import { CALENDAR_DAYS_PER_MONTH, project, type CostProjection } from '../../cost/cost-model.js';

export type { ExpectedRun } from './analytic-request.js';

/** An API-only alternative's expected cost, and the hybrid all-in against it. */
export interface EstimatedAlternative {
  name: string;
  description: string;
  perRequest: ExpectedRun;
  projection: CostProjection;
  /** Share of its API input tokens read from a prompt cache. */
  cacheHitShare: number;
  /** Hybrid all-in saving against it, per year and as a share of its cost. */
  savingsPerYearAllIn: number;
  savingsPctAllIn: number;
  /** Iterations per day where the hybrid all-in equals it; null when the hybrid never catches up. */
  breakEvenIterationsPerDay: number | null;
}

export interface AnalyticEstimate {
  scenario: string;
  iterationsPerDay: number;
  daysPerMonth: number;
  perRequest: { hybrid: ExpectedRun; pureApi: ExpectedRun };
  /** Hybrid API spend (marginal). */
  hybrid: CostProjection;
  /** Hybrid all-in: API spend, local energy and fixed local costs. */
  hybridAllIn: CostProjection;
  pureApi: CostProjection;
  /** Marginal savings against pure API (the design document's comparison). */
  savingsPct: number;
  savingsPerYear: number;
  /** Every API-only alternative, and the cheapest, which the verdict is against. */
  alternatives: EstimatedAlternative[];
  cheapestAlternative: string | null;
  /** Share of API input tokens read from a prompt cache: hybrid and pure API. */
  cacheHitShare: { hybrid: number; pureApi: number };
  /** Assumptions that replaced profile-derived figures (e.g. the design document's fixed fallback rate). */
  assumptions: string[];
  /**
   * Per hardware item whose models have a capacity profile: the machines the busiest hour's expected work
   * needs (each model's slot time ÷ an hour of its slots, the busiest model deciding), and the count the
   * all-in figures are priced at: the configured one, or that many when more are needed.
   */
  fleet: { item: string; description: string; configured: number; needed: number; priced: number }[];
}

type Action = [string, Scenario['actions'][string]];

function requestOf([action, spec]: Action): RouteRequest {
  return {
    action,
    prompt: spec.prompt ?? '',
    expects: spec.expects,
    requiredFields: spec.required_fields,
    inputTokens: spec.input_tokens.mean,
    ...(spec.quality_critical ? { qualityCritical: true } : {}),
    ...(spec.max_tokens === undefined ? {} : { maxTokens: spec.max_tokens }),
  };
}

/** Requests per second in each hour of the day and each hour's share, from the scenario's daily curve. */
function hoursOf(scenario: Scenario): PrefixTraffic['hours'] {
  const weights = scenario.arrival.hourly_weights ?? DEFAULT_HOURLY_WEIGHTS;
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => ({ share: w / total, rate: (scenario.iterations_per_day * w) / total / 3600 }));
}

/**
 * Expected values of one run (a config: hybrid, pure API or an alternative) over the scenario's actions,
 * with prompt caching. Two passes: the first finds how often each action's requests attempt each model
 * (which is how often they refresh its cache), the second prices every attempt with its expected reads.
 */
async function expectedRun(
  scenario: Scenario,
  config: RouterConfig,
  faults: ReadonlyMap<string, number>,
  fallback: number | undefined,
): Promise<ExpectedRun & { cache: { apiInput: number; apiCached: number }; busyMsOn: Map<string, number> }> {
  const actions = Object.entries(scenario.actions) as Action[];
  const totalShare = actions.reduce((sum, [, a]) => sum + a.share, 0);
  const session = scenario.session;
  const odds = iterationOdds(session?.iterations);
  const hours = hoursOf(scenario);
  const history = session?.history_tokens_per_iteration ?? 0;
  /** The action's input as the workload draws it, and the slices its models' context windows cut it into. */
  const bandsOf = (action: Action): { band: InputBand; skip?: (m: ModelConfig) => boolean }[] => {
    const [, spec] = action;
    const request = requestOf(action);
    const maxTokens = request.maxTokens ?? config.maxOutputTokens;
    const shape: InputShape = {
      mean: spec.input_tokens.mean,
      sd: spec.input_tokens.sd,
      offsets: odds.map((probability, k) => ({
        probability,
        tokens: spec.shared_prefix_tokens + k * history,
      })),
    };
    const limit = (m: ModelConfig): number => m.contextWindow - maxTokens;
    return inputBands(shape, chainOf(config, request).chain.map(limit)).map((band) => ({
      band,
      ...(band.lowerThreshold === -Infinity
        ? {}
        : { skip: (m: ModelConfig) => limit(m) <= band.lowerThreshold }),
    }));
  };
  // Pass 1: attempt odds per (prefix group, model), over all requests.
  const groupOdds = new Map<string, Map<string, number>>();
  for (const action of actions) {
    const [name, spec] = action;
    const group = spec.prefix_group ?? name;
    let byModel = groupOdds.get(group);
    if (!byModel) groupOdds.set(group, (byModel = new Map()));
    for (const { band, skip } of bandsOf(action)) {
      const input: AttemptInput = { inputTokens: band.meanInput, cachedTokens: 0, cacheWriteTokens: 0 };
      const e = await expectedRequest(
        config,
        requestOf(action),
        spec.output_tokens.mean,
        faults,
        fallback,
        () => input,
        skip,
      );
      for (const [model, p] of e.attemptsOn)
        byModel.set(model, (byModel.get(model) ?? 0) + (p * band.probability * spec.share) / totalShare);
    }
  }
  // Pass 2: each attempt priced with its expected cache use.
  const sum = {
    costUsd: 0,
    latencyMs: 0,
    passRate: 0,
    fallbackRate: 0,
    localShare: 0,
    attempts: 0,
    energyKwh: 0,
    startTiers: {} as Record<string, number>,
    cache: { apiInput: 0, apiCached: 0 },
    busyMsOn: new Map<string, number>(),
  };
  for (const action of actions) {
    const [name, spec] = action;
    const group = spec.prefix_group ?? name;
    // Cache reads and writes depend on the prefix and history, not on the action's own tokens.
    const caches = new Map<string, { read: number; write: number }>();
    const cacheOf = (model: ModelConfig): { read: number; write: number } => {
      let use = caches.get(model.name);
      if (use) return use;
      use = { read: 0, write: 0 };
      if (model.promptCache && (spec.shared_prefix_tokens > 0 || history > 0)) {
        const expected = expectedCacheUse(model.promptCache, {
          sharedTokens: spec.shared_prefix_tokens,
          historyTokens: history,
          iterationOdds: odds,
          hours,
          attemptOdds: groupOdds.get(group)?.get(model.name) ?? 0,
        });
        use = { read: expected.readTokens, write: expected.writeTokens };
      }
      caches.set(model.name, use);
      return use;
    };
    for (const { band, skip } of bandsOf(action)) {
      const inputOf = (model: ModelConfig): AttemptInput => {
        const use = cacheOf(model);
        const cachedTokens = Math.min(use.read, band.meanInput);
        return {
          inputTokens: band.meanInput,
          cachedTokens,
          cacheWriteTokens: Math.min(use.write, band.meanInput - cachedTokens),
        };
      };
      const e = await expectedRequest(
        config,
        requestOf(action),
        spec.output_tokens.mean,
        faults,
        fallback,
        inputOf,
        skip,
      );
      const weight = (band.probability * spec.share) / totalShare;
      sum.costUsd += weight * e.costUsd;
      sum.latencyMs += weight * e.latencyMs;
      sum.passRate += weight * e.passRate;
      sum.fallbackRate += weight * e.fallbackRate;
      sum.localShare += weight * e.localShare;
      sum.attempts += weight * e.attempts;
      sum.energyKwh += weight * e.energyKwh;
      sum.startTiers[e.startTier] = (sum.startTiers[e.startTier] ?? 0) + weight;
      for (const [model, ms] of e.busyMsOn)
        sum.busyMsOn.set(model, (sum.busyMsOn.get(model) ?? 0) + weight * ms);
      for (const [model, p] of e.attemptsOn) {
        const config_ = config.models.find((m) => m.name === model);
        if (!config_ || isLocalTier(config_.tier)) continue;
        const input = inputOf(config_);
        sum.cache.apiInput += weight * p * input.inputTokens;
        sum.cache.apiCached += weight * p * input.cachedTokens;
      }
    }
  }
  return sum;
}

/**
 * Expected values of a scenario under a config, without sampling: the same classification, chain and
 * checks as the router, with probabilities in place of draws, prompt caching in expectation, and every
 * API-only alternative. The simulation's mean must agree with it.
 */
export async function analyticEstimate(
  scenario: Scenario,
  config: RouterConfig,
  faults: ReadonlyMap<string, number> = new Map(),
  options: { baselineModel?: { model: ModelConfig; profileFrom: string | null } } = {},
): Promise<AnalyticEstimate> {
  const daysPerMonth = scenario.projection.days_per_month ?? CALENDAR_DAYS_PER_MONTH;
  const override = scenario.analytic.fallback_rate;
  const actions = Object.entries(scenario.actions) as Action[];
  const totalShare = actions.reduce((sum, [, a]) => sum + a.share, 0);
  // The override is a share of all requests; locally started requests carry all of it.
  let localStart = 0;
  for (const [action, spec] of actions) {
    const request: RouteRequest = {
      action,
      prompt: spec.prompt ?? '',
      ...(spec.quality_critical ? { qualityCritical: true } : {}),
    };
    const { complexity } = classify(request, config.actionComplexity);
    if (isLocalTier(selectTier(complexity, request, config).tier)) localStart += spec.share / totalShare;
  }
  const perLocalRequest =
    override === undefined || localStart === 0 ? undefined : Math.min(1, override / localStart);
  const hybrid = await expectedRun(scenario, config, faults, perLocalRequest);
  const pureApi = await expectedRun(
    scenario,
    baselineConfig({ config, ...(options.baselineModel ? { baselineModel: options.baselineModel } : {}) }),
    faults,
    undefined,
  );
  const perDay = scenario.iterations_per_day;
  const fleet = fleetOf(scenario, config, hybrid.busyMsOn);
  // Machines beyond the configured count, where the busiest hour needs them: the verdict is priced with them.
  let extraUsdPerMonth = 0;
  let extraIdleKwhPerDay = 0;
  for (const f of fleet) {
    const item = config.localCosts.hardware.find((h) => h.name === f.item)!;
    extraUsdPerMonth += (f.priced - f.configured) * item.usdPerMonth;
    extraIdleKwhPerDay += ((f.priced - f.configured) * item.idleWatts * item.hoursOnPerDay) / 1000;
  }
  const energyPerDay = hybrid.energyKwh * perDay * config.localCosts.usdPerKwh;
  const fixedPerDay =
    (config.localCosts.fixedUsdPerMonth + extraUsdPerMonth) / daysPerMonth +
    (config.localCosts.idleKwhPerDay + extraIdleKwhPerDay) * config.localCosts.usdPerKwh;
  const hybridProjection = project(hybrid.costUsd * perDay, 1, daysPerMonth);
  const allInProjection = project(hybrid.costUsd * perDay + energyPerDay + fixedPerDay, 1, daysPerMonth);
  const apiProjection = project(pureApi.costUsd * perDay, 1, daysPerMonth);
  const share = (cache: { apiInput: number; apiCached: number }): number =>
    cache.apiInput ? cache.apiCached / cache.apiInput : 0;

  const alternatives: EstimatedAlternative[] = [];
  for (const alternative of config.alternatives) {
    const run = alternative.premium
      ? pureApi
      : await expectedRun(scenario, alternativeConfig(config, alternative), faults, undefined);
    const projection = project(run.costUsd * perDay, 1, daysPerMonth);
    const perIteration = run.costUsd - hybrid.costUsd - hybrid.energyKwh * config.localCosts.usdPerKwh;
    alternatives.push({
      name: alternative.name,
      description: alternative.description,
      perRequest: withoutCache(run),
      projection,
      cacheHitShare: share(run.cache),
      savingsPerYearAllIn: projection.perYear - allInProjection.perYear,
      savingsPctAllIn: projection.perYear > 0 ? (1 - allInProjection.perYear / projection.perYear) * 100 : 0,
      breakEvenIterationsPerDay: perIteration > 0 ? fixedPerDay / perIteration : null,
    });
  }
  const cheapest = [...alternatives].sort((a, b) => a.projection.perDay - b.projection.perDay)[0];
  return {
    scenario: scenario.name,
    iterationsPerDay: perDay,
    daysPerMonth,
    perRequest: { hybrid: withoutCache(hybrid), pureApi: withoutCache(pureApi) },
    hybrid: hybridProjection,
    hybridAllIn: allInProjection,
    pureApi: apiProjection,
    savingsPct: pureApi.costUsd > 0 ? (1 - hybrid.costUsd / pureApi.costUsd) * 100 : 0,
    savingsPerYear: apiProjection.perYear - hybridProjection.perYear,
    alternatives,
    cheapestAlternative: cheapest?.name ?? null,
    cacheHitShare: { hybrid: share(hybrid.cache), pureApi: share(pureApi.cache) },
    fleet,
    assumptions: [
      ...(override !== undefined
        ? [
            `fallback rate fixed at ${(override * 100).toFixed(1)}% of requests (scenario analytic.fallback_rate), straight to the API tier`,
          ]
        : []),
      ...(scenario.projection.days_per_month !== undefined
        ? [`${scenario.projection.days_per_month}-day months`]
        : []),
      'token counts at their means; the daily budget is not modelled (a cap is not a saving); local calls as on an idle server (their capacity profile at one sequence, no queueing), on as many machines as the busiest hour keeps busy',
      ...(scenario.session || actions.some(([, a]) => a.shared_prefix_tokens > 0)
        ? [
            "prompt-cache reads in expectation: Poisson arrivals at each hour's rate, each session step independently routed",
          ]
        : []),
    ],
  };
}

function withoutCache<T extends { cache: unknown; busyMsOn: unknown }>(
  run: T,
): Omit<T, 'cache' | 'busyMsOn'> {
  const { cache: _cache, busyMsOn: _busy, ...rest } = run;
  return rest;
}

/**
 * The machines each hardware item needs for the scenario's busiest hour: per model placed on it with a
 * capacity profile, its expected slot time per request × the hour's requests ÷ (3,600 s × its sequences at
 * once), rounded up; the largest over the item's models (each model has its own slots on every machine).
 */
function fleetOf(
  scenario: Scenario,
  config: RouterConfig,
  busyMsOn: ReadonlyMap<string, number>,
): AnalyticEstimate['fleet'] {
  const peakPerSecond = Math.max(...hoursOf(scenario).map((h) => h.rate));
  const out: AnalyticEstimate['fleet'] = [];
  for (const item of config.localCosts.hardware) {
    let needed = 0;
    for (const placed of item.models) {
      const model = config.models.find((m) => m.name === placed.name);
      const capacity = model?.simulation.capacity;
      if (!capacity) continue;
      const demand = ((busyMsOn.get(placed.name) ?? 0) * peakPerSecond) / 1000 / capacity.max_concurrency;
      needed = Math.max(needed, Math.ceil(demand - 1e-9), 1);
    }
    if (needed === 0) continue;
    out.push({
      item: item.name,
      description: item.description,
      configured: item.count,
      needed,
      priced: Math.max(item.count, needed),
    });
  }
  return out;
}
