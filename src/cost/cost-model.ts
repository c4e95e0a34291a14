import type { RouterConfig } from '../config/router-config.js';
import type { RunStats } from '../sim/run-aggregator.js';

/** Average days per calendar month (365 / 12). The design document's arithmetic used 30. */
export const CALENDAR_DAYS_PER_MONTH = 365 / 12;

export interface CostProjection {
  perDay: number;
  perWeek: number;
  perMonth: number;
  perYear: number;
}

export interface CostComparison {
  days: number;
  daysPerMonth: number;
  hybrid: {
    /** API spend: what the router actually paid per token. */
    marginalUsd: number;
    /** Local energy: each machine idle while on, plus each model's draw above idle while busy, × $/kWh. */
    energyUsd: number;
    /** Of it, the idle part (a fixed cost per day). */
    idleEnergyUsd: number;
    /** Hardware amortisation or rented GPU for the period. */
    fixedUsd: number;
    allInUsd: number;
    marginal: CostProjection;
    allIn: CostProjection;
  };
  pureApi: { usd: number } & CostProjection;
  savings: {
    marginalUsd: number;
    marginalPct: number;
    allInUsd: number;
    allInPct: number;
    perYearMarginal: number;
    perYearAllIn: number;
  };
  /**
   * Iterations per day where hybrid all-in cost equals pure API; null when hybrid never catches up. From the
   * uncapped run when the budget capped the hybrid one: capped requests cost nothing and would flatter it.
   */
  breakEvenIterationsPerDay: number | null;
  /** Whether the break-even came from the uncapped counterfactual run. */
  breakEvenUncapped: boolean;
  energyKwh: number;
}

export function project(total: number, days: number, daysPerMonth: number): CostProjection {
  const perDay = days > 0 ? total / days : 0;
  return {
    perDay,
    perWeek: perDay * 7,
    perMonth: perDay * daysPerMonth,
    perYear: perDay * daysPerMonth * 12,
  };
}

/** Busy energy of local models in kWh: Σ watts (above the machine's idle draw, when placed) × busy ms. */
export function energyKwh(stats: RunStats, config: RouterConfig): number {
  let kwh = 0;
  for (const [name, model] of Object.entries(stats.byModel)) {
    const watts = config.models.find((m) => m.name === name)?.watts ?? 0;
    kwh += (watts * model.busyMs) / 3.6e9;
  }
  return kwh;
}

/**
 * Hybrid vs pure API over the run: marginal (API spend), all-in (plus energy and fixed local costs), and the
 * break-even volume. Both runs are the same workload, so per-iteration figures compare like for like.
 */
export function compareCosts(
  hybrid: RunStats,
  pureApi: RunStats,
  config: RouterConfig,
  days: number,
  daysPerMonth = CALENDAR_DAYS_PER_MONTH,
  /** The hybrid run without budget caps, when the budget capped `hybrid`. */
  uncapped?: RunStats,
): CostComparison {
  const idleKwh = config.localCosts.idleKwhPerDay * days;
  const kwh = energyKwh(hybrid, config) + idleKwh;
  const energyUsd = kwh * config.localCosts.usdPerKwh;
  const idleEnergyUsd = idleKwh * config.localCosts.usdPerKwh;
  const fixedUsd = config.localCosts.fixedUsdPerMonth * (days / daysPerMonth);
  const marginalUsd = hybrid.costUsd;
  const allInUsd = marginalUsd + energyUsd + fixedUsd;
  const apiUsd = pureApi.costUsd;
  const pct = (saved: number): number => (apiUsd > 0 ? (saved / apiUsd) * 100 : 0);
  const breakEvenRun = uncapped ?? hybrid;
  const iterations = breakEvenRun.requests;
  let breakEven: number | null = null;
  if (iterations > 0 && days > 0) {
    // Busy energy grows with volume; idle energy and the fixed items do not.
    const busyEnergyUsd = energyKwh(breakEvenRun, config) * config.localCosts.usdPerKwh;
    const perIteration = (apiUsd - breakEvenRun.costUsd - busyEnergyUsd) / iterations;
    const fixedPerDay = (fixedUsd + idleEnergyUsd) / days;
    breakEven = perIteration > 0 ? fixedPerDay / perIteration : null;
    if (fixedPerDay === 0 && perIteration > 0) breakEven = 0;
  }
  const hybridMarginal = project(marginalUsd, days, daysPerMonth);
  const hybridAllIn = project(allInUsd, days, daysPerMonth);
  const api = project(apiUsd, days, daysPerMonth);
  return {
    days,
    daysPerMonth,
    hybrid: {
      marginalUsd,
      energyUsd,
      idleEnergyUsd,
      fixedUsd,
      allInUsd,
      marginal: hybridMarginal,
      allIn: hybridAllIn,
    },
    pureApi: { usd: apiUsd, ...api },
    savings: {
      marginalUsd: apiUsd - marginalUsd,
      marginalPct: pct(apiUsd - marginalUsd),
      allInUsd: apiUsd - allInUsd,
      allInPct: pct(apiUsd - allInUsd),
      perYearMarginal: api.perYear - hybridMarginal.perYear,
      perYearAllIn: api.perYear - hybridAllIn.perYear,
    },
    breakEvenIterationsPerDay: breakEven,
    breakEvenUncapped: uncapped !== undefined,
    energyKwh: kwh,
  };
}
