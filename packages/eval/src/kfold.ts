import { TASKS } from '@opensoc/contracts';
import type { DatasetRecord, Fold, Prediction, Task, TaskMetrics } from '@opensoc/contracts';
import { recordGold } from './format.ts';
import type { RecordGold, TaskLabels } from './format.ts';
import type { BootstrapOptions } from './intervals.ts';
import { computeTaskMetrics, encodeTask, taskDataFromSets } from './metrics.ts';
import type { TaskData, TaskMetricsOptions } from './metrics.ts';
import { techniqueParent } from './normalize.ts';
import { correctedResampledTTest, mcnemarTest, pairedBootstrapMacroF1 } from './significance.ts';
import type { CorrectedTTestResult, McNemarResult, PairedBootstrapResult } from './significance.ts';

/** Out-of-fold predictions of one configuration, one per record, in record-id order. */
export interface PooledPredictions {
  recordIds: string[];
  folds: number[];
  /** Per record and task, every acceptable label (undefined: not labelled for the task, not scored). */
  gold: RecordGold[];
  predicted: TaskLabels[];
  /** Per record, the tasks whose prediction failed to parse and why. */
  failures: Partial<Record<Task, string>>[];
}

function readPrediction(p: Prediction): { labels: TaskLabels; failures: Partial<Record<Task, string>> } {
  const failures: Partial<Record<Task, string>> = {};
  const labels = {} as TaskLabels;
  for (const task of TASKS) {
    const reason = p.failures?.[task];
    if (reason !== undefined) failures[task] = reason;
    if (task in p.predicted) labels[task] = p.predicted[task]!;
    else if (task === 'mitreTechniqueParent' && 'mitreTechnique' in p.predicted) {
      // Older predictions store only the technique; its parent follows from it.
      labels[task] = techniqueParent(p.predicted.mitreTechnique!);
      if (p.failures?.mitreTechnique !== undefined) failures[task] = p.failures.mitreTechnique;
    } else {
      labels[task] = null;
      failures[task] ??= 'missing';
    }
  }
  return { labels, failures };
}

/**
 * Pool out-of-fold predictions: every record must be predicted exactly once. Throws on a
 * duplicate, a prediction for an unknown record, a record without prediction, or (when the
 * split's folds are given) a prediction made in a fold where the record was not a test record.
 */
export function poolOutOfFold(records: readonly DatasetRecord[], predictions: readonly Prediction[], folds?: readonly Fold[]): PooledPredictions {
  const byId = new Map(records.map((r) => [r.id, r]));
  if (byId.size !== records.length) throw new Error('record ids must be unique');
  const testFold = new Map<string, number>();
  for (const f of folds ?? []) {
    for (const id of f.testIds) {
      if (testFold.has(id)) throw new Error(`record ${id} is a test record in folds ${testFold.get(id)} and ${f.index}`);
      testFold.set(id, f.index);
    }
  }
  const seen = new Map<string, Prediction>();
  for (const p of predictions) {
    if (!byId.has(p.recordId)) throw new Error(`prediction for unknown record ${p.recordId}`);
    if (seen.has(p.recordId)) throw new Error(`record ${p.recordId} is predicted more than once (folds ${seen.get(p.recordId)!.fold} and ${p.fold})`);
    if (folds && testFold.get(p.recordId) !== p.fold) throw new Error(`record ${p.recordId} was predicted in fold ${p.fold} but is a test record of fold ${testFold.get(p.recordId) ?? 'none'}`);
    seen.set(p.recordId, p);
  }
  const missing = records.filter((r) => !seen.has(r.id)).map((r) => r.id);
  if (missing.length > 0) throw new Error(`${missing.length} record(s) have no out-of-fold prediction, e.g. ${missing.slice(0, 3).join(', ')}`);
  const ids = [...byId.keys()].sort();
  const out: PooledPredictions = { recordIds: ids, folds: [], gold: [], predicted: [], failures: [] };
  for (const id of ids) {
    const p = seen.get(id)!;
    const { labels, failures } = readPrediction(p);
    out.folds.push(p.fold);
    out.gold.push(recordGold(byId.get(id)!));
    out.predicted.push(labels);
    out.failures.push(failures);
  }
  return out;
}

/**
 * One task of pooled predictions as metric input, optionally restricted to positions; records
 * not labelled for the task are left out, so each task has its own n.
 */
export function taskData(pooled: PooledPredictions, task: Task, positions?: readonly number[]): TaskData & { correct: boolean[] } {
  const at = positions ?? pooled.recordIds.map((_, i) => i);
  return taskDataFromSets(at.map((i) => pooled.gold[i]![task]), at.map((i) => pooled.predicted[i]![task]), at.map((i) => pooled.failures[i]![task] !== undefined));
}

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single fold. */
  sd: number;
  values: number[];
}
export interface FoldSummary {
  task: Task;
  accuracy: MeanSd;
  macroF1: MeanSd;
}
export interface KFoldEvaluation {
  /** Metrics over all pooled out-of-fold predictions (the headline figure). */
  pooled: TaskMetrics[];
  perFold: { fold: number; metrics: TaskMetrics[] }[];
  /** Per-fold mean and spread beside the pooled figure. */
  foldSummary: FoldSummary[];
}

