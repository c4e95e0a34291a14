/**
 * Regenerates reports/example/: a heavy-year simulation's report.html, and the README's screenshots — the
 * heavy report's first screen on a laptop (1366×900) and on a phone (390×844), and the first screen of the
 * comparative report of light, medium and heavy. They are taken by scripts/report-views.ts, the code the
 * browser test asserts on, in headless Debian chromium (apt-get install -y chromium poppler-utils).
 * Usage: npx tsx scripts/report-screenshot.ts
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReportFromDirs } from '../src/report/render-report.js';
import { simulate } from '../src/sim/simulate.js';
import { captureReportViews, requireTools } from './report-views.js';

requireTools();
const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'reports/example');
const work = mkdtempSync(join(tmpdir(), 'hybridllm-example-'));
try {
  const dirs: Record<string, string> = {};
  for (const scenario of ['light', 'medium', 'heavy']) {
    const { runDir } = await simulate({
      configFile: join(root, 'llm_config.yaml'),
      scenario,
      out: work,
      command: `hybridllm simulate --scenario ${scenario}`,
    });
    dirs[scenario] = runDir!;
  }
  copyFileSync(join(dirs['heavy']!, 'report.html'), join(out, 'report.html'));
  const heavy = await captureReportViews(join(out, 'report.html'), work, 'heavy');
  copyFileSync(join(work, 'heavy-desktop.png'), join(out, 'report-desktop.png'));
  copyFileSync(join(work, 'heavy-phone.png'), join(out, 'report-phone.png'));
  const comparison = join(work, 'comparison.html');
  writeFileSync(comparison, await renderReportFromDirs([dirs['light']!, dirs['medium']!, dirs['heavy']!]));
  await captureReportViews(comparison, work, 'comparison');
  copyFileSync(join(work, 'comparison-desktop.png'), join(out, 'report-comparison.png'));
  for (const view of heavy.views)
    if (view.errors.length || view.overflow.length)
      console.error(
        `${view.name}: ${view.errors.length} console errors, ${view.overflow.length} overflowing elements`,
      );
  console.log(
    `wrote ${join(out, 'report.html')}, report-desktop.png, report-phone.png and report-comparison.png (heavy PDF: ${heavy.pdf.pages} A4 pages)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
