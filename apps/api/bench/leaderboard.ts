/**
 * Benchmark (not a test): 10,000 runs with leaderboard rows in real PostgreSQL, the API
 * served on loopback in its own process, and autocannon at a fixed 500 req/s for ~10 s on
 *   GET /v1/leaderboard?task=threatCategory   and   GET /v1/runs/{id} (random runs).
 *
 *   pnpm bench api [--runs 10000] [--rate 500] [--duration 10] [--indexes none|proposed|both] [--cache 0|1000|both] [--keep NAME]
 *
 * From a clean state it starts what it needs, like the tests: a PostgreSQL server of its own under
 * .opensoc/bench (on OPENSOC_POSTGRES_PORT + 2), stopped at the end. With DATABASE_URL set it
 * uses that server instead. Each invocation seeds a fresh database on it and drops it afterwards.
 * --keep NAME keeps the seeded database (opensoc_bench_NAME) for later runs.
 * S3 is not contacted (presigning is local), so no S3 server is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { connectPostgres, datasetVersions, foldResults, leaderboardEntries, predictionSets, runs, splitManifests, sweeps, sql, type Db } from '@opensoc/db';
import { mulberry32 } from '@opensoc/contracts';
import { currentConfig } from '@opensoc/config';
import { connectionInfo, defaultServicesConfig, detachServices, ensureService } from '@opensoc/local-services';
import { ArtifactStore } from '@opensoc/storage';
import { createApp } from '../src/app.ts';
import { listen } from '../src/serve.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};

/** Indexes this benchmark proposes for packages/db (see the report). */
export const PROPOSED_INDEXES = [
  'CREATE INDEX IF NOT EXISTS leaderboard_task_accuracy_idx ON leaderboard_entries (task, accuracy, id)',
  'CREATE INDEX IF NOT EXISTS leaderboard_run_idx ON leaderboard_entries (run_id)',
  'CREATE INDEX IF NOT EXISTS split_manifests_dataset_idx ON split_manifests (dataset_hash)',
  'CREATE INDEX IF NOT EXISTS comparisons_runs_idx ON comparisons (run_a, run_b)',
];

const TASKS = ['threatCategory', 'mitreTechnique', 'mitreTechniqueParent', 'mitreTactic', 'severity'];
const LABELS = ['benign', 'brute-force', 'web-attack', 'malware', 'recon', 'exfiltration'];
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Deterministic numbers: every seed gives the same data. */
const prng = mulberry32;

