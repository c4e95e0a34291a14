import type { Summary } from '../sim/summary.js';
import { formatCurrency, formatInteger, formatPercent } from './format-numbers.js';
import { qualityCurveChart } from './quality-curve-chart.js';
import type { ChartSpec } from './chart-specs.js';

/** What the quality section says about correctness: never "measured" unless labels were recorded. */
export interface QualityView {
  /** One sentence on expected accuracy and where it comes from. */
  accuracy: string;
  /** `recorded` labels, `fitted` profiles, `assumed` rates, or `mixed`. */
  basis: string;
  recorded?: {
    rows: { label: string; value: string }[];
    variants: { name: string; apgr: string; cpt50: string; cpt80: string; description: string }[];
    recommended: string;
    curve: ChartSpec;
  };
}

const share = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? 'n/a' : formatPercent(value * 100, 1);
const points = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} points`;

export function qualityView(id: string, summary: Summary): QualityView {
  const accuracy = summary.accuracy as Summary['accuracy'] | undefined;
  if (!accuracy)
    return {
      accuracy: 'This run predates accuracy reporting: only pass rates of the quality check are known.',
      basis: 'unknown',
    };
  const quality = summary.recordedQuality;
  if (!quality) {
    const figures =
      accuracy.hybrid === undefined
        ? 'Accuracy is not known for this run.'
        : `Expected accuracy (share of answers that are right): hybrid ${share(accuracy.hybrid)}, pure API ${share(accuracy.baseline)}.`;
    const basis =
      accuracy.basis === 'assumed'
        ? 'Simulated: local models were not run, and these rates are assumptions from the config, not measurements.'
        : accuracy.basis === 'recorded'
          ? 'From recorded answers and their labels.'
          : 'Simulated from profiles, some rates fitted from data, some assumed.';
    return { accuracy: `${figures} ${basis} Source: ${accuracy.source}.`, basis: accuracy.basis };
  }
  const h = quality.hybrid;
  const d = quality.detector;
  const r = quality.recommended;
  return {
    accuracy: `Accuracy against recorded labels for ${formatInteger(quality.requests)} requests: the answers are real model outputs replayed through the router (${accuracy.source}). Timings are simulated from profiles.`,
    basis: accuracy.basis,
    recorded: {
      rows: [
        {
          label: `Hybrid at threshold ${h.threshold}`,
          value: `${share(h.accuracy)} (95% ${share(h.accuracyInterval[0])}–${share(h.accuracyInterval[1])}), ${share(h.strongShare)} of requests needed the API, ${formatCurrency(h.costUsd)} API fees`,
        },
        { label: `All local (${quality.weakSource})`, value: share(quality.allLocal) },
        { label: `All API (${quality.strongSource})`, value: share(quality.allApi) },
        {
          label: 'Random router, same API share',
          value: `${share(h.randomAccuracy)}: hybrid is ${points(h.gain)} better (95% ${points(h.gainInterval[0])} to ${points(h.gainInterval[1])})`,
        },
        {
          label: 'Oracle router',
          value: `${share(quality.oracle.accuracy)} with ${share(quality.oracle.strongShare)} of requests on the API`,
        },
        {
          label: 'The check, as a detector of wrong local answers',
          value: `precision ${share(d.precision)}, recall ${share(d.recall)}, ROC AUC ${d.rocAuc === undefined ? 'n/a' : d.rocAuc.toFixed(3)}: caught ${formatInteger(d.caught)} of ${formatInteger(d.wrong)} wrong answers, ${formatInteger(d.falseAlarms)} false alarms`,
        },
      ],
      variants: quality.sweep.map((v) => ({
        name: v.name,
        apgr: v.apgr === undefined ? 'n/a' : v.apgr.toFixed(3),
        cpt50: share(v.cpt50),
        cpt80: share(v.cpt80),
        description: v.description,
      })),
      recommended: `Recommended threshold ${r.threshold ?? 'all API'}: accuracy ${share(r.accuracy)} with ${share(r.strongShare)} of requests on the API (${formatCurrency(r.costUsd)}), ${points(r.gain)} over a random router (95% ${points(r.gainInterval[0])} to ${points(r.gainInterval[1])}). Rule: ${r.rule}.`,
      curve: qualityCurveChart(`${id}-quality-curve`, quality),
    },
  };
}
