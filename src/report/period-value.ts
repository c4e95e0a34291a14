// A run total (USD over the run) as a figure for the report's headline period.
import type { Summary } from '../sim/summary.js';
import { roundUsd } from './wording/round-usd.js';
import { headlinePeriod } from './wording/period.js';

/** A run total (USD over the run) for the headline period, rounded for people. */
export function perPeriod(s: Summary, total: number): string {
  return roundUsd(periodValue(s, total));
}

export function periodValue(s: Summary, total: number): number {
  const scale = headlinePeriod(s).of({
    perDay: 1,
    perWeek: 7,
    perMonth: s.cost.daysPerMonth,
    perYear: s.cost.daysPerMonth * 12,
  });
  return s.cost.days > 0 ? (total / s.cost.days) * scale : 0;
}
