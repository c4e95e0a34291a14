import type { CostProjection } from '../../cost/cost-model.js';
import type { Summary } from '../../sim/summary.js';

/** The period headline figures are given for: a year, or a short recorded window as observed. */
export interface HeadlinePeriod {
  annualised: boolean;
  /** How a figure reads in a sentence: "a year", "in the observed 0.97 hours". */
  phrase: string;
  /** A column heading: "per year", "per 0.97 h". */
  column: string;
  /** The figure for this period from a projection. */
  of(projection: CostProjection): number;
  /** Observed hours (not annualised only). */
  hours: number;
}

/**
 * Yearly unless the run is a recorded window under a day without `--annualise`: then the figures are what
 * the window itself cost, beside per-hour rates, and nothing is extrapolated.
 */
export function headlinePeriod(summary: Summary): HeadlinePeriod {
  const window = summary.run.window;
  const days = summary.cost.days;
  if (!window || window.annualised !== false)
    return { annualised: true, phrase: 'a year', column: 'per year', of: (p) => p.perYear, hours: days * 24 };
  const hours = window.hours.toFixed(2);
  return {
    annualised: false,
    phrase: `in the observed ${hours} hours`,
    column: `per ${hours} h`,
    of: (p) => p.perDay * days,
    hours: days * 24,
  };
}
