import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { projectFile } from '../core/project-files.js';
import { barChart, latencyChart, narrowed, tierScatterChart, type ChartSpec } from '../report/chart-specs.js';
import { formatDuration } from '../report/format-numbers.js';
import { renderChart } from '../report/render-chart.js';
import { toolVersion } from '../version.js';
import type { BenchSummary } from './bench-summary.js';

const TEMPLATES = projectFile('src/report/templates');

async function chartView(
  chart: ChartSpec,
): Promise<{ chart: ChartSpec; svg: string; narrowSvg: string; rows: string[][] }> {
  return {
    chart,
    svg: await renderChart(chart),
    narrowSvg: await renderChart({ ...chart, spec: narrowed(chart) }, 'narrow'),
    rows: chart.rows.map((row) =>
      row.map((v) => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v)),
    ),
  };
}

/** The bench report: same machinery as the savings report (handlebars, vega-lite → inline SVG). */
export async function renderBenchReport(
  summary: BenchSummary,
  options: { synthetic?: boolean } = {},
): Promise<string> {
  const hbs = Handlebars.create();
  const read = (name: string): string => readFileSync(join(TEMPLATES, name), 'utf8');
  hbs.registerPartial('chart', read('chart.hbs'));
  const template = hbs.compile(read('bench.hbs'));
  const models = summary.models;
  return template({
    css: read('report.css'),
    version: toolVersion(),
    hardware: summary.hardware,
    settings: summary.settings,
    interrupted: summary.interrupted,
    synthetic: options.synthetic ?? false,
    definitions: summary.definitions,
    models,
    rows: models.map((m) => [
      m.model,
      formatDuration(m.ttftMs.p50),
      formatDuration(m.ttftMs.p95),
      formatDuration(m.tpotMs.p50),
      formatDuration(m.e2eMs.p50),
      formatDuration(m.e2eMs.p95),
      formatDuration(m.e2eMs.p99),
      formatDuration(m.e2eMs.stddev),
      m.loadMs.cold === null ? '–' : formatDuration(m.loadMs.cold),
    ]),
    latency: await chartView(
      latencyChart(
        'bench-latency',
        models.map((m) => ({
          model: m.model,
          tier: m.tier,
          p50: m.e2eMs.p50,
          p95: m.e2eMs.p95,
          p99: m.e2eMs.p99,
        })),
      ),
    ),
    tokens: await chartView(
      barChart(
        'bench-tokens',
        'Output tokens/s per request (p50, client side)',
        models.map((m) => ({ label: m.model, value: m.tokensPerSecond.p50 })),
        'tokens per second',
        ',.1f',
      ),
    ),
    quality: await chartView(
      tierScatterChart(
        'bench-quality',
        'Quality vs latency per model',
        models.map((m) => {
          const passed = Object.values(m.quality).reduce((s, q) => s + (q.passRate ?? 0) * q.requests, 0);
          return { model: m.model, tier: m.tier, x: m.e2eMs.p50, y: m.requests ? passed / m.requests : 0 };
        }),
        'end-to-end latency p50 (ms)',
        ',.0f',
      ),
    ),
  });
}
