import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  barChart,
  confidenceChart,
  costQualityChart,
  latencyChart,
  narrowed,
  projectionChart,
  tierChart,
} from '../src/report/chart-specs.js';
import {
  formatCurrency,
  formatCurrencyPrecise,
  formatDuration,
  formatInteger,
  formatPercent,
} from '../src/report/format-numbers.js';
import { renderChart } from '../src/report/render-chart.js';
import { loadRun, renderReport, renderReportFromDirs } from '../src/report/render-report.js';
import { monthlySeries } from '../src/report/report-model.js';
import { simulate } from '../src/sim/simulate.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { PLANTED_SCRIPT, plantedRun } from './helpers/planted-run.js';
import { tempDir } from './helpers/temp.js';

describe('number formatting for people', () => {
  it('currency with cents and thousands separators, small amounts with more digits', () => {
    expect(formatCurrency(1591.149975)).toBe('$1,591.15');
    expect(formatCurrency(0)).toBe('$0.00');
    expect(formatCurrency(0.0042)).toBe('$0.0042');
    expect(formatCurrency(-284.44)).toBe('-$284.44');
    expect(formatCurrencyPrecise(0.135)).toBe('$0.135');
    expect(formatCurrencyPrecise(13.5)).toBe('$13.50');
  });
  it('percentages, integers and durations', () => {
    expect(formatPercent(70)).toBe('70.0%');
    expect(formatPercent(99.4251, 2)).toBe('99.43%');
    expect(formatInteger(182334)).toBe('182,334');
    expect(formatDuration(658.4)).toBe('658 ms');
    expect(formatDuration(2120)).toBe('2.12 s');
    expect(formatDuration(4.25)).toBe('4.3 ms');
  });
});

