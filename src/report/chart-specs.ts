import type { TopLevelSpec } from 'vega-lite';

import { CONFIG, PALETTE, TIER_COLORS, type ChartSpec } from './chart-base.js';

export { CONFIG, PALETTE, narrowed, type ChartSpec } from './chart-base.js';

export interface MonthPoint {
  month: string;
  hybrid: number;
  hybridAllIn: number;
  pureApi: number;
}

/** The design document's "Cost Projection (1 Year)": hybrid vs pure API per month. */
export function projectionChart(id: string, months: readonly MonthPoint[]): ChartSpec {
  const values = months.flatMap((m, i) => [
    { order: i, month: m.month, series: 'Pure API', usd: m.pureApi },
    { order: i, month: m.month, series: 'Hybrid, API bill only', usd: m.hybrid },
    { order: i, month: m.month, series: 'Hybrid, all-in', usd: m.hybridAllIn },
  ]);
  return {
    id,
    title: '12-month cost projection',
    spec: {
      width: 560,
      height: 220,
      config: CONFIG,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'month', type: 'ordinal', sort: { field: 'order' }, title: null },
        xOffset: { field: 'series', sort: ['Pure API', 'Hybrid, all-in', 'Hybrid, API bill only'] },
        y: { field: 'usd', type: 'quantitative', title: 'USD per month', axis: { format: '$,.0f' } },
        color: {
          field: 'series',
          type: 'nominal',
          scale: {
            domain: ['Pure API', 'Hybrid, all-in', 'Hybrid, API bill only'],
            range: ['#D55E00', '#0072B2', '#56B4E9'],
          },
          title: null,
          legend: { orient: 'top' },
        },
        tooltip: [{ field: 'month' }, { field: 'series' }, { field: 'usd', format: '$,.2f' }],
      },
    },
    columns: ['Month', 'Pure API', 'Hybrid, API bill only', 'Hybrid, all-in'],
    rows: months.map((m) => [m.month, m.pureApi, m.hybrid, m.hybridAllIn]),
  };
}

export interface TierPoint {
  scenario: string;
  tier: string;
  calls: number;
  costUsd: number;
}

/** The design document's "Tier Distribution": calls per tier per scenario, stacked to 100%. */
export function tierChart(id: string, points: readonly TierPoint[]): ChartSpec {
  return {
    id,
    title: 'Tier distribution (calls)',
    spec: {
      width: 560,
      height: { step: 28 },
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p, order: TIER_COLORS.domain.indexOf(p.tier) })) },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'scenario', type: 'nominal', title: null, sort: null },
        x: {
          field: 'calls',
          type: 'quantitative',
          stack: 'normalize',
          title: 'share of calls',
          axis: { format: '%' },
        },
        color: { field: 'tier', type: 'nominal', scale: TIER_COLORS, title: null, legend: { orient: 'top' } },
        order: { field: 'order', sort: 'ascending' },
        tooltip: [
          { field: 'scenario' },
          { field: 'tier' },
          { field: 'calls', format: ',' },
          { field: 'costUsd', format: '$,.2f' },
        ],
      },
    },
    columns: ['Scenario', 'Tier', 'Calls', 'API cost (USD)'],
    rows: points.map((p) => [p.scenario, p.tier, p.calls, p.costUsd]),
  };
}

export interface LatencyPoint {
  model: string;
  tier: string;
  p50: number;
  p95: number;
  p99: number;
}

/** The design document's "Latency Comparison": p50 / p95 / p99 per model. */
export function latencyChart(id: string, points: readonly LatencyPoint[]): ChartSpec {
  const values = points.flatMap((p) =>
    (['p50', 'p95', 'p99'] as const).map((stat) => ({ model: p.model, stat, ms: p[stat] })),
  );
  return {
    id,
    title: 'Latency per model',
    spec: {
      width: 560,
      height: { step: 14 },
      config: CONFIG,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        y: {
          field: 'model',
          type: 'nominal',
          title: null,
          sort: points.map((p) => p.model),
          axis: { labelLimit: 320 },
        },
        yOffset: { field: 'stat', sort: ['p50', 'p95', 'p99'] },
        x: { field: 'ms', type: 'quantitative', title: 'milliseconds per call', scale: { zero: true } },
        color: {
          field: 'stat',
          type: 'nominal',
          scale: { domain: ['p50', 'p95', 'p99'], range: ['#0072B2', '#E69F00', '#D55E00'] },
          title: null,
          legend: { orient: 'top' },
        },
        tooltip: [{ field: 'model' }, { field: 'stat' }, { field: 'ms', format: ',.0f' }],
      },
    },
    columns: ['Model', 'Tier', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)'],
    rows: points.map((p) => [p.model, p.tier, p.p50, p.p95, p.p99]),
  };
}

export interface CostQualityPoint {
  model: string;
  tier: string;
  costPerCallUsd: number;
  passRate: number;
  calls: number;
}

/**
 * The design document's "Cost vs Quality Trade-off": per model, what 1,000 calls cost in API fees and the
 * share of its calls whose answer passed the check, side by side on zero-based axes with value labels (local
 * models cost no API fee, so a scatter would pile them on the y-axis).
 */
