/**
 * Orchestration overhead: a sweep whose training activities do no training (they write
 * majority-class predictions to S3 and return), so what is measured is Temporal workflows +
 * activities + S3 + PostgreSQL per unit. `pnpm bench orchestration [units=200]`.
 * Runs its own services on bench ports under .opensoc/bench.
 */
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { TASK_QUEUES, type Prediction } from '@opensoc/contracts';
import { connectPostgres } from '@opensoc/db';
import { connectionInfo, startAll, stopAll, type LocalServicesConfig } from '@opensoc/local-services';
import { datasetKey, loadDatasetRecords, loadSplit, predictionsKey, pushRecords, startSweep, writePredictions, CV_EVAL_SET } from '@opensoc/platform';
import { ArtifactStore } from '@opensoc/storage';
import type { TrainingActivities } from '@opensoc/workflows';
import { startWorkers } from '../src/index.ts';
import { corpusSample } from '../../../test/support/corpus.ts';

const units = Number(process.argv[2] ?? 200);
const root = path.resolve(import.meta.dirname, '../../..');
const cfg: LocalServicesConfig = { dataDir: path.join(root, '.opensoc/bench'), temporalPort: 23233, postgresPort: 23432, s3Port: 20333, s3AccessKey: 'bench', s3SecretKey: 'bench-secret' };
await startAll(cfg);
const c = connectionInfo(cfg);
const db = await connectPostgres(c.databaseUrl);
const store = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket: 'bench', accessKeyId: 'bench', secretAccessKey: 'bench-secret' });
await store.ensureBucket();

const noop: TrainingActivities = {
  async pretrainBase() { return { modelKey: 'noop', cached: true }; },
  async trainLora(_ctx, unit) { return { adapterKey: `runs/${unit.runId}/f${unit.fold}/adapter`, lossCurve: [{ step: 1, loss: 1 }], resumedFromStep: null }; },
  async evaluateUnit(ctx, unit) {
    const manifest = await loadSplit(store, ctx.splitHash);
    const records = await loadDatasetRecords(store, { objectKey: datasetKey(ctx.dataset.name, ctx.dataset.hash) });
    const byId = new Map(records.map((r) => [r.id, r]));
    const preds: Prediction[] = manifest.folds[unit.fold]!.testIds.map((id) => ({ recordId: id, fold: unit.fold, mode: 'label-scoring', predicted: { threatCategory: byId.get(id)!.threatCategory === 'benign' ? 'benign' : 'reconnaissance', mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: 'LOW' } }));
    const w = await writePredictions(store, predictionsKey(unit.runId, unit.fold, 'label-scoring', CV_EVAL_SET), preds);
    return { predictions: [{ mode: 'label-scoring', evalSet: CV_EVAL_SET, ...w }], lossCurve: [] };
  },
  async runBaseline() { throw new Error('no baselines in this bench'); },
};

const orchestration = await startWorkers({ db: db.db, store, temporalAddress: c.temporalAddress, namespace: 'default' }, ['orchestration']);
const trainers: Worker[] = [];
for (let i = 0; i < 2; i++) {
  const connection = await NativeConnection.connect({ address: c.temporalAddress });
  trainers.push(await Worker.create({ connection, taskQueue: TASK_QUEUES.trainCpu, activities: noop, maxConcurrentActivityTaskExecutions: 1 }));
}
const trainerRuns = trainers.map((w) => w.run());

await pushRecords({ db: db.db, store }, corpusSample(12), { name: 'bench' });
const folds = 10;
const ranks = Array.from({ length: Math.ceil(units / folds / 2) }, (_, i) => i + 1);
const client = new Client({ connection: await Connection.connect({ address: c.temporalAddress }) });
const started = performance.now();
const { sweepId } = await startSweep(client, {
  name: 'bench', dataset: 'bench@latest', split: { kind: 'stratified-kfold', k: folds, seed: 1 }, baseModel: { kind: 'checkpoint', path: '/noop' },
  search: { kind: 'grid', grid: { ranks, alphas: [1, 2] } }, baselines: [], modes: ['label-scoring'], concurrency: 20,
});
const result = await client.workflow.getHandle(sweepId).result();
const seconds = (performance.now() - started) / 1000;
const perUnit = (seconds * 2) / result.units; // two training workers
console.log(JSON.stringify({
  units: result.units, status: result.status, wallSeconds: +seconds.toFixed(1), unitsPerSecond: +(result.units / seconds).toFixed(2),
  overheadSecondsPerUnitPerWorker: +perUnit.toFixed(3), shareOf60sTraining: `${((100 * perUnit) / 60).toFixed(2)}%`,
}, null, 2));

for (const t of trainers) t.shutdown();
await Promise.all(trainerRuns);
await orchestration.shutdown();
store.destroy();
await db.close();
await stopAll(cfg);
process.exit(0);