describe('chart specs', () => {
  it('projection: three series per month, in month order, with the data as rows', () => {
    const chart = projectionChart('p', [
      { month: 'Jan 26', hybrid: 4, hybridAllIn: 54, pureApi: 13.5 },
      { month: 'Feb 26', hybrid: 3.6, hybridAllIn: 53.6, pureApi: 12.2 },
    ]);
    const values = (
      chart.spec.data as { values: { month: string; series: string; usd: number; order: number }[] }
    ).values;
    expect(values).toHaveLength(6);
    expect(values.filter((v) => v.series === 'Pure API').map((v) => v.usd)).toEqual([13.5, 12.2]);
    expect(chart.rows).toEqual([
      ['Jan 26', 13.5, 4, 54],
      ['Feb 26', 12.2, 3.6, 53.6],
    ]);
    expect(JSON.stringify(chart.spec)).toContain('"sort":{"field":"order"}');
  });
  it('tiers stack in tier order, not alphabetically', () => {
    const chart = tierChart('t', [
      { scenario: 'heavy', tier: 'API_FALLBACK', calls: 30, costUsd: 1 },
      { scenario: 'heavy', tier: 'LOCAL_FAST', calls: 20, costUsd: 0 },
    ]);
    const values = (chart.spec.data as { values: { tier: string; order: number }[] }).values;
    expect(values.map((v) => [v.tier, v.order])).toEqual([
      ['API_FALLBACK', 2],
      ['LOCAL_FAST', 0],
    ]);
  });
  it('cost vs quality: zero-based bars of API fees per 1,000 calls and the share passing, not a squashed scatter', () => {
    const chart = costQualityChart('c', [
      { model: 'a', tier: 'API_FALLBACK', costPerCallUsd: 0.01, passRate: 0.98, calls: 5 },
      { model: 'b', tier: 'LOCAL_FAST', costPerCallUsd: 0, passRate: 0.96, calls: 5 },
    ]);
    const spec = JSON.stringify(chart.spec);
    expect(spec).toContain('"hconcat"');
    expect(spec).toContain('"domain":[0,1]');
    expect(spec).not.toContain('$.4f');
    expect((chart.spec as { data: { values: { per1000: number }[] } }).data.values[0]!.per1000).toBe(10);
  });
  it('counts start at zero on a linear axis with value labels; colours stay dark enough to print', () => {
    const chart = confidenceChart('h', [5, 0, 177_189], 0.7);
    const spec = JSON.stringify(chart.spec);
    expect(spec).not.toContain('symlog');
    expect(spec).toContain('"zero":true');
    expect(spec).toContain('"text":{"field":"count"');
    const latency = JSON.stringify(
      latencyChart('l', [{ model: 'm', tier: 'LOCAL_FAST', p50: 1, p95: 2, p99: 3 }]).spec,
    );
    expect(latency).not.toMatch(/#d0ebff|#74c0fc/i);
    expect(latency).toContain('"labelLimit":320');
  });
  it('the narrow variant stacks legends and panels and scales widths for a phone', () => {
    const chart = costQualityChart('c', [
      { model: 'a', tier: 'API_FALLBACK', costPerCallUsd: 0.01, passRate: 0.98, calls: 5 },
    ]);
    const narrow = narrowed(chart) as unknown as { vconcat: { width: number }[]; hconcat?: unknown };
    expect(narrow.hconcat).toBeUndefined();
    expect(narrow.vconcat.map((p) => p.width)).toEqual([235, 235]);
    expect(JSON.stringify(narrow)).toContain('"orient":"bottom"');
  });
  it('renders to SVG with marks, deterministically', async () => {
    const chart = barChart(
      'b',
      'Counts',
      [
        { label: 'format', value: 3 },
        { label: 'coherence', value: 5 },
      ],
      'answers',
    );
    const svg = await renderChart(chart);
    expect(svg).toMatch(/^<svg role="img" aria-label="Counts" data-chart="b" /);
    expect(svg).toMatch(/class="mark-rect/);
    expect(await renderChart(chart)).toBe(svg);
  });
});

describe('the savings report', () => {
  it('has every section, one <svg> per chart, escapes recorded prompts, and re-renders to the same bytes', async () => {
    const dir = await plantedRun();
    const written = readFileSync(join(dir, 'report.html'), 'utf8');
    const html = await renderReportFromDirs([dir]);
    expect(html).toBe(written); // simulate wrote it; rendering again from the folder gives the same bytes
    for (const id of [
      'summary',
      'confidence',
      'deploy',
      'costs',
      'scorecard',
      'tiers',
      'latency',
      'cost-quality',
      'quality',
      'fallback',
      'models',
      'assumptions',
      'glossary',
    ])
      expect(html).toMatch(new RegExp(`<section id="${id}"`));
    const charts = [...html.matchAll(/<figure class="chart" id="([^"]+)">/g)].map((m) => m[1]);
    expect(charts).toHaveLength(11);
    // Each chart twice: at its width, and narrower for phones.
    expect(html.match(/<svg /g)).toHaveLength(charts.length * 2);
    for (const id of charts)
      expect(html).toMatch(
        new RegExp(
          `<figure class="chart" id="${id}">\\s*<figcaption>[^<]+</figcaption>\\s*<div class="wide"><svg [^>]*data-variant="wide"[\\s\\S]*?<div class="narrow"><svg [^>]*data-variant="narrow"`,
        ),
      );
    expect(html).not.toContain(PLANTED_SCRIPT);
    expect(html).toContain('&lt;script&gt;window.__planted');
    expect(html).not.toMatch(/<script|src="http|href="http|@import|url\(/);
    expect(html).toContain('@media print');
    expect(html).toContain('@media (max-width: 600px)');
  });

  it('several run folders give one comparative report', async () => {
    const out = tempDir();
    const dirs: string[] = [];
    for (const scenario of ['light', 'heavy']) {
      const { runDir } = await simulate({
        configFile: PROJECT_CONFIG,
        scenario,
        days: 3,
        out,
        parallel: false,
        command: 'test',
      });
      dirs.push(runDir!);
    }
    const html = await renderReport(dirs.map((d) => loadRun(d)));
    // One comparison up front; each scenario's detail collapsed below it.
    expect(html.match(/<table class="comparison">/g)).toHaveLength(1);
    expect(html.match(/<details class="run-detail"/g)).toHaveLength(2);
    expect(html.indexOf('id="comparison-volume"')).toBeLessThan(html.indexOf('<details class="run-detail"'));
    const { code, stdout } = await runCli(['report', ...dirs, '--out', join(out, 'comparison.html')]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(join(out, 'comparison.html'));
    expect(readFileSync(join(out, 'comparison.html'), 'utf8')).toBe(html);
  });

  it('a folder without a summary gets a clear error and exit 2', async () => {
    const { code, stderr } = await runCli(['report', tempDir()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no summary\.json here; expected a run folder written by hybridllm simulate/);
  });

  it('projects a short run onto twelve calendar months', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'design-doc',
      days: 10,
      out: false,
      parallel: false,
    });
    const { months, projected } = monthlySeries(summary);
    expect(projected).toBe(true);
    expect(months.map((m) => m.month)).toEqual([
      'Jan 26',
      'Feb 26',
      'Mar 26',
      'Apr 26',
      'May 26',
      'Jun 26',
      'Jul 26',
      'Aug 26',
      'Sep 26',
      'Oct 26',
      'Nov 26',
      'Dec 26',
    ]);
    expect(months[1]!.pureApi / months[0]!.pureApi).toBeCloseTo(28 / 31, 10);
  });
});
