import { createHash } from 'node:crypto';
import { evaluatedDataset, TASKS, significanceDirection, type DatasetRecord, type Prediction, type SweepContext, type Task, type TaskMetrics } from '@opensoc/contracts';
import {
  deleteStaleSweepResults, getDatasetVersion, getRun, getSplit, getSweep, listFoldResults, listPredictionSets, listRuns, upsertComparisons, upsertLeaderboardEntries, upsertFoldResult, upsertPredictionSet, upsertRun,
  type Db, type NewLeaderboardEntry, type RunRow,
} from '@opensoc/db';
import { ABSTAINING_BASELINES, computeTaskMetrics, holmAdjust, isNoPrediction, mcnemarTest, recordGold, taskDataFromSets, type RecordGold } from '@opensoc/eval';
import type { ArtifactStore } from '@opensoc/storage';
import { loadDatasetRecords } from './datasets.ts';
import { loadSplit } from './splits.ts';
import { NotFoundError } from './errors.ts';

/** The evaluation set of every design's test records (k-fold, holdout or fixed); named 'cv' since k-fold came first. */
export const CV_EVAL_SET = 'cv';

/** S3 key of one unit's predictions for one mode and evaluation set. */
export function predictionsKey(runId: string, fold: number, mode: string, evalSet: string): string {
  return `runs/${runId}/f${fold}/${mode}/${evalSet.replace(/[^A-Za-z0-9._-]/g, '_')}/predictions.jsonl`;
}

export async function writePredictions(store: ArtifactStore, key: string, predictions: Prediction[]): Promise<{ key: string; sha256: string; count: number }> {
  const body = predictions.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const sha256 = await store.putBytes(key, new TextEncoder().encode(body), 'application/x-ndjson');
  return { key, sha256, count: predictions.length };
}

export async function readPredictions(store: ArtifactStore, key: string): Promise<Prediction[]> {
  const text = await store.getText(key);
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Prediction);
}

/** Per task, one record set's metric input: only records labelled for the task, correctness decided once (eval's isCorrect). */
function scoreTask(golds: readonly RecordGold[], predictions: readonly Prediction[], task: Task) {
  return taskDataFromSets(golds.map((g) => g[task]), predictions.map((p) => p.predicted[task] ?? null), predictions.map((p) => p.failures?.[task] !== undefined));
}

function goldOf(gold: Map<string, DatasetRecord>, predictions: readonly Prediction[]): RecordGold[] {
  return predictions.map((p) => {
    const record = gold.get(p.recordId);
    if (!record) throw new Error(`prediction for unknown record ${p.recordId}`);
    return recordGold(record);
  });
}

/** Metrics for every task from predictions aligned to gold records by id; each task on the records labelled for it. */
export function metricsFor(gold: Map<string, DatasetRecord>, predictions: Prediction[], opts: { bootstrap?: boolean } = {}): TaskMetrics[] {
  const golds = goldOf(gold, predictions);
  return TASKS.map((task) => computeTaskMetrics(task, scoreTask(golds, predictions, task), { bootstrap: opts.bootstrap ? { seed: 1, resamples: 1000 } : false }));
}

/** Accuracy of always answering the most frequent label (any-match for multi-label records). */
export function majorityRate(sets: readonly (readonly (string | null)[])[]): number {
  if (sets.length === 0) return 0;
  const counts = new Map<string | null, number>();
  for (const set of sets) for (const l of new Set(set)) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Math.max(...counts.values()) / sets.length;
}

export interface RecordUnitInput {
  ctx: SweepContext;
  unit: { runId: string; label: string; fold: number; seed: number; kind: 'lora' | 'baseline'; config?: unknown; baseline?: string };
  predictions: { mode: string; evalSet: string; key: string; sha256: string; count: number }[];
  adapterKey?: string;
  lossCurve: { step: number; loss: number }[];
}

/**
 * Coverage of an entry whose method may decline to answer (Sigma rules): the share of the records
 * it predicted that got an answer; null for methods that always answer.
 */
export function coverageOf(family: string, predictions: readonly Prediction[]): number | null {
  if (!(ABSTAINING_BASELINES as readonly string[]).includes(family) || predictions.length === 0) return null;
  return predictions.filter((p) => !isNoPrediction(p)).length / predictions.length;
}

