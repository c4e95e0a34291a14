import { CONFIG, PALETTE, type ChartSpec } from './chart-specs.js';

/** One line of cost against volume: a fixed part per day and a part per iteration, both USD. */
export interface CostLine {
  scenario: string;
  series: string;
  fixedPerDay: number;
  perIteration: number;
}

export interface VolumeMark {
  scenario: string;
  /** `run`: the scenario's own volume on the hybrid line; `break-even`: where hybrid meets an alternative. */
  kind: 'run' | 'break-even';
  iterationsPerDay: number;
  usdPerYear: number;
  label: string;
}

/**
 * Annual all-in cost against volume: the hybrid and each API-only alternative as straight lines (fixed +
 * per-iteration), the scenarios and the break-even points marked, on one shared scale.
 */
export function volumeChart(
  id: string,
  lines: readonly CostLine[],
  marks: readonly VolumeMark[],
  maxVolume: number,
  daysPerYear: number,
  unit: string,
): ChartSpec {
  const steps = 4;
  const values = lines.flatMap((l) =>
    Array.from({ length: steps + 1 }, (_, i) => {
      const v = (maxVolume * i) / steps;
      return {
        scenario: l.scenario,
        series: l.series,
        line: `${l.series} (${l.scenario})`,
        v,
        usd: (l.fixedPerDay + l.perIteration * v) * daysPerYear,
      };
    }),
  );
  const series = [...new Set(lines.map((l) => l.series))];
  const scenarios = [...new Set(lines.map((l) => l.scenario))];
  return {
    id,
    title: `Annual all-in cost against ${unit} per day`,
    spec: {
      width: 560,
      height: 260,
      config: CONFIG,
      layer: [
        {
          data: { values },
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: {
              field: 'v',
              type: 'quantitative',
              title: `${unit} per day`,
              scale: { domain: [0, maxVolume], nice: false },
              axis: { format: ',.0f' },
            },
            y: { field: 'usd', type: 'quantitative', title: 'USD per year', axis: { format: '$,.0f' } },
            color: {
              field: 'series',
              type: 'nominal',
              scale: { domain: series, range: PALETTE.slice(0, series.length) },
              title: null,
              legend: { orient: 'top', labelLimit: 300 },
            },
            strokeDash: {
              field: 'scenario',
              type: 'nominal',
              scale: { domain: scenarios },
              title: null,
              legend: scenarios.length > 1 ? { orient: 'top' } : null,
            },
            detail: { field: 'line' },
          },
        },
        {
          data: { values: marks.map((m) => ({ ...m })) },
          mark: { type: 'point', filled: true, size: 70, color: '#1f2933' },
          encoding: {
            x: { field: 'iterationsPerDay', type: 'quantitative' },
            y: { field: 'usdPerYear', type: 'quantitative' },
            shape: {
              field: 'kind',
              type: 'nominal',
              scale: { domain: ['run', 'break-even'], range: ['circle', 'diamond'] },
              title: null,
              legend: { orient: 'bottom', labelExpr: "datum.label === 'run' ? 'this volume' : 'break-even'" },
            },
          },
        },
        {
          data: { values: marks.map((m) => ({ ...m })) },
          mark: { type: 'text', align: 'left', dx: 6, dy: -8, fontSize: 11, color: '#1f2933' },
          encoding: {
            x: { field: 'iterationsPerDay', type: 'quantitative' },
            y: { field: 'usdPerYear', type: 'quantitative' },
            text: { field: 'label' },
          },
        },
      ],
    },
    columns: ['Scenario', 'Point', `${unit} per day`, 'USD per year'],
    rows: marks.map((m) => [
      m.scenario,
      m.kind === 'run' ? 'this volume' : 'break-even',
      Math.round(m.iterationsPerDay),
      Math.round(m.usdPerYear),
    ]),
  };
}

export interface TornadoRow {
  assumption: string;
  range: string;
  low: number;
  base: number;
  high: number;
}

/**
 * The tornado: for each assumption, the saving at the low and high ends of its range as bars from the base,
 * largest swing on top, with zero (where the verdict flips) marked.
 */
