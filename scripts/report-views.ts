/// <reference lib="dom" />
/**
 * Opens a rendered report the way its readers do — a laptop (1366×900), a phone (390×844) and A4 paper —
 * in Debian's headless chromium through playwright-core, and records what each saw: console errors,
 * network requests, elements wider than the screen, the summary's first text, a screenshot, and the
 * printed PDF's text (pdftotext, from poppler-utils). The browser test asserts on it; the README's
 * screenshots are taken by the same code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['HYBRIDLLM_CHROMIUM'] ?? '/usr/bin/chromium';

export const VIEWPORTS = {
  desktop: { width: 1366, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export interface ViewResult {
  name: keyof typeof VIEWPORTS;
  errors: string[];
  /** Every URL the page asked for, the page itself included. */
  requests: string[];
  /** Visible elements whose right edge passes the viewport, as `tag.class right`. */
  overflow: string[];
  scrollWidth: number;
  /** The summary section's text, whitespace collapsed. */
  summaryText: string;
  screenshot: string;
}

export interface ReportViews {
  views: ViewResult[];
  pdf: { file: string; text: string; pages: number; pageSize: string };
}

/** Fails with the command that installs what is missing, never by downloading a browser. */
export function requireTools(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y chromium (the browser tests drive Debian's chromium; .ci/run installs it)`,
    );
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('pdftotext is missing: apt-get install -y poppler-utils (.ci/run installs it)');
  }
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Opens `file` at each viewport and prints it to A4; screenshots and the PDF go to `outDir` as `<prefix>-…`. */
export async function captureReportViews(
  file: string,
  outDir: string,
  prefix: string,
  options: { fullPage?: boolean } = {},
): Promise<ReportViews> {
  mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  try {
    const views: ViewResult[] = [];
    for (const [name, viewport] of Object.entries(VIEWPORTS) as [
      keyof typeof VIEWPORTS,
      { width: number; height: number },
    ][]) {
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const measured = await page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const overflow: string[] = [];
        for (const el of Array.from(document.querySelectorAll('body *'))) {
          const rect = el.getBoundingClientRect();
          if (rect.width > 0 && rect.right > width + 0.5)
            overflow.push(
              `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''} ${Math.round(rect.right)}`,
            );
        }
        const summary = document.querySelector('#summary') as HTMLElement | null;
        return {
          overflow,
          scrollWidth: document.documentElement.scrollWidth,
          summaryText: (summary?.innerText ?? '').replace(/\s+/g, ' ').trim(),
        };
      });
      const screenshot = join(outDir, `${prefix}-${name}.png`);
      await page.screenshot({ path: screenshot, fullPage: options.fullPage ?? false });
      views.push({ name, errors, requests, ...measured, screenshot });
      await page.close();
    }
    const page = await browser.newPage();
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdfFile = join(outDir, `${prefix}.pdf`);
    await page.pdf({ path: pdfFile, format: 'A4', printBackground: true });
    await page.close();
    return { views, pdf: pdfText(pdfFile) };
  } finally {
    await browser.close();
  }
}

/** A PDF's text in reading layout, and its page count, through poppler's pdftotext and pdfinfo. */
export function pdfText(file: string): { file: string; text: string; pages: number; pageSize: string } {
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return {
    file,
    text,
    pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0),
    pageSize: /^Page size:\s+(.+)$/m.exec(info)?.[1]?.trim() ?? '',
  };
}