export function costQualityChart(id: string, points: readonly CostQualityPoint[]): ChartSpec {
  const values = points.map((p) => ({
    model: p.model,
    tier: p.tier,
    per1000: p.costPerCallUsd * 1000,
    passRate: p.passRate,
  }));
  const order = [...values].sort((a, b) => a.per1000 - b.per1000).map((v) => v.model);
  const y = { field: 'model', type: 'nominal', title: null, sort: order, axis: { labelLimit: 320 } } as const;
  const color = {
    field: 'tier',
    type: 'nominal',
    scale: TIER_COLORS,
    title: null,
    legend: { orient: 'top' },
  } as const;
  const panel = (field: string, title: string, format: string, domain?: [number, number]) => ({
    width: 240,
    height: { step: 24 },
    encoding: {
      y,
      x: {
        field,
        type: 'quantitative' as const,
        title,
        axis: { format, tickCount: 4 },
        scale: domain ? { domain } : { zero: true, nice: true },
      },
    },
    layer: [
      { mark: { type: 'bar' as const }, encoding: { color } },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 3, fontSize: 11, color: '#1f2933' },
        encoding: { text: { field, format } },
      },
    ],
  });
  return {
    id,
    title: 'Cost vs quality per model',
    spec: {
      config: CONFIG,
      data: { values },
      hconcat: [
        panel('per1000', 'API fees per 1,000 calls (USD)', '$,.2f'),
        {
          ...panel('passRate', 'check passed, share of calls', '.1%', [0, 1]),
          encoding: {
            ...panel('passRate', 'check passed, share of calls', '.1%', [0, 1]).encoding,
            y: { ...y, axis: null },
          },
        },
      ],
    } as TopLevelSpec,
    columns: ['Model', 'Tier', 'Calls', 'USD per call', 'Check passed (share of calls)'],
    rows: points.map((p) => [p.model, p.tier, p.calls, p.costPerCallUsd, p.passRate]),
  };
}

/** Models as labelled points coloured by tier: pass rate against a cost or a latency. */
export function tierScatterChart(
  id: string,
  title: string,
  points: readonly { model: string; tier: string; x: number; y: number }[],
  xTitle: string,
  xFormat: string,
): ChartSpec {
  // Room on the right for the label of the right-most model.
  const maxX = Math.max(0.0001, ...points.map((p) => p.x));
  return {
    id,
    title,
    spec: {
      width: 560,
      height: 240,
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p })) },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: xTitle,
          axis: { format: xFormat },
          scale: { domain: [0, maxX * 1.35] },
        },
        y: {
          field: 'y',
          type: 'quantitative',
          title: 'pass rate',
          scale: { zero: false, padding: 12 },
          axis: { format: '.1%' },
        },
      },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 90 },
          encoding: {
            color: {
              field: 'tier',
              type: 'nominal',
              scale: TIER_COLORS,
              title: null,
              legend: { orient: 'top' },
            },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 7, fontSize: 10 },
          encoding: { text: { field: 'model' } },
        },
      ],
    },
    columns: ['Model', 'Tier', xTitle, 'Pass rate'],
    rows: points.map((p) => [p.model, p.tier, p.x, p.y]),
  };
}

/** A plain bar chart of labelled counts or rates, from zero, each bar with its value. */
export function barChart(
  id: string,
  title: string,
  points: readonly { label: string; value: number }[],
  axisTitle: string,
  format = ',.0f',
): ChartSpec {
  return {
    id,
    title,
    spec: {
      width: 560,
      height: { step: 20 },
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p })) },
      encoding: {
        y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 360 } },
        x: {
          field: 'value',
          type: 'quantitative',
          title: axisTitle,
          axis: { format },
          scale: { zero: true, nice: true },
        },
        tooltip: [{ field: 'label' }, { field: 'value', format }],
      },
      layer: [
        { mark: { type: 'bar', color: PALETTE[0] } },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#1f2933' },
          encoding: { text: { field: 'value', format } },
        },
      ],
    },
    columns: ['', axisTitle],
    rows: points.map((p) => [p.label, p.value]),
  };
}

/** Confidence histogram in bins of 0.05, with the pass threshold marked. */
export function confidenceChart(id: string, histogram: readonly number[], threshold: number): ChartSpec {
  const width = 1 / histogram.length;
  const values = histogram.map((count, i) => ({
    from: i * width,
    to: (i + 1) * width,
    mid: (i + 0.5) * width,
    count,
  }));
  return {
    id,
    title: 'Confidence of answers',
    spec: {
      width: 560,
      height: 180,
      config: CONFIG,
      layer: [
        {
          data: { values },
          mark: { type: 'bar', color: PALETTE[0] },
          encoding: {
            x: {
              field: 'from',
              type: 'quantitative',
              bin: { binned: true, step: width },
              title: 'confidence',
              scale: { domain: [0, 1] },
            },
            x2: { field: 'to' },
            y: {
              field: 'count',
              type: 'quantitative',
              title: 'requests',
              scale: { zero: true },
              axis: { format: ',.0f' },
            },
          },
        },
        {
          data: { values: values.filter((v) => v.count > 0) },
          mark: { type: 'text', dy: -6, fontSize: 10, color: '#1f2933' },
          encoding: {
            x: { field: 'mid', type: 'quantitative' },
            y: { field: 'count', type: 'quantitative' },
            text: { field: 'count', format: ',' },
          },
        },
        {
          data: { values: [{ threshold }] },
          mark: { type: 'rule', color: '#c92a2a', strokeDash: [4, 3] },
          encoding: { x: { field: 'threshold', type: 'quantitative' } },
        },
      ],
    },
    columns: ['Confidence', 'Requests'],
    rows: values.map((v) => [`${v.from.toFixed(2)}–${v.to.toFixed(2)}`, v.count]),
  };
}
