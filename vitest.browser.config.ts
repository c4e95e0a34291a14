import { defineConfig } from 'vitest/config';

/**
 * The browser tests (`npm run test:browser`): the report in Debian's chromium at a laptop's and a phone's
 * size and printed to A4, read back with pdftotext. They need `apt-get install -y chromium poppler-utils`;
 * `npm test` runs everything else and needs neither.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
