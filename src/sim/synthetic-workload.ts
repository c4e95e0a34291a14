import type { RouteRequest } from '../router/types.js';
import { createRng, deriveSeed, normal, pickWeighted, poisson, type Rng } from './rng.js';
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
  }));
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
    for (let i = 0; i < count; i++) {
      const { action, spec, prompt, requiredFields } = actions[pickWeighted(rng, cumulativeShares)]!;
      const request: RouteRequest = {
        id: `d${day}-${i}`,
        action,
        prompt,
        expects: spec.expects,
        requiredFields,
        inputTokens: drawTokens(spec.input_tokens, rng),
        outputTokens: drawTokens(spec.output_tokens, rng),
        arrivalMs: dayStart + times[i]!,
      };
      if (spec.quality_critical) request.qualityCritical = true;
      yield request;
    }
  }
}
