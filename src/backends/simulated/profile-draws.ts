// The seeded draws a simulated model makes from its profile: a latency, and at most one outcome (a
// detectable defect, a silent wrong answer, or a correct one).
import {
  DEFECTS,
  type Defect,
  type LatencyDistribution,
  type SimulationProfile,
} from '../../config/schema.js';
import type { Rng } from '../../core/rng.js';
import type { Complexity, Expects } from '../../contract/request.js';

/** Draws from a latency distribution: uniform over [min, max], or linear between measured quantiles. */
export function drawLatency(distribution: LatencyDistribution, rng: Rng): number {
  if ('quantiles' in distribution) {
    const q = distribution.quantiles;
    const position = rng() * (q.length - 1);
    const low = Math.floor(position);
    const high = Math.min(q.length - 1, low + 1);
    return q[low]! + (q[high]! - q[low]!) * (position - low);
  }
  return distribution.min + (distribution.max - distribution.min) * rng();
}

/** Mean of a latency distribution, for the analytic estimate. */
export function meanLatency(distribution: LatencyDistribution): number {
  if ('quantiles' in distribution) {
    const q = distribution.quantiles;
    let sum = 0;
    for (let i = 0; i < q.length - 1; i++) sum += (q[i]! + q[i + 1]!) / 2;
    return sum / (q.length - 1);
  }
  return (distribution.min + distribution.max) / 2;
}

export function applicable(
  defect: Defect,
  expects: Expects,
  requiredFields: readonly string[],
  math: boolean,
): boolean {
  if (defect === 'task_failure') return math;
  if (defect === 'malformed') return expects !== 'text';
  if (defect === 'missing_fields') return expects === 'json' && requiredFields.length > 1;
  return true;
}

/**
 * Draws at most one outcome from per-complexity rates with one uniform draw: a detectable defect (each rate
 * is the probability of that defect), else a silent wrong answer, else a correct one.
 */
export function drawOutcome(
  profile: SimulationProfile,
  complexity: Complexity,
  rng: Rng,
): { defect?: Defect; silentWrong?: true; flaggedCorrect?: true } {
  const rates = profile.defects[complexity];
  let x = rng();
  for (const defect of DEFECTS) {
    const rate = rates[defect] ?? 0;
    if (x < rate) {
      // Where the draw fell inside the defect's band is itself uniform: no extra draw, same stream.
      const flaggedCorrect = x / rate < (profile.flagged_correct?.[complexity] ?? 0);
      return flaggedCorrect ? { defect, flaggedCorrect: true } : { defect };
    }
    x -= rate;
  }
  return x < (profile.silent_wrong?.[complexity] ?? 0) ? { silentWrong: true } : {};
}

/** Draws at most one defect from per-complexity rates (each rate is the probability of that defect). */
export function drawDefect(profile: SimulationProfile, complexity: Complexity, rng: Rng): Defect | undefined {
  return drawOutcome(profile, complexity, rng).defect;
}
