import type { Summary } from '../sim/summary.js';
import type { MonthPoint } from './chart-specs.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Twelve months from the run's start. A run that covers a year uses what it simulated; a shorter one
 * projects its per-day cost onto each month's days (and says so).
 */
export function monthlySeries(summary: Summary): { months: MonthPoint[]; projected: boolean } {
  const hybridMonths = Object.entries(summary.hybrid.perMonth);
  const apiMonths = summary.baseline.perMonth;
  const fixedPerMonth = summary.config.localCosts.fixedUsdPerMonth;
  const days = summary.run.days;
  const energyPerDay = days > 0 ? summary.cost.hybrid.energyUsd / days : 0;
  const label = (key: string): string => `${MONTHS[Number(key.slice(5, 7)) - 1]} ${key.slice(2, 4)}`;
  if (hybridMonths.length >= 12 && days >= 360) {
    return {
      projected: false,
      months: hybridMonths.slice(0, 12).map(([key, value]) => {
        const monthDays = new Date(
          Date.UTC(Number(key.slice(0, 4)), Number(key.slice(5, 7)), 0),
        ).getUTCDate();
        return {
          month: label(key),
          hybrid: value.costUsd,
          hybridAllIn: value.costUsd + fixedPerMonth + energyPerDay * monthDays,
          pureApi: apiMonths[key]?.costUsd ?? 0,
        };
      }),
    };
  }
  // Projected: the headline year spread over the twelve months by their days, so the table adds up to the
  // same yearly totals as the headline (a leap February does not add a 366th day).
  const start = new Date(`${summary.run.startDate}T00:00:00Z`);
  const spans: { key: string; monthDays: number }[] = [];
  for (let i = 0; i < 12; i++) {
    const first = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1));
    const monthDays = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    spans.push({ key: first.toISOString().slice(0, 7), monthDays });
  }
  const totalDays = spans.reduce((sum, m) => sum + m.monthDays, 0);
  const cost = summary.cost;
  const fixedPerYear = fixedPerMonth * 12;
  const months: MonthPoint[] = spans.map(({ key, monthDays }) => {
    const share = monthDays / totalDays;
    return {
      month: label(key),
      hybrid: cost.hybrid.marginal.perYear * share,
      hybridAllIn: (cost.hybrid.allIn.perYear - fixedPerYear) * share + fixedPerMonth,
      pureApi: cost.pureApi.perYear * share,
    };
  });
  return { months, projected: true };
}