export function tornadoChart(id: string, rows: readonly TornadoRow[], column: string): ChartSpec {
  const base = rows[0]?.base ?? 0;
  const values = rows.flatMap((r, i) => [
    { order: i, assumption: r.assumption, end: 'low end', from: r.base, to: r.low, label: usd(r.low) },
    { order: i, assumption: r.assumption, end: 'high end', from: r.base, to: r.high, label: usd(r.high) },
  ]);
  return {
    id,
    title: `Hybrid all-in saving ${column}, one assumption at a time`,
    spec: {
      width: 560,
      height: { step: 24 },
      config: CONFIG,
      data: { values },
      encoding: {
        y: {
          field: 'assumption',
          type: 'nominal',
          sort: { field: 'order' },
          title: null,
          axis: { labelLimit: 300 },
        },
      },
      layer: [
        {
          mark: { type: 'bar', height: 14 },
          encoding: {
            x: {
              field: 'from',
              type: 'quantitative',
              title: `saving ${column} (below 0: hybrid costs more)`,
              axis: { format: '$,.0f' },
              // Room at both ends for the value labels.
              scale: { zero: true, nice: true, padding: 40 },
            },
            x2: { field: 'to' },
            color: {
              field: 'end',
              type: 'nominal',
              scale: { domain: ['low end', 'high end'], range: [PALETTE[0]!, PALETTE[1]!] },
              title: 'range end',
              legend: { orient: 'top' },
            },
          },
        },
        ...(['right', 'left'] as const).map((align) => ({
          transform: [{ filter: align === 'right' ? 'datum.to < datum.from' : 'datum.to >= datum.from' }],
          mark: {
            type: 'text' as const,
            fontSize: 10,
            align,
            dx: align === 'right' ? -4 : 4,
            color: '#1f2933',
            baseline: 'middle' as const,
          },
          encoding: { x: { field: 'to', type: 'quantitative' as const }, text: { field: 'label' } },
        })),
        {
          data: { values: [{ x: 0, what: 'verdict flips' }] },
          mark: { type: 'rule', color: '#c92a2a', strokeWidth: 2 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, y2: { value: 'height' } },
        },
        {
          data: { values: [{ x: base }] },
          mark: { type: 'rule', color: '#1f2933', strokeDash: [4, 3] },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, y2: { value: 'height' } },
        },
      ],
    },
    columns: ['Assumption', 'Range', 'Low', 'Base', 'High'],
    rows: rows.map((r) => [r.assumption, r.range, Math.round(r.low), Math.round(r.base), Math.round(r.high)]),
  };
}

export interface DifferencePoint {
  metric: string;
  /** Hybrid minus pure API, in percentage points. */
  points: number;
  low: number;
  high: number;
}

/** Hybrid minus pure API per quality metric, in points, with its 95% interval; zero marked. */
export function differenceChart(id: string, points: readonly DifferencePoint[]): ChartSpec {
  const bound = Math.max(1, ...points.flatMap((p) => [Math.abs(p.low), Math.abs(p.high)])) * 1.15;
  return {
    id,
    title: 'Quality: hybrid minus pure API, with its 95% interval',
    spec: {
      width: 560,
      height: { step: 34 },
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p, label: signed(p.points) })) },
      encoding: {
        y: { field: 'metric', type: 'nominal', title: null, sort: null, axis: { labelLimit: 300 } },
      },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2, color: PALETTE[0]! },
          encoding: {
            x: {
              field: 'low',
              type: 'quantitative',
              title: 'percentage points (above 0: hybrid better)',
              scale: { domain: [-bound, bound] },
            },
            x2: { field: 'high' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 80, color: PALETTE[0]! },
          encoding: { x: { field: 'points', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', dy: -12, fontSize: 11, color: '#1f2933' },
          encoding: { x: { field: 'points', type: 'quantitative' }, text: { field: 'label' } },
        },
        {
          data: { values: [{ x: 0 }] },
          mark: { type: 'rule', color: '#5f6b7a', strokeDash: [4, 3] },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, y2: { value: 'height' } },
        },
      ],
    },
    columns: ['Metric', 'Hybrid − pure API (points)', '95% low', '95% high'],
    rows: points.map((p) => [p.metric, p.points, p.low, p.high]),
  };
}

/** A two-proportion difference in points with its normal-approximation 95% interval. */
export function proportionDifference(
  metric: string,
  a: { hits: number; n: number },
  b: { hits: number; n: number },
): DifferencePoint {
  const pa = a.n ? a.hits / a.n : 0;
  const pb = b.n ? b.hits / b.n : 0;
  const se = Math.sqrt((a.n ? (pa * (1 - pa)) / a.n : 0) + (b.n ? (pb * (1 - pb)) / b.n : 0));
  const d = (pa - pb) * 100;
  return { metric, points: d, low: d - 1.96 * se * 100, high: d + 1.96 * se * 100 };
}

function usd(value: number): string {
  const abs = Math.abs(value);
  const text = abs >= 1000 ? `$${(abs / 1000).toFixed(abs >= 10_000 ? 0 : 1)}k` : `$${abs.toFixed(0)}`;
  return value < 0 ? `-${text}` : text;
}

function signed(points: number): string {
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)} pts`;
}
