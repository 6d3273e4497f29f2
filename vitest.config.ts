import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e suites start real HTTPS servers and generate RSA keys: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.mjs, which prints the totals as the run's last line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
