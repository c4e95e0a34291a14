import { TIERS } from '../../router/types.js';
import type { MonteCarlo } from '../../sim/monte-carlo.js';
import { formatCapacity } from './capacity.js';
import type { Summary } from '../../sim/summary.js';
import type { CostProjection } from '../../cost/cost-model.js';
import { formatAccuracy } from './accuracy-summary.js';
import { priceTableNewestChange } from '../../cost/price-table.js';
import { formatCostItems } from '../../report/wording/cost-items.js';
import { headlinePeriod } from '../../report/wording/period.js';
import {
  formatAlternatives,
  formatLifecycle,
  formatSensitivity,
} from '../../report/wording/alternatives-summary.js';
import { formatAsConfigured, formatVerdict } from '../../report/wording/verdict.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';

const TIER_LABELS = {
  LOCAL_FAST: 'Tier 1 LOCAL_FAST',
  LOCAL_QUALITY: 'Tier 2 LOCAL_QUALITY',
  API_FALLBACK: 'Tier 3 API_FALLBACK',
} as const;

function bar(share: number, width = 30): string {
  const cells = Math.round(share * width);
  return '█'.repeat(cells) + '░'.repeat(width - cells);
}

const pad = (text: string, width: number): string => text.padEnd(width);
const padLeft = (text: string, width: number): string => text.padStart(width);

/** How current the price table is: its newest recorded price change for the providers in use. */
function priceDate(summary: Summary): string {
  const providers = summary.config.models
    .filter((m) => m.enabled && m.tier === 'API_FALLBACK')
    .map((m) => m.provider);
  const date = priceTableNewestChange(providers, new Date().toISOString().slice(0, 10));
  return date ? ` (newest price change it records for ${[...new Set(providers)].join(', ')}: ${date})` : '';
}

