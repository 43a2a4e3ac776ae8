import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFoldResults, listPredictionSets, listRuns, sql } from '@opensoc/db';
import { startService, stopService, type ServiceName } from '@opensoc/local-services';
import { pushRecords, startSweep } from '@opensoc/platform';
import { spawnTrainingWorker, startWorkers, type RunningWorkers, type TrainingWorkerProcess } from '@opensoc/worker';
import { corpusSample } from './support/corpus.ts';
import { testPlatform, trainingWorkerEnv, type TestPlatform } from './support/platform.ts';
import { testServicesConfig } from './support/services.ts';

let p: TestPlatform;
let orchestration: RunningWorkers;
let trainer: TrainingWorkerProcess;

beforeAll(async () => {
  p = await testPlatform('reliable');
  orchestration = await startWorkers({ db: p.db.db, store: p.store, temporalAddress: p.temporalAddress, namespace: p.namespace }, ['orchestration']);
  trainer = spawnTrainingWorker({ env: trainingWorkerEnv(p) });
  await trainer.ready;
  await pushRecords({ db: p.db.db, store: p.store }, corpusSample(6), { name: 'small' });
});
afterAll(async () => {
  await trainer?.stop();
  await orchestration?.shutdown();
  await p?.close();
});

// Ten folds x two baselines, one unit at a time: long enough to break something in the middle.
const spec = (name: string) => ({
  name, dataset: 'small@latest', split: { kind: 'stratified-kfold', k: 10, seed: 3 },
  baseModel: { kind: 'checkpoint', path: '/unused' }, search: { kind: 'grid', grid: { ranks: [], alphas: [1] } },
  baselines: ['majority', 'keyword-rules'], concurrency: 1,
});

async function progress(sweepId: string): Promise<number> {
  try {
    const q = await p.client.workflow.getHandle(sweepId).query<{ done: number }>('progress');
    return q.done;
  } catch {
    return 0;
  }
}

/** Runs a sweep and takes a service away for `seconds` once `afterUnits` units are done. */
async function sweepThroughOutage(name: string, service: ServiceName, seconds: number, afterUnits = 3) {
  const { sweepId } = await startSweep(p.client, spec(name));
  while ((await progress(sweepId)) < afterUnits) await new Promise((r) => setTimeout(r, 200));
  const cfg = testServicesConfig();
  await stopService(cfg, service);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await startService(cfg, service);
  const result = await p.client.workflow.getHandle(sweepId).result();
  return { sweepId, result };
}

/** Exactly one row per run x fold x mode, intact predictions, and a full leaderboard: nothing lost or duplicated. */
async function expectComplete(sweepId: string) {
  const runs = await listRuns(p.db.db, sweepId);
  expect(runs).toHaveLength(2);
  for (const run of runs) {
    expect(await listFoldResults(p.db.db, run.id)).toHaveLength(10);
    const sets = await listPredictionSets(p.db.db, run.id);
    expect(sets).toHaveLength(10);
    for (const s of sets) await p.store.getBytes(s.objectKey); // sha256-verified read
  }
  const entries = (await p.db.db.execute(sql`SELECT count(*)::int AS n, sum(n)::int AS records FROM leaderboard_entries WHERE sweep_id = ${sweepId}`)) as unknown as { rows: { n: number; records: number }[] };
  expect(entries.rows[0]).toEqual({ n: 10, records: 10 * corpusSample(6).length });
}

describe('sweeps survive outages of the real services', () => {
  it('Temporal dev server restarted mid-sweep (persistent db file): the sweep completes', async () => {
    const { sweepId, result } = await sweepThroughOutage('temporal-restart', 'temporal', 2);
    expect(result.status).toBe('completed');
    await expectComplete(sweepId);
  });

  it('PostgreSQL stopped for 20 s mid-sweep: activities retry, nothing lost or duplicated', async () => {
    const { sweepId, result } = await sweepThroughOutage('pg-outage', 'postgres', 20);
    expect(result.status).toBe('completed');
    await expectComplete(sweepId);
  });

  it('S3 stopped for 20 s mid-sweep: uploads retried and completed, checksums verified', async () => {
    const { sweepId, result } = await sweepThroughOutage('s3-outage', 's3', 20);
    expect(result.status).toBe('completed');
    await expectComplete(sweepId);
  });
});
