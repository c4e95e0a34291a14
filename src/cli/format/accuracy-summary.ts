import type { RecordedQuality } from '../../sim/recorded-quality.js';
import type { Summary } from '../../sim/summary.js';
import { formatCurrency, formatInteger, formatPercent } from '../../report/format-numbers.js';

const share = (value: number | undefined, digits = 1): string =>
  value === undefined || Number.isNaN(value) ? 'n/a' : formatPercent(value * 100, digits);
const points = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}`;

/** Expected accuracy and its basis; with recorded answers, the full comparison and the threshold sweep. */
export function formatAccuracy(summary: Summary): string[] {
  const accuracy = summary.accuracy;
  const quality = summary.recordedQuality;
  if (!quality) {
    if (accuracy.hybrid === undefined) return [];
    return [
      `EXPECTED ACCURACY (${accuracy.basis === 'recorded' ? 'recorded' : `simulated, ${accuracy.basis} rates`})  hybrid ${share(accuracy.hybrid)}   pure API ${share(accuracy.baseline)}`,
      `  ${accuracy.source}`,
    ];
  }
  return formatRecordedQuality(quality, accuracy.source);
}

export function formatRecordedQuality(quality: RecordedQuality, source: string): string[] {
  const h = quality.hybrid;
  const d = quality.detector;
  const lines = [
    `ACCURACY against recorded labels (${formatInteger(quality.requests)} requests; ${source})`,
    `  hybrid ${share(h.accuracy)} [95% ${share(h.accuracyInterval[0])}–${share(h.accuracyInterval[1])}] at threshold ${h.threshold} with ${share(h.strongShare)} of requests calling the API (${formatCurrency(h.costUsd)})`,
    `  all-local ${share(quality.allLocal)} (${quality.weakSource})   all-API ${share(quality.allApi)} (${quality.strongSource})`,
    `  random router at the same API share ${share(h.randomAccuracy)}: hybrid ${points(h.gain)} points [95% ${points(h.gainInterval[0])} to ${points(h.gainInterval[1])}]   oracle ${share(quality.oracle.accuracy)} with ${share(quality.oracle.strongShare)} API`,
    `  the check as a detector of wrong local answers: precision ${share(d.precision)}, recall ${share(d.recall)}, ROC AUC ${d.rocAuc === undefined ? 'n/a' : d.rocAuc.toFixed(3)} (caught ${formatInteger(d.caught)} of ${formatInteger(d.wrong)} wrong, ${formatInteger(d.falseAlarms)} false alarms)`,
  ];
  if (quality.profileRequests)
    lines.push(
      `  ${formatInteger(quality.profileRequests)} request(s) left out: an answer came from a profile (no recorded answer for that model or row)`,
    );
  lines.push(
    '',
    'COST–QUALITY CURVE (each point a re-run of the router)   threshold   API share   accuracy   random   API cost',
  );
  const configured = quality.sweep[0]!;
  let previous = '';
  for (const point of configured.points) {
    const key = `${point.strongShare}|${point.accuracy}`;
    if (key === previous && point.threshold !== null) continue;
    previous = key;
    lines.push(
      `${''.padEnd(57)}${(point.threshold === null ? 'all API' : String(point.threshold)).padStart(9)}   ${share(point.strongShare).padStart(9)}   ${share(point.accuracy).padStart(8)}   ${share(point.randomAccuracy).padStart(6)}   ${formatCurrency(point.costUsd).padStart(8)}`,
    );
  }
  for (const variant of quality.sweep)
    lines.push(
      `  ${variant.name.padEnd(16)} APGR ${variant.apgr === undefined ? 'n/a' : variant.apgr.toFixed(3)}   CPT(50%) ${share(variant.cpt50)}   CPT(80%) ${share(variant.cpt80)}   — ${variant.description}`,
    );
  const r = quality.recommended;
  lines.push(
    `  Recommended threshold ${r.threshold ?? 'all API'}: accuracy ${share(r.accuracy)} with ${share(r.strongShare)} API (${formatCurrency(r.costUsd)}), ${points(r.gain)} points over random [95% ${points(r.gainInterval[0])} to ${points(r.gainInterval[1])}]; ${r.rule}`,
  );
  return lines;
}
