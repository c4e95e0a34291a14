import { defineConfig } from 'vitest/config';

/**
 * The fleet tests (`npm run test:fleet`): several `hybridllm serve` processes over a real PostgreSQL server
 * that the tests start from Debian's package (`apt-get install -y postgresql`) on 127.0.0.1 and remove after.
 * `npm test` runs everything else and needs no database server.
 */
export default defineConfig({
  test: {
    include: ['test/fleet/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
