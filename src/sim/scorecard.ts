import type { CostComparison } from '../cost/cost-model.js';
import type { RunStats } from './run-aggregator.js';

/** The design document's success metrics; every target can be overridden. */
export interface Targets {
  /** Hybrid API spend per week, USD. @default 5 */
  maxCostPerWeekUsd: number;
  /** Savings vs pure API, %. @default 70 */
  minSavingsPct: number;
  /** Average request latency, ms. @default 500 */
  maxAverageLatencyMs: number;
  /** Quality pass rate, %. @default 95 */
  minPassRatePct: number;
  /** Fallback rate, %. @default 10 */
  maxFallbackRatePct: number;
  /** Share of requests answered locally, %. @default 60 */
  minLocalSharePct: number;
  /** Average confidence. @default 0.8 */
  minAverageConfidence: number;
}

export const DEFAULT_TARGETS: Targets = {
  maxCostPerWeekUsd: 5,
  minSavingsPct: 70,
  maxAverageLatencyMs: 500,
  minPassRatePct: 95,
  maxFallbackRatePct: 10,
  minLocalSharePct: 60,
  minAverageConfidence: 0.8,
};

export interface Metric {
  name: string;
  target: string;
  value: number;
  display: string;
  passed: boolean;
}

const pct = (part: number, whole: number): number => (whole ? (part / whole) * 100 : 0);

/**
 * The scorecard. Cost lines are all-in (API fees, hardware, energy, operations); savings are against the
 * cheapest API-only alternative when one was run (`against`), else against the pure-API baseline.
 */
export function scorecard(
  stats: RunStats,
  cost: CostComparison,
  targets: Targets = DEFAULT_TARGETS,
  against?: { name: string; comparison: CostComparison },
): Metric[] {
  const metric = (name: string, target: string, value: number, display: string, passed: boolean): Metric => ({
    name,
    target,
    value,
    display,
    passed,
  });
  const passRate = pct(stats.passed, stats.requests);
  const fallback = pct(stats.fallbacks, stats.requests);
  const local = pct(stats.localServed, stats.requests);
  const weekly = cost.hybrid.allIn.perWeek;
  const savings = (against?.comparison ?? cost).savings.allInPct;
  return [
    metric(
      'Total cost per week (all-in)',
      `< $${targets.maxCostPerWeekUsd.toFixed(2)}`,
      weekly,
      `$${weekly.toFixed(2)}`,
      weekly < targets.maxCostPerWeekUsd,
    ),
    metric(
      against ? `Savings all-in vs ${against.name}` : 'Savings all-in vs pure API',
      `> ${targets.minSavingsPct}%`,
      savings,
      `${savings.toFixed(1)}%`,
      savings > targets.minSavingsPct,
    ),
    metric(
      'Average (mean) latency',
      `< ${targets.maxAverageLatencyMs} ms`,
      stats.latencyMs.mean,
      `${Math.round(stats.latencyMs.mean)} ms`,
      stats.latencyMs.mean < targets.maxAverageLatencyMs,
    ),
    metric(
      'Answered acceptably',
      `≥ ${targets.minPassRatePct}%`,
      passRate,
      `${passRate.toFixed(1)}%`,
      passRate >= targets.minPassRatePct,
    ),
    metric(
      'Fallback rate',
      `< ${targets.maxFallbackRatePct}%`,
      fallback,
      `${fallback.toFixed(1)}%`,
      fallback < targets.maxFallbackRatePct,
    ),
    metric(
      'Answered locally',
      `≥ ${targets.minLocalSharePct}%`,
      local,
      `${local.toFixed(1)}%`,
      local >= targets.minLocalSharePct,
    ),
    metric(
      'Average confidence',
      `> ${targets.minAverageConfidence}`,
      stats.averageConfidence,
      stats.averageConfidence.toFixed(3),
      stats.averageConfidence > targets.minAverageConfidence,
    ),
  ];
}
