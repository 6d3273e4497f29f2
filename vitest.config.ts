import { configDefaults, defineConfig } from 'vitest/config';

/**
 * KYANITE_TEST_SET=node-versions: the set scripts/ci/node-versions.sh runs on each extra Node major, to keep those
 * runs within the CI budget (docs/node-versions.md). It leaves out only files whose cost is load or other languages,
 * never a JS SDK end-to-end test nor the fixture: what differs between Node versions (better-sqlite3's native build,
 * node:crypto, TLS, sockets, signals, the bundle's code cache) is what the files kept exercise.
 */
const TEST_SETS: Record<string, string[]> = {
  'node-versions': [
    // Half a minute each of kills, restarts and injected faults under load: they judge SQLite's durability and
    // Kyanite's recovery, not Node. The kept reliability files cover the Node side (signals, sockets, TLS
    // handshakes, Node's HTTP parser in the bad-input corpus, child processes) in seconds.
    'test/reliability/crash.test.ts',
    'test/reliability/chaos.test.ts',
    // The benchmark's smoke run (~50 s): it only proves the bench still runs; a full run on each major is
    // docs/performance.md's job.
    'test/bench/**',
    // Other languages' clients (Python SDK, Azure CLI, Go: ~100 s, most of it `go build` and az start-ups, and the
    // language suites): their side does not change with Kyanite's Node version, and the JS SDK end-to-end tests
    // prove Kyanite's side on it.
    'test/e2e/lang.*.test.ts',
    'test/e2e/*.python.test.ts',
    'test/e2e/*.cli.test.ts',
    'test/e2e/*.go.test.ts',
  ],
};

const setName = process.env.KYANITE_TEST_SET ?? '';
if (setName && !TEST_SETS[setName]) {
  throw new Error(`KYANITE_TEST_SET=${setName} is not a test set (known: ${Object.keys(TEST_SETS).join(', ')})`);
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(setName ? TEST_SETS[setName]! : [])],
    // e2e suites start real HTTPS servers and generate RSA keys: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.mjs, which prints the totals as the run's last line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
