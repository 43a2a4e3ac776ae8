#!/usr/bin/env node
// The whole test suite: vitest over every package and test/ (global setup starts the real
// Temporal, PostgreSQL and S3 servers), then stops those servers and prints `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, '.opensoc', 'test-results.json');
mkdirSync(path.dirname(resultsFile), { recursive: true });
rmSync(resultsFile, { force: true });

const vitest = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit',
});

const down = spawnSync('npx', ['tsx', 'infra/local/src/main.ts', 'down'], {
  cwd: root, stdio: 'inherit', env: { ...process.env, OPENSOC_DATA_DIR: path.join(root, '.opensoc', 'test') },
});

let passed = 0, failed = 0, skipped = 0;
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails to load runs no test: count it as a failure, not as nothing.
  for (const file of r.testResults) if (file.status === 'failed' && file.assertionResults.length === 0) failed += 1;
} else {
  failed += 1;
}
if (vitest.status !== 0 && failed === 0) failed = 1;
if (down.status !== 0) console.error('warning: stopping the test services failed');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
