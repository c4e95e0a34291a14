import { TIERS, type Tier } from '../router/types.js';
import type { MonteCarlo } from '../sim/monte-carlo.js';
import { formatBudget, formatVerdict, roundUsd } from '../cli/format/alternatives-summary.js';
import { costItemRows } from '../cli/format/cost-items.js';
import { headlinePeriod } from '../cli/format/period.js';
import type { Summary } from '../sim/summary.js';
import {
  barChart,
  confidenceChart,
  costQualityChart,
  latencyChart,
  projectionChart,
  type ChartSpec,
  type MonthPoint,
} from './chart-specs.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from './format-numbers.js';
import { qualityView, type QualityView } from './quality-view.js';

/** One saved run, as the report reads it. */
export interface LoadedRun {
  dir: string;
  /** Label in the report: the run folder's name. */
  name: string;
  summary: Summary;
  monteCarlo?: MonteCarlo;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIER_USE: Record<Tier, string> = {
  LOCAL_FAST: 'classification, yes/no, extraction, tags',
  LOCAL_QUALITY: 'code, edits, reasoning, summaries',
  API_FALLBACK: 'orchestration, multi-file, critical; fallback',
};

const pct = (part: number, whole: number): number => (whole ? (part / whole) * 100 : 0);

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

/** The cost picture a decision rests on: verdict against the cheapest alternative, items, tornado. */
function economicsView(
  s: Summary,
): Pick<RunView, 'economics' | 'costItems' | 'alternatives' | 'sensitivity' | 'sensitivityCaption'> {
  const period = headlinePeriod(s);
  const strip = (line: string): string => line.replace(/^[A-Z]+ {2}/, '').trim();
  const economics = [...formatVerdict(s), ...formatBudget(s)].filter((l) => l.trim()).map(strip);
  const w = s.run.window;
  if (w && !period.annualised)
    economics.unshift(
      `The recorded window is ${w.hours.toFixed(2)} hours, under a day: figures are for the window, not a year (--annualise extrapolates ×${formatInteger(Math.round(w.yearScaleFactor))}).`,
    );
  const costItems = costItemRows(s).map((r) => ({
    item: r.label,
    usd: formatCurrency(r.usd),
    source: r.source,
  }));
  costItems.push({ item: 'total', usd: formatCurrency(period.of(s.cost.hybrid.allIn)), source: '' });
  const alternatives = (s.alternatives ?? []).map((a) => ({
    name: `${a.name}${a.name === s.cheapestAlternative ? ' (cheapest)' : ''}`,
    usd: formatCurrency(period.of(a.comparison.pureApi)),
    saves: `${formatCurrency(period.of(a.comparison.pureApi) - period.of(a.comparison.hybrid.allIn))} (${formatPercent(a.comparison.savings.allInPct)})`,
    breakEven:
      a.comparison.breakEvenIterationsPerDay === null
        ? 'never'
        : formatInteger(Math.ceil(a.comparison.breakEvenIterationsPerDay)),
    cacheReads: formatPercent(a.promptCache?.hitPct ?? 0),
  }));
  const tornado = (s.sensitivity ?? []).find((x) => x.alternative === s.cheapestAlternative);
  const scale = period.of({
    perDay: 1,
    perWeek: 7,
    perMonth: s.cost.daysPerMonth,
    perYear: s.cost.daysPerMonth * 12,
  });
  const per = (total: number): string => roundUsd(s.cost.days > 0 ? (total / s.cost.days) * scale : 0);
  return {
    economics,
    costItems,
    alternatives,
    sensitivity: (tornado?.rows ?? []).map((r) => ({
      assumption: r.assumption,
      range: r.range,
      low: per(r.low),
      high: per(r.high),
      flips: r.flipsVerdict,
    })),
    sensitivityCaption: tornado
      ? `Hybrid all-in saving against ${tornado.alternative} ${period.column} (base ${per(tornado.rows[0]?.base ?? 0)}), one assumption at a time; ${tornado.method}`
      : '',
  };
}

/** The plain-language verdict of the executive summary. */
export function verdict(summary: Summary): string {
  const { cost, hybrid, baseline, run } = summary;
  const apiModel =
    summary.config.models.find((m) => m.enabled && m.tier === 'API_FALLBACK')?.name ?? 'the API model';
  const breakEven = cost.breakEvenIterationsPerDay;
  const volume = run.iterationsPerDay;
  const period = headlinePeriod(summary);
  const parts = [
    `At ${formatInteger(volume)} agent iterations a day, routing with hybridllm would cost ${formatCurrency(period.of(cost.hybrid.marginal))} ${period.phrase} in API fees instead of ${formatCurrency(period.of(cost.pureApi))} for the same workload sent to ${apiModel} — ${formatPercent(cost.savings.marginalPct)} less.`,
    `Counting the local machines (energy and ${formatCurrency(summary.config.localCosts.fixedUsdPerMonth)} a month of hardware, operations and fixed costs), the all-in saving against it is ${formatCurrency(period.of(cost.pureApi) - period.of(cost.hybrid.allIn))} ${period.phrase} (${formatPercent(cost.savings.allInPct)}).`,
    breakEven === null
      ? 'At these prices the local tiers never pay for their fixed cost.'
      : `The local machine pays for itself above ${formatInteger(Math.ceil(breakEven))} iterations a day; this workload is ${volume >= breakEven ? 'above' : 'below'} that.`,
    run.kind === 'ledger'
      ? `${formatPercent(pct(hybrid.passed, hybrid.requests))} of answers passed the quality check, ${formatPercent(pct(hybrid.fallbacks, hybrid.requests))} of requests needed a fallback, and the median request took ${formatDuration(hybrid.latencyMs.p50)} (measured; pure-API quality cannot be measured from usage).`
      : `${formatPercent(pct(hybrid.passed, hybrid.requests))} of answers passed the quality check (pure API: ${formatPercent(pct(baseline.passed, baseline.requests))}), ${formatPercent(pct(hybrid.fallbacks, hybrid.requests))} of requests needed a fallback, and the median request took ${formatDuration(hybrid.latencyMs.p50)} (pure API: ${formatDuration(baseline.latencyMs.p50)}).`,
  ];
  const accuracy = summary.accuracy as Summary['accuracy'] | undefined;
  if (summary.recordedQuality)
    parts.push(
      `Against the recorded labels, ${formatPercent(summary.recordedQuality.hybrid.accuracy * 100)} of hybrid answers were right, against ${formatPercent(summary.recordedQuality.allApi * 100)} all-API and ${formatPercent(summary.recordedQuality.allLocal * 100)} all-local.`,
    );
  else if (accuracy?.hybrid !== undefined)
    parts.push(
      `Expected accuracy ${formatPercent(accuracy.hybrid * 100)} (pure API ${formatPercent((accuracy.baseline ?? 0) * 100)}) is ${accuracy.basis === 'assumed' ? 'simulated from assumed rates, not measured' : `simulated from ${accuracy.basis} rates`}.`,
    );
  return parts.join(' ');
}

export interface RunView {
  id: string;
  name: string;
  dir: string;
  title: string;
  verdict: string;
  /** The verdict against the cheapest API-only alternative, the window and budget notes: first. */
  economics: string[];
  costItems: { item: string; usd: string; source: string }[];
  alternatives: { name: string; usd: string; saves: string; breakEven: string; cacheReads: string }[];
  sensitivity: { assumption: string; range: string; low: string; high: string; flips: boolean }[];
  sensitivityCaption: string;
  figures: { label: string; value: string; assumption: boolean }[];
  scorecard: { name: string; target: string; display: string; passed: boolean }[];
  monteCarlo: { label: string; value: string }[] | undefined;
  projected: boolean;
  charts: ChartSpec[];
  tiers: { tier: string; started: string; served: string; calls: string; cost: string }[];
  speedups: { model: string; speedup: string }[];
  chains: { chain: string; count: string; share: string }[];
  wastedCost: string;
  example: { prompt: string; trace: string } | undefined;
  capacity: {
    model: string;
    tier: string;
    size: string;
    p50: string;
    passRate: string;
    cost: string;
    use: string;
  }[];
  assumptions: { label: string; value: string }[];
  prices: { model: string; input: string; output: string; cached: string; source: string }[];
  actions: { action: string; share: string; expects: string; input: string; output: string }[];
  quality: QualityView;
}

/** Everything the templates show for one run: figures formatted for people, charts specified. */
export function runView(run: LoadedRun, index: number, scenarioActions: RunView['actions']): RunView {
  const s = run.summary;
  const id = `run${index + 1}`;
  const { cost, hybrid, baseline } = s;
  const { months, projected } = monthlySeries(s);
  const n = hybrid.requests;
  const models = Object.entries(hybrid.byModel);
  const api = models
    .filter(([, m]) => m.tier === 'API_FALLBACK' && m.calls > 0)
    .sort(([, a], [, b]) => b.calls - a.calls)[0];
  const apiMean = api?.[1].latencyMs.mean ?? baseline.latencyMs.mean;
  const charts: ChartSpec[] = [
    projectionChart(`${id}-projection`, months),
    latencyChart(
      `${id}-latency`,
      models.map(([model, m]) => ({
        model,
        tier: m.tier,
        p50: m.latencyMs.p50,
        p95: m.latencyMs.p95,
        p99: m.latencyMs.p99,
      })),
    ),
    costQualityChart(
      `${id}-cost-quality`,
      models
        .filter(([, m]) => m.calls > 0)
        .map(([model, m]) => ({
          model,
          tier: m.tier,
          calls: m.calls,
          costPerCallUsd: m.costUsd / m.calls,
          passRate: m.passes / m.calls,
        })),
    ),
    confidenceChart(`${id}-confidence`, hybrid.confidenceHistogram, s.config.qualityThreshold),
    barChart(
      `${id}-checks`,
      'Quality-check failures',
      [
        { label: 'format', value: hybrid.checkFailures.format },
        { label: 'completeness', value: hybrid.checkFailures.completeness },
        { label: 'coherence', value: hybrid.checkFailures.coherence },
        { label: 'self-critique', value: hybrid.checkFailures.selfCritique },
        { label: 'task-aware', value: hybrid.checkFailures.task ?? 0 },
      ],
      'answers scoring below 1',
    ),
    barChart(
      `${id}-pass-tier`,
      'Pass rate per tier',
      TIERS.map((tier) => ({
        label: tier,
        value: hybrid.byTier[tier].calls ? hybrid.byTier[tier].passes / hybrid.byTier[tier].calls : 0,
      })),
      'pass rate of calls',
      '.1%',
    ),
    barChart(
      `${id}-chains`,
      'Fallback chains',
      Object.entries(hybrid.chains)
        .filter(([chain]) => chain.includes('→'))
        .slice(0, 8)
        .map(([chain, count]) => ({ label: chain, value: count })),
      'requests',
    ),
  ];
  const example = hybrid.exampleFallback;
  const trace = example
    ? example.attempts
        .map((a, i) => {
          const checks = Object.entries(a.checks).map(
            ([name, c]) =>
              `    ${name.padEnd(13)} ${c.score >= 0.999 ? '✓' : c.score <= 0.001 ? '✗' : '~'} ${c.note}`,
          );
          return [
            `Attempt ${i + 1}: ${a.model} (${a.tier})`,
            `  Time ${formatDuration(a.latencyMs)}   Cost ${formatCurrency(a.costUsd)}`,
            ...(a.error ? [`  Error: ${a.error}`] : checks),
            a.error ? '' : `  Confidence ${a.confidence.toFixed(2)} → ${a.passed ? 'PASS' : 'FAIL'}`,
          ].join('\n');
        })
        .join('\n        │\n        ▼ FALLBACK\n') +
      `\n\nTotal: ${example.totals.attempts} attempts, ${formatCurrency(example.totals.costUsd)}, ${formatDuration(example.totals.latencyMs)}`
    : '';
  return {
    id,
    name: s.run.scenario,
    dir: run.name,
    title:
      s.run.kind === 'synthetic'
        ? `${s.run.scenario}: ${formatInteger(s.run.iterationsPerDay)} iterations a day for ${formatInteger(s.run.days)} days (${formatInteger(n)} requests)`
        : s.run.kind === 'ledger'
          ? `Real usage from the ledger: ${formatInteger(n)} requests over ${s.run.days.toFixed(2)} days from ${s.run.startDate}`
          : `Recorded workload ${s.run.workloadFile ?? ''}: ${formatInteger(n)} requests over ${s.run.days.toFixed(2)} days`,
    verdict: verdict(s),
    ...economicsView(s),
    figures: [
      { label: 'Pure API, per year', value: formatCurrency(cost.pureApi.perYear), assumption: true },
      {
        label: 'Hybrid, per year (API fees)',
        value: formatCurrency(cost.hybrid.marginal.perYear),
        assumption: true,
      },
      {
        label: 'Hybrid, per year (all-in)',
        value: formatCurrency(cost.hybrid.allIn.perYear),
        assumption: true,
      },
      {
        label: 'Savings (marginal)',
        value: `${formatCurrency(cost.savings.perYearMarginal)} · ${formatPercent(cost.savings.marginalPct)}`,
        assumption: true,
      },
      {
        label: 'Savings (all-in)',
        value: `${formatCurrency(cost.savings.perYearAllIn)} · ${formatPercent(cost.savings.allInPct)}`,
        assumption: true,
      },
      {
        label: 'Break-even volume',
        value:
          cost.breakEvenIterationsPerDay === null
            ? 'never'
            : `${formatInteger(Math.ceil(cost.breakEvenIterationsPerDay))} iterations/day`,
        assumption: true,
      },
    ],
    scorecard: s.scorecard.map((m) => ({
      name: m.name,
      target: m.target,
      display: m.display,
      passed: m.passed,
    })),
    monteCarlo: run.monteCarlo && [
      {
        label: 'Runs (seeds)',
        value: `${run.monteCarlo.runs} (${run.monteCarlo.seeds[0]}…${run.monteCarlo.seeds.at(-1)})`,
      },
      {
        label: 'Hybrid per year',
        value: `${formatCurrency(run.monteCarlo.metrics.hybridCostPerYearUsd.mean)} [${formatCurrency(run.monteCarlo.metrics.hybridCostPerYearUsd.low)}, ${formatCurrency(run.monteCarlo.metrics.hybridCostPerYearUsd.high)}]`,
      },
      {
        label: 'Savings',
        value: `${formatPercent(run.monteCarlo.metrics.savingsPct.mean)} [${formatPercent(run.monteCarlo.metrics.savingsPct.low)}, ${formatPercent(run.monteCarlo.metrics.savingsPct.high)}]`,
      },
      {
        label: 'Pass rate',
        value: `${formatPercent(run.monteCarlo.metrics.passRatePct.mean, 2)} [${formatPercent(run.monteCarlo.metrics.passRatePct.low, 2)}, ${formatPercent(run.monteCarlo.metrics.passRatePct.high, 2)}]`,
      },
    ],
    projected,
    charts,
    tiers: TIERS.map((tier) => {
      const t = hybrid.byTier[tier];
      return {
        tier,
        started: `${formatPercent(pct(t.started, n))} (${formatInteger(t.started)})`,
        served: formatPercent(pct(t.served, n)),
        calls: formatInteger(t.calls),
        cost: formatCurrency(t.costUsd),
      };
    }),
    speedups: models
      .filter(([, m]) => m.tier !== 'API_FALLBACK' && m.latencyMs.mean > 0)
      .map(([model, m]) => ({
        model,
        speedup: `${(apiMean / m.latencyMs.mean).toFixed(1)}× faster than ${api?.[0] ?? 'the API'}`,
      })),
    chains: Object.entries(hybrid.chains).map(([chain, count]) => ({
      chain,
      count: formatInteger(count),
      share: formatPercent(pct(count, n), 2),
    })),
    wastedCost: formatCurrency(hybrid.wastedCostUsd),
    example: example ? { prompt: example.prompt, trace } : undefined,
    capacity: s.config.models.map((m) => {
      const measured = hybrid.byModel[m.name];
      return {
        model: m.name,
        tier: m.tier,
        size: m.sizeGb === null ? 'API' : `${m.sizeGb} GB`,
        p50: measured ? formatDuration(measured.latencyMs.p50) : m.enabled ? 'not called' : 'disabled',
        passRate: measured?.calls ? formatPercent(pct(measured.passes, measured.calls)) : '–',
        cost:
          m.tier === 'API_FALLBACK'
            ? `${formatCurrency(m.inputPerMtok)} / ${formatCurrency(m.outputPerMtok)} per M tokens`
            : `free (${m.watts} W)`,
        use: TIER_USE[m.tier as Tier],
      };
    }),
    assumptions: [
      {
        label: 'Scenario',
        value: `${s.run.scenario} (${s.run.kind})${s.run.workloadFile ? `, ${s.run.workloadFile}` : ''}`,
      },
      {
        label: 'Period',
        value: `${s.run.days.toFixed(s.run.days < 10 ? 2 : 0)} days from ${s.run.startDate}; ${cost.daysPerMonth === 30 ? '30-day' : 'calendar (365/12-day)'} months, 12-month years`,
      },
      { label: 'Seed', value: String(s.run.seed) },
      { label: 'Simulation profiles', value: s.profiles },
      {
        label: 'Local costs',
        value: `${formatCurrency(s.config.localCosts.usdPerKwh)} per kWh, ${formatCurrency(s.config.localCosts.fixedUsdPerMonth)} per month fixed (hardware or rented GPU); energy = watts × busy time`,
      },
      {
        label: 'Quality threshold',
        value: `${s.config.qualityThreshold} (self-critique ${s.config.selfCritique ? 'on' : 'off'})`,
      },
      { label: 'Daily API budget', value: formatCurrency(s.config.dailyBudgetUsd) },
      {
        label: 'Pure-API baseline',
        value:
          'the same workload and seed through the same router with prefer_local off (no self-critique, no budget)',
      },
      { label: 'Config', value: `${s.config.file} (sha256 ${s.config.sha256})` },
      { label: 'Tool', value: `hybridllm ${s.tool.version}` },
      { label: 'Command', value: s.run.command },
    ],
    prices: s.config.models
      .filter((m) => m.tier === 'API_FALLBACK')
      .map((m) => ({
        model: m.name,
        input: formatCurrency(m.inputPerMtok),
        output: formatCurrency(m.outputPerMtok),
        cached: formatCurrency(m.cachedInputPerMtok),
        source: m.priceSource,
      })),
    actions: scenarioActions,
    quality: qualityView(id, s),
  };
}

export { pct };
