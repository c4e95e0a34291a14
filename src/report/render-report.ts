import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError } from '../config/config-error.js';
import { projectFile } from '../core/project-files.js';
import { parseScenario } from '../sim/load-scenario.js';
import type { MonteCarlo } from '../sim/monte-carlo.js';
import type { Summary } from '../sim/summary.js';
import { toolVersion } from '../version.js';
import { narrowed, type ChartSpec } from './chart-specs.js';
import { comparisonRows, comparisonSentence, costVolumeChart } from './comparison-view.js';
import { formatInteger, formatPercent } from './format-numbers.js';
import { GLOSSARY } from './glossary.js';
import { renderChart } from './render-chart.js';
import { runView, type LoadedRun, type RunView } from './report-model.js';
import { verdictComparison } from './verdict-view.js';

const TEMPLATES = projectFile('src/report/templates');
const PARTIALS = [
  'chart',
  'run',
  'verdict',
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
  'overview',
  'glossary',
] as const;

let compiled: { layout: Handlebars.TemplateDelegate; css: string } | undefined;

/** Templates are compiled once per process; HTML escaping stays on (the default) for every value. */
function templates(): { layout: Handlebars.TemplateDelegate; css: string } {
  if (!compiled) {
    const hbs = Handlebars.create();
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
    const read = (name: string): string => readFileSync(join(TEMPLATES, name), 'utf8');
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

export interface RenderedChart {
  chart: ChartSpec;
  /** At the set width, for screens and paper. */
  svg: string;
  /** Narrower, so that on a phone its text stays readable. */
  narrowSvg: string;
  rows: string[][];
}

async function chartView(chart: ChartSpec): Promise<RenderedChart> {
  return {
    chart,
    svg: await renderChart(chart),
    narrowSvg: await renderChart({ ...chart, spec: narrowed(chart) }, 'narrow'),
    rows: chart.rows.map((row) => row.map((v) => (typeof v === 'number' ? cell.format(v) : v))),
  };
}

async function renderCharts(
  charts: Record<string, ChartSpec | undefined>,
): Promise<Record<string, RenderedChart | undefined>> {
  const out: Record<string, RenderedChart | undefined> = {};
  for (const [key, chart] of Object.entries(charts)) out[key] = chart ? await chartView(chart) : undefined;
  return out;
}

/**
 * The savings report for one or more run folders: one self-contained HTML file (inline CSS and SVG, no
 * script, no font or network request), a pure function of the runs — the same runs give the same bytes.
 * One run: verdict first, then how sure, what to deploy, costs and the detail. Several: one comparison
 * (one chart, one table, shared scales) with each run's detail collapsed below it.
 */
export async function renderReport(runs: readonly LoadedRun[]): Promise<string> {
  if (runs.length === 0) throw new ConfigError('no run folders given');
  const comparative = runs.length > 1;
  const views = runs.map((run, i) => runView(run, i, scenarioActions(run.dir), comparative));
  const rendered = [];
  for (const view of views) {
    const curve = view.quality.recorded?.curve;
    rendered.push({
      ...view,
      charts: await renderCharts(view.charts),
      ...(curve ? { qualityCurve: await chartView(curve) } : {}),
    });
  }
  const summaries = runs.map((r) => r.summary);
  const overview = comparative
    ? {
        lead: comparisonSentence(summaries),
        sentences: views.map((v) => ({ name: v.name, sentence: v.headline.sentence, tone: v.headline.tone })),
        rows: comparisonRows(summaries),
        volume: await chartView(costVolumeChart('comparison-volume', summaries)),
        breakEvenNote: breakEvenNote(summaries),
      }
    : undefined;
  const { layout, css } = templates();
  const names = runs.map((r) => r.summary.run.scenario);
  return layout({
    title:
      runs.length === 1
        ? `hybridllm savings report — ${names[0]}`
        : `hybridllm savings report — ${names.join(', ')}`,
    subtitle:
      'What routing each request to the cheapest tier that can do it — local models first, the API as fallback — would cost all-in, against the cheapest way of sending everything to the API.',
    css,
    version: toolVersion(),
    single: comparative ? undefined : rendered[0],
    // One banner when every run has the same basis; one per run otherwise.
    banners: [...new Set(views.map((v) => v.banner.text))].map((text) => ({
      text,
      kind: views.find((v) => v.banner.text === text)!.banner.kind,
      runs: views.every((v) => v.banner.text === text)
        ? 'All scenarios'
        : views
            .filter((v) => v.banner.text === text)
            .map((v) => v.name)
            .join(', '),
    })),
    runs: rendered,
    overview,
    glossary: GLOSSARY,
  });
}

/** Why the scenarios' break-even volumes differ, in one sentence. */
function breakEvenNote(summaries: readonly Summary[]): string {
  const points = summaries
    .map((s) => {
      const c = verdictComparison(s).c;
      return c.breakEvenIterationsPerDay === null
        ? `${s.run.scenario} never`
        : `${s.run.scenario} ${formatInteger(Math.ceil(c.breakEvenIterationsPerDay))}`;
    })
    .join(', ');
  return `Break-even volumes (${points} a day) differ because each scenario's mix of actions costs a different amount per iteration, on the API and locally; the hardware's fixed cost is the same.`;
}

export async function renderReportFromDirs(dirs: readonly string[]): Promise<string> {
  return renderReport(dirs.map((dir) => loadRun(dir)));
}
