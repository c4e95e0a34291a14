import type { ServerStats } from '../backends/simulated/simulated-backend.js';
import type { RouterConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import { isLocalTier } from '../router/types.js';
import type { RunStats } from './run-aggregator.js';

/**
 * What a run delivered, beside what it cost: two runs compare like with like only when these match. Every
 * share is of the requests asked, refused ones included: an unanswered request is a failure, never a saving.
 */
export interface ServiceLevel {
  /** Requests asked: answered, unanswered and refused by the budget. */
  requests: number;
  /** Requests some model answered (the passing answer, or the best one when none passed). */
  answered: number;
  answeredPct: number;
  /** Requests whose answer passed the quality check. */
  acceptable: number;
  acceptablePct: number;
  /** The slowest local model's p95 time to first token over its answered calls, ms; null with no local call. */
  localTtftP95Ms: number | null;
  /** p95 of the requests' whole time, retries and escalations included, ms. */
  e2eP95Ms: number;
  /** Local calls that gave up in a server's queue or while running (capacity-limited servers only). */
  localTimeouts: number;
}

/** Two service levels match when answered and acceptable shares are within this many points. */
export const SERVICE_MATCH_POINTS = 1;

export function serviceLevelOf(stats: RunStats, capacity?: Record<string, ServerStats>): ServiceLevel {
  const requests = stats.requests + stats.rejected;
  let answered = 0;
  for (const tier of Object.values(stats.byTier)) answered += tier.served;
  let ttft: number | null = null;
  for (const model of Object.values(stats.byModel))
    if (isLocalTier(model.tier) && model.calls > model.errors) ttft = Math.max(ttft ?? 0, model.ttftMs.p95);
  const pct = (n: number): number => (requests ? (n / requests) * 100 : 0);
  return {
    requests,
    answered,
    answeredPct: pct(answered),
    acceptable: stats.passed,
    acceptablePct: pct(stats.passed),
    localTtftP95Ms: ttft,
    e2eP95Ms: stats.latencyMs.p95,
    localTimeouts: Object.values(capacity ?? {}).reduce((sum, s) => sum + s.timedOut, 0),
  };
}

/**
 * How far the hybrid's service falls short of (negative) or exceeds an alternative's, in points: the larger
 * gap of answered and acceptable shares; 0 within SERVICE_MATCH_POINTS.
 */
export function serviceGap(hybrid: ServiceLevel, other: ServiceLevel): number {
  const gaps = [hybrid.acceptablePct - other.acceptablePct, hybrid.answeredPct - other.answeredPct];
  const worst = gaps.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  return Math.abs(worst) <= SERVICE_MATCH_POINTS ? 0 : worst;
}

/** One local model's capacity assumptions: what sizes the fleet, and where each figure comes from. */
export interface FleetAssumption {
  model: string;
  hardware: string | null;
  /** Sequences one server runs at once for this model. */
  sequences: number;
  /** Per sequence, alone on the server. */
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  source: string;
}

/** The capacity profile of every enabled local model simulated as a queue (bench profiles over config). */
export function fleetAssumptions(
  config: RouterConfig,
  profiles: ReadonlyMap<string, SimulationProfile> | undefined,
): FleetAssumption[] {
  const out: FleetAssumption[] = [];
  for (const model of config.models) {
    if (!model.enabled || !isLocalTier(model.tier)) continue;
    const capacity = (profiles?.get(model.name) ?? model.simulation).capacity;
    if (!capacity) continue;
    out.push({
      model: model.name,
      hardware: model.hardware ?? null,
      sequences: capacity.max_concurrency,
      prefillTokensPerS: capacity.prefill[0]!.tokens_per_s,
      decodeTokensPerS: capacity.decode[0]!.tokens_per_s,
      source: capacity.source,
    });
  }
  return out;
}
