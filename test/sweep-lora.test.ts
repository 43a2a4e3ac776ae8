import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSweep, listFoldResults, listLeaderboard, listRuns } from '@opensoc/db';
import { pushRecords, startSweep } from '@opensoc/platform';
import { spawnTrainingWorker, startWorkers, type RunningWorkers, type TrainingWorkerProcess } from '@opensoc/worker';
import { corpusSample } from './support/corpus.ts';
import { testPlatform, trainingWorkerEnv, type TestPlatform } from './support/platform.ts';
import { repoRoot } from './support/services.ts';

let p: TestPlatform;
let orchestration: RunningWorkers;
const trainers: TrainingWorkerProcess[] = [];
const records = corpusSample(4); // 68 records, every category
const testIds = records.filter((_, i) => i % 4 === 0).map((r) => r.id);

beforeAll(async () => {
  p = await testPlatform('sweeplora');
  orchestration = await startWorkers({ db: p.db.db, store: p.store, temporalAddress: p.temporalAddress, namespace: p.namespace }, ['orchestration']);
  await pushRecords({ db: p.db.db, store: p.store }, records, { name: 'tiny' });
});
afterAll(async () => {
  for (const t of trainers) await t.stop();
  await orchestration?.shutdown();
  await p?.close();
});

// wasm on purpose: the kill and cancel tests must catch training mid-way, and on the native backend this
// tiny model trains in less than one heartbeat interval. Resume on every backend is checked in train.test.ts.
const trainer = (env: Record<string, string> = {}) => {
  const t = spawnTrainingWorker({ env: trainingWorkerEnv(p, { OPENSOC_CHECKPOINT_EVERY: '2', OPENSOC_TF_BACKEND: 'wasm', ...env }) });
  trainers.push(t);
  return t;
};

