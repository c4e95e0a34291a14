import type { RecordedQuality } from '../sim/recorded-quality.js';
import type { ChartSpec } from './chart-specs.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
/** Colour-blind-safe (Okabe–Ito) series colours. */
const SERIES = {
  domain: ['configured', 'structural-only', 'task-weighted', 'random router', 'oracle'],
  range: ['#0072B2', '#E69F00', '#009E73', '#999999', '#CC79A7'],
};

/**
 * RouteLLM's curve: accuracy against the share of requests that called the API, one line per scoring
 * variant (each point a re-run of the router at one threshold), the random router's straight line from
 * all-local to all-API, and the oracle's point. Both axes run from 0 to 100%.
 */
export function qualityCurveChart(id: string, quality: RecordedQuality): ChartSpec {
  const lines = quality.sweep.flatMap((variant) =>
    variant.points.map((p) => ({
      series: variant.name,
      share: p.strongShare,
      accuracy: p.accuracy,
      threshold: p.threshold === null ? 'all API' : String(p.threshold),
    })),
  );
  const random = [
    { series: 'random router', share: 0, accuracy: quality.allLocal, threshold: '' },
    { series: 'random router', share: 1, accuracy: quality.allApi, threshold: '' },
  ];
  const oracle = [
    {
      series: 'oracle',
      share: quality.oracle.strongShare,
      accuracy: quality.oracle.accuracy,
      threshold: '',
    },
  ];
  const x = {
    field: 'share',
    type: 'quantitative' as const,
    title: 'share of requests calling the API',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  const y = {
    field: 'accuracy',
    type: 'quantitative' as const,
    title: 'accuracy (recorded labels)',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  const color = {
    field: 'series',
    type: 'nominal',
    scale: SERIES,
    title: null,
    legend: { orient: 'top' },
  } as const;
  return {
    id,
    title: 'Accuracy against API share (threshold sweep)',
    spec: {
      width: 520,
      height: 300,
      config: { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 } },
      layer: [
        {
          data: { values: [...lines, ...random] },
          mark: { type: 'line', point: { filled: true, size: 40 } },
          encoding: {
            x,
            y,
            color,
            strokeDash: {
              condition: { test: "datum.series === 'random router'", value: [4, 4] },
              value: [1, 0],
            },
            tooltip: [
              { field: 'series' },
              { field: 'threshold' },
              { field: 'share', format: '.1%' },
              { field: 'accuracy', format: '.1%' },
            ],
          },
        },
        {
          data: { values: oracle },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 120 },
          encoding: { x, y, color },
        },
      ],
    },
    columns: ['Variant', 'Threshold', 'API share', 'Accuracy'],
    rows: [...lines, ...oracle].map((p) => [p.series, p.threshold, p.share, p.accuracy]),
  };
}
