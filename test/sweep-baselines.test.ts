import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getLeaderboardEntry, getSweep, listLeaderboard, listReproductions, listRuns, sql } from '@opensoc/db';
import { parseSweepSpec, pushRecords, specHash, startSweep } from '@opensoc/platform';
import { historyJson, spawnTrainingWorker, startWorkers, type RunningWorkers, type TrainingWorkerProcess } from '@opensoc/worker';
import { createApp } from '@opensoc/api';
import { liveLeader, sweepEtaOf, watchSweep } from '../apps/cli/src/watch.ts';
import { corpusSample } from './support/corpus.ts';
import { repoRoot } from './support/services.ts';
import { testPlatform, trainingWorkerEnv, type TestPlatform } from './support/platform.ts';

let p: TestPlatform;
let workers: RunningWorkers;
let trainer: TrainingWorkerProcess;

beforeAll(async () => {
  p = await testPlatform('sweepbase');
  workers = await startWorkers({ db: p.db.db, store: p.store, temporalAddress: p.temporalAddress, namespace: p.namespace }, ['orchestration']);
  trainer = spawnTrainingWorker({ env: trainingWorkerEnv(p) });
  await trainer.ready;
});
afterAll(async () => {
  await trainer?.stop();
  await workers?.shutdown();
  await p?.close();
});

const spec = (name: string) => ({
  name,
  dataset: 'sample@latest',
  split: { kind: 'template-grouped-kfold', k: 3, seed: 7 },
  baseModel: { kind: 'checkpoint', path: '/nonexistent' },
  search: { kind: 'grid', grid: { ranks: [], alphas: [1] } },
  baselines: ['majority', 'keyword-rules'],
  concurrency: 3,
});

