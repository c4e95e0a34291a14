import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Paper sizes the report's print CSS is laid out for. */
export const PAPERS = ['a4', 'letter'] as const;
export type Paper = (typeof PAPERS)[number];

/** Raised when no Chromium is installed: the HTML report is still written. */
export class BrowserMissingError extends Error {
  override readonly name = 'BrowserMissingError';
}

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * The Chromium to print with: `$HYBRIDLLM_CHROMIUM`, else the first of chromium, chromium-browser or
 * google-chrome on the PATH. Nothing is ever downloaded.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['HYBRIDLLM_CHROMIUM'];
  if (explicit) return executable(explicit) ? explicit : undefined;
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean))
    for (const name of CANDIDATES) {
      const path = join(dir, name);
      if (executable(path)) return path;
    }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Prints a rendered report to PDF through headless Chromium (the same print CSS a person gets from the
 * browser's print dialog), with page numbers in the footer. The page makes no network request: the report
 * is self-contained and its Content-Security-Policy forbids any.
 */
export async function printPdf(
  html: string,
  out: string,
  options: { paper?: Paper; executablePath?: string } = {},
): Promise<{ pages: number; browser: string }> {
  const executablePath = options.executablePath ?? findChromium();
  const explicit = process.env['HYBRIDLLM_CHROMIUM'];
  if (!executablePath && explicit)
    throw new BrowserMissingError(
      `report --pdf: $HYBRIDLLM_CHROMIUM is ${explicit}, which is not an executable file. Point it at a Chromium or Chrome binary, or unset it to use chromium from the PATH.`,
    );
  if (!executablePath)
    throw new BrowserMissingError(
      'report --pdf prints through Chromium, and none was found (looked for $HYBRIDLLM_CHROMIUM, then chromium, chromium-browser and google-chrome on the PATH). Install it with: apt-get install -y chromium. Nothing is downloaded.',
    );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      path: out,
      format: options.paper === 'letter' ? 'Letter' : 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="font: 8px system-ui, sans-serif; color: #52606d; width: 100%; text-align: center;">hybridllm savings report · page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    });
    // Each page is one "/Type /Page" object in the file Chromium writes.
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    return { pages, browser: (await browser.version()) || executablePath };
  } finally {
    await browser.close();
  }
}
