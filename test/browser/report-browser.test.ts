import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureReportViews, launch, pdfText, requireTools, VIEWPORTS } from '../../scripts/report-views.js';
import { comparisonSentence } from '../../src/report/comparison-view.js';
import { headline } from '../../src/report/verdict-view.js';
import { simulate } from '../../src/sim/simulate.js';
import type { Summary } from '../../src/sim/summary.js';
import { runCli } from '../helpers/cli.js';
import { PROJECT_CONFIG } from '../helpers/config.js';
import { plantedRun } from '../helpers/planted-run.js';
import { tempDir } from '../helpers/temp.js';
import { writeMooncakeTrace } from '../helpers/mooncake-trace.js';

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

const runs: { dir: string; summary: Summary }[] = [];

beforeAll(async () => {
  requireTools();
  const out = tempDir();
  for (const scenario of ['light', 'heavy']) {
    const { runDir, summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario,
      days: 31,
      out,
      parallel: false,
      command: `hybridllm simulate --scenario ${scenario} --days 31`,
    });
    runs.push({ dir: runDir!, summary });
  }
}, 120_000);

describe('the report in a real browser (Debian chromium, headless), on a laptop, a phone and A4', () => {
  it('leads with the verdict and the all-in figure, fits a phone, and prints its monthly table', async () => {
    const { dir, summary } = runs[1]!;
    const { views, pdf } = await captureReportViews(join(dir, 'report.html'), ARTIFACTS, 'heavy');
    const h = headline(summary);
    const url = `file://${join(dir, 'report.html')}`;
    for (const view of views) {
      expect(view.errors, view.name).toEqual([]);
      expect(view.requests, view.name).toEqual([url]);
      // The first text of the summary: the verdict sentence, then the hybrid's all-in card.
      expect(view.summaryText.startsWith(h.sentence), view.name).toBe(true);
      expect(view.summaryText.slice(h.sentence.length).trim()).toMatch(
        /^Hybrid, all-in per year \$[\d,]+ API fees, hardware, energy and operations/,
      );
    }
    const phone = views.find((v) => v.name === 'phone')!;
    expect(phone.overflow).toEqual([]);
    expect(phone.scrollWidth).toBeLessThanOrEqual(390);
    // Printed to A4, the PDF carries the monthly projection table's figures, read back with pdftotext.
    const table = readFileSync(join(dir, 'report.html'), 'utf8').match(
      /<table class="months">[\s\S]*?<\/table>/,
    )![0];
    const figures = [...table.matchAll(/<td>(\$[\d,.]+)<\/td>/g)].map((m) => m[1]!);
    expect(figures.length).toBe(36);
    for (const figure of figures) expect(pdf.text).toContain(figure);
    expect(pdf.text).toContain('Monthly cost (USD)');
    expect(pdf.text).toContain(h.sentence.slice(0, 40));
    expect(pdf.pages).toBeGreaterThan(1);
  });

  it('the comparative report fits a phone and prints its comparison on a few pages', async () => {
    const out = tempDir();
    const file = join(out, 'comparison.html');
    const { code } = await runCli(['report', ...runs.map((r) => r.dir), '--out', file]);
    expect(code).toBe(0);
    const { views, pdf } = await captureReportViews(file, ARTIFACTS, 'comparison');
    const lead = comparisonSentence(runs.map((r) => r.summary)).sentence;
    for (const view of views) {
      expect(view.errors).toEqual([]);
      expect(view.requests).toEqual([`file://${file}`]);
      expect(view.summaryText.startsWith(lead), view.name).toBe(true);
    }
    expect(views.find((v) => v.name === 'phone')!.overflow).toEqual([]);
    expect(pdf.text).toContain('Every scenario against every API-only alternative');
    // The scenarios' detail is collapsed, so the comparison prints on its own.
    expect(pdf.pages).toBeLessThanOrEqual(6);
  });

  it('report --pdf prints through the same chromium: A4 and Letter, with the tables', async () => {
    const { dir } = runs[0]!;
    const out = tempDir();
    const html = join(out, 'light.html');
    const a4 = await runCli(['report', dir, '--out', html, '--pdf']);
    expect(a4.code).toBe(0);
    expect(a4.stdout).toMatch(/light\.pdf \(\d+ A4 pages\)/);
    const letter = await runCli([
      'report',
      dir,
      '--out',
      html,
      '--pdf',
      join(out, 'letter.pdf'),
      '--paper',
      'letter',
    ]);
    expect(letter.code).toBe(0);
    const text = pdfText(join(out, 'light.pdf')).text;
    expect(text).toContain('Monthly cost (USD)');
    expect(text).toMatch(/page 1 of \d+/);
    expect(pdfText(join(out, 'light.pdf')).pageSize).toMatch(/\(A4\)$/);
    expect(pdfText(join(out, 'letter.pdf')).pageSize).toMatch(/^612 x 792 pts \(letter\)$/);
  });

  it('opens from file:// with no console error and no network request; every chart has marks; a planted script does not run', async () => {
    const dir = await plantedRun();
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      const url = `file://${join(dir, 'report.html')}`;
      await page.goto(url, { waitUntil: 'load' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      const charts = await page.$$eval('figure.chart', (figures) =>
        figures.map((figure) => ({
          id: figure.id,
          marks: figure.querySelectorAll(
            '.wide svg g[class*="mark-"] path, .wide svg g[class*="mark-"] rect, .wide svg g[class*="mark-"] text, .wide svg g[class*="mark-"] line',
          ).length,
        })),
      );
      expect(charts.length).toBe(11);
      for (const chart of charts) expect(chart.marks, chart.id).toBeGreaterThan(0);
      expect(
        await page.evaluate(() => (globalThis as unknown as { __planted?: string }).__planted),
      ).toBeUndefined();
      expect(await page.textContent('#fallback')).toContain('<script>window.__planted');
      await page.screenshot({ path: join(ARTIFACTS, 'planted.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'planted.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe('the report of an overloaded Mooncake-format trace, in Chromium', () => {
  it('shows the sized fleet and the two service levels in its first screen', async () => {
    const out = tempDir();
    const trace = writeMooncakeTrace(out, { requests: 3000, perSecond: 2 });
    const { runDir, summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: trace, timeUnit: 'ms' },
      out,
      parallel: false,
      command: 'hybridllm simulate --workload mooncake_trace.jsonl --time-unit ms',
    });
    const studio = summary.verdictBasis!.fleet[0]!;
    expect(studio.sized).toBe(true);
    const against = summary.cheapestAlternative!;
    const levels = summary.serviceLevel!;
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
      await page.goto(`file://${join(runDir!, 'report.html')}`, { waitUntil: 'load' });
      await page.screenshot({ path: join(ARTIFACTS, 'mooncake-first-screen.png') });
      /** The text of every element of the summary that lies wholly within the first screen. */
      const firstScreen = await page.evaluate(() => {
        const height = window.innerHeight;
        return Array.from(document.querySelectorAll('#summary .headline, #summary .card'))
          .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= height;
          })
          .map((el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim());
      });
      const text = firstScreen.join('\n');
      expect(text).toContain(
        `Needs ${studio.verdict} × Apple Mac Studio (studio; 1 configured) to carry this traffic`,
      );
      expect(text).toContain(`Machines (studio) ${studio.verdict} × Apple Mac Studio`);
      const pct = (x: number): string => `${x.toFixed(1)}%`;
      expect(text).toContain(
        `Answered acceptably ${pct(levels.hybrid.acceptablePct)} · ${pct(levels.alternatives[against]!.acceptablePct)}`,
      );
      // Matched service levels: within a point, so the headline keeps its colour (not amber).
      expect(
        Math.abs(levels.hybrid.acceptablePct - levels.alternatives[against]!.acceptablePct),
      ).toBeLessThan(1);
      const tone = await page.evaluate(() => document.querySelector('#summary .headline')!.className);
      expect(tone).not.toMatch(/amber/);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
