/**
 * Benchmark (not a test): how long `opensoc dataset list` takes, as a user types it, without and
 * with `opensoc dev up`, on a fresh data directory with its own ports (next to OPENSOC_*_PORT).
 *
 *   pnpm bench dataset-list [--runs 5]
 *
 * Reference, measured in the same run: `opensoc --help`, which loads the same modules and opens
 * nothing, so "minus --help" is the time spent on services (start-up or attach) and the query.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentConfig } from '@opensoc/config';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;
const work = mkdtempSync(path.join(tmpdir(), 'opensoc-bench-list-'));
const local = currentConfig().local;
const env: NodeJS.ProcessEnv = {
  ...process.env, OPENSOC_DATA_DIR: work,
  OPENSOC_TEMPORAL_PORT: String(local.temporalPort + 3), OPENSOC_POSTGRES_PORT: String(local.postgresPort + 3), OPENSOC_S3_PORT: String(local.s3Port + 30),
};
for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'OPENSOC_EMBEDDED_DB']) delete env[k];

function opensoc(...args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], { cwd: repoRoot, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`opensoc ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return (performance.now() - t0) / 1000;
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const measure = (args: string[]) => Array.from({ length: runs }, () => opensoc(...args));

try {
  opensoc('dataset', 'list'); // first use: initdb, bucket; not what is measured
  const help = measure(['--help']);
  const cold = measure(['dataset', 'list']);
  const tUp = opensoc('dev', 'up');
  const warm = measure(['dataset', 'list']);
  const helpUp = measure(['--help']);
  opensoc('dev', 'down');
  const ref = median([...help, ...helpUp]);
  const lines = [
    `runs=${runs} per case, cpus=${(await import('node:os')).cpus().length}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    '| case | median s | min s | max s | median minus --help s |',
    '|---|---|---|---|---|',
    ...([['opensoc --help (reference: module loading only)', [...help, ...helpUp]], ['dataset list, no dev up (services started and stopped per command)', cold], ['dataset list after dev up (attach)', warm]] as const)
      .map(([name, xs]) => `| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${(median(xs) - ref).toFixed(2)} |`),
    `dev up itself: ${tUp.toFixed(2)} s; dataset list without dev up / with: ${(median(cold) / median(warm)).toFixed(1)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(path.join(repoRoot, 'bench-results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench-results', 'cli-dataset-list.md'), `${lines.join('\n')}\n`);
} finally {
  try { opensoc('dev', 'down'); } catch { /* already down */ }
  rmSync(work, { recursive: true, force: true });
}