/** The terminal summary, shaped like the design document's tier distribution and cost figures. */
export function formatSimulationSummary(summary: Summary, monteCarlo?: MonteCarlo): string {
  const { hybrid, cost } = summary;
  const run = summary.run;
  const n = hybrid.requests;
  const pct = (part: number): number => (n ? (part / n) * 100 : 0);
  const lines: string[] = [];
  const title =
    run.kind === 'synthetic'
      ? `SIMULATION: ${run.scenario} — ${formatInteger(run.iterationsPerDay)} iterations/day × ${run.days} days from ${run.startDate} (${formatInteger(n)} requests), seed ${run.seed}`
      : `SIMULATION: recorded workload ${run.workloadFile} — ${formatInteger(n)} requests over ${run.days < 1 ? `${(run.days * 24 * 60).toFixed(0)} minutes` : `${run.days.toFixed(1)} days`}, seed ${run.seed}`;
  lines.push(title, '═'.repeat(Math.min(title.length, 100)));
  lines.push(
    `Config ${summary.config.file} (sha256 ${summary.config.sha256.slice(0, 12)}), prices ${summary.config.priceTable}${priceDate(summary)}, profiles: ${summary.profiles}`,
  );
  const period = headlinePeriod(summary);
  if (run.window) {
    const w = run.window;
    const span = w.hours < 48 ? `${w.hours.toFixed(2)} hours` : `${(w.hours / 24).toFixed(1)} days`;
    const factor =
      w.yearScaleFactor < 10 ? w.yearScaleFactor.toFixed(2) : formatInteger(Math.round(w.yearScaleFactor));
    if (!period.annualised)
      lines.push(
        `Observed window ${w.first} → ${w.last} (${span}). It is under one day, so figures are for the window and per hour; --annualise scales them ×${factor} to a year (an extrapolation).`,
      );
    else {
      lines.push(
        `Observed window ${w.first} → ${w.last} (${span}); per-day, per-month and per-year figures scale it ×${factor} to a year`,
      );
      if (w.hours < 24)
        lines.push(
          `WARNING  the window is under one day: every yearly figure below extrapolates ${w.hours.toFixed(2)} hours of traffic ×${formatInteger(Math.round(w.yearScaleFactor))} (--annualise); treat it as an assumption, not a measurement`,
        );
    }
    const t = run.workload?.timestamps;
    if (t?.decidedBy === 'assumed')
      lines.push(
        `NOTE  numeric timestamps counted from the trace's start were read as seconds; if they are milliseconds or microseconds, pass --time-unit ms|us (the window above would change).`,
      );
    else if (t)
      lines.push(
        `Timestamps: ${t.kind === 'epoch' ? 'epoch' : 'from the start'} ${t.unit === 's' ? 'seconds' : t.unit === 'ms' ? 'milliseconds' : 'microseconds'} (${t.decidedBy === 'flag' ? '--time-unit' : 'by magnitude'})`,
      );
  }
  lines.push(...formatVerdict(summary));
  lines.push(...formatAsConfigured(summary));
  lines.push(...formatContextSkips(summary));
  lines.push(...formatCapacity(summary));
  lines.push(...formatLifecycle(summary));
  const read = run.workload;
  if (read?.format)
    lines.push(
      `Read as ${read.format.label} (--format ${read.format.name}): ${formatInteger(read.rows)} rows; ${formatInteger(read.textRows ?? 0)} with prompt text, ${formatInteger(read.tokenRows ?? 0)} with input token counts, ${formatInteger(read.timestampRows ?? 0)} with timestamps, ${formatInteger(read.answerRows ?? 0)} with the answer${read.failedRows ? `; ${formatInteger(read.failedRows)} failed call(s) left out` : ''}.`,
    );
  if (run.workload?.filledOutputRows)
    lines.push(
      `NOTE  ${formatInteger(run.workload.filledOutputRows)} of ${formatInteger(run.workload.rows)} rows give no output tokens: each model drew them from its profile, so their cost is simulated, not recorded (--require-output-tokens refuses such rows).`,
    );
  if (run.workload?.skipped)
    lines.push(
      `Skipped ${formatInteger(run.workload.skipped)} invalid row(s), e.g. ${run.workload.skippedExamples[0]}`,
    );
  lines.push('');
  lines.push(
    'TIER DISTRIBUTION          classified                                   served      calls   API cost',
  );
  for (const tier of TIERS) {
    const t = hybrid.byTier[tier];
    lines.push(
      `${pad(TIER_LABELS[tier], 21)} ${bar(t.started / (n || 1))} ${padLeft(formatPercent(pct(t.started)), 6)} (${padLeft(formatInteger(t.started), 9)})  ${padLeft(formatPercent(pct(t.served)), 6)} ${padLeft(formatInteger(t.calls), 10)} ${padLeft(formatCurrency(t.costUsd), 10)}`,
    );
  }
  lines.push('');
  const row = period.annualised
    ? (label: string, p: CostProjection): string =>
        `${pad(label, 22)} ${padLeft(formatCurrency(p.perDay), 9)} ${padLeft(formatCurrency(p.perWeek), 11)} ${padLeft(formatCurrency(p.perMonth), 11)} ${padLeft(formatCurrency(p.perYear), 11)}`
    : (label: string, p: CostProjection): string =>
        `${pad(label, 22)} ${padLeft(formatCurrency(period.of(p)), 13)} ${padLeft(formatCurrency(period.hours ? period.of(p) / period.hours : 0), 11)}`;
  lines.push(
    period.annualised
      ? `COST (${cost.daysPerMonth === 30 ? '30-day' : 'calendar'} months)     per day    per week   per month    per year`
      : `COST                   ${padLeft(period.column, 13)}    per hour`,
  );
  lines.push(row('Pure API (same load)', cost.pureApi));
  lines.push(row('Hybrid, marginal', cost.hybrid.marginal));
  lines.push(row('Hybrid, all-in', cost.hybrid.allIn));
  const b = summary.baselineModel as Summary['baselineModel'] | undefined;
  if (b)
    lines.push(
      `  Pure API = everything to ${b.name} at ${formatCurrency(b.inputPerMtok)} in / ${formatCurrency(b.outputPerMtok)} out per M tokens (${b.priceSource})${b.chosen ? ', chosen with --baseline-model' : ''}${b.profileFrom ? `; simulated with ${b.profileFrom}'s latency and quality profile` : ''}`,
    );
  lines.push(...formatCostItems(summary));
  const unit = period.annualised ? '/year' : ` ${period.phrase}`;
  lines.push(
    `SAVINGS vs ${b?.chosen ? b.name : 'api-premium'}  marginal ${formatCurrency(period.of(cost.pureApi) - period.of(cost.hybrid.marginal))}${unit} (${formatPercent(cost.savings.marginalPct)})   all-in ${formatCurrency(period.of(cost.pureApi) - period.of(cost.hybrid.allIn))}${unit} (${formatPercent(cost.savings.allInPct)})`,
  );
  lines.push(...formatAlternatives(summary));
  lines.push(...formatSensitivity(summary));
  lines.push(
    `Break-even volume against api-premium: ${cost.breakEvenIterationsPerDay === null ? 'never (hybrid costs more per iteration than pure API)' : `${formatInteger(Math.ceil(cost.breakEvenIterationsPerDay))} iterations/day (hybrid all-in = pure API)`}`,
  );
  lines.push('');
  lines.push('LATENCY per request          p50         p95        mean');
  for (const tier of TIERS) {
    const l = hybrid.byTier[tier].latencyMs;
    if (l.count)
      lines.push(
        `${pad(`served by ${tier}`, 24)} ${padLeft(formatDuration(l.p50), 9)} ${padLeft(formatDuration(l.p95), 11)} ${padLeft(formatDuration(l.mean), 11)}`,
      );
  }
  lines.push(
    `${pad('all (hybrid)', 24)} ${padLeft(formatDuration(hybrid.latencyMs.p50), 9)} ${padLeft(formatDuration(hybrid.latencyMs.p95), 11)} ${padLeft(formatDuration(hybrid.latencyMs.mean), 11)}`,
  );
  const base = summary.baseline.latencyMs;
  lines.push(
    `${pad('all (pure API)', 24)} ${padLeft(formatDuration(base.p50), 9)} ${padLeft(formatDuration(base.p95), 11)} ${padLeft(formatDuration(base.mean), 11)}`,
  );
  lines.push('');
  lines.push(
    `QUALITY  pass rate ${formatPercent(pct(hybrid.passed))} (pure API ${formatPercent((summary.baseline.passed / (summary.baseline.requests || 1)) * 100)})   fallback rate ${formatPercent(pct(hybrid.fallbacks))}   avg confidence ${hybrid.averageConfidence.toFixed(3)}   local share ${formatPercent(pct(hybrid.localServed))}`,
  );
  const accuracy = formatAccuracy(summary);
  if (accuracy.length) lines.push(...accuracy);
  const errors = Object.entries(hybrid.errors);
  if (errors.length)
    lines.push(`Errors: ${errors.map(([name, count]) => `${name} ×${formatInteger(count)}`).join(', ')}`);
  lines.push('');
  lines.push('SUCCESS METRICS (design document targets)');
  for (const metric of summary.scorecard)
    lines.push(
      `  ${metric.passed ? '✓' : '✗'} ${pad(metric.name, 22)} ${pad(metric.target, 10)} ${metric.display}`,
    );
  if (monteCarlo) {
    lines.push('');
    lines.push(
      `MONTE CARLO over ${monteCarlo.runs} seeds (${monteCarlo.seeds[0]}…${monteCarlo.seeds.at(-1)}): mean [95% interval of the mean, Student's t] — sampling noise only; the assumptions' uncertainty is under SENSITIVITY`,
    );
    const m = monteCarlo.metrics;
    lines.push(
      `  hybrid cost/year   ${formatCurrency(m.hybridCostPerYearUsd.mean)} [${formatCurrency(m.hybridCostPerYearUsd.low)}, ${formatCurrency(m.hybridCostPerYearUsd.high)}]`,
    );
    lines.push(
      `  pure API cost/year ${formatCurrency(m.pureApiCostPerYearUsd.mean)} [${formatCurrency(m.pureApiCostPerYearUsd.low)}, ${formatCurrency(m.pureApiCostPerYearUsd.high)}]`,
    );
    lines.push(
      `  savings            ${formatPercent(m.savingsPct.mean)} [${formatPercent(m.savingsPct.low)}, ${formatPercent(m.savingsPct.high)}]`,
    );
    lines.push(
      `  pass rate          ${formatPercent(m.passRatePct.mean, 2)} [${formatPercent(m.passRatePct.low, 2)}, ${formatPercent(m.passRatePct.high, 2)}]`,
    );
    lines.push(
      `  fallback rate      ${formatPercent(m.fallbackRatePct.mean, 2)} [${formatPercent(m.fallbackRatePct.low, 2)}, ${formatPercent(m.fallbackRatePct.high, 2)}]`,
    );
  }
  return lines.join('\n');
}

