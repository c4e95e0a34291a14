import { TIERS, type Tier } from '../contract/request.js';
import type { MonteCarlo } from '../sim/monte-carlo.js';
import { flipsAtText, roundUsd } from './wording/alternatives-summary.js';
import { formatAsConfigured } from './wording/verdict.js';
import { costItemRows } from './wording/cost-items.js';
import { headlinePeriod } from './wording/period.js';
import type { Summary } from '../sim/summary.js';
import {
  barChart,
  confidenceChart,
  costQualityChart,
  latencyChart,
  projectionChart,
  tierChart,
  type ChartSpec,
} from './chart-specs.js';
import { costVolumeChart } from './comparison-view.js';
import {
  differenceChart,
  proportionDifference,
  tornadoChart,
  type DifferencePoint,
} from './decision-charts.js';
import { deployView, type DeployView } from './deploy-view.js';
import { fallbackExample } from './fallback-view.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from './format-numbers.js';
import { monthlySeries } from './projection-view.js';
import { qualityView, type QualityView } from './quality-view.js';
import { headline, type Headline } from './verdict-view.js';

export { monthlySeries } from './projection-view.js';

/** One saved run, as the report reads it. */
export interface LoadedRun {
  dir: string;
  /** Label in the report: the run folder's name. */
  name: string;
  summary: Summary;
  monteCarlo?: MonteCarlo;
}

const TIER_USE: Record<Tier, string> = {
  LOCAL_FAST: 'classification, yes/no, extraction, tags',
  LOCAL_QUALITY: 'code, edits, reasoning, summaries',
  API_FALLBACK: 'orchestration, multi-file, critical; fallback',
};

const pct = (part: number, whole: number): number => (whole ? (part / whole) * 100 : 0);

/** Where quality and latency come from, said before any figure. */
export interface Banner {
  kind: 'simulated' | 'profiles' | 'recorded' | 'measured';
  text: string;
}

export function banner(s: Summary): Banner {
  const backend = (s.run.backend as Summary['run']['backend'] | undefined) ?? 'simulated';
  if (backend === 'ledger')
    return {
      kind: 'measured',
      text: 'Measured: real usage recorded in the ledger by the production router.',
    };
  if (backend === 'real')
    return {
      kind: 'measured',
      text: 'Measured: every request was sent to the configured model servers; latency and check results are what they returned.',
    };
  if (s.recordedQuality)
    return {
      kind: 'recorded',
      text: `Quality from recorded answers: real model outputs and their labels (${s.accuracy.source}). Latency is simulated from profiles; local models were not run.`,
    };
  if (s.profileOrigin)
    return {
      kind: 'profiles',
      text: `Simulated from profiles measured by ${s.profileOrigin.generatedBy}${s.profileOrigin.hardware ? ` on ${s.profileOrigin.hardware}` : ''} (${s.profileOrigin.file}): local models were not run for this report.`,
    };
  return {
    kind: 'simulated',
    text: 'Simulated: local models were not run. Quality and latency come from assumed profiles in the config; costs are computed from token counts and prices.',
  };
}

