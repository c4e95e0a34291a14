import { meanLatency } from '../backends/simulated/simulated-backend.js';
import { MAX_UNITS, TOKENS_PER_UNIT, writeAnswer } from '../backends/simulated/response-writer.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { DEFECTS, type Defect } from '../config/schema.js';
import { nextTierIndex, planChain, selectTier } from '../router/chain.js';
import { classify } from '../router/classify.js';
import { confidenceOf, passes, runStaticChecks } from '../router/quality/quality-check.js';
import { isLocalTier, type Complexity, type Expects, type RouteRequest } from '../router/types.js';
import type { Scenario } from '../sim/load-scenario.js';
import { pureApiConfig } from '../sim/run-simulation.js';
import { CALENDAR_DAYS_PER_MONTH, project, type CostProjection } from './cost-model.js';
import { priceTokens } from './price-table.js';

/** Expected values per request of one run (hybrid or pure API). */
export interface ExpectedRun {
  costUsd: number;
  latencyMs: number;
  passRate: number;
  fallbackRate: number;
  localShare: number;
  attempts: number;
  /** Share of requests starting at each tier. */
  startTiers: Record<string, number>;
}

export interface AnalyticEstimate {
  scenario: string;
  iterationsPerDay: number;
  daysPerMonth: number;
  perRequest: { hybrid: ExpectedRun; pureApi: ExpectedRun };
  hybrid: CostProjection;
  pureApi: CostProjection;
  savingsPct: number;
  savingsPerYear: number;
  /** Assumptions that replaced profile-derived figures (e.g. the design document's fixed fallback rate). */
  assumptions: string[];
}

interface AttemptOdds {
  error: number;
  pass: number;
  costUsd: number;
  latencyMs: number;
}

/**
 * Probability that one model's answer passes, from its defect rates and the real checks of the texts the
 * simulated backend would write (same writer, same checks), with the critic's detection rates.
 */
async function passProbability(
  model: ModelConfig,
  critic: ModelConfig | undefined,
  config: RouterConfig,
  complexity: Complexity,
  expects: Expects,
  fields: readonly string[],
  outputTokens: number,
): Promise<{ pass: number; critiqueAsked: number }> {
  const units = Math.max(1, Math.min(MAX_UNITS, Math.round(outputTokens / TOKENS_PER_UNIT)));
  const rates = model.simulation.defects[complexity];
  let pass = 0;
  let asked = 0;
  let clean = 1;
  const outcomes: { defect: Defect | undefined; probability: number }[] = [];
  for (const defect of DEFECTS) {
    const rate = rates[defect] ?? 0;
    if (rate > 0) outcomes.push({ defect, probability: rate });
    clean -= rate;
  }
  outcomes.push({ defect: undefined, probability: Math.max(0, clean) });
  for (const { defect, probability } of outcomes) {
    const applicable =
      defect === 'malformed'
        ? expects !== 'text'
        : defect === 'missing_fields'
          ? expects === 'json' && fields.length > 1
          : true;
    const effective = applicable ? defect : undefined;
    const written = writeAnswer(expects, fields, units, effective, 0);
    const checks = await runStaticChecks(
      written.text,
      expects,
      fields,
      written.truncated ? 'length' : 'stop',
    );
    const base = { format: checks.format, completeness: checks.completeness, coherence: checks.coherence };
    if (!config.selfCritique || !critic) {
      if (passes(confidenceOf(base, config.weights), config.qualityThreshold)) pass += probability;
      continue;
    }
    const withYes = passes(
      confidenceOf({ ...base, selfCritique: { score: 1, note: '' } }, config.weights),
      config.qualityThreshold,
    );
    if (!withYes) continue;
    asked += probability;
    const withNo = passes(
      confidenceOf({ ...base, selfCritique: { score: 0, note: '' } }, config.weights),
      config.qualityThreshold,
    );
    const critique = critic.simulation;
    const flagged = effective ? critique.critique_detection : critique.critique_false_alarm;
    pass += probability * (withNo ? 1 : 1 - flagged);
  }
  return { pass, critiqueAsked: asked };
}

async function expectedRequest(
  config: RouterConfig,
  request: RouteRequest,
  outputTokens: number,
  faults: ReadonlyMap<string, number>,
  fallbackOverride: number | undefined,
): Promise<ExpectedRun & { startTier: string }> {
  const { complexity } = classify(request, config.actionComplexity);
  const { tier } = selectTier(complexity, request, config);
  const chain = planChain(tier, config);
  const critic = planChain('LOCAL_FAST', config)[0];
  const expects = request.expects ?? 'text';
  const fields = request.requiredFields ?? [];
  const inputTokens = request.inputTokens ?? 0;
  const odds: AttemptOdds[] = [];
  for (const model of chain) {
    const { pass, critiqueAsked } = await passProbability(
      model,
      critic,
      config,
      complexity,
      expects,
      fields,
      outputTokens,
    );
    const error = Math.min(1, model.simulation.error_rate + (faults.get(model.name) ?? 0));
    const critiqueLatency =
      config.selfCritique && critic ? critiqueAsked * meanLatency(critic.simulation.latency_ms) : 0;
    odds.push({
      error,
      pass,
      costUsd: priceTokens(model.price, inputTokens, outputTokens),
      latencyMs: meanLatency(model.simulation.latency_ms) + critiqueLatency,
    });
  }
  if (fallbackOverride !== undefined && isLocalTier(tier)) {
    // The design document's assumption: a fixed share of locally started requests falls back to the API.
    const api = chain.findIndex((m) => !isLocalTier(m.tier));
    for (let i = 0; i < odds.length; i++)
      odds[i] = { ...odds[i]!, error: 0, pass: i === 0 ? 1 - fallbackOverride : 1 };
    return walk(chain, odds, api >= 0 ? [0, api] : [0], tier);
  }
  return walk(chain, odds, undefined, tier);
}