/** One line per scenario, for `--scenario light,medium,heavy`. */
export function formatComparison(summaries: readonly Summary[]): string {
  const lines = [
    'COMPARISON               requests   local   fallback   pass    hybrid/year   pure API/year   savings',
  ];
  for (const s of summaries) {
    const n = s.hybrid.requests || 1;
    lines.push(
      `${pad(s.run.scenario, 22)} ${padLeft(formatInteger(s.hybrid.requests), 10)} ${padLeft(formatPercent((s.hybrid.localServed / n) * 100), 7)} ${padLeft(formatPercent((s.hybrid.fallbacks / n) * 100), 10)} ${padLeft(formatPercent((s.hybrid.passed / n) * 100), 6)} ${padLeft(formatCurrency(s.cost.hybrid.marginal.perYear), 13)} ${padLeft(formatCurrency(s.cost.pureApi.perYear), 15)} ${padLeft(formatPercent(s.cost.savings.marginalPct), 9)}`,
    );
  }
  return lines.join('\n');
}

/** Requests too long for a model's context window, which the router skipped as a server would refuse them. */
export function formatContextSkips(summary: Summary): string[] {
  const skips = summary.hybrid.contextSkips as Summary['hybrid']['contextSkips'] | undefined;
  if (!skips?.requests) return [];
  const n = summary.hybrid.requests || 1;
  const byModel = Object.entries(skips.byModel)
    .sort(([, a], [, b]) => b - a)
    .map(([model, count]) => `${model} ×${formatInteger(count)}`)
    .join(', ');
  return [
    `CONTEXT  ${formatInteger(skips.requests)} request(s) (${((skips.requests / n) * 100).toFixed(1)}%) did not fit a model's context window (input + max output tokens), so the router skipped that model: ${byModel}. ${formatInteger(skips.noLocalModel)} fitted no local model of their chain and went to the API.`,
  ];
}
