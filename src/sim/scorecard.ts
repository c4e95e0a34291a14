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

export function scorecard(
  stats: RunStats,
  cost: CostComparison,
  targets: Targets = DEFAULT_TARGETS,
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
  return [
    metric(
      'Total cost per week',
      `< $${targets.maxCostPerWeekUsd.toFixed(2)}`,
      cost.hybrid.marginal.perWeek,
      `$${cost.hybrid.marginal.perWeek.toFixed(2)}`,
      cost.hybrid.marginal.perWeek < targets.maxCostPerWeekUsd,
    ),
    metric(
      'Savings vs pure API',
      `> ${targets.minSavingsPct}%`,
      cost.savings.marginalPct,
      `${cost.savings.marginalPct.toFixed(1)}%`,
      cost.savings.marginalPct > targets.minSavingsPct,
    ),
    metric(
      'Average latency',
      `< ${targets.maxAverageLatencyMs} ms`,
      stats.latencyMs.mean,
      `${Math.round(stats.latencyMs.mean)} ms`,
      stats.latencyMs.mean < targets.maxAverageLatencyMs,
    ),
    metric(
      'Quality pass rate',
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
      'Local share',
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
