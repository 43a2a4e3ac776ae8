import { createHash, randomUUID } from 'node:crypto';
import { connectPostgres, getLeaderboardEntry, updateSweep, type DbHandle } from '@opensoc/db';
import { ArtifactStore } from '@opensoc/storage';
import { createApp, type AccessLogEntry, type AppDeps } from '@opensoc/api';
import { mulberry32, significanceDirection, trainingDatasetOf, type SweepSpec } from '@opensoc/contracts';
import { holmAdjust, mcnemarFromCounts } from '@opensoc/eval';
import { freshDatabase } from './databases.ts';
import { testConnections } from './services.ts';
import {
  registerDatasetVersion, registerSplit, upsertComparisons, upsertFoldResult, upsertLeaderboardEntries, upsertPredictionSet, upsertReproduction, upsertRun,
  upsertSweep, setReproductionStatus, type Db, type NewLeaderboardEntry,
} from '@opensoc/db';

/**
 * Writes a small but realistic leaderboard through the packages/db repo functions:
 * two dataset versions, a template-grouped 3-fold split with its leakage report, a sweep
 * over LoRA rank × alpha plus three baselines, fold results with per-task metrics
 * (confusion matrices, per-class scores, intervals), training curves, prediction sets,
 * leaderboard entries with p-values, paired comparisons and a reproduction.
 */

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Deterministic numbers: every seed gives the same data. */
const prng = mulberry32;

export const SEED_TASKS = {
  threatCategory: ['benign', 'brute-force', 'web-attack', 'malware', 'recon'],
  severity: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'],
} as const;