/** Records one unit: the run row, and per mode and eval set its predictions index and fold metrics. Idempotent. */
export async function recordUnit(deps: { db: Db; store: ArtifactStore }, input: RecordUnitInput): Promise<Record<string, number>> {
  const { ctx, unit } = input;
  const split = await getSplit(deps.db, ctx.splitHash);
  const config = unit.kind === 'lora' ? unit.config : { baseline: unit.baseline };
  await upsertRun(deps.db, {
    id: unit.runId, sweepId: ctx.sweepId, family: unit.kind === 'lora' ? 'lora' : unit.baseline!, label: unit.label, config: config as object,
    configHash: sha(JSON.stringify(config)), seed: unit.seed, datasetName: ctx.dataset.name, datasetHash: ctx.dataset.hash, splitHash: ctx.splitHash,
    splitKind: split?.kind ?? ctx.splitKind, codeCommit: ctx.codeCommit, status: 'running',
  });
  const golds = new Map<string, Map<string, DatasetRecord>>();
  const goldFor = async (evalSet: string) => {
    if (!golds.has(evalSet)) {
      if (evalSet !== CV_EVAL_SET) throw new Error(`unknown evaluation set ${evalSet}`);
      const ref = evaluatedDataset(ctx);
      const row = await getDatasetRowByHash(deps.db, ref.name, ref.hash);
      golds.set(evalSet, new Map((await loadDatasetRecords(deps.store, row)).map((r) => [r.id, r])));
    }
    return golds.get(evalSet)!;
  };
  const accuracy: Record<string, number> = {};
  for (const p of input.predictions) {
    const preds = await readPredictions(deps.store, p.key);
    const metrics = metricsFor(await goldFor(p.evalSet), preds);
    await upsertPredictionSet(deps.db, { runId: unit.runId, fold: unit.fold, mode: p.mode, evalSet: p.evalSet, objectKey: p.key, sha256: p.sha256, count: p.count });
    await upsertFoldResult(deps.db, { runId: unit.runId, fold: unit.fold, mode: p.mode, evalSet: p.evalSet, metrics, trainLoss: input.lossCurve, adapterKey: input.adapterKey ?? null });
    if (p.evalSet === CV_EVAL_SET) accuracy[p.mode] = metrics.find((m) => m.task === 'threatCategory')!.accuracy;
  }
  return accuracy;
}

