// What every chart shares: the spec shape, the look (fonts, palette, tier colours) and the narrow-screen
// variant.
import type { TopLevelSpec } from 'vega-lite';

/** A chart: its vega-lite spec and the rows it plots (shown as a table beside it). */
export interface ChartSpec {
  id: string;
  title: string;
  spec: TopLevelSpec;
  columns: string[];
  rows: (string | number)[][];
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
/** Shared look: system fonts only (nothing to download), no chart border, labels never cut short. */
export const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, labelLimit: 320 },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 320 },
} as const;
/**
 * Okabe–Ito: distinguishable for the common colour-vision deficiencies, and each dark enough to read on
 * white paper in greyscale (no pale tints).
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
export const TIER_COLORS = {
  domain: ['LOCAL_FAST', 'LOCAL_QUALITY', 'API_FALLBACK'],
  range: ['#009E73', '#0072B2', '#D55E00'],
};

/**
 * The same chart for a narrow screen: every width scaled so that, shrunk to a phone's width, its text stays
 * at its set size. The report carries both and CSS shows one.
 */
export function narrowed(chart: ChartSpec, factor = 0.42): TopLevelSpec {
  const walk = (value: unknown, key = ''): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object') {
      const entries = Object.entries(value).map(([k, v]) => [
        k,
        k === 'width' && typeof v === 'number'
          ? Math.round(v * factor)
          : k === 'title' && typeof v === 'string'
            ? lines(v)
            : walk(v, k),
      ]);
      const out = Object.fromEntries(entries) as Record<string, unknown>;
      // Legends stack under the chart, one entry a line, and labels wrap at a phone's width.
      if (key === 'legend') return { ...out, orient: 'bottom', direction: 'vertical', labelLimit: 240 };
      return out;
    }
    return value;
  };
  const spec = walk(chart.spec) as Record<string, unknown>;
  // Side-by-side panels go one above the other, each at the narrow width with its own labels.
  if (Array.isArray(spec.hconcat)) {
    spec.vconcat = (spec.hconcat as Record<string, unknown>[]).map((panel) => {
      const encoding = { ...(panel.encoding as Record<string, unknown>) };
      const y = { ...(encoding.y as Record<string, unknown>) };
      delete y.axis;
      return { ...panel, width: Math.round(560 * factor), encoding: { ...encoding, y } };
    });
    delete spec.hconcat;
  }
  return spec as unknown as TopLevelSpec;
}

/** A title over about 22 characters, broken at spaces into lines (vega-lite draws an array as lines). */
function lines(title: string, max = 22): string | string[] {
  if (title.length <= max) return title;
  const out: string[] = [];
  let line = '';
  for (const word of title.split(' ')) {
    if (line && (line + ' ' + word).length > max) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