function wilson(k: number, n: number): [number, number] {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** A confusion matrix over labels with about `acc` on the diagonal, n records. */
function taskMetrics(task: string, labels: readonly string[], n: number, acc: number, rnd: () => number) {
  const matrix = labels.map(() => labels.map(() => 0));
  const per = Math.floor(n / labels.length);
  let correct = 0;
  labels.forEach((_, i) => {
    const count = i === labels.length - 1 ? n - per * (labels.length - 1) : per;
    for (let r = 0; r < count; r++) {
      if (rnd() < acc) { matrix[i]![i]!++; correct++; } else { let j = Math.floor(rnd() * labels.length); if (j === i) j = (j + 1) % labels.length; matrix[i]![j]!++; }
    }
  });
  const perClass = labels.map((label, i) => {
    const tp = matrix[i]![i]!;
    const support = matrix[i]!.reduce((s, x) => s + x, 0);
    const predicted = matrix.reduce((s, row) => s + row[i]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return { label, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  const macroF1 = perClass.reduce((s, c) => s + c.f1, 0) / perClass.length;
  const [low, high] = wilson(correct, n);
  return {
    task, n, accuracy: correct / n, accuracyInterval: { low, high, method: 'wilson' as const, level: 0.95 }, macroF1,
    macroF1Interval: { low: Math.max(0, macroF1 - 0.06), high: Math.min(1, macroF1 + 0.06), method: 'bootstrap' as const, level: 0.95 },
    microF1: correct / n, weightedF1: macroF1, parseFailures: Math.floor(rnd() * 3), perClass, confusion: { labels: [...labels], matrix },
  };
}

export interface SeededLeaderboard {
  sweepId: string;
  datasetName: string;
  datasetHash: string;
  parentHash: string;
  splitHash: string;
  loraRunIds: string[];
  baselineRunIds: string[];
  bestRunId: string;
  bestBaselineRunId: string;
  topEntryId: string;
  entryIds: string[];
  reproductionId: string;
}

export interface SeedOptions { sweepId?: string; folds?: number; perFold?: number }

export async function seedLeaderboard(db: Db, opts: SeedOptions = {}): Promise<SeededLeaderboard> {
  const sweepId = opts.sweepId ?? 'sweep-demo';
  const folds = opts.folds ?? 3;
  const perFold = opts.perFold ?? 40;
  const rnd = prng(42);
  const datasetName = 'corpus';
  const parentHash = sha('corpus-v1');
  const datasetHash = sha('corpus-v2');
  const stats = (n: number) => ({
    records: n, byCategory: { benign: n * 0.3, 'brute-force': n * 0.2, 'web-attack': n * 0.3, malware: n * 0.1, recon: n * 0.1 },
    bySource: { 'http-access': Math.round(n * 0.8), 'windows-event': Math.round(n * 0.12), sshd: Math.round(n * 0.08) },
    bySeverity: { LOW: n * 0.3, MEDIUM: n * 0.3, HIGH: n * 0.3, CRITICAL: n * 0.1 },
  });
  await registerDatasetVersion(db, { name: datasetName, hash: parentHash, objectKey: `datasets/${datasetName}/${parentHash}.jsonl`, recordCount: 100, templateCount: 31, stats: stats(100), message: 'initial import' });
  await registerDatasetVersion(db, { name: datasetName, hash: datasetHash, parentHash, objectKey: `datasets/${datasetName}/${datasetHash}.jsonl`, recordCount: folds * perFold, templateCount: 47, stats: stats(folds * perFold), message: 'add sshd and windows events' });

  const splitSpec = { kind: 'template-grouped-kfold', k: folds, seed: 1 };
  const splitHash = sha(JSON.stringify({ datasetHash, splitSpec }));
  await registerSplit(db, {
    hash: splitHash, datasetHash, kind: splitSpec.kind, spec: splitSpec, objectKey: `folds/${splitHash}.json`,
    leakage: {
      folds: Array.from({ length: folds }, (_, i) => ({ fold: i, testRecords: perFold, testTemplates: 15, sharedTemplates: i === 0 ? 1 : 0, leakedRecords: i === 0 ? 2 : 0, leakedFraction: i === 0 ? 2 / perFold : 0 })),
      total: { testRecords: folds * perFold, leakedRecords: 2, leakedFraction: 2 / (folds * perFold) },
    },
  });
  // A stratified split of the same version, whose leakage is much worse: what the dataset page contrasts.
  const stratHash = sha(JSON.stringify({ datasetHash, kind: 'stratified' }));
  await registerSplit(db, {
    hash: stratHash, datasetHash, kind: 'stratified-kfold', spec: { kind: 'stratified-kfold', k: folds, seed: 1 }, objectKey: `folds/${stratHash}.json`,
    leakage: { folds: Array.from({ length: folds }, (_, i) => ({ fold: i, testRecords: perFold, sharedTemplates: 9, leakedRecords: 21 + i, leakedFraction: (21 + i) / perFold })) },
  });

  const ranks = [4, 8, 16];
  const alphas = [8, 16, 32];
  const spec = {
    name: 'demo', dataset: `${datasetName}@${datasetHash.slice(0, 12)}`, split: splitSpec, baseModel: { kind: 'pretrain' },
    search: { kind: 'grid', grid: { ranks, alphas } }, seeds: [1], modes: ['label-scoring'], baselines: ['majority', 'keyword-rules', 'tfidf-logreg'],
  };
  await upsertSweep(db, {
    id: sweepId, name: 'demo', spec, specHash: sha(JSON.stringify(spec)), datasetName, datasetHash, status: 'running',
    totalUnits: ranks.length * alphas.length * folds + 3 * folds, doneUnits: ranks.length * alphas.length * folds, workflowId: `sweep-${sweepId}`,
  });

  type Unit = { id: string; family: string; label: string; config: Record<string, unknown>; mode: string; acc: number };
  const units: Unit[] = [];
  for (const r of ranks) for (const a of alphas) {
    // r4-a8 collapsed below even the majority baseline (the leaderboard must mark it worse, not better);
    // r4-a16 is level with the best baseline (no mark).
    const grown = Math.min(0.93, 0.62 + 0.04 * Math.log2(r) + 0.02 * Math.log2(a / 8) + rnd() * 0.03);
    const acc = r === 4 && a === 8 ? 0.12 : r === 4 && a === 16 ? 0.68 : grown;
    units.push({ id: `${sweepId}/r${r}-a${a}/s1`, family: 'lora', label: `r${r}-a${a}`, config: { rank: r, alpha: a, dropout: 0, learningRate: 1e-3, epochs: 1 }, mode: 'label-scoring', acc });
  }
  const baselineAcc: Record<string, number> = { majority: 0.3, 'keyword-rules': 0.55, 'tfidf-logreg': 0.68 };
  for (const b of Object.keys(baselineAcc)) units.push({ id: `${sweepId}/${b}/s1`, family: b, label: b, config: { baseline: b }, mode: 'baseline', acc: baselineAcc[b]! });

  const entries: NewLeaderboardEntry[] = [];
  for (const u of units) {
    await upsertRun(db, {
      id: u.id, sweepId, family: u.family, label: u.label, config: u.config, configHash: sha(JSON.stringify(u.config)), seed: 1, datasetName, datasetHash,
      splitHash, splitKind: splitSpec.kind, codeCommit: '3f9c2d41a7b8e6f0c1d2e3f4a5b6c7d8e9f0a1b2', status: 'completed',
    });
    const pooled = new Map<string, { correct: number; n: number; f1s: number[]; accs: number[] }>();
    for (let fold = 0; fold < folds; fold++) {
      const metrics = Object.entries(SEED_TASKS).map(([task, labels]) => taskMetrics(task, labels, perFold, task === 'severity' ? u.acc - 0.08 : u.acc, rnd));
      for (const m of metrics) {
        const p = pooled.get(m.task) ?? { correct: 0, n: 0, f1s: [], accs: [] };
        p.correct += Math.round(m.accuracy * m.n); p.n += m.n; p.f1s.push(m.macroF1); p.accs.push(m.accuracy);
        pooled.set(m.task, p);
      }
      const trainLoss = u.family === 'lora' ? Array.from({ length: 20 }, (_, i) => ({ step: i * 10, loss: 2.6 * Math.exp(-i / (6 + fold)) + 0.35 + rnd() * 0.05 })) : [];
      await upsertFoldResult(db, { runId: u.id, fold, mode: u.mode, evalSet: 'cv', metrics, trainLoss, adapterKey: u.family === 'lora' ? `runs/${u.id}/adapter/fold-${fold}/adapter_model.safetensors` : null });
      await upsertPredictionSet(db, { runId: u.id, fold, mode: u.mode, evalSet: 'cv', objectKey: `runs/${u.id}/predictions-fold-${fold}.jsonl`, sha256: sha(`${u.id}/${fold}`), count: perFold });
    }
    for (const [task, p] of pooled) {
      const acc = p.correct / p.n;
      const [low, high] = wilson(p.correct, p.n);
      const mean = p.accs.reduce((s, x) => s + x, 0) / p.accs.length;
      const sd = Math.sqrt(p.accs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, p.accs.length - 1));
      const f1 = p.f1s.reduce((s, x) => s + x, 0) / p.f1s.length;
      entries.push({
        id: `${u.id}:${u.mode}:${task}:cv`, runId: u.id, sweepId, datasetName, datasetHash, evalSet: 'cv', task, mode: u.mode, family: u.family, label: u.label,
        splitKind: splitSpec.kind, n: p.n, accuracy: acc, accuracyLow: low, accuracyHigh: high, macroF1: f1, macroF1Low: Math.max(0, f1 - 0.05), macroF1High: Math.min(1, f1 + 0.05),
        foldMean: mean, foldStd: sd, parseFailures: 0,
      });
    }
  }
  // Paired tests against the top entry and the best baseline of each task: discordant counts from
  // the accuracy gap, McNemar p, Holm across each family, and the direction from the counts.
  for (const task of Object.keys(SEED_TASKS)) {
    const rows = entries.filter((e) => e.task === task).sort((a, b) => b.accuracy - a.accuracy);
    const top = rows[0]!;
    const bestBaseline = rows.find((e) => e.family !== 'lora')!;
    const majority = entries.find((e) => e.task === task && e.family === 'majority')!;
    const counts = (e: NewLeaderboardEntry, other: NewLeaderboardEntry) => {
      const diff = Math.round((e.accuracy - other.accuracy) * e.n);
      const both = Math.round(0.05 * e.n);
      return diff >= 0 ? { b: both + diff, c: both } : { b: both, c: both - diff };
    };
    const family = (target: NewLeaderboardEntry, skip: (e: NewLeaderboardEntry) => boolean) => {
      const tested = rows.filter((e) => e !== target && !skip(e)).map((e) => ({ e, ...counts(e, target) }));
      const adjusted = holmAdjust(tested.map((t) => mcnemarFromCounts(t.b, t.c).p));
      return tested.map((t, i) => ({ ...t, p: mcnemarFromCounts(t.b, t.c).p, adjusted: adjusted[i]!, direction: significanceDirection(t.b, t.c, adjusted[i]!) }));
    };
    for (const t of family(top, () => false)) {
      Object.assign(t.e, { pVsTop: t.p, pVsTopAdjusted: t.adjusted, vsTopDirection: t.direction, vsTopOnlyThis: t.b, vsTopOnlyOther: t.c });
    }
    for (const t of family(bestBaseline, (e) => e.family !== 'lora')) {
      Object.assign(t.e, { pVsBestBaseline: t.p, pVsBestBaselineAdjusted: t.adjusted, vsBestBaselineDirection: t.direction, vsBestBaselineOnlyThis: t.b, vsBestBaselineOnlyOther: t.c });
    }
    for (const e of rows) Object.assign(e, { majorityAccuracy: majority.accuracy, belowMajority: e.accuracy < majority.accuracy });
  }
  await upsertLeaderboardEntries(db, entries);

  const lora = entries.filter((e) => e.family === 'lora' && e.task === 'threatCategory').sort((a, b) => b.accuracy - a.accuracy);
  const base = entries.filter((e) => e.family !== 'lora' && e.task === 'threatCategory').sort((a, b) => b.accuracy - a.accuracy);
  const best = lora[0]!;
  const bestBaseline = base[0]!;
  await upsertComparisons(db, [
    { id: `${sweepId}:cmp:1`, sweepId, runA: best.runId, runB: bestBaseline.runId, task: 'threatCategory', mode: 'label-scoring', test: 'mcnemar-exact', onlyA: 19, onlyB: 6, n: folds * perFold, pValue: 0.0146, pAdjusted: 0.0438, adjustment: 'holm', direction: 'better' },
    { id: `${sweepId}:cmp:2`, sweepId, runA: best.runId, runB: lora[1]!.runId, task: 'threatCategory', mode: 'label-scoring', test: 'mcnemar-exact', onlyA: 7, onlyB: 5, n: folds * perFold, pValue: 0.774, pAdjusted: 1, adjustment: 'holm', direction: 'none' },
    { id: `${sweepId}:cmp:3`, sweepId, runA: bestBaseline.runId, runB: best.runId, task: 'severity', mode: 'label-scoring', test: 'mcnemar-midp', onlyA: 4, onlyB: 15, n: folds * perFold, pValue: 0.0118, pAdjusted: 0.0354, adjustment: 'holm', direction: 'worse' },
  ]);
  const reproductionId = `repro-${sha(best.id!).slice(0, 12)}`;
  await upsertReproduction(db, {
    id: reproductionId, entryId: best.id!, originalRunId: best.runId, status: 'reproduced', tolerance: 0.01,
    verdict: { original: best.accuracy, rerun: best.accuracy - 0.004, difference: -0.004, withinTolerance: true }, finishedAt: new Date(),
  });
  await setReproductionStatus(db, best.id!, 'reproduced');

  return {
    sweepId, datasetName, datasetHash, parentHash, splitHash,
    loraRunIds: units.filter((u) => u.family === 'lora').map((u) => u.id),
    baselineRunIds: units.filter((u) => u.family !== 'lora').map((u) => u.id),
    bestRunId: best.runId, bestBaselineRunId: bestBaseline.runId, topEntryId: best.id!, entryIds: entries.map((e) => e.id!), reproductionId,
  };
}

// ---- an API wired to the real test services ------------------------------------------


export interface TestApi {
  app: ReturnType<typeof createApp>;
  handle: DbHandle;
  store: ArtifactStore;
  seeded: SeededLeaderboard;
  logs: AccessLogEntry[];
  started: SweepSpec[];
  close(): Promise<void>;
}

/**
 * A fresh PostgreSQL database seeded with seedLeaderboard, a bucket on the test S3 server,
 * and write hooks that record to the database the way the orchestration layer does.
 */
export async function createTestApi(prefix: string, overrides: Partial<AppDeps> = {}): Promise<TestApi> {
  const c = testConnections();
  const handle = await connectPostgres(await freshDatabase(prefix));
  const store = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket: 'opensoc-api-test', accessKeyId: c.s3AccessKey, secretAccessKey: c.s3SecretKey });
  await store.ensureBucket();
  const seeded = await seedLeaderboard(handle.db);
  const logs: AccessLogEntry[] = [];
  const started: SweepSpec[] = [];
  const db = handle.db;
  const app = createApp({
    db, store, auth: { readsPublic: true }, logger: (e) => logs.push(e),
    startSweep: async (spec) => {
      started.push(spec);
      const id = `sweep-${randomUUID().slice(0, 8)}`;
      const [name, version = 'latest'] = trainingDatasetOf(spec).split('@') as [string, string?]; // a bare name means the latest version
      await upsertSweep(db, { id, name: spec.name, spec, specHash: sha(JSON.stringify(spec)), datasetName: name, datasetHash: version, status: 'running', workflowId: `wf-${id}` });
      return { sweepId: id };
    },
    cancelSweep: async (id) => { await updateSweep(db, id, { status: 'cancelled' }); },
    startReproduction: async (entryId, tolerance) => {
      const id = `repro-${randomUUID().slice(0, 8)}`;
      const entry = await getLeaderboardEntry(db, entryId);
      await upsertReproduction(db, { id, entryId, originalRunId: entry!.runId, status: 'running', tolerance });
      await setReproductionStatus(db, entryId, 'running');
      return { reproductionId: id };
    },
    ...overrides,
  });
  return { app, handle, store, seeded, logs, started, close: async () => { store.destroy(); await handle.close(); } };
}