/** The cost picture a decision rests on: alternatives, items, and the tornado against the cheapest. */
function economicsView(
  s: Summary,
): Pick<RunView, 'notes' | 'costItems' | 'alternatives' | 'sensitivity' | 'sensitivityCaption'> {
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

/** A run total (USD over the run) for the headline period, rounded for people. */
function perPeriod(s: Summary, total: number): string {
  return roundUsd(periodValue(s, total));
}

function periodValue(s: Summary, total: number): number {
  const scale = headlinePeriod(s).of({
    perDay: 1,
    perWeek: 7,
    perMonth: s.cost.daysPerMonth,
    perYear: s.cost.daysPerMonth * 12,
  });
  return s.cost.days > 0 ? (total / s.cost.days) * scale : 0;
}

/** Quality and latency in one sentence each, with one definition per metric. */
export function qualitySentence(summary: Summary): string {
  const { hybrid, baseline, run } = summary;
  const apiShare = pct(hybrid.requests - hybrid.localServed, hybrid.requests);
  const parts = [
    run.kind === 'ledger'
      ? `${formatPercent(pct(hybrid.passed, hybrid.requests))} of requests were answered acceptably, ${formatPercent(apiShare)} needed the API, and the average request took ${formatDuration(hybrid.latencyMs.mean)} (measured; pure-API quality cannot be measured from usage).`
      : `${formatPercent(pct(hybrid.passed, hybrid.requests))} of requests were answered acceptably (pure API: ${formatPercent(pct(baseline.passed, baseline.requests))}), ${formatPercent(apiShare)} needed the API, and the average request took ${formatDuration(hybrid.latencyMs.mean)} (pure API: ${formatDuration(baseline.latencyMs.mean)}).`,
  ];
  const accuracy = summary.accuracy as Summary['accuracy'] | undefined;
  if (summary.recordedQuality)
    parts.push(
      `Against the recorded labels, ${formatPercent(summary.recordedQuality.hybrid.accuracy * 100)} of hybrid answers were right, against ${formatPercent(summary.recordedQuality.allApi * 100)} all-API and ${formatPercent(summary.recordedQuality.allLocal * 100)} all-local.`,
    );
  else if (accuracy?.hybrid !== undefined)
    parts.push(
      `Accuracy ${formatPercent(accuracy.hybrid * 100)} (pure API ${formatPercent((accuracy.baseline ?? 0) * 100)}) is ${accuracy.basis === 'assumed' ? 'simulated from assumed rates, not measured' : `simulated from ${accuracy.basis} rates`}.`,
    );
  return parts.join(' ');
}

export interface RunView {
  id: string;
  /** Prefix of section ids: empty in a one-run report, `runN-` in a comparative one. */
  prefix: string;
  name: string;
  dir: string;
  title: string;
  banner: Banner;
  headline: Headline;
  /** The quality and latency sentence under the verdict. */
  qualitySentence: string;
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
  deploy: DeployView;
  scorecard: { name: string; target: string; display: string; passed: boolean }[];
  monteCarlo: { label: string; value: string }[] | undefined;
  projected: boolean;
  /** The twelve months as a table that prints. */
  months: { month: string; pureApi: string; hybridAllIn: string; hybridApi: string }[];
  monthsTotal: { pureApi: string; hybridAllIn: string; hybridApi: string };
  charts: Record<ChartKey, ChartSpec | undefined>;
  tiers: { tier: string; started: string; served: string; calls: string; cost: string }[];
  speedups: { model: string; speedup: string }[];
  chains: { chain: string; count: string; share: string }[];
  wastedCost: string;
  example: { prompt: string; trace: string } | undefined;
  models: {
    model: string;
    tier: string;
    size: string;
    p50: string;
    passRate: string;
    cost: string;
    use: string;
  }[];
  /** Configured models this run never called. */
  notCalled: string;
  assumptions: { label: string; value: string }[];
  prices: { model: string; input: string; output: string; cached: string; source: string }[];
  actions: { action: string; share: string; expects: string; input: string; output: string }[];
  quality: QualityView;
}

export const CHART_KEYS = [
  'volume',
  'tornado',
  'projection',
  'tiers',
  'latency',
  'costQuality',
  'difference',
  'confidence',
  'checks',
  'passTier',
  'chains',
] as const;
export type ChartKey = (typeof CHART_KEYS)[number];

function qualityDifferences(s: Summary): DifferencePoint[] {
  const { hybrid, baseline } = s;
  if (s.run.kind === 'ledger' || !baseline.requests) return [];
  const out = [
    proportionDifference(
      'answered acceptably',
      { hits: hybrid.passed, n: hybrid.requests },
      { hits: baseline.passed, n: baseline.requests },
    ),
  ];
  const h = hybrid.quality;
  const b = baseline.quality;
  if (h?.labelled && b?.labelled)
    out.push(
      proportionDifference(
        s.recordedQuality ? 'right (recorded labels)' : 'right (simulated)',
        { hits: h.correct, n: h.labelled },
        { hits: b.correct, n: b.labelled },
      ),
    );
  return out;
}

/** Everything the templates show for one run: figures formatted for people, charts specified. */
export function runView(
  run: LoadedRun,
  index: number,
  scenarioActions: RunView['actions'],
  comparative = false,
): RunView {
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
  const economics = economicsView(s);
  const tornado = ((s.sensitivity as Summary['sensitivity'] | undefined) ?? []).find(
    (x) => x.alternative === s.cheapestAlternative,
  );
  const differences = qualityDifferences(s);
  const charts: RunView['charts'] = {
    volume: costVolumeChart(`${id}-volume`, [s]),
    tornado: tornado?.rows.length
      ? tornadoChart(
          `${id}-tornado`,
          tornado.rows.map((r) => ({
            assumption: r.assumption,
            range: r.range,
            low: periodValue(s, r.low),
            base: periodValue(s, r.base),
            high: periodValue(s, r.high),
          })),
          headlinePeriod(s).column,
        )
      : undefined,
    projection: projectionChart(`${id}-projection`, months),
    tiers: tierChart(
      `${id}-tiers`,
      TIERS.map((tier) => ({
        scenario: s.run.scenario,
        tier,
        calls: hybrid.byTier[tier].calls,
        costUsd: hybrid.byTier[tier].costUsd,
      })),
    ),
    latency: latencyChart(
      `${id}-latency`,
      models.map(([model, m]) => ({
        model,
        tier: m.tier,
        p50: m.latencyMs.p50,
        p95: m.latencyMs.p95,
        p99: m.latencyMs.p99,
      })),
    ),
    costQuality: costQualityChart(
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
    difference: differences.length ? differenceChart(`${id}-difference`, differences) : undefined,
    confidence: confidenceChart(`${id}-confidence`, hybrid.confidenceHistogram, s.config.qualityThreshold),
    checks: barChart(
      `${id}-checks`,
      'Quality-check failures, by check',
      [
        { label: 'format', value: hybrid.checkFailures.format },
        { label: 'completeness', value: hybrid.checkFailures.completeness },
        { label: 'coherence', value: hybrid.checkFailures.coherence },
        { label: 'self-critique', value: hybrid.checkFailures.selfCritique },
        { label: 'task-aware', value: hybrid.checkFailures.task ?? 0 },
      ],
      'answers scoring below 1',
    ),
    passTier: barChart(
      `${id}-pass-tier`,
      'Check passed, share of calls per tier',
      TIERS.map((tier) => ({
        label: tier,
        value: hybrid.byTier[tier].calls ? hybrid.byTier[tier].passes / hybrid.byTier[tier].calls : 0,
      })),
      'share of calls whose answer passed the check',
      '.1%',
    ),
    chains: barChart(
      `${id}-chains`,
      'Fallback chains',
      Object.entries(hybrid.chains)
        .filter(([chain]) => chain.includes('→'))
        .slice(0, 8)
        .map(([chain, count]) => ({ label: chain, value: count })),
      'requests',
    ),
  };
  const sum = (key: 'pureApi' | 'hybridAllIn' | 'hybrid'): string =>
    formatCurrency(months.reduce((total, m) => total + m[key], 0));
  const called = (name: string): boolean => (hybrid.byModel[name]?.calls ?? 0) > 0;
  const notCalled = s.config.models.filter((m) => m.enabled && !called(m.name)).map((m) => m.name);
  return {
    id,
    prefix: comparative ? `${id}-` : '',
    name: s.run.scenario,
    dir: run.name,
    title:
      s.run.kind === 'synthetic'
        ? `${s.run.scenario}: ${formatInteger(s.run.iterationsPerDay)} iterations a day for ${formatInteger(s.run.days)} days (${formatInteger(n)} requests)`
        : s.run.kind === 'ledger'
          ? `Real usage from the ledger: ${formatInteger(n)} requests over ${s.run.days.toFixed(2)} days from ${s.run.startDate}`
          : `Recorded workload ${s.run.workloadFile ?? ''}: ${formatInteger(n)} requests over ${s.run.days.toFixed(2)} days`,
    banner: banner(s),
    headline: headline(s),
    qualitySentence: qualitySentence(s),
    ...economics,
    deploy: deployView(s),
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
        label: 'Answered acceptably',
        value: `${formatPercent(run.monteCarlo.metrics.passRatePct.mean, 2)} [${formatPercent(run.monteCarlo.metrics.passRatePct.low, 2)}, ${formatPercent(run.monteCarlo.metrics.passRatePct.high, 2)}]`,
      },
    ],
    projected,
    months: months.map((m) => ({
      month: m.month,
      pureApi: formatCurrency(m.pureApi),
      hybridAllIn: formatCurrency(m.hybridAllIn),
      hybridApi: formatCurrency(m.hybrid),
    })),
    monthsTotal: { pureApi: sum('pureApi'), hybridAllIn: sum('hybridAllIn'), hybridApi: sum('hybrid') },
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
    example: fallbackExample(s),
    models: s.config.models
      .filter((m) => called(m.name))
      .map((m) => {
        const measured = hybrid.byModel[m.name]!;
        return {
          model: m.name,
          tier: m.tier,
          size: m.sizeGb === null ? 'API' : `${m.sizeGb} GB`,
          p50: formatDuration(measured.latencyMs.p50),
          passRate: formatPercent(pct(measured.passes, measured.calls)),
          cost:
            m.tier === 'API_FALLBACK'
              ? `${formatCurrency(m.inputPerMtok)} / ${formatCurrency(m.outputPerMtok)} per M tokens`
              : `no API fee (${m.watts} W)`,
          use: TIER_USE[m.tier as Tier],
        };
      }),
    notCalled: notCalled.length ? `Configured but never called in this run: ${notCalled.join(', ')}.` : '',
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
        value: `${formatCurrency(s.config.localCosts.usdPerKwh)} per kWh; ${formatCurrency(s.config.localCosts.fixedUsdPerMonth)} a month of hardware, operations and other fixed costs (items under Costs)`,
      },
      {
        label: 'Quality threshold',
        value: `${s.config.qualityThreshold} (self-critique ${s.config.selfCritique ? 'on' : 'off'})`,
      },
      { label: 'Daily API budget', value: formatCurrency(s.config.dailyBudgetUsd) },
      {
        label: 'API-only alternatives',
        value:
          'the same workload and seed through the same router with no local models (no self-critique, no budget)',
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
