// The charts of one run's report section, specified (vega-lite) from its summary.
import { TIERS } from '../contract/request.js';
import type { Summary } from '../sim/summary.js';
import {
  barChart,
  confidenceChart,
  costQualityChart,
  latencyChart,
  projectionChart,
  tierChart,
  type ChartSpec,
  type MonthPoint,
} from './chart-specs.js';
import { costVolumeChart } from './comparison-view.js';
import {
  differenceChart,
  proportionDifference,
  tornadoChart,
  type DifferencePoint,
} from './decision-charts.js';
import { headlinePeriod } from './wording/period.js';
import { periodValue } from './period-value.js';

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

type ModelStats = Summary['hybrid']['byModel'][string];
type Tornado = NonNullable<Summary['sensitivity']>[number];

/** Every chart of one run's section (undefined where the run has nothing to draw). */
export function runCharts(
  id: string,
  s: Summary,
  models: readonly [string, ModelStats][],
  months: readonly MonthPoint[],
  tornado: Tornado | undefined,
): Record<ChartKey, ChartSpec | undefined> {
  const { hybrid } = s;
  const differences = qualityDifferences(s);
  return {
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
}
