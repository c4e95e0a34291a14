import { readFileSync } from 'node:fs';
import { projectFile } from '../core/project-files.js';
import { CONFIG, PALETTE, type ChartSpec } from '../report/chart-specs.js';
import { renderChart } from '../report/render-chart.js';
import type { SweepResult } from './sweep-types.js';

const CSS = projectFile('src/report/templates/report.css');

const escape = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Latency against throughput, one point per concurrency level, as GuideLLM and vLLM plot a sweep. */
export function sweepChart(result: SweepResult): ChartSpec {
  const series = ['TTFT p95', 'E2E p50', 'E2E p95'] as const;
  const values = result.steps.flatMap((s) =>
    series.map((name) => ({
      name,
      concurrency: s.concurrency,
      throughput: s.requestsPerS,
      ms: name === 'TTFT p95' ? s.ttftMs.p95 : name === 'E2E p50' ? s.e2eMs.p50 : s.e2eMs.p95,
    })),
  );
  return {
    id: 'sweep',
    title: `${result.model}: latency against throughput, by concurrency`,
    spec: {
      width: 560,
      height: 260,
      config: CONFIG,
      data: { values },
      encoding: {
        x: { field: 'throughput', type: 'quantitative', title: 'requests per second', scale: { zero: true } },
        y: { field: 'ms', type: 'quantitative', title: 'milliseconds', scale: { zero: true } },
        color: {
          field: 'name',
          type: 'nominal',
          scale: { domain: [...series], range: PALETTE.slice(0, 3) },
          title: null,
          legend: { orient: 'top' },
        },
      },
      layer: [
        { mark: { type: 'line', point: true } },
        {
          transform: [{ filter: "datum.name === 'E2E p95'" }],
          mark: { type: 'text', dy: -10, fontSize: 11, color: '#1f2933' },
          encoding: { text: { field: 'concurrency', format: 'd' } },
        },
      ],
    },
    columns: ['Concurrency', 'Metric', 'Requests/s', 'ms'],
    rows: values.map((v) => [v.concurrency, v.name, v.throughput, v.ms]),
  };
}

/** sweep.html: the chart and the table, self-contained like the other reports. */
export async function renderSweepReport(result: SweepResult): Promise<string> {
  const svg = await renderChart(sweepChart(result));
  const rows = result.steps
    .map(
      (s) =>
        `<tr><td>${s.concurrency}</td><td>${s.requests}</td><td>${s.errors}</td><td>${s.requestsPerS.toFixed(2)}</td><td>${s.outputTokensPerS.toFixed(1)}</td><td>${Math.round(s.ttftMs.p50)}</td><td>${Math.round(s.ttftMs.p95)}</td><td>${Math.round(s.tpotMs.p50)}</td><td>${Math.round(s.e2eMs.p50)}</td><td>${Math.round(s.e2eMs.p95)}</td><td>${s.goodputPerS.toFixed(2)}</td></tr>`,
    )
    .join('');
  const c = result.capacity;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hybridllm bench --sweep — ${escape(result.model)}</title><style>${readFileSync(CSS, 'utf8')}</style></head>
<body><header><h1>bench --sweep — ${escape(result.model)}</h1><p class="sub">Stopped because ${escape(result.stopped)}. Goodput: requests per second with TTFT ≤ ${result.slo.ttftMs} ms${result.slo.e2eMs === null ? '' : ` and end to end ≤ ${result.slo.e2eMs} ms`}.</p></header>
<main><figure class="chart" id="sweep"><figcaption>Latency against throughput</figcaption><div class="wide">${svg}</div></figure>
<table><thead><tr><th>Concurrency</th><th>Requests</th><th>Errors</th><th>Requests/s</th><th>Output tokens/s</th><th>TTFT p50 (ms)</th><th>TTFT p95</th><th>TPOT p50</th><th>E2E p50</th><th>E2E p95</th><th>Goodput/s</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Fitted capacity profile</h2><p>max_concurrency ${c.max_concurrency}; decode per sequence ${c.decode.map((p) => `${p.tokens_per_s} tokens/s at ${p.sequences}`).join(', ')}; prefill ${c.prefill.map((p) => `${p.tokens_per_s} tokens/s at ${p.sequences}`).join(', ')}. Written to profiles.yaml.</p></main></body></html>
`;
}