async function seed(db: Db, runCount: number): Promise<string[]> {
  const rnd = prng(7);
  const datasetHash = sha('bench-corpus');
  const splitHash = sha('bench-split');
  await db.insert(datasetVersions).values({ name: 'corpus', hash: datasetHash, objectKey: `datasets/corpus/${datasetHash}.jsonl`, recordCount: 5000, templateCount: 400, stats: { records: 5000 } });
  await db.insert(splitManifests).values({ hash: splitHash, datasetHash, kind: 'template-grouped-kfold', spec: { kind: 'template-grouped-kfold', k: 3 }, objectKey: `folds/${splitHash}.json`, leakage: { folds: [0, 1, 2].map((fold) => ({ fold, leakedRecords: 3 })) } });
  const sweepCount = Math.max(1, Math.ceil(runCount / 1000));
  await db.insert(sweeps).values(Array.from({ length: sweepCount }, (_, i) => ({
    id: `bench-${i}`, name: `bench-${i}`, spec: {}, specHash: sha(`s${i}`), datasetName: 'corpus', datasetHash, status: 'completed', totalUnits: 3000, doneUnits: 3000, workflowId: `wf-${i}`,
  })));
  const ids: string[] = [];
  const batch = 500;
  for (let start = 0; start < runCount; start += batch) {
    const runRows = [];
    const entryRows = [];
    const foldRows = [];
    const predRows = [];
    for (let i = start; i < Math.min(runCount, start + batch); i++) {
      const sweepId = `bench-${Math.floor(i / 1000)}`;
      const rank = [4, 8, 16, 32][i % 4]!;
      const alpha = [8, 16, 32][Math.floor(i / 4) % 3]!;
      const id = `${sweepId}.r${rank}-a${alpha}-${i}.s1`;
      ids.push(id);
      const family = i % 50 === 0 ? 'tfidf-logreg' : 'lora';
      runRows.push({
        id, sweepId, family, label: `r${rank}-a${alpha}-${i}`, config: { rank, alpha, dropout: 0, learningRate: 1e-3, epochs: 1 }, configHash: sha(`c${i}`), seed: 1,
        datasetName: 'corpus', datasetHash, splitHash, splitKind: 'template-grouped-kfold', codeCommit: 'a'.repeat(40), status: 'completed',
      });
      for (const task of TASKS) {
        const acc = 0.4 + rnd() * 0.5;
        entryRows.push({
          id: `${id}:label-scoring:${task}:cv`, runId: id, sweepId, datasetName: 'corpus', datasetHash, evalSet: 'cv', task, mode: 'label-scoring', family, label: `r${rank}-a${alpha}-${i}`,
          splitKind: 'template-grouped-kfold', n: 5000, accuracy: acc, accuracyLow: acc - 0.014, accuracyHigh: acc + 0.013, macroF1: acc - 0.05, macroF1Low: acc - 0.07, macroF1High: acc - 0.03,
          foldMean: acc, foldStd: 0.02, pVsTop: rnd(), pVsTopAdjusted: rnd(), pVsBestBaseline: rnd() * 0.1, pVsBestBaselineAdjusted: rnd() * 0.2,
        });
      }
      for (let fold = 0; fold < 3; fold++) {
        const metrics = TASKS.slice(0, 2).map((task) => ({
          task, n: 1667, accuracy: 0.7, accuracyInterval: { low: 0.68, high: 0.72, method: 'wilson', level: 0.95 }, macroF1: 0.66, microF1: 0.7, weightedF1: 0.69, parseFailures: 0,
          perClass: LABELS.map((label) => ({ label, precision: 0.7, recall: 0.7, f1: 0.7, support: 277 })),
          confusion: { labels: LABELS, matrix: LABELS.map((_, r) => LABELS.map((__, c) => (r === c ? 200 : 15))) },
        }));
        foldRows.push({ runId: id, fold, mode: 'label-scoring', evalSet: 'cv', metrics, trainLoss: Array.from({ length: 50 }, (_, s) => ({ step: s * 4, loss: 2.5 * Math.exp(-s / 15) + 0.3 })), adapterKey: `runs/${id}/adapter/fold-${fold}/adapter_model.safetensors` });
        predRows.push({ runId: id, fold, mode: 'label-scoring', evalSet: 'cv', objectKey: `runs/${id}/predictions-fold-${fold}.jsonl`, sha256: sha(`${id}${fold}`), count: 1667 });
      }
    }
    await db.insert(runs).values(runRows);
    await db.insert(leaderboardEntries).values(entryRows);
    await db.insert(foldResults).values(foldRows);
    await db.insert(predictionSets).values(predRows);
    process.stderr.write(`\rseeded ${Math.min(runCount, start + batch)}/${runCount} runs`);
  }
  process.stderr.write('\n');
  await db.execute(sql`ANALYZE`);
  return ids;
}

interface Result { name: string; indexes: string; requests: number; serverCpuMsPerRequest?: number; throughput: number; p50: number; p90: number; p99: number; max: number; errors: number; non2xx: number }

async function load(name: string, indexes: string, url: string, paths: () => string, rate: number, duration: number): Promise<Result> {
  const r = await autocannon({
    url, connections: 16, duration, overallRate: rate,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  return {
    name, indexes, requests: r.requests.total, throughput: r.requests.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max,
    errors: r.errors + r.timeouts, non2xx: r.non2xx,
  };
}

async function serveChild(dbUrl: string, cacheMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dbUrl, String(cacheMs)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += String(d);
      const m = /LISTENING (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

async function serveMode(dbUrl: string, cacheMs: number): Promise<void> {
  const handle = await connectPostgres(dbUrl, { max: 10 });
  const store = new ArtifactStore({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'bench', accessKeyId: 'bench', secretAccessKey: 'bench-secret' });
  const app = createApp({ db: handle.db, store, auth: { readsPublic: true }, logger: () => {}, readCacheMs: cacheMs });
  const { url } = await listen(app, { port: 0, hostname: '127.0.0.1' });
  process.stdout.write(`LISTENING ${url}\n`);
  // The parent asks for CPU time used, to report CPU ms per request independent of other load on the host.
  process.once('SIGTERM', () => process.exit(0));
  process.on('message', () => { const u = process.cpuUsage(); process.send?.({ cpuMs: (u.user + u.system) / 1000 }); });
}

function cpuMs(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpuMs: number }).cpuMs));
    child.send('cpu');
  });
}

