import { mean, sampleStandardDeviation } from 'simple-statistics';
import { tCritical95 } from './student-t.js';
import type { Summary } from './summary.js';

export interface Interval {
  mean: number;
  sd: number;
  /** 95% interval of the mean: mean ± t(0.975, n − 1)·sd/√n (Student's t: few runs give a wide interval). */
  low: number;
  high: number;
}

export interface MonteCarlo {
  runs: number;
  seeds: number[];
  metrics: {
    hybridCostPerYearUsd: Interval;
    pureApiCostPerYearUsd: Interval;
    savingsPct: Interval;
    passRatePct: Interval;
    fallbackRatePct: Interval;
  };
}

export function interval(values: readonly number[]): Interval {
  const m = mean(values);
  const sd = values.length > 1 ? sampleStandardDeviation(values) : 0;
  const half = values.length > 1 ? (tCritical95(values.length - 1) * sd) / Math.sqrt(values.length) : 0;
  return { mean: m, sd, low: m - half, high: m + half };
}

/** Mean and 95% interval of the headline figures over runs with different seeds. */
export function monteCarlo(summaries: readonly Summary[]): MonteCarlo {
  const pick = (f: (s: Summary) => number): Interval => interval(summaries.map(f));
  const pct = (part: number, whole: number): number => (whole ? (part / whole) * 100 : 0);
  return {
    runs: summaries.length,
    seeds: summaries.map((s) => s.run.seed),
    metrics: {
      hybridCostPerYearUsd: pick((s) => s.cost.hybrid.marginal.perYear),
      pureApiCostPerYearUsd: pick((s) => s.cost.pureApi.perYear),
      savingsPct: pick((s) => s.cost.savings.marginalPct),
      passRatePct: pick((s) => pct(s.hybrid.passed, s.hybrid.requests)),
      fallbackRatePct: pick((s) => pct(s.hybrid.fallbacks, s.hybrid.requests)),
    },
  };
}
