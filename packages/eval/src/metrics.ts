import { SEVERITIES } from '@opensoc/contracts';
import type { Severity, Task, TaskMetrics } from '@opensoc/contracts';
import { bootstrapInterval, wilsonInterval } from './intervals.ts';
import type { BootstrapOptions } from './intervals.ts';
import { SEVERITY_LEVEL } from './normalize.ts';

/** Label used for "no technique / tactic" (null) in metrics, tables and confusion matrices. */
export const NA_LABEL = 'N/A';
/** Confusion-matrix column for predictions that could not be parsed. Never a class. */
export const UNPARSED_LABEL = '<unparsed>';

/**
 * Gold and predicted labels of one task, aligned by position. failed[i]: prediction i did not
 * parse. goldSets[i], when given, holds every acceptable label of record i (multi-label
 * techniques / tactics); gold[i] is then the label it is counted under: the prediction when it
 * is one of them (any-match), else the primary one.
 */
export interface TaskData {
  gold: readonly (string | null)[];
  predicted: readonly (string | null)[];
  failed?: readonly boolean[];
  goldSets?: readonly (readonly (string | null)[])[];
}

/** The one definition of a right answer: parsed, and one of the record's acceptable labels. */
export function isCorrect(gold: readonly (string | null)[], predicted: string | null, failed: boolean): boolean {
  return !failed && gold.includes(predicted);
}

/** Tasks whose records may carry several acceptable labels; their metrics add exact-set accuracy. */
export const SET_TASKS: readonly Task[] = ['mitreTechnique', 'mitreTechniqueParent', 'mitreTactic'];

/**
 * Metric input for one task from per-record gold sets (undefined: the record is not labelled
 * for the task) and predictions. Unlabelled records are left out; `positions` says which stayed.
 */
export function taskDataFromSets(gold: readonly (readonly (string | null)[] | undefined)[], predicted: readonly (string | null)[], failed: readonly boolean[]): TaskData & { positions: number[]; correct: boolean[] } {
  const positions = gold.flatMap((g, i) => (g === undefined ? [] : [i]));
  const sets = positions.map((i) => gold[i]!);
  const pred = positions.map((i) => predicted[i]!);
  const fail = positions.map((i) => failed[i]!);
  const correct = positions.map((_, j) => isCorrect(sets[j]!, pred[j]!, fail[j]!));
  return { positions, gold: sets.map((set, j) => (correct[j] ? pred[j]! : set[0]!)), predicted: pred, failed: fail, goldSets: sets, correct };
}

/** Labels as integer codes; a failed prediction is -1. */
export interface EncodedTask {
  labels: string[];
  gold: Int32Array;
  predicted: Int32Array;
}

const asLabel = (v: string | null) => v ?? NA_LABEL;

