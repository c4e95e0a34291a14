import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { classify } from '../router/classify.js';
import { selectTier } from '../router/chain.js';
import { isLocalTier, type RouteRequest } from '../router/types.js';
import type { Scenario } from '../sim/load-scenario.js';
import { alternativeConfig, pureApiConfig } from '../sim/run-simulation.js';
import { DEFAULT_HOURLY_WEIGHTS } from '../sim/synthetic-workload.js';
import { expectedCacheUse, iterationOdds, type PrefixTraffic } from './analytic-cache.js';
import { expectedRequest, type AttemptInput, type ExpectedRun } from './analytic-request.js';
import { CALENDAR_DAYS_PER_MONTH, project, type CostProjection } from './cost-model.js';

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
): Promise<ExpectedRun & { cache: { apiInput: number; apiCached: number } }> {
  const actions = Object.entries(scenario.actions) as Action[];
  const totalShare = actions.reduce((sum, [, a]) => sum + a.share, 0);
  const session = scenario.session;
  const odds = iterationOdds(session?.iterations);
  const meanIteration = odds.reduce((sum, p, k) => sum + p * k, 0);
  const hours = hoursOf(scenario);
  const noCache = (spec: Action[1]): AttemptInput => ({
    inputTokens:
      spec.input_tokens.mean +
      spec.shared_prefix_tokens +
      meanIteration * (session?.history_tokens_per_iteration ?? 0),
    cachedTokens: 0,
    cacheWriteTokens: 0,
  });
  // Pass 1: attempt odds per (prefix group, model), over all requests.
  const groupOdds = new Map<string, Map<string, number>>();
  for (const action of actions) {
    const [name, spec] = action;
    const e = await expectedRequest(
      config,
      requestOf(action),
      spec.output_tokens.mean,
      faults,
      fallback,
      () => noCache(spec),
    );
    const group = spec.prefix_group ?? name;
    let byModel = groupOdds.get(group);
    if (!byModel) groupOdds.set(group, (byModel = new Map()));
    for (const [model, p] of e.attemptsOn)
      byModel.set(model, (byModel.get(model) ?? 0) + (p * spec.share) / totalShare);
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
  };
  for (const action of actions) {
    const [name, spec] = action;
    const group = spec.prefix_group ?? name;
    const base = noCache(spec);
    const inputs = new Map<string, AttemptInput>();
    const inputOf = (model: ModelConfig): AttemptInput => {
      let input = inputs.get(model.name);
      if (input) return input;
      input = base;
      if (
        model.promptCache &&
        (spec.shared_prefix_tokens > 0 || (session?.history_tokens_per_iteration ?? 0) > 0)
      ) {
        const use = expectedCacheUse(model.promptCache, {
          sharedTokens: spec.shared_prefix_tokens,
          historyTokens: session?.history_tokens_per_iteration ?? 0,
          iterationOdds: odds,
          hours,
          attemptOdds: groupOdds.get(group)?.get(model.name) ?? 0,
        });
        input = { ...base, cachedTokens: use.readTokens, cacheWriteTokens: use.writeTokens };
      }
      inputs.set(model.name, input);
      return input;
    };
    const e = await expectedRequest(
      config,
      requestOf(action),
      spec.output_tokens.mean,
      faults,
      fallback,
      inputOf,
    );
    const weight = spec.share / totalShare;
    sum.costUsd += weight * e.costUsd;
    sum.latencyMs += weight * e.latencyMs;
    sum.passRate += weight * e.passRate;
    sum.fallbackRate += weight * e.fallbackRate;
    sum.localShare += weight * e.localShare;
    sum.attempts += weight * e.attempts;
    sum.energyKwh += weight * e.energyKwh;
    sum.startTiers[e.startTier] = (sum.startTiers[e.startTier] ?? 0) + weight;
    for (const [model, p] of e.attemptsOn) {
      const config_ = config.models.find((m) => m.name === model);
      if (!config_ || isLocalTier(config_.tier)) continue;
      const input = inputOf(config_);
      sum.cache.apiInput += weight * p * input.inputTokens;
      sum.cache.apiCached += weight * p * input.cachedTokens;
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
  const pureApi = await expectedRun(scenario, pureApiConfig(config), faults, undefined);
  const perDay = scenario.iterations_per_day;
  const energyPerDay = hybrid.energyKwh * perDay * config.localCosts.usdPerKwh;
  const fixedPerDay =
    config.localCosts.fixedUsdPerMonth / daysPerMonth +
    config.localCosts.idleKwhPerDay * config.localCosts.usdPerKwh;
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
    assumptions: [
      ...(override !== undefined
        ? [
            `fallback rate fixed at ${(override * 100).toFixed(1)}% of requests (scenario analytic.fallback_rate), straight to the API tier`,
          ]
        : []),
      ...(scenario.projection.days_per_month !== undefined
        ? [`${scenario.projection.days_per_month}-day months`]
        : []),
      'token counts at their means; the daily budget is not modelled',
      ...(scenario.session || actions.some(([, a]) => a.shared_prefix_tokens > 0)
        ? [
            "prompt-cache reads in expectation: Poisson arrivals at each hour's rate, each session step independently routed",
          ]
        : []),
    ],
  };
}

function withoutCache<T extends { cache: unknown }>(run: T): Omit<T, 'cache'> {
  const { cache: _cache, ...rest } = run;
  return rest;
}
