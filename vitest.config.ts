import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Test files run one after another: several measure real time (TTFT, tokens/s within 5%), and two cores
    // shared by parallel files would measure the contention instead.
    fileParallelism: false,
    hookTimeout: 30_000,
  },
});
