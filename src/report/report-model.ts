import { TIERS, type Tier } from '../contract/request.js';
import type { MonteCarlo } from '../sim/monte-carlo.js';
import type { Summary } from '../sim/summary.js';
import type { ChartSpec } from './chart-specs.js';
import { deployView, type DeployView } from './deploy-view.js';
import { fallbackExample } from './fallback-view.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from './format-numbers.js';
import { monthlySeries } from './projection-view.js';
import { qualityView, type QualityView } from './quality-view.js';
import { headline, type Headline } from './verdict-view.js';
import { economicsView, type EconomicsView } from './economics-view.js';
import { runCharts, type ChartKey } from './run-charts.js';

export { CHART_KEYS, type ChartKey } from './run-charts.js';

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

export interface RunView extends EconomicsView {
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
  const charts = runCharts(id, s, models, months, tornado);
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
