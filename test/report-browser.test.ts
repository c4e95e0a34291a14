import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { plantedRun } from './helpers/planted-run.js';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;

describe('the report in a real browser (Debian chromium, headless)', () => {
  it('opens from file:// with no console error and no network request; every chart has marks; a planted script does not run', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
    const dir = await plantedRun();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
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
            'svg g[class*="mark-"] path, svg g[class*="mark-"] rect, svg g[class*="mark-"] text, svg g[class*="mark-"] line',
          ).length,
        })),
      );
      expect(charts.length).toBe(8);
      for (const chart of charts) expect(chart.marks, chart.id).toBeGreaterThan(0);
      expect(
        await page.evaluate(() => (globalThis as unknown as { __planted?: string }).__planted),
      ).toBeUndefined();
      expect(await page.textContent('#fallback')).toContain('<script>window.__planted');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
