// Prints the run's totals as one plain line ("tests: N passed, M failed, K skipped"), read from vitest's JSON report,
// so a log reader finds the figures at the end whatever reporter printed above.
import fs from 'node:fs';

const report = JSON.parse(fs.readFileSync(new URL('../test-results/vitest.json', import.meta.url), 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