/** Expected cost, latency and outcomes of walking the chain with the router's rules. */
function walk(
  chain: readonly ModelConfig[],
  odds: readonly AttemptOdds[],
  fixedPath: number[] | undefined,
  startTier: string,
): ExpectedRun & { startTier: string } {
  let costUsd = 0;
  let latencyMs = 0;
  let passRate = 0;
  let localShare = 0;
  let attempts = 0;
  // Probability the request ends after its first attempt (passed, or nothing left to try).
  let endsAfterFirst = 0;
  // Probability of reaching each chain position.
  const reach = new Array<number>(chain.length + 1).fill(0);
  reach[0] = 1;
  for (let i = 0; i < chain.length; i++) {
    const p = reach[i]!;
    if (p === 0) continue;
    const o = odds[i]!;
    attempts += p;
    costUsd += p * (1 - o.error) * o.costUsd;
    latencyMs += p * (1 - o.error) * o.latencyMs;
    const passed = p * (1 - o.error) * o.pass;
    passRate += passed;
    if (isLocalTier(chain[i]!.tier)) localShare += passed;
    const failedNext = fixedPath
      ? (fixedPath[fixedPath.indexOf(i) + 1] ?? chain.length)
      : nextTierIndex(chain, i);
    if (i === 0)
      endsAfterFirst =
        passed +
        (failedNext >= chain.length ? (1 - o.error) * (1 - o.pass) : 0) +
        (chain.length === 1 ? o.error : 0);
    reach[i + 1]! += p * o.error;
    reach[failedNext]! += p * (1 - o.error) * (1 - o.pass);
  }
  // When every attempt fails, the best answer comes from the last tier tried: counted there.
  const exhausted = reach[chain.length]!;
  const lastLocal = chain.length > 0 && isLocalTier(chain[chain.length - 1]!.tier);
  return {
    costUsd,
    latencyMs,
    passRate,
    fallbackRate: 1 - endsAfterFirst,
    localShare: localShare + (lastLocal ? exhausted : 0),
    attempts,
    startTiers: { [startTier]: 1 },
    startTier,
  };
}

/**
 * Expected values of a scenario under a config, without sampling: the same classification, chain and
 * checks as the router, with probabilities in place of draws. The simulation's mean must agree with it.
 */
export async function analyticEstimate(
  scenario: Scenario,
  config: RouterConfig,
  faults: ReadonlyMap<string, number> = new Map(),
): Promise<AnalyticEstimate> {
  const daysPerMonth = scenario.projection.days_per_month ?? CALENDAR_DAYS_PER_MONTH;
  const override = scenario.analytic.fallback_rate;
  const actions = Object.entries(scenario.actions);
  const totalShare = actions.reduce((sum, [, a]) => sum + a.share, 0);
  const combine = async (runConfig: RouterConfig, fallback: number | undefined): Promise<ExpectedRun> => {
    const sum: ExpectedRun = {
      costUsd: 0,
      latencyMs: 0,
      passRate: 0,
      fallbackRate: 0,
      localShare: 0,
      attempts: 0,
      startTiers: {},
    };
    for (const [action, spec] of actions) {
      const weight = spec.share / totalShare;
      const request: RouteRequest = {
        action,
        prompt: spec.prompt ?? '',
        expects: spec.expects,
        requiredFields: spec.required_fields,
        inputTokens: spec.input_tokens.mean,
        ...(spec.quality_critical ? { qualityCritical: true } : {}),
      };
      const e = await expectedRequest(runConfig, request, spec.output_tokens.mean, faults, fallback);
      sum.costUsd += weight * e.costUsd;
      sum.latencyMs += weight * e.latencyMs;
      sum.passRate += weight * e.passRate;
      sum.fallbackRate += weight * e.fallbackRate;
      sum.localShare += weight * e.localShare;
      sum.attempts += weight * e.attempts;
      sum.startTiers[e.startTier] = (sum.startTiers[e.startTier] ?? 0) + weight;
    }
    return sum;
  };
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
  const hybrid = await combine(config, perLocalRequest);
  const pureApi = await combine(pureApiConfig(config), undefined);
  const perDay = scenario.iterations_per_day;
  const hybridProjection = project(hybrid.costUsd * perDay, 1, daysPerMonth);
  const apiProjection = project(pureApi.costUsd * perDay, 1, daysPerMonth);
  return {
    scenario: scenario.name,
    iterationsPerDay: perDay,
    daysPerMonth,
    perRequest: { hybrid, pureApi },
    hybrid: hybridProjection,
    pureApi: apiProjection,
    savingsPct: pureApi.costUsd > 0 ? (1 - hybrid.costUsd / pureApi.costUsd) * 100 : 0,
    savingsPerYear: apiProjection.perYear - hybridProjection.perYear,
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
    ],
  };
}