const spec = (name: string) => ({
  name,
  dataset: 'tiny@latest',
  split: { kind: 'fixed', testIds },
  // A small Llama pretrained by the pipeline itself (cached by content, so the second sweep reuses it).
  baseModel: { kind: 'pretrain', hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, intermediateSize: 64, maxSequenceLength: 64, steps: 3, learningRate: 3e-3, seed: 1 },
  search: { kind: 'grid', grid: { ranks: [4], alphas: [8], learningRates: [5e-3], epochs: [2] } },
  batchSize: 4,
  maxSequenceLength: 192,
  modes: ['label-scoring', 'generate-fuzzy'],
  baselines: ['majority'],
  heartbeatTimeoutSeconds: 4,
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
async function adapterHash(sweepId: string) {
  const [run] = (await listRuns(p.db.db, sweepId)).filter((r) => r.family === 'lora');
  const fold = (await listFoldResults(p.db.db, run!.id)).find((f) => f.adapterKey);
  return sha(await p.store.getBytes(`${fold!.adapterKey}/adapter_model.safetensors`));
}

/** Waits until the running LoRA unit reports a training step >= minStep with a checkpoint. */
async function waitForCheckpoint(sweepId: string, minStep: number): Promise<void> {
  const unitId = `${sweepId}/r4-a8/f0/s1`;
  for (let i = 0; i < 600; i++) {
    try {
      const d = await p.client.workflow.getHandle(unitId).describe();
      const data = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
      if (data) {
        const h = JSON.parse(Buffer.from(data).toString('utf8'));
        if (h.step >= minStep && h.checkpointKey) return;
      }
    } catch { /* not started yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('training never reached the expected step');
}

describe('LoRA sweeps on a pipeline-pretrained Llama', () => {
  let uninterrupted: string;

  it('trains, evaluates in every mode and records the leaderboard', async () => {
    const t = trainer();
    await t.ready;
    const { sweepId } = await startSweep(p.client, spec('plain'));
    const result = await p.client.workflow.getHandle(sweepId).result();
    expect(result.status).toBe('completed');
    const rows = await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' });
    expect(rows.map((r) => `${r.family}/${r.mode}`).sort()).toEqual(['lora/generate-fuzzy', 'lora/label-scoring', 'majority/baseline']);
    for (const r of rows) expect(r.n).toBe(testIds.length);
    const lora = (await listRuns(p.db.db, sweepId)).find((r) => r.family === 'lora')!;
    const folds = await listFoldResults(p.db.db, lora.id);
    const curve = folds[0]!.trainLoss as { step: number; loss: number }[];
    expect(curve.length).toBeGreaterThan(4);
    expect(curve.at(-1)!.loss).toBeLessThan(curve[0]!.loss); // it learned something
    uninterrupted = sweepId;
    await t.stop();

    // An analyst runs the trained adapter over their own logs (the CLI, label scoring, JSONL out).
    const logs = records.slice(0, 3).map((r) => r.log.split('\n')[0]).join('\n');
    const entry = rows.find((r) => r.family === 'lora' && r.mode === 'label-scoring')!;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'classify', '--adapter', entry.id, '-'], {
        cwd: repoRoot, env: { ...process.env, ...trainingWorkerEnv(p), DATABASE_URL: p.databaseUrl },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(`${logs}\n`);
    });
    expect(out.code, out.stderr).toBe(0);
    const labels = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(labels).toHaveLength(3);
    for (const l of labels) {
      expect(Object.keys(l).filter((k) => k !== 'reason').sort()).toEqual(['log', 'mitreTactic', 'mitreTechnique', 'mitreTechniqueParent', 'severity', 'threatCategory']);
      // Schema-consistent: a combination some record of that category carries, or a null technique with its reason.
      if (l.mitreTechnique === null) expect(l.reason).toEqual(expect.any(String));
      else expect(records.some((r) => r.threatCategory === l.threatCategory && r.mitreTechnique === l.mitreTechnique && r.mitreTactic === l.mitreTactic), JSON.stringify(l)).toBe(true);
    }
    expect(out.stderr).toMatch(/records\/s/);
  });

  it('resumes from the last checkpoint after kill -9 of the training worker, bit-identically', async () => {
    const a = trainer();
    await a.ready;
    const { sweepId } = await startSweep(p.client, spec('killed'));
    await waitForCheckpoint(sweepId, 3);
    a.child.kill('SIGKILL');
    await a.exited;
    const b = trainer();
    await b.ready;
    const result = await p.client.workflow.getHandle(sweepId).result();
    expect(result.status).toBe('completed');
    const sweep = await getSweep(p.db.db, sweepId);
    expect(sweep?.status).toBe('completed');
    // The training activity really ran twice, and the second attempt had checkpoints to resume from.
    const history = await p.client.workflow.getHandle(`${sweepId}/r4-a8/f0/s1`).fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(Math.max(...attempts.map(Number))).toBeGreaterThan(1);
    const lora = (await listRuns(p.db.db, sweepId)).find((r) => r.family === 'lora')!;
    expect((await p.store.list(`runs/${lora.id}/f0/checkpoints/`)).length).toBeGreaterThan(0);
    // Same seed and backend: the resumed adapter equals the uninterrupted one, byte for byte.
    expect(await adapterHash(sweepId)).toBe(await adapterHash(uninterrupted));
    const accuracy = async (id: string) => (await listLeaderboard(p.db.db, { sweepId: id, task: 'threatCategory', mode: 'label-scoring' }))[0]!.accuracy;
    expect(await accuracy(sweepId)).toBe(await accuracy(uninterrupted));
    await b.stop();
  });

  it('two training workers share a sweep; when one is killed the other finishes all the work', async () => {
    const [a, b] = [trainer(), trainer()];
    await Promise.all([a.ready, b.ready]);
    const twoConfigs = { ...spec('shared'), search: { kind: 'grid', grid: { ranks: [2, 4], alphas: [8], learningRates: [5e-3], epochs: [2] } }, concurrency: 2 };
    const { sweepId } = await startSweep(p.client, twoConfigs);
    await waitForCheckpoint(sweepId, 2);
    a.child.kill('SIGKILL');
    await a.exited;
    const result = await p.client.workflow.getHandle(sweepId).result();
    expect(result).toMatchObject({ status: 'completed', units: 3 });
    const rows = await listLeaderboard(p.db.db, { sweepId, task: 'severity', mode: 'label-scoring' });
    expect(rows.map((r) => r.label).sort()).toEqual(['r2-a8', 'r4-a8']);
    await b.stop();
  });

  it('cancelling a sweep stops running training promptly, after a checkpoint', async () => {
    const t = trainer();
    await t.ready;
    const long = { ...spec('cancelled'), search: { kind: 'grid', grid: { ranks: [4], alphas: [8], learningRates: [5e-3], epochs: [30] } } };
    const { sweepId } = await startSweep(p.client, long);
    await waitForCheckpoint(sweepId, 2);
    const cancelledAt = Date.now();
    await p.client.workflow.getHandle(sweepId).cancel();
    await expect(p.client.workflow.getHandle(sweepId).result()).rejects.toThrow();
    const unit = p.client.workflow.getHandle(`${sweepId}/r4-a8/f0/s1`);
    for (let i = 0; i < 120 && (await unit.describe()).status.name === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 250));
    expect((await unit.describe()).status.name).toBe('CANCELLED');
    expect(Date.now() - cancelledAt).toBeLessThan(30_000); // promptly
    expect((await getSweep(p.db.db, sweepId))?.status).toBe('cancelled');
    const history = await unit.fetchHistory();
    expect(history.events!.some((e) => e.activityTaskCanceledEventAttributes)).toBe(true);
    const run = (await listRuns(p.db.db, sweepId)).find((r) => r.family === 'lora');
    const runId = run?.id ?? `${sweepId}.r4-a8.s1`;
    expect((await p.store.list(`runs/${runId}/f0/checkpoints/`)).length).toBeGreaterThan(0);
    await t.stop();
  });
});

