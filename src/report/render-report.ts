import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError } from '../config/config-error.js';
import { TIERS } from '../router/types.js';
import { parseScenario } from '../sim/load-scenario.js';
import type { MonteCarlo } from '../sim/monte-carlo.js';
import type { Summary } from '../sim/summary.js';
import { toolVersion } from '../version.js';
import { tierChart, type ChartSpec } from './chart-specs.js';
import { formatCurrency, formatInteger, formatPercent } from './format-numbers.js';
import { renderChart } from './render-chart.js';
import { pct, runView, type LoadedRun, type RunView } from './report-model.js';

const TEMPLATES = new URL('./templates/', import.meta.url);
const PARTIALS = [
  'chart',
  'summary',
  'projection',
  'tiers',
  'latency',
  'cost-quality',
  'quality',
  'fallback',
  'capacity',
  'assumptions',
] as const;
const CHART_KEYS = [
  'projection',
  'latency',
  'costQuality',
  'confidence',
  'checks',
  'passTier',
  'chains',
] as const;

let compiled: { layout: Handlebars.TemplateDelegate; css: string } | undefined;

/** Templates are compiled once per process; HTML escaping stays on (the default) for every value. */
function templates(): { layout: Handlebars.TemplateDelegate; css: string } {
  if (!compiled) {
    const hbs = Handlebars.create();
    const read = (name: string): string => readFileSync(new URL(name, TEMPLATES), 'utf8');
    for (const name of PARTIALS)
      hbs.registerPartial(
        name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()),
        read(`${name}.hbs`),
      );
    compiled = { layout: hbs.compile(read('layout.hbs'), { strict: false }), css: read('report.css') };
  }
  return compiled;
}

/**
 * Reads a run folder written by `hybridllm simulate`. `name` labels it in the report (default: the folder's
 * name), so a report rendered while the folder is still being written reads the same as one rendered later.
 */
export function loadRun(dir: string, name = basename(dir)): LoadedRun {
  const file = join(dir, 'summary.json');
  if (!existsSync(file))
    throw new ConfigError(
      `${dir}: no summary.json here; expected a run folder written by hybridllm simulate (reports/<run-id>/).`,
      dir,
    );
  let summary: Summary;
  try {
    summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message}).`, file);
  }
  if (summary?.tool?.name !== 'hybridllm' || !summary.hybrid || !summary.cost)
    throw new ConfigError(`${file}: not a hybridllm run summary (missing tool, hybrid or cost).`, file);
  const mcFile = join(dir, 'monte-carlo.json');
  let monteCarlo: MonteCarlo | undefined;
  if (existsSync(mcFile))
    try {
      monteCarlo = JSON.parse(readFileSync(mcFile, 'utf8')) as MonteCarlo;
    } catch (error) {
      throw new ConfigError(`${mcFile}: not valid JSON (${(error as Error).message}).`, mcFile);
    }
  return { dir, name, summary, ...(monteCarlo ? { monteCarlo } : {}) };
}

function scenarioActions(dir: string): RunView['actions'] {
  const file = join(dir, 'scenario.yaml');
  if (!existsSync(file)) return [];
  const scenario = parseScenario(readFileSync(file, 'utf8'), file);
  const total = Object.values(scenario.actions).reduce((sum, a) => sum + a.share, 0);
  return Object.entries(scenario.actions).map(([action, a]) => ({
    action,
    share: formatPercent((a.share / total) * 100),
    expects: a.expects,
    input: `${formatInteger(a.input_tokens.mean)} ± ${formatInteger(a.input_tokens.sd)}`,
    output: `${formatInteger(a.output_tokens.mean)} ± ${formatInteger(a.output_tokens.sd)}`,
  }));
}

const cell = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

async function chartView(chart: ChartSpec): Promise<{ chart: ChartSpec; svg: string; rows: string[][] }> {
  return {
    chart,
    svg: await renderChart(chart),
    rows: chart.rows.map((row) => row.map((v) => (typeof v === 'number' ? cell.format(v) : v))),
  };
}

/**
 * The savings report for one or more run folders: one self-contained HTML file (inline CSS and SVG, no
 * script, no font or network request), a pure function of the runs — the same runs give the same bytes.
 */
export async function renderReport(runs: readonly LoadedRun[]): Promise<string> {
  if (runs.length === 0) throw new ConfigError('no run folders given');
  const views = runs.map((run, i) => runView(run, i, scenarioActions(run.dir)));
  const rendered = [];
  for (const view of views) {
    const charts: Record<string, Awaited<ReturnType<typeof chartView>>> = {};
    for (const [i, key] of CHART_KEYS.entries()) charts[key] = await chartView(view.charts[i]!);
    const curve = view.quality.recorded?.curve;
    rendered.push({ ...view, charts, ...(curve ? { qualityCurve: await chartView(curve) } : {}) });
  }
  const tierPoints = runs.flatMap((run) =>
    TIERS.map((tier) => ({
      scenario: run.summary.run.scenario,
      tier,
      calls: run.summary.hybrid.byTier[tier].calls,
      costUsd: run.summary.hybrid.byTier[tier].costUsd,
    })),
  );
  const comparison =
    runs.length > 1
      ? runs.map(({ summary: s }) => ({
          name: s.run.scenario,
          requests: formatInteger(s.hybrid.requests),
          local: formatPercent(pct(s.hybrid.localServed, s.hybrid.requests)),
          fallback: formatPercent(pct(s.hybrid.fallbacks, s.hybrid.requests)),
          pass: formatPercent(pct(s.hybrid.passed, s.hybrid.requests)),
          hybrid: formatCurrency(s.cost.hybrid.marginal.perYear),
          api: formatCurrency(s.cost.pureApi.perYear),
          savings: formatPercent(s.cost.savings.marginalPct),
        }))
      : undefined;
  const { layout, css } = templates();
  const names = runs.map((r) => r.summary.run.scenario);
  return layout({
    title:
      runs.length === 1
        ? `hybridllm savings report — ${names[0]}`
        : `hybridllm savings report — ${names.join(', ')}`,
    subtitle:
      'What routing each request to the cheapest tier that can do it — local models first, the API as fallback — would cost, against sending everything to the API.',
    css,
    version: toolVersion(),
    runs: rendered,
    tierChart: await chartView(tierChart('tiers', tierPoints)),
    comparison,
  });
}

export async function renderReportFromDirs(dirs: readonly string[]): Promise<string> {
  return renderReport(dirs.map((dir) => loadRun(dir)));
}
