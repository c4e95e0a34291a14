import { meanLatency } from '../../backends/simulated/simulated-backend.js';
import { aloneMs } from '../../backends/simulated/capacity-queue.js';
import { MAX_UNITS, TOKENS_PER_UNIT, writeAnswer } from '../../backends/simulated/response-writer.js';
import type { ModelConfig, RouterConfig } from '../../config/router-config.js';
import { DEFECTS, type Defect } from '../../config/schema.js';
import { nextTierIndex, planChain, selectTier } from '../../router/chain.js';
import { classify } from '../../router/classify.js';
import { confidenceOf, passes, runStaticChecks } from '../../router/quality/quality-check.js';
import {
  isLocalTier,
  type Complexity,
  type Expects,
  type RouteRequest,
  type Tier,
} from '../../router/types.js';
import { priceTokens } from '../../cost/price-table.js';

/** Expected values per request of one run (hybrid, pure API or an alternative). */
export interface ExpectedRun {
  costUsd: number;
  latencyMs: number;
  passRate: number;
  fallbackRate: number;
  localShare: number;
  attempts: number;
  /** Local models' energy per request, kWh (busy time × watts, as the simulation counts it). */
  energyKwh: number;
  /** Share of requests starting at each tier. */
  startTiers: Record<string, number>;
}

/** Expected input of one attempt on a model: tokens and how many of them are read from / written to a cache. */
export interface AttemptInput {
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
}

export interface AttemptOdds {
  error: number;
  pass: number;
  costUsd: number;
  latencyMs: number;
}

/**
 * Probability that one model's answer passes, from its defect rates and the real checks of the texts the
 * simulated backend would write (same writer, same checks), with the critic's detection rates.
 */
export async function passProbability(
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

/** The chain a request walks: an alternative's override for its complexity, else the tiers from its start. */
export function chainOf(
  config: RouterConfig,
  request: RouteRequest,
): { chain: readonly ModelConfig[]; override: boolean; tier: string; complexity: Complexity } {
  const { complexity } = classify(request, config.actionComplexity);
  const { tier } = selectTier(complexity, request, config);
  const override = config.chainOverride?.[request.qualityCritical ? 'COMPLEX' : complexity];
  return { chain: override ?? planChain(tier, config), override: override !== undefined, tier, complexity };
}

/** What one request looks like to the estimate: its chain's odds and each model's expected input. */
export interface ExpectedRequest extends ExpectedRun {
  startTier: string;
  /** Probability the request attempts each model (by name). */
  attemptsOn: Map<string, number>;
  /** Per local model: the time its answers hold one of its sequence slots, ms, per request (expected). */
  busyMsOn: Map<string, number>;
}

/** Tokens a critic's verdict takes (as the simulated backend answers). */
const CRITIQUE_TOKENS = 12;

/**
 * Expected time of one call: from the capacity profile for a local model that has one — outside the
 * server, then prefill of the uncached input and decode of the rest at one sequence, as on an idle server
 * (no queueing) — else the mean of its latency distribution.
 */
function expectedCallMs(
  model: ModelConfig,
  inputTokens: number,
  cachedTokens: number,
  outputTokens: number,
): number {
  const capacity = isLocalTier(model.tier) ? model.simulation.capacity : undefined;
  if (!capacity) return meanLatency(model.simulation.latency_ms);
  const rates = {
    prefill: capacity.prefill.map((p) => ({ sequences: p.sequences, tokensPerS: p.tokens_per_s })),
    decode: capacity.decode.map((p) => ({ sequences: p.sequences, tokensPerS: p.tokens_per_s })),
  };
  return capacity.overhead_ms + aloneMs(rates, Math.max(0, inputTokens - cachedTokens), outputTokens);
}

/**
 * Expected cost, latency and outcomes of one request under the router's rules. `inputOf` gives each model's
 * expected input (with its prompt-cache reads and writes); the attempt is priced from it.
 */
export async function expectedRequest(
  config: RouterConfig,
  request: RouteRequest,
  outputTokens: number,
  faults: ReadonlyMap<string, number>,
  fallbackOverride: number | undefined,
  inputOf: (model: ModelConfig) => AttemptInput,
  /** Models the router skips for this request (its context window cannot hold it). */
  skip?: (model: ModelConfig) => boolean,
): Promise<ExpectedRequest> {
  const planned = chainOf(config, request);
  const { override, tier, complexity } = planned;
  const chain = skip ? planned.chain.filter((m) => !skip(m)) : planned.chain;
  const critic = planChain('LOCAL_FAST', config)[0];
  const expects = request.expects ?? 'text';
  const fields = request.requiredFields ?? [];
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
    const input = inputOf(model);
    const critiqueLatency =
      config.selfCritique && critic
        ? critiqueAsked * expectedCallMs(critic, input.inputTokens, 0, CRITIQUE_TOKENS)
        : 0;
    const critiqueCost =
      config.selfCritique && critic ? critiqueAsked * priceTokens(critic.price, input.inputTokens, 12) : 0;
    odds.push({
      error,
      pass,
      costUsd:
        priceTokens(
          model.price,
          input.inputTokens,
          outputTokens,
          input.cachedTokens,
          input.cacheWriteTokens,
        ) + critiqueCost,
      latencyMs: expectedCallMs(model, input.inputTokens, input.cachedTokens, outputTokens) + critiqueLatency,
    });
  }
  if (fallbackOverride !== undefined && isLocalTier(tier as Tier) && !override) {
    // The design document's assumption: a fixed share of locally started requests falls back to the API.
    const api = chain.findIndex((m) => !isLocalTier(m.tier));
    for (let i = 0; i < odds.length; i++)
      odds[i] = { ...odds[i]!, error: 0, pass: i === 0 ? 1 - fallbackOverride : 1 };
    return walk(chain, odds, api >= 0 ? [0, api] : [0], tier, false);
  }
  return walk(chain, odds, undefined, tier, override);
}

