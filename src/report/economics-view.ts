// The cost picture a report's decision rests on: the what-if notes, the cost items, the API-only
// alternatives and the sensitivity rows against the cheapest.
import type { Summary } from '../sim/summary.js';
import { flipsAtText } from './wording/alternatives-summary.js';
import { costItemRows } from './wording/cost-items.js';
import { headlinePeriod } from './wording/period.js';
import { formatAsConfigured } from './wording/verdict.js';
import { formatCurrency, formatInteger, formatPercent } from './format-numbers.js';
import { perPeriod } from './period-value.js';

export interface EconomicsView {
  /** Window and budget notes. */
  notes: string[];
  costItems: { item: string; usd: string; source: string }[];
  alternatives: {
    name: string;
    description: string;
    usd: string;
    saves: string;
    breakEven: string;
    cacheReads: string;
  }[];
  sensitivity: {
    assumption: string;
    range: string;
    low: string;
    high: string;
    flips: boolean;
    flipsAt: string;
  }[];
  sensitivityCaption: string;
}

/** The cost picture a decision rests on: alternatives, items, and the tornado against the cheapest. */
export function economicsView(s: Summary): EconomicsView {
  const period = headlinePeriod(s);
  const strip = (line: string): string => line.replace(/^[A-Z-]+ {2}/, '').trim();
  const notes = formatAsConfigured(s)
    .filter((l) => l.trim())
    .map(strip);
  const w = s.run.window;
  if (w && !period.annualised)
    notes.unshift(
      `The recorded window is ${w.hours.toFixed(2)} hours, under a day: figures are for the window, not a year (--annualise extrapolates ×${formatInteger(Math.round(w.yearScaleFactor))}).`,
    );
  const costItems = costItemRows(s).map((r) => ({
    item: r.label,
    usd: formatCurrency(r.usd),
    source: r.source,
  }));
  costItems.push({ item: 'total', usd: formatCurrency(period.of(s.cost.hybrid.allIn)), source: '' });
  const alternatives = ((s.alternatives as Summary['alternatives'] | undefined) ?? []).map((a) => ({
    name: `${a.name}${a.name === s.cheapestAlternative ? ' (cheapest)' : ''}`,
    description: a.description,
    usd: formatCurrency(period.of(a.comparison.pureApi)),
    saves: `${formatCurrency(period.of(a.comparison.pureApi) - period.of(a.comparison.hybrid.allIn))} (${formatPercent(a.comparison.savings.allInPct)})`,
    breakEven:
      a.comparison.breakEvenIterationsPerDay === null
        ? 'never'
        : formatInteger(Math.ceil(a.comparison.breakEvenIterationsPerDay)),
    cacheReads: formatPercent(a.promptCache?.hitPct ?? 0),
  }));
  const tornado = ((s.sensitivity as Summary['sensitivity'] | undefined) ?? []).find(
    (x) => x.alternative === s.cheapestAlternative,
  );
  return {
    notes,
    costItems,
    alternatives,
    sensitivity: (tornado?.rows ?? []).map((r) => ({
      assumption: r.assumption,
      range: r.range,
      low: perPeriod(s, r.low),
      high: perPeriod(s, r.high),
      flips: r.flipsVerdict,
      flipsAt: `${flipsAtText(r)}${r.flipsVerdict ? ' (inside the range)' : ''}`,
    })),
    sensitivityCaption: tornado
      ? `Hybrid all-in saving against ${tornado.alternative} ${period.column} (base ${perPeriod(s, tornado.rows[0]?.base ?? 0)}): ${tornado.method}.`
      : '',
  };
}