async function main(): Promise<void> {
  const loadBefore = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  const runCount = Number(arg('runs', '10000'));
  const rate = Number(arg('rate', '500'));
  const duration = Number(arg('duration', '10'));
  const which = arg('indexes', 'both');
  const { server, release } = await databaseServer();
  // --keep NAME: reuse (or create and seed once) a named database and leave it in place.
  const keep = arg('keep', '');
  const dbName = keep ? `opensoc_bench_${keep.replace(/[^a-z0-9_]/g, '_')}` : `opensoc_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount! > 0;
  if (!exists) await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = server.replace(/\/[^/]+$/, `/${dbName}`);
  const results: Result[] = [];
  try {
    const handle = await connectPostgres(dbUrl);
    const t0 = Date.now();
    let ids: string[];
    if (exists) {
      for (const stmt of PROPOSED_INDEXES) await handle.db.execute(sql.raw(stmt.replace('CREATE INDEX IF NOT EXISTS', 'DROP INDEX IF EXISTS').replace(/ ON .*/, '')));
      ids = (await handle.db.select({ id: runs.id }).from(runs)).map((r) => r.id);
    } else {
      ids = await seed(handle.db, runCount);
    }
    process.stderr.write(`${ids.length} runs ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const rnd = prng(99);
    // Phases: the schema as packages/db ships it, then with the proposed indexes, each without and with the 1 s read cache.
    const cacheModes = arg('cache', 'both') === 'both' ? [0, 1000] : [Number(arg('cache', '0'))];
    const phases = (which === 'both' ? ['none', 'proposed'] : [which]).flatMap((ix) => (ix === 'none' ? [{ ix, cacheMs: 0 }] : cacheModes.map((cacheMs) => ({ ix, cacheMs }))));
    let indexed = false;
    for (const { ix, cacheMs } of phases) {
      if (ix === 'proposed' && !indexed) {
        for (const stmt of PROPOSED_INDEXES) await handle.db.execute(sql.raw(stmt));
        await handle.db.execute(sql`ANALYZE`);
        indexed = true;
      }
      const phase = `${ix}${cacheMs ? `, cache ${cacheMs} ms` : ', no cache'}`;
      const { url, child } = await serveChild(dbUrl, cacheMs);
      try {
        // Warm up the pool, JIT and caches.
        await load('warmup', phase, url, () => '/v1/leaderboard?task=threatCategory', 200, 2);
        const measured = async (name: string, paths: () => string) => {
          const before = await cpuMs(child);
          const r = await load(name, phase, url, paths, rate, duration);
          r.serverCpuMsPerRequest = ((await cpuMs(child)) - before) / Math.max(1, r.requests);
          results.push(r);
        };
        // The floor on this host: a route that touches neither the database nor the cache.
        if (phase === phases.map((p) => `${p.ix}${p.cacheMs ? `, cache ${p.cacheMs} ms` : ', no cache'}`).at(-1)) await measured('GET /healthz (floor)', () => '/healthz');
        await measured('GET /v1/leaderboard?task=threatCategory', () => '/v1/leaderboard?task=threatCategory');
        await measured('GET /v1/runs/{id}', () => `/v1/runs/${encodeURIComponent(ids[Math.floor(rnd() * ids.length)]!)}`);
      } finally {
        child.kill('SIGTERM');
      }
    }
    await handle.close();
  } finally {
    if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await release();
  }
  const lines = [
    `runs=${runCount} rate=${rate}/s duration=${duration}s cpus=${(await import('node:os')).cpus().length}`,
    `load average before: ${loadBefore}, after: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    '| endpoint | phase | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req | errors | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.name} | ${r.indexes} | ${r.requests} | ${r.throughput.toFixed(0)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.serverCpuMsPerRequest?.toFixed(2) ?? '–'} | ${r.errors} | ${r.non2xx} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = path.join(repoRoot, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'api-leaderboard.md'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(out, 'api-leaderboard.json'), JSON.stringify({ runs: runCount, rate, duration, results }, null, 2));
}

/** DATABASE_URL's server, else a PostgreSQL of the benchmark's own, started now and stopped by release(). */
async function databaseServer(): Promise<{ server: string; release: () => Promise<unknown> }> {
  const config = currentConfig();
  if (config.database.mode === 'postgres') return { server: config.database.url, release: async () => {} };
  const services = defaultServicesConfig(path.join(repoRoot, '.opensoc', 'bench'), { ...config.local, postgresPort: config.local.postgresPort + 2 });
  await ensureService(services, 'postgres');
  return { server: connectionInfo(services).databaseUrl, release: () => detachServices(services) };
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serveMode(process.argv[serveAt + 1]!, Number(process.argv[serveAt + 2] ?? 0));
else await main();
