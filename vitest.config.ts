import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests need chromium and poppler-utils: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**', 'test/fleet/**', 'node_modules/**'],
    testTimeout: 30_000,
    // Test files run one after another: several measure real time (TTFT, tokens/s within 5%), and two cores
    // shared by parallel files would measure the contention instead.
    fileParallelism: false,
    hookTimeout: 30_000,
  },
});