describe('a baselines-only sweep on the real Temporal server, PostgreSQL and S3', () => {
  it('runs every fold of every baseline, pools predictions, and writes a leaderboard with McNemar tests', async () => {
    const pushed = await pushRecords({ db: p.db.db, store: p.store }, corpusSample(12), { name: 'sample' });
    expect(pushed.created).toBe(true);
    const { sweepId } = await startSweep(p.client, spec('baselines'));
    const result = await p.client.workflow.getHandle(sweepId).result();
    expect(result).toMatchObject({ status: 'completed', units: 6 });
    if (process.env.OPENSOC_RECORD_HISTORIES === '1') {
      // Regenerates the replay fixtures (test/replay.test.ts) after an intended workflow change.
      for (const [file, id] of [['sweep.json', sweepId], ['train-eval.json', `${sweepId}/baseline-keyword-rules/f1/s1`]] as const) {
        const history = await p.client.workflow.getHandle(id).fetchHistory();
        writeFileSync(path.join(repoRoot, 'test/fixtures/histories', file), await historyJson(history));
      }
    }

    const sweep = await getSweep(p.db.db, sweepId);
    expect(sweep).toMatchObject({ status: 'completed', doneUnits: 6, totalUnits: 6 });
    // The spec hash is the sha256 of the canonical parsed spec, and the sweep id carries it.
    expect(sweep!.specHash).toBe(specHash(parseSweepSpec(spec('baselines'))));
    expect(sweepId).toMatch(new RegExp(`^baselines-${sweep!.specHash.slice(0, 8)}-[0-9a-f]{6}$`));
    const runs = await listRuns(p.db.db, sweepId);
    expect(runs.map((r) => r.family).sort()).toEqual(['keyword-rules', 'majority']);

    const rows = (await p.db.db.execute(sql`SELECT task, family, n, accuracy, accuracy_low, accuracy_high, p_vs_top_adjusted, vs_top_direction, vs_top_only_this, vs_top_only_other FROM leaderboard_entries WHERE sweep_id = ${sweepId} ORDER BY task, accuracy DESC`)) as unknown as { rows: Record<string, number | string | null>[] };
    expect(rows.rows).toHaveLength(2 * 5); // 2 baselines x 5 tasks
    for (const r of rows.rows) {
      expect(r.n).toBe(corpusSample(12).length); // pooled: every record predicted exactly once
      expect(Number(r.accuracy_low)).toBeLessThanOrEqual(Number(r.accuracy));
      expect(Number(r.accuracy_high)).toBeGreaterThanOrEqual(Number(r.accuracy));
    }
    const cat = rows.rows.filter((r) => r.task === 'threatCategory');
    expect(cat[0]!.p_vs_top_adjusted).toBeNull(); // the top entry is not compared with itself
    expect(cat.slice(1).every((r) => r.p_vs_top_adjusted !== null)).toBe(true);
    // Below the top entry means fewer records right (b <= c), so never a "better" verdict.
    for (const r of cat.slice(1)) {
      expect(Number(r.vs_top_only_this)).toBeLessThanOrEqual(Number(r.vs_top_only_other));
      expect(r.vs_top_direction).toBe(Number(r.p_vs_top_adjusted) < 0.05 ? 'worse' : 'none');
    }
    // Real predictions: the keyword rules beat always-the-majority-class on categories.
    const acc = Object.fromEntries(cat.map((r) => [r.family, Number(r.accuracy)]));
    expect(acc['keyword-rules']).toBeGreaterThan(acc.majority!);
    const comparisons = (await p.db.db.execute(sql`SELECT count(*)::int AS n FROM comparisons WHERE sweep_id = ${sweepId}`)) as unknown as { rows: { n: number }[] };
    expect(comparisons.rows[0]!.n).toBeGreaterThan(0);
  });

  it('classifies logs with a baseline entry (refitted on its fold) through the CLI', async () => {
    const sweepId = (await listLeaderboard(p.db.db, { task: 'threatCategory' })).find((r) => r.family === 'keyword-rules')!.sweepId;
    const run = (await listRuns(p.db.db, sweepId)).find((r) => r.family === 'keyword-rules')!;
    mkdirSync(path.join(repoRoot, '.opensoc', 'test'), { recursive: true });
    const file = path.join(repoRoot, '.opensoc', 'test', 'classify-baseline.jsonl');
    writeFileSync(file, ['Mar 15 01:05:33 server sshd[42]: Failed password for root from 10.0.0.9 port 22 ssh2', JSON.stringify({ log: 'GET /index.html HTTP/1.1 200' })].join('\n'));
    const env = { ...process.env, ...trainingWorkerEnv(p), DATABASE_URL: p.databaseUrl };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'classify', '--adapter', run.id, file], { cwd: repoRoot, env });
    const out = stdout.trim().split('\n').map((l) => JSON.parse(l) as { threatCategory: string });
    expect(out.map((o) => o.threatCategory)).toEqual(['brute-force', 'benign']);
  });

  it('reproduces a leaderboard entry from its lineage, and flags one that does not match', async () => {
    const [sweep] = (await p.db.db.execute(sql`SELECT id FROM sweeps WHERE name = 'baselines'`) as unknown as { rows: { id: string }[] }).rows;
    const entries = await listLeaderboard(p.db.db, { sweepId: sweep!.id, task: 'threatCategory' });
    const entry = entries.find((e) => e.family === 'keyword-rules')!;
    const reproduce = (reproductionId: string, tolerance: number) =>
      p.client.workflow.execute('reproduceWorkflow', { taskQueue: 'opensoc-orchestration', workflowId: `reproduce/${reproductionId}`, args: [{ reproductionId, entryId: entry.id, tolerance, taskQueue: 'train-cpu' }] });
    const ok = await reproduce('r1', 0);
    expect(ok).toMatchObject({ reproduced: true, difference: 0 });
    expect((await getLeaderboardEntry(p.db.db, entry.id))?.reproductionStatus).toBe('reproduced');
    // A leaderboard number that does not follow from the lineage is caught.
    await p.db.db.execute(sql`UPDATE leaderboard_entries SET accuracy = accuracy + 0.1 WHERE id = ${entry.id}`);
    const bad = await reproduce('r2', 0.02);
    expect(bad).toMatchObject({ reproduced: false });
    expect((await getLeaderboardEntry(p.db.db, entry.id))?.reproductionStatus).toBe('not-reproduced');
    expect((await listReproductions(p.db.db, entry.id)).map((r) => r.status).sort()).toEqual(['not-reproduced', 'reproduced']);
  });

  it('continues as new when the history grows, and still finishes every unit exactly once', async () => {
    const many = { ...spec('long'), split: { kind: 'stratified-kfold', k: 10, seed: 1 }, concurrency: 4 };
    const { sweepId } = await startSweep(p.client, many, { historyLimit: 60 });
    const handle = p.client.workflow.getHandle(sweepId);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', units: 20 });
    // Several runs of the same workflow id: the history was cut into pieces by continue-as-new.
    const runs = [];
    for await (const w of p.client.workflow.list({ query: `WorkflowId = '${sweepId}'` })) runs.push(w.runId);
    expect(runs.length).toBeGreaterThan(1);
    const rows = (await p.db.db.execute(sql`SELECT count(*)::int AS n FROM fold_results f JOIN runs r ON r.id = f.run_id WHERE r.sweep_id = ${sweepId}`)) as unknown as { rows: { n: number }[] };
    expect(rows.rows[0]!.n).toBe(20);
    expect(await getSweep(p.db.db, sweepId)).toMatchObject({ status: 'completed', doneUnits: 20 });
  });

  it('records each unit as it finishes: partial rows with their n while units run, final rows after, and watch shows them with an ETA from finished units', async () => {
    // One unit at a time, so results of the first units exist while the last ones still run; 5 folds
    // (10 units) keep it running long enough after the first finished unit for the ETA to be read.
    const { sweepId } = await startSweep(p.client, { ...spec('live'), split: { kind: 'template-grouped-kfold', k: 5, seed: 7 }, concurrency: 1 });
    const lines: string[] = [];
    let watchEnded = false;
    const stderr = vi.spyOn(console, 'error').mockImplementation((line: unknown) => { lines.push(String(line)); });
    const watching = watchSweep(p.client, sweepId, { intervalMs: 50, leader: liveLeader(p.db.db, sweepId) }).finally(() => { stderr.mockRestore(); watchEnded = true; });
    // The API as `opensoc serve` builds it: the ETA read from the running workflow over Temporal (a loaded
    // CI machine can take seconds to answer a query: a longer wait than the pages' 1.5 s).
    const app = createApp({ db: p.db.db, store: p.store, auth: { readsPublic: true }, logger: () => {}, readCacheMs: 0, sweepEta: (wf) => sweepEtaOf(p.client, wf), sweepEtaWaitMs: 15_000 });
    // Polled while the sweep runs, until an estimate resting on a finished unit shows on both (or the sweep ends).
    const url = (page: string) => `${page}/${encodeURIComponent(sweepId)}`;
    const etaSeen = (async () => {
      type Eta = { seconds: number | null; finishedUnits: number };
      let api: Eta | null = null;
      let page: string | null = null;
      while (!watchEnded && !(api && page)) {
        // JSON and page read together, so both fall inside the window while units run.
        const [res, html] = await Promise.all([app.request(url('/v1/sweeps')), Promise.resolve(app.request(url('/sweeps'))).then((r) => r.text())]);
        const s = res.status === 200 ? ((await res.json()) as { status: string; eta: Eta | null }) : null; // 404 until prepareSweep stores it
        if (s?.eta && s.eta.finishedUnits > 0) api ??= s.eta;
        if (s) page ??= /<dd id="eta">(about [^<]*)<\/dd>/.exec(html)?.[1] ?? null;
        if (s && s.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return { api, page };
    })();
    let seen: { n: number; units: number } | null = null;
    while (!seen) {
      const rows = await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' });
      const sweep = await getSweep(p.db.db, sweepId);
      // Read after the rows: a sweep still running means these rows were there before the final aggregation.
      if (rows.length > 0 && sweep?.status === 'running') {
        expect(rows.every((r) => r.partial)).toBe(true);
        // Pooled over the folds finished so far: fewer records than the dataset has.
        seen = { n: Math.max(...rows.map((r) => r.n)), units: (await listRuns(p.db.db, sweepId)).length };
      }
      if (sweep && sweep.status !== 'running' && !seen) throw new Error(`sweep ended ${sweep?.status} before a partial row was seen`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.n).toBeGreaterThan(0);
    const result = await watching;
    // While it ran, the API and the sweep page gave an estimate resting on finished units; once it ended, none.
    const eta = await etaSeen;
    expect(eta.api).toMatchObject({ seconds: expect.any(Number), finishedUnits: expect.any(Number) });
    expect(eta.page).toMatch(/^about \d+ (s|min), from the durations of \d+ finished units?$/);
    expect(((await (await app.request(url('/v1/sweeps'))).json()) as { eta: unknown }).eta).toBeNull();
    expect(await (await app.request(url('/sweeps'))).text()).not.toContain('id="eta"');
    expect(result).toMatchObject({ status: 'completed', units: 10 });
    if (process.env.OPENSOC_RECORD_HISTORIES === '1') {
      // A history with the live-results patch, so the replay test covers both code paths.
      writeFileSync(path.join(repoRoot, 'test/fixtures/histories', 'sweep-live.json'), await historyJson(await p.client.workflow.getHandle(sweepId).fetchHistory()));
    }

    // The final aggregation replaced every partial row: complete n, no partial flag, tests run.
    const final = await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' });
    const records = (await p.db.db.execute(sql`SELECT record_count AS n FROM dataset_versions WHERE name = 'sample' AND hash = (SELECT dataset_hash FROM sweeps WHERE id = ${sweepId})`)) as unknown as { rows: { n: number }[] };
    const total = Number(records.rows[0]!.n);
    expect(final.map((r) => [r.family, r.partial, r.n]).sort()).toEqual([['keyword-rules', false, total], ['majority', false, total]]);
    // The partial row seen earlier pooled only the folds finished by then.
    expect(seen.n).toBeLessThan(total);
    expect(final.some((r) => r.pVsTopAdjusted !== null)).toBe(true);
    const stale = (await p.db.db.execute(sql`SELECT count(*)::int AS n FROM leaderboard_entries WHERE sweep_id = ${sweepId} AND partial`)) as unknown as { rows: { n: number }[] };
    expect(stale.rows[0]!.n).toBe(0);

    // watch: an ETA only once a unit has finished, resting on the finished units' mean, and the leader marked partial with its n.
    const training = lines.filter((l) => l.startsWith('training'));
    expect(training.length).toBeGreaterThan(0);
    const etas = training.map((l) => /ETA (\d+)s \(baseline ([\d.]+)s per unit, from (\d+) finished units?\)/.exec(l)).filter((m) => m !== null);
    expect(etas.length).toBeGreaterThan(0);
    for (const m of etas) expect(Number(m[3])).toBeGreaterThan(0);
    expect(training.filter((l) => !l.includes('finished unit')).every((l) => l.includes('ETA after the first unit finishes'))).toBe(true);
    expect(training.some((l) => /leader \S+ [\d.]+% \(n \d+, PARTIAL: may change\)/.test(l))).toBe(true);
  });

  it('rejects an invalid spec before starting anything, listing every error', async () => {
    const bad = { ...spec('bad'), split: { kind: 'template-grouped-kfold', k: 1 }, concurrency: 0, dataset: 'no version' };
    await expect(startSweep(p.client, bad)).rejects.toThrow(/invalid sweep spec \(3 errors\)[\s\S]*dataset[\s\S]*split\.k[\s\S]*concurrency/);
  });
});