export function meanSd(values: readonly number[]): MeanSd {
  const n = values.length;
  const mean = n === 0 ? NaN : values.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, sd, values: [...values] };
}

/**
 * Pooled and per-fold metrics for every task. The class list of each task is fixed from the
 * pooled data so that per-fold tables line up.
 */
export function evaluateKFold(pooled: PooledPredictions, options: { level?: number; bootstrap?: BootstrapOptions | false; tasks?: readonly Task[] } = {}): KFoldEvaluation {
  const tasks = options.tasks ?? TASKS;
  const foldIds = [...new Set(pooled.folds)].sort((a, b) => a - b);
  const pooledMetrics = tasks.map((task) => computeTaskMetrics(task, taskData(pooled, task), { level: options.level, bootstrap: options.bootstrap }));
  const perFold = foldIds.map((fold) => {
    const positions = pooled.folds.flatMap((f, i) => (f === fold ? [i] : []));
    const metrics = tasks.map((task, t) => {
      const opts: TaskMetricsOptions = { level: options.level, bootstrap: false, labels: pooledMetrics[t]!.perClass.map((c) => c.label) };
      return computeTaskMetrics(task, taskData(pooled, task, positions), opts);
    });
    return { fold, metrics };
  });
  const foldSummary = tasks.map((task, t) => ({
    task,
    accuracy: meanSd(perFold.map((f) => f.metrics[t]!.accuracy)),
    macroF1: meanSd(perFold.map((f) => f.metrics[t]!.macroF1)),
  }));
  return { pooled: pooledMetrics, perFold, foldSummary };
}

/** Two configurations' pooled predictions on the same records, aligned by record id. */
export interface PairedPredictions {
  recordIds: string[];
  a: PooledPredictions;
  b: PooledPredictions;
}

/** Pair two configurations by record id; throws unless both predicted exactly the same records with the same gold labels. */
export function pairPredictions(a: PooledPredictions, b: PooledPredictions): PairedPredictions {
  if (a.recordIds.length !== b.recordIds.length || a.recordIds.some((id, i) => b.recordIds[i] !== id)) {
    const onlyA = a.recordIds.filter((id) => !b.recordIds.includes(id)).slice(0, 3);
    const onlyB = b.recordIds.filter((id) => !a.recordIds.includes(id)).slice(0, 3);
    throw new Error(`configurations were not evaluated on the same records (only in A: ${onlyA.join(', ') || '-'}; only in B: ${onlyB.join(', ') || '-'})`);
  }
  a.gold.forEach((g, i) => {
    if (JSON.stringify(g) !== JSON.stringify(b.gold[i])) throw new Error(`gold labels of record ${a.recordIds[i]} differ between the configurations`);
  });
  return { recordIds: [...a.recordIds], a, b };
}

export interface TaskComparison {
  task: Task;
  n: number;
  mcnemar: McNemarResult;
  pairedBootstrap: PairedBootstrapResult;
}

/** McNemar on per-record correctness (a parse failure is wrong) and paired bootstrap of the macro-F1 difference. */
export function compareTask(pair: PairedPredictions, task: Task, bootstrap: BootstrapOptions = {}): TaskComparison {
  const da = taskData(pair.a, task);
  const db = taskData(pair.b, task);
  // One label set for both, so their macro-F1 values are comparable.
  const labels = encodeTask({ gold: [...da.gold, ...db.gold], predicted: [...da.predicted, ...db.predicted], failed: [...da.failed!, ...db.failed!] }).labels;
  return {
    task,
    n: da.correct.length,
    mcnemar: mcnemarTest(da.correct, db.correct),
    pairedBootstrap: pairedBootstrapMacroF1(encodeTask(da, labels), encodeTask(db, labels), bootstrap),
  };
}

/**
 * Nadeau–Bengio corrected t-test on per-fold scores of two configurations evaluated on the same
 * folds (values aligned by fold id, as evaluateKFold orders them). For k-fold CV pass
 * nTrain / nTest of a typical fold (their ratio is about k - 1).
 */
export function compareFoldScores(a: FoldSummary, b: FoldSummary, metric: 'accuracy' | 'macroF1', nTrain: number, nTest: number): CorrectedTTestResult {
  if (a.task !== b.task) throw new Error(`fold summaries are for different tasks (${a.task}, ${b.task})`);
  return correctedResampledTTest(a[metric].values, b[metric].values, nTrain, nTest);
}
