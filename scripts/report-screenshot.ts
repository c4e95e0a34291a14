/**
 * Regenerates reports/example/: a heavy-year simulation's report.html and a screenshot of its first screen
 * (the README shows it), taken in headless Debian chromium with playwright-core, as the browser test does.
 * Usage: npx tsx scripts/report-screenshot.ts
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { simulate } from '../src/sim/simulate.js';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'reports/example');
const work = mkdtempSync(join(tmpdir(), 'hybridllm-example-'));
try {
  const { runDir } = await simulate({
    configFile: join(root, 'llm_config.yaml'),
    scenario: 'heavy',
    out: work,
    command: 'hybridllm simulate --scenario heavy',
  });
  copyFileSync(join(runDir!, 'report.html'), join(out, 'report.html'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
  await page.goto(`file://${join(out, 'report.html')}`);
  await page.screenshot({ path: join(out, 'report-screenshot.png') });
  await browser.close();
  console.log(`wrote ${join(out, 'report.html')} and report-screenshot.png`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
