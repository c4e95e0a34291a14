import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from './chart-specs.js';

/**
 * Compiles a vega-lite spec and renders it to SVG in Node (no browser, no canvas): the report inlines the
 * markup, so it needs no script, font or network. Same spec, same bytes.
 */
export async function renderChart(chart: ChartSpec, variant = 'wide'): Promise<string> {
  const view = new View(parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Accessible name; the chart id lets tests and readers find it.
    return svg.replace(
      '<svg ',
      `<svg role="img" aria-label="${chart.title.replace(/[<>&"]/g, '')}" data-chart="${chart.id}" data-variant="${variant}" `,
    );
  } finally {
    view.finalize();
  }
}