function sortLabels(labels: string[]): string[] {
  if (labels.every((l) => (SEVERITIES as readonly string[]).includes(l))) return labels.sort((a, b) => SEVERITY_LEVEL[a as Severity] - SEVERITY_LEVEL[b as Severity]);
  // N/A last, the rest in code-unit order (deterministic, locale-independent).
  return labels.sort((a, b) => (a === NA_LABEL ? 1 : b === NA_LABEL ? -1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Encode a task. Classes are the given labels, or the union of gold labels and parsed
 * predicted labels (as scikit-learn does), so a predicted-only label counts as a class with
 * support 0 and lowers macro-F1.
 */
export function encodeTask(data: TaskData, labels?: readonly string[]): EncodedTask {
  const n = data.gold.length;
  if (data.predicted.length !== n || (data.failed && data.failed.length !== n)) throw new Error('gold, predicted and failed must have the same length');
  const failed = (i: number) => data.failed?.[i] === true;
  let classes: string[];
  if (labels) classes = [...labels];
  else {
    const set = new Set<string>();
    for (let i = 0; i < n; i++) {
      set.add(asLabel(data.gold[i]!));
      if (!failed(i)) set.add(asLabel(data.predicted[i]!));
    }
    classes = sortLabels([...set]);
  }
  const index = new Map(classes.map((l, i) => [l, i]));
  const code = (l: string) => {
    const c = index.get(l);
    if (c === undefined) throw new Error(`label ${JSON.stringify(l)} is not in the label set`);
    return c;
  };
  const gold = new Int32Array(n);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    gold[i] = code(asLabel(data.gold[i]!));
    predicted[i] = failed(i) ? -1 : code(asLabel(data.predicted[i]!));
  }
  return { labels: classes, gold, predicted };
}

interface Counts {
  tp: Float64Array;
  fp: Float64Array;
  support: Float64Array;
  correct: number;
  n: number;
  failures: number;
}

function count(e: EncodedTask, indices?: ArrayLike<number>): Counts {
  const k = e.labels.length;
  const c: Counts = { tp: new Float64Array(k), fp: new Float64Array(k), support: new Float64Array(k), correct: 0, n: 0, failures: 0 };
  const m = indices ? indices.length : e.gold.length;
  for (let j = 0; j < m; j++) {
    const i = indices ? indices[j]! : j;
    const g = e.gold[i]!;
    const p = e.predicted[i]!;
    c.n++;
    c.support[g]!++;
    if (p < 0) c.failures++;
    else if (p === g) {
      c.tp[g]!++;
      c.correct++;
    } else c.fp[p]!++;
  }
  return c;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1Of = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

function classScores(c: Counts, i: number) {
  const precision = ratio(c.tp[i]!, c.tp[i]! + c.fp[i]!);
  const recall = ratio(c.tp[i]!, c.support[i]!);
  return { precision, recall, f1: f1Of(precision, recall), support: c.support[i]! };
}

/**
 * Macro-F1 over the classes present (in gold or parsed predictions) in the sample, so a
 * bootstrap resample that misses a rare class does not score it as 0. Zero division gives 0.
 */
function macroF1Of(c: Counts): number {
  let sum = 0;
  let classes = 0;
  for (let i = 0; i < c.tp.length; i++) {
    if (c.support[i] === 0 && c.fp[i] === 0) continue;
    sum += classScores(c, i).f1;
    classes++;
  }
  return classes === 0 ? 0 : sum / classes;
}

export function accuracyOf(e: EncodedTask, indices?: ArrayLike<number>): number {
  const c = count(e, indices);
  return ratio(c.correct, c.n);
}
export function macroF1(e: EncodedTask, indices?: ArrayLike<number>): number {
  return macroF1Of(count(e, indices));
}

/**
 * Micro-F1: micro precision = correct / parsed predictions, micro recall = correct / n. With
 * no parse failures it equals accuracy; parse failures lower recall only.
 */
export function microF1(e: EncodedTask, indices?: ArrayLike<number>): number {
  const c = count(e, indices);
  return f1Of(ratio(c.correct, c.n - c.failures), ratio(c.correct, c.n));
}

export function weightedF1(e: EncodedTask, indices?: ArrayLike<number>): number {
  const c = count(e, indices);
  let sum = 0;
  for (let i = 0; i < c.tp.length; i++) sum += classScores(c, i).f1 * c.support[i]!;
  return ratio(sum, c.n);
}

/** Confusion matrix, rows = gold, columns = predicted; an UNPARSED_LABEL row/column is added when there are failures. */
export function confusionMatrix(e: EncodedTask): { labels: string[]; matrix: number[][] } {
  const hasFailures = e.predicted.some((p) => p < 0);
  const labels = hasFailures ? [...e.labels, UNPARSED_LABEL] : [...e.labels];
  const k = labels.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < e.gold.length; i++) {
    const p = e.predicted[i]!;
    matrix[e.gold[i]!]![p < 0 ? k - 1 : p]!++;
  }
  return { labels, matrix };
}

/**
 * Mean absolute error in severity levels (LOW=0 .. CRITICAL=3) over parsed predictions that name
 * a severity. A prediction of N/A (e.g. a baseline whose training records had no severity label)
 * has no distance: like a parse failure it is left out here, and accuracy counts it wrong.
 */
export function severityMeanAbsoluteError(e: EncodedTask): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < e.gold.length; i++) {
    const p = e.predicted[i]!;
    if (p < 0 || e.labels[p] === NA_LABEL || e.labels[e.gold[i]!] === NA_LABEL) continue;
    const g = SEVERITY_LEVEL[e.labels[e.gold[i]!] as Severity];
    const q = SEVERITY_LEVEL[e.labels[p] as Severity];
    if (g === undefined || q === undefined) throw new Error('severity labels must be LOW, MEDIUM, HIGH or CRITICAL');
    sum += Math.abs(g - q);
    n++;
  }
  return ratio(sum, n);
}

export interface TaskMetricsOptions {
  /** Fixed class list; default: union of gold and parsed predicted labels. */
  labels?: readonly string[];
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Bootstrap settings for the macro-F1 interval, or false to skip it. */
  bootstrap?: BootstrapOptions | false;
}

/** All metrics of one task, shaped as contracts' taskMetricsSchema. */
export function computeTaskMetrics(task: Task, data: TaskData, options: TaskMetricsOptions = {}): TaskMetrics {
  const level = options.level ?? 0.95;
  const e = encodeTask(data, options.labels);
  const c = count(e);
  const result: TaskMetrics = {
    task,
    n: c.n,
    accuracy: ratio(c.correct, c.n),
    accuracyInterval: wilsonInterval(c.correct, c.n, level),
    macroF1: macroF1Of(c),
    microF1: microF1(e),
    weightedF1: weightedF1(e),
    parseFailures: c.failures,
    perClass: e.labels.map((label, i) => ({ label, ...classScores(c, i) })),
    confusion: confusionMatrix(e),
  };
  if (options.bootstrap !== false && c.n > 0) {
    result.macroF1Interval = bootstrapInterval(c.n, (idx) => macroF1(e, idx), { ...(options.bootstrap ?? {}), level });
  }
  if (task === 'severity') result.meanAbsoluteError = severityMeanAbsoluteError(e);
  if (SET_TASKS.includes(task)) {
    // A single predicted label equals the gold set only when that set has one label.
    const sets = data.goldSets ?? data.gold.map((g) => [g]);
    let exact = 0;
    sets.forEach((set, i) => { if (set.length === 1 && isCorrect(set, data.predicted[i]!, data.failed?.[i] === true)) exact++; });
    result.exactSetAccuracy = ratio(exact, c.n);
  }
  return result;
}