/** Expected cost, latency and outcomes of walking the chain with the router's rules. */
function walk(
  chain: readonly ModelConfig[],
  odds: readonly AttemptOdds[],
  fixedPath: number[] | undefined,
  startTier: string,
  override: boolean,
): ExpectedRequest {
  let costUsd = 0;
  let latencyMs = 0;
  let passRate = 0;
  let localShare = 0;
  let attempts = 0;
  let energyKwh = 0;
  const attemptsOn = new Map<string, number>();
  const busyMsOn = new Map<string, number>();
  // Probability the request ends after its first attempt (passed, or nothing left to try).
  let endsAfterFirst = 0;
  // Probability of reaching each chain position.
  const reach = new Array<number>(chain.length + 1).fill(0);
  reach[0] = 1;
  for (let i = 0; i < chain.length; i++) {
    const p = reach[i]!;
    if (p === 0) continue;
    const o = odds[i]!;
    const model = chain[i]!;
    attempts += p;
    attemptsOn.set(model.name, (attemptsOn.get(model.name) ?? 0) + p);
    costUsd += p * (1 - o.error) * o.costUsd;
    latencyMs += p * (1 - o.error) * o.latencyMs;
    if (isLocalTier(model.tier)) {
      energyKwh += (p * (1 - o.error) * o.latencyMs * model.watts) / 3.6e9;
      busyMsOn.set(model.name, (busyMsOn.get(model.name) ?? 0) + p * (1 - o.error) * o.latencyMs);
    }
    const passed = p * (1 - o.error) * o.pass;
    passRate += passed;
    if (isLocalTier(model.tier)) localShare += passed;
    const failedNext = fixedPath
      ? (fixedPath[fixedPath.indexOf(i) + 1] ?? chain.length)
      : override
        ? i + 1
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
    energyKwh,
    startTiers: { [startTier]: 1 },
    startTier,
    attemptsOn,
    busyMsOn,
  };
}
