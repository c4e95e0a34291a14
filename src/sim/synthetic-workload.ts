import type { PrefixBlock, RouteRequest } from '../router/types.js';
import { createRng, deriveSeed, normal, pickWeighted, poisson, type Rng } from '../core/rng.js';
import type { Scenario } from './load-scenario.js';
import type { TokenDistribution } from './scenario-schema.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** An office-hours daily curve: quiet nights, a morning and an afternoon peak. */
export const DEFAULT_HOURLY_WEIGHTS = [
  1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 7, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1,
] as const;

/** Log-normal draw with the distribution's mean and sd, rounded, at least `min`. */
export function drawTokens(distribution: TokenDistribution, rng: Rng): number {
  const { mean, sd, min } = distribution;
  if (sd === 0) return Math.max(min, Math.round(mean));
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  const mu = Math.log(mean) - sigma2 / 2;
  return Math.max(min, Math.round(Math.exp(mu + Math.sqrt(sigma2) * normal(rng))));
}

/** Iterations of one session: normal with the given mean and sd, rounded, at least 1. */
export function sessionLength(iterations: { mean: number; sd: number }, rng: Rng): number {
  const drawn = iterations.sd === 0 ? iterations.mean : iterations.mean + iterations.sd * normal(rng);
  return Math.max(1, Math.round(drawn));
}

export function scenarioStartMs(scenario: Pick<Scenario, 'start_date'>): number {
  return Date.parse(`${scenario.start_date}T00:00:00Z`);
}

/**
 * The scenario's requests in arrival order, generated day by day (constant memory). Each day draws from its
 * own seeded stream, so the same scenario and seed always give the same workload, whatever runs it.
 */
export function* syntheticWorkload(scenario: Scenario, seed = scenario.seed): Generator<RouteRequest> {
  const actions = Object.entries(scenario.actions).map(([action, spec]) => ({
    action,
    spec,
    prompt: spec.prompt ?? `(${action} step of an agent loop)`,
    requiredFields: spec.required_fields,
    group: spec.prefix_group ?? action,
    prefix:
      spec.shared_prefix_tokens > 0
        ? { id: `p:${spec.prefix_group ?? action}`, tokens: spec.shared_prefix_tokens }
        : undefined,
  }));
  const session = scenario.session;
  const cumulativeShares: number[] = [];
  let total = 0;
  for (const { spec } of actions) cumulativeShares.push((total += spec.share));
  const hourly = scenario.arrival.hourly_weights ?? DEFAULT_HOURLY_WEIGHTS;
  const cumulativeHours: number[] = [];
  let hours = 0;
  for (const weight of hourly) cumulativeHours.push((hours += weight));
  const start = scenarioStartMs(scenario);

  for (let day = 0; day < scenario.days; day++) {
    const rng = createRng(deriveSeed(seed, 'workload', day));
    const count =
      scenario.arrival.pattern === 'fixed'
        ? Math.round(scenario.iterations_per_day)
        : poisson(rng, scenario.iterations_per_day);
    const times = new Float64Array(count);
    for (let i = 0; i < count; i++) times[i] = pickWeighted(rng, cumulativeHours) * HOUR_MS + rng() * HOUR_MS;
    times.sort();
    const dayStart = start + day * DAY_MS;
    // Sessions are runs of consecutive iterations within a day.
    let sessionNo = 0;
    let iteration = 0;
    let remaining = 0;
    let runId = '';
    let runKey = '';
    let runGroup = '';
    for (let i = 0; i < count; i++) {
      const { action, spec, prompt, requiredFields, group, prefix } =
        actions[pickWeighted(rng, cumulativeShares)]!;
      let inputTokens = drawTokens(spec.input_tokens, rng);
      const outputTokens = drawTokens(spec.output_tokens, rng);
      let blocks: PrefixBlock[] | undefined = prefix ? [prefix] : undefined;
      if (session) {
        if (remaining === 0) {
          remaining = sessionLength(session.iterations, rng);
          iteration = 0;
          sessionNo++;
          runId = `|d${day}s${sessionNo}`;
          runGroup = '';
        }
        const history = session.history_tokens_per_iteration;
        if (history > 0 && iteration > 0) {
          // The session's history so far: one growing run after the shared prefix.
          const run: PrefixBlock = {
            id: runGroup === group ? runKey : ((runGroup = group), (runKey = group + runId)),
            tokens: iteration * history,
            growing: true,
          };
          blocks = prefix ? [prefix, run] : [run];
        }
        inputTokens += iteration * history;
        iteration++;
        remaining--;
      }
      if (prefix) inputTokens += prefix.tokens;
      const request: RouteRequest = {
        id: `d${day}-${i}`,
        action,
        prompt,
        expects: spec.expects,
        requiredFields,
        inputTokens,
        outputTokens,
        arrivalMs: dayStart + times[i]!,
      };
      if (blocks) request.prefixBlocks = blocks;
      if (spec.max_tokens !== undefined) request.maxTokens = spec.max_tokens;
      if (spec.quality_critical) request.qualityCritical = true;
      yield request;
    }
  }
}