async function getDatasetRowByHash(db: Db, name: string, hash: string) {
  const row = await getDatasetVersion(db, name, hash);
  if (!row) throw new NotFoundError(`dataset ${name}@${hash} not found`);
  return row;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
export const entryId = (runId: string, mode: string, task: string, evalSet: string) => sha(`${runId}\n${mode}\n${task}\n${evalSet}`).slice(0, 20);

interface Pooled { run: RunRow; mode: string; evalSet: string; byRecord: Map<string, Prediction>; foldAccuracy: Map<Task, number[]> }

/**
 * The leaderboard for a sweep: per run × mode, pooled out-of-fold predictions (each test record
 * of the design predicted once: k folds for cv, one for holdout and fixed designs), metrics with
 * Wilson and bootstrap intervals, per-fold mean/std, and McNemar tests against the top entry and
 * the best baseline, Holm-adjusted per family, with their direction. Each task is scored on the
 * records labelled for it (its own n); the flag below-majority marks entries under always
 * answering the most frequent label. Runs with folds still missing get partial, untested rows.
 */
export async function aggregateSweep(deps: { db: Db; store: ArtifactStore }, ctx: SweepContext, opts: { partial?: boolean } = {}): Promise<{ entries: number; best: { runId: string; mode: string; accuracy: number } | null }> {
  const runs = await listRuns(deps.db, ctx.sweepId);
  const pooled: Pooled[] = [];
  for (const run of runs) {
    const sets = await listPredictionSets(deps.db, run.id);
    const folds = await listFoldResults(deps.db, run.id);
    const groups = new Map<string, typeof sets>();
    for (const s of sets) groups.set(`${s.mode}\n${s.evalSet}`, [...(groups.get(`${s.mode}\n${s.evalSet}`) ?? []), s]);
    for (const [k, group] of groups) {
      const [mode, evalSet] = k.split('\n') as [string, string];
      const byRecord = new Map<string, Prediction>();
      for (const g of group) {
        for (const p of await readPredictions(deps.store, g.objectKey)) {
          if (byRecord.has(p.recordId)) throw new Error(`run ${run.id} predicts record ${p.recordId} in two folds`);
          byRecord.set(p.recordId, p);
        }
      }
      const foldAccuracy = new Map<Task, number[]>();
      for (const f of folds.filter((f) => f.mode === mode && f.evalSet === evalSet)) {
        for (const m of f.metrics as TaskMetrics[]) foldAccuracy.set(m.task, [...(foldAccuracy.get(m.task) ?? []), m.accuracy]);
      }
      pooled.push({ run, mode, evalSet, byRecord, foldAccuracy });
    }
  }

  const entries: NewLeaderboardEntry[] = [];
  const comparisonRows: Parameters<typeof upsertComparisons>[1] = [];
  let best: { runId: string; mode: string; accuracy: number } | null = null;
  for (const evalSet of new Set(pooled.map((p) => p.evalSet))) {
    if (evalSet !== CV_EVAL_SET) throw new Error(`unknown evaluation set ${evalSet}`);
    const ref = evaluatedDataset(ctx);
    const gold = new Map((await loadDatasetRecords(deps.store, await getDatasetRowByHash(deps.db, ref.name, ref.hash))).map((r) => [r.id, r]));
    // CV: every record some fold tests (all of them for k-fold; the test side for a fixed split).
    const ids = evalSet === CV_EVAL_SET ? [...new Set((await loadSplit(deps.store, ctx.splitHash)).folds.flatMap((f) => f.testIds))].sort() : [...gold.keys()].sort();
    const golds = ids.map((id) => recordGold(gold.get(id)!));
    const group = pooled.filter((p) => p.evalSet === evalSet);
    // Complete entries predicted every record; the others (folds still running) are shown as partial, untested.
    const complete = group.filter((p) => ids.every((id) => p.byRecord.has(id)));
    const incomplete = group.filter((p) => !complete.includes(p) && p.byRecord.size > 0);
    for (const task of TASKS) {
      const score = (p: Pooled) => {
        const at = ids.flatMap((id, i) => (p.byRecord.has(id) ? [i] : []));
        const data = scoreTask(at.map((i) => golds[i]!), at.map((i) => p.byRecord.get(ids[i]!)!), task);
        const metrics = computeTaskMetrics(task, data, { bootstrap: { seed: 1, resamples: 1000 } });
        return { p, metrics, correct: data.correct, majority: majorityRate(data.goldSets!) };
      };
      const scored = complete.map(score).filter((s) => s.metrics.n > 0);
      const partialScored = incomplete.map(score).filter((s) => s.metrics.n > 0);
      if (scored.length + partialScored.length === 0) continue;
      const byAcc = [...scored].sort((a, b) => b.metrics.accuracy - a.metrics.accuracy || a.p.run.id.localeCompare(b.p.run.id));
      const top = byAcc[0];
      const bestBaseline = byAcc.find((s) => s.p.run.family !== 'lora');
      const vsTop = scored.map((s) => (!top || s === top ? null : mcnemarTest(s.correct, top.correct)));
      const vsBase = scored.map((s) => (!bestBaseline || s === bestBaseline ? null : mcnemarTest(s.correct, bestBaseline.correct)));
      const adjust = (tests: (ReturnType<typeof mcnemarTest> | null)[]) => {
        const idx = tests.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
        const adj = holmAdjust(idx.map((i) => tests[i]!.p));
        const out: (number | null)[] = tests.map(() => null);
        idx.forEach((i, j) => { out[i] = adj[j]!; });
        return out;
      };
      const topAdj = adjust(vsTop);
      const baseAdj = adjust(vsBase);
      const direction = (t: ReturnType<typeof mcnemarTest> | null | undefined, adj: number | null | undefined) => (t ? significanceDirection(t.b, t.c, adj) : null);
      [...scored, ...partialScored].forEach((s, i) => {
        const partial = i >= scored.length || Boolean(opts.partial);
        const folds = s.p.foldAccuracy.get(task) ?? [];
        const mean = folds.length ? folds.reduce((a, b) => a + b, 0) / folds.length : null;
        const std = folds.length > 1 && mean !== null ? Math.sqrt(folds.reduce((a, b) => a + (b - mean) ** 2, 0) / (folds.length - 1)) : null;
        const id = entryId(s.p.run.id, s.p.mode, task, evalSet);
        const tTop = vsTop[i] ?? null;
        const tBase = vsBase[i] ?? null;
        entries.push({
          // The dataset whose records were scored: the training one, or a holdout design's test version.
          id, runId: s.p.run.id, sweepId: ctx.sweepId, datasetName: ref.name, datasetHash: ref.hash, evalSet, task, mode: s.p.mode,
          family: s.p.run.family, label: s.p.run.label, splitKind: s.p.run.splitKind, n: s.metrics.n,
          accuracy: s.metrics.accuracy, accuracyLow: s.metrics.accuracyInterval.low, accuracyHigh: s.metrics.accuracyInterval.high,
          macroF1: s.metrics.macroF1, macroF1Low: s.metrics.macroF1Interval?.low ?? null, macroF1High: s.metrics.macroF1Interval?.high ?? null,
          foldMean: mean, foldStd: std, parseFailures: s.metrics.parseFailures,
          pVsTop: tTop?.p ?? null, pVsTopAdjusted: topAdj[i] ?? null, pVsBestBaseline: tBase?.p ?? null, pVsBestBaselineAdjusted: baseAdj[i] ?? null,
          vsTopDirection: direction(tTop, topAdj[i]), vsTopOnlyThis: tTop?.b ?? null, vsTopOnlyOther: tTop?.c ?? null,
          vsBestBaselineDirection: direction(tBase, baseAdj[i]), vsBestBaselineOnlyThis: tBase?.b ?? null, vsBestBaselineOnlyOther: tBase?.c ?? null,
          exactSetAccuracy: s.metrics.exactSetAccuracy ?? null,
          // The majority baseline is the reference itself, never flagged below it.
          majorityAccuracy: s.majority, belowMajority: s.p.run.family !== 'majority' && s.metrics.accuracy < s.majority, partial,
          coverage: coverageOf(s.p.run.family, ids.flatMap((id) => s.p.byRecord.get(id) ?? [])),
        });
        for (const [target, t, adj] of [[top, tTop, topAdj[i]], [bestBaseline, tBase, baseAdj[i]]] as const) {
          if (!t || !target) continue;
          comparisonRows.push({
            id: sha(`${ctx.sweepId}\n${s.p.run.id}\n${target.p.run.id}\n${task}\n${s.p.mode}\n${target.p.mode}\n${evalSet}`).slice(0, 24),
            sweepId: ctx.sweepId, runA: s.p.run.id, runB: target.p.run.id, task, mode: `${s.p.mode} vs ${target.p.mode}${evalSet === CV_EVAL_SET ? '' : ` on ${evalSet}`}`,
            test: t.recommended === 'exact' ? 'mcnemar-exact' : 'mcnemar-chi2-cc', onlyA: t.b, onlyB: t.c, n: s.correct.length, pValue: t.p, pAdjusted: adj ?? null, adjustment: 'holm',
            direction: significanceDirection(t.b, t.c, adj),
          });
        }
        if (!partial && evalSet === CV_EVAL_SET && task === 'threatCategory' && s.p.run.family === 'lora' && (!best || s.metrics.accuracy > best.accuracy)) {
          best = { runId: s.p.run.id, mode: s.p.mode, accuracy: s.metrics.accuracy };
        }
      });
    }
  }
  const live = Boolean(opts.partial);
  await upsertLeaderboardEntries(deps.db, entries, { onlyOverPartial: live });
  // When the top entry is also the best baseline the two comparisons are one row.
  const comparisonsById = new Map(comparisonRows.map((c) => [c.id, c]));
  await upsertComparisons(deps.db, [...comparisonsById.values()]);
  // The final pass replaces what live passes wrote: rows and comparisons it did not produce go.
  if (!live) await deleteStaleSweepResults(deps.db, ctx.sweepId, { entryIds: entries.map((e) => e.id), comparisonIds: [...comparisonsById.keys()] });
  return { entries: entries.length, best };
}

export interface RunComparison {
  runA: string; runB: string; task: Task; modeA: string; modeB: string; n: number;
  /** 2x2 table: both right, only A right, only B right, both wrong. */
  table: { bothRight: number; onlyA: number; onlyB: number; bothWrong: number };
  accuracyA: number; accuracyB: number;
  mcnemar: ReturnType<typeof mcnemarTest>;
}

/** The pooled out-of-fold predictions of a run in one mode, by record id. */
async function pooledPredictions(deps: { db: Db; store: ArtifactStore }, runId: string, mode: string | undefined): Promise<{ mode: string; byRecord: Map<string, Prediction> }> {
  const sets = (await listPredictionSets(deps.db, runId)).filter((s) => s.evalSet === CV_EVAL_SET);
  const chosenMode = mode ?? sets[0]?.mode;
  if (!chosenMode) throw new NotFoundError(`run ${runId} has no predictions`);
  const byRecord = new Map<string, Prediction>();
  for (const s of sets.filter((x) => x.mode === chosenMode)) for (const p of await readPredictions(deps.store, s.objectKey)) byRecord.set(p.recordId, p);
  if (byRecord.size === 0) throw new NotFoundError(`run ${runId} has no predictions in mode ${chosenMode}`);
  return { mode: chosenMode, byRecord };
}

/** McNemar's test of two runs on the records both predicted (pooled over folds) and labelled for the task. */
export async function compareRuns(deps: { db: Db; store: ArtifactStore }, runA: string, runB: string, opts: { task?: Task; modeA?: string; modeB?: string } = {}): Promise<RunComparison> {
  const task = opts.task ?? 'threatCategory';
  const a = await pooledPredictions(deps, runA, opts.modeA);
  const b = await pooledPredictions(deps, runB, opts.modeB);
  const gold = await scoredRecordsOfRun(deps, runA);
  const shared = [...a.byRecord.keys()].filter((id) => b.byRecord.has(id) && gold.has(id)).sort();
  const golds = shared.map((id) => recordGold(gold.get(id)!));
  const ca = scoreTask(golds, shared.map((id) => a.byRecord.get(id)!), task);
  const cb = scoreTask(golds, shared.map((id) => b.byRecord.get(id)!), task).correct;
  const ids = ca.positions.map((i) => shared[i]!);
  if (ids.length === 0) throw new NotFoundError(`runs ${runA} and ${runB} share no predicted records labelled for ${task}`);
  const table = { bothRight: 0, onlyA: 0, onlyB: 0, bothWrong: 0 };
  ca.correct.forEach((x, i) => { table[x ? (cb[i] ? 'bothRight' : 'onlyA') : cb[i] ? 'onlyB' : 'bothWrong']++; });
  return {
    runA, runB, task, modeA: a.mode, modeB: b.mode, n: ids.length, table,
    accuracyA: (table.bothRight + table.onlyA) / ids.length, accuracyB: (table.bothRight + table.onlyB) / ids.length,
    mcnemar: mcnemarTest(ca.correct, cb),
  };
}

/** The gold records a run's predictions are scored against (a holdout design's test version, else its dataset), by id. */
async function scoredRecordsOfRun(deps: { db: Db; store: ArtifactStore }, runId: string): Promise<Map<string, DatasetRecord>> {
  const run = await getRun(deps.db, runId);
  if (!run) throw new NotFoundError(`run ${runId} not found`);
  const ctx = (await getSweep(deps.db, run.sweepId))?.context as SweepContext | null | undefined;
  const scored = ctx ? evaluatedDataset(ctx) : { name: run.datasetName, hash: run.datasetHash };
  return new Map((await loadDatasetRecords(deps.store, await getDatasetRowByHash(deps.db, scored.name, scored.hash))).map((r) => [r.id, r]));
}

/** Metrics of a run in one mode from its pooled out-of-fold predictions: per-class scores and confusion matrices included. */
export async function runPooledMetrics(deps: { db: Db; store: ArtifactStore }, runId: string, mode: string): Promise<TaskMetrics[]> {
  const { byRecord } = await pooledPredictions(deps, runId, mode);
  const gold = await scoredRecordsOfRun(deps, runId);
  return metricsFor(gold, [...byRecord.values()].sort((a, b) => a.recordId.localeCompare(b.recordId)));
}
