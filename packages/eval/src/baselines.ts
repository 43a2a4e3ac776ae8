import type { Baseline as BaselineName, DatasetRecord, Prediction, Task, ThreatCategory } from '@opensoc/contracts';
import { TASKS, goldLabels } from '@opensoc/contracts';
import type { TaskLabels } from './format.ts';
import { NA_LABEL } from './metrics.ts';
import { SoftmaxRegression } from './softmax.ts';
import { CharNgramTfidf, type CharNgramOptions, type SparseRow } from './tfidf.ts';

import { sigmaRulesBaseline } from './sigma/baseline.ts';

export { sigmaRulesBaseline };

/** One log's answer: labels per task, or no prediction at all (with the reason). */
export type BaselineAnswer = { labels: TaskLabels } | { noPrediction: string };

/** A fitted baseline predicts every task for each log. */
export interface FittedBaseline {
  predict(logs: readonly string[]): TaskLabels[];
  /**
   * Baselines that may decline to answer (Sigma rules: no rule matched) say so here; their
   * `predict` then reads a declined log as all-null labels, so scoring must use `answer`.
   */
  answer?(logs: readonly string[]): BaselineAnswer[];
}

/** Prefix of the failure reason stored for a declined prediction (how coverage is counted). */
export const NO_PREDICTION = 'no prediction';

/** Baselines that can decline to answer: their leaderboard rows carry coverage (share of records answered). */
export const ABSTAINING_BASELINES: readonly BaselineName[] = ['sigma-rules'];

/**
 * Baselines that read the parsed event (Sigma rules match fields, not text): they always get the
 * raw log, whatever the sweep's logRendering (a compact line no longer parses as an event).
 */
export const PARSED_EVENT_BASELINES: readonly BaselineName[] = ['sigma-rules'];

/** The log rendering a baseline sees under a sweep's logRendering. */
export const baselineRendering = <R extends string>(baseline: BaselineName, rendering: R): R | 'raw' => (PARSED_EVENT_BASELINES.includes(baseline) ? 'raw' : rendering);

/** Correct and labelled counts for a task: records not labelled for it are left out, no answer (undefined) is wrong. */
export function answeredAccuracy(records: readonly DatasetRecord[], predicted: readonly (TaskLabels | undefined)[], task: Task): { correct: number; n: number } {
  let correct = 0;
  let n = 0;
  records.forEach((r, i) => {
    const gold = goldLabels(r, task);
    if (!gold) return;
    n++;
    const p = predicted[i];
    if (p && gold.includes(p[task])) correct++;
  });
  return { correct, n };
}

/** Every log's answer from a fitted baseline (those that never decline answer with their labels). */
export function answerLogs(fitted: FittedBaseline, logs: readonly string[]): BaselineAnswer[] {
  return fitted.answer ? fitted.answer(logs) : fitted.predict(logs).map((labels) => ({ labels }));
}

/**
 * A stored prediction from an answer. No prediction is a failure on every task (null labels, the
 * reason kept), so metrics score it wrong even where the gold label is benign or N/A, and count it
 * among the failures the leaderboard shows.
 */
export function baselinePrediction(recordId: string, fold: number, answer: BaselineAnswer): Prediction {
  if ('labels' in answer) return { recordId, fold, mode: 'baseline', predicted: answer.labels };
  const reason = `${NO_PREDICTION}: ${answer.noPrediction}`;
  return {
    recordId, fold, mode: 'baseline',
    predicted: Object.fromEntries(TASKS.map((t) => [t, null])),
    failures: Object.fromEntries(TASKS.map((t) => [t, reason])),
  };
}

/** Whether a stored prediction is a declined one (every task failed with the no-prediction reason). */
export const isNoPrediction = (p: Prediction): boolean => TASKS.every((t) => p.failures?.[t]?.startsWith(NO_PREDICTION) === true);
/** Common interface: fit(train records) -> predict(logs) -> labels per task. */
export interface BaselineClassifier {
  name: BaselineName;
  fit(train: readonly DatasetRecord[]): FittedBaseline;
}

const key = (v: string | null) => v ?? NA_LABEL;
const unkey = (v: string) => (v === NA_LABEL ? null : v);

/**
 * The label a baseline learns for a task from one record: its primary gold label, or undefined
 * when the record is not labelled for the task (it then teaches nothing for that task).
 */
export function trainingLabel(record: DatasetRecord, task: Task): string | null | undefined {
  const gold = goldLabels(record, task);
  return gold === undefined ? undefined : gold[0]!;
}

/** Per task, the training labels of the records labelled for it. */
function labelledValues(train: readonly DatasetRecord[], task: Task): (string | null)[] {
  return train.flatMap((r) => {
    const l = trainingLabel(r, task);
    return l === undefined ? [] : [l];
  });
}

/** Most frequent value; ties go to the smaller label in code-unit order so results are deterministic. */
function mostFrequent(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(key(v), (counts.get(key(v)) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = -1;
  for (const [label, c] of counts) if (c > bestCount || (c === bestCount && label < best!)) [best, bestCount] = [label, c];
  if (best === undefined) throw new Error('cannot fit on an empty training set');
  return unkey(best);
}

/** Majority class per task (each task on its own, so the labels need not be consistent). */
export const majorityBaseline: BaselineClassifier = {
  name: 'majority',
  fit(train) {
    if (train.length === 0) throw new Error('cannot fit on an empty training set');
    // A task no training record is labelled for predicts N/A; it is scored only where labelled anyway.
    const majority = Object.fromEntries(TASKS.map((t) => {
      const values = labelledValues(train, t);
      return [t, values.length === 0 ? null : mostFrequent(values)];
    })) as TaskLabels;
    return { predict: (logs) => logs.map(() => ({ ...majority })) };
  },
};

export interface KeywordRule {
  category: ThreatCategory;
  pattern: RegExp;
  /** Defaults used when training data has no record of this category. */
  technique: string | null;
  tactic: TaskLabels['mitreTactic'];
  severity: string;
}

/**
 * Ordered rule table over raw log text (URL-decoded, lower-cased). First match wins, so the
 * specific rules come first: SQL injection that runs xp_cmdshell is SQL injection, an
 * encoded-PowerShell launch is execution even if it mentions a scheduled task.
 */
export const KEYWORD_RULES: readonly KeywordRule[] = [
  { category: 'web-exploit', pattern: /\$\{jndi:|\(\)\s*\{\s*:;\s*\}|struts|\.action\?.*%\{|wp-content\/plugins\/.*\.php\?|xmlrpc\.php.*system\.multicall/, technique: 'T1190', tactic: 'initial-access', severity: 'CRITICAL' },
  { category: 'sql-injection', pattern: /union(\s|\+)+(all\s+)?select|\bor\s+1\s*=\s*1|'\s*or\s*'|sleep\(\d|benchmark\(|information_schema|drop\s+table|xp_cmdshell|waitfor\s+delay|convert\(int|@@version|'\s*--|sqlmap/, technique: 'T1190', tactic: 'initial-access', severity: 'CRITICAL' },
  { category: 'cross-site-scripting', pattern: /<script|javascript:|on(error|load|mouseover)\s*=|alert\(|document\.cookie|<svg|<iframe/, technique: 'T1059.007', tactic: 'execution', severity: 'HIGH' },
  // Before path traversal: `cmd=| cat /etc/passwd` runs a command. The command word must end there (`&id=3` is a parameter).
  { category: 'command-injection', pattern: /[;|&`]\s*(cat|ls|id|whoami|uname|wget|curl|nc|bash|sh|chmod|ping)(?=\s|$|[;|&`])|\$\((whoami|id|cat|uname)|cmd=/, technique: 'T1059.004', tactic: 'execution', severity: 'CRITICAL' },
  { category: 'path-traversal', pattern: /\.\.\/|\.\.\\|\/etc\/passwd|\/etc\/shadow|win\.ini|boot\.ini|php:\/\/(filter|input)|(expect|zip|phar):\/\/|data:\/\/text|file=\/(var|etc|proc)\//, technique: 'T1083', tactic: 'discovery', severity: 'HIGH' },
  { category: 'credential-dumping', pattern: /mimikatz|sekurlsa|lsass|ntds\.dit|hashdump|comsvcs\.dll|reg\s+save\s+hklm\\sam/, technique: 'T1003.001', tactic: 'credential-access', severity: 'CRITICAL' },
  { category: 'malicious-execution', pattern: /powershell[^\n]*\s-(e|enc|encodedcommand)\s|frombase64string|iex\s*\(|downloadstring|invoke-expression|certutil[^\n]*urlcache|mshta|regsvr32|rundll32|eventid:?\s*4688|process creation/, technique: 'T1059.001', tactic: 'execution', severity: 'HIGH' },
  { category: 'defense-evasion', pattern: /eventid:?\s*1102|audit log was cleared|wevtutil\s+cl|clear-eventlog|set-mppreference|disablerealtimemonitoring|auditpol\s+\/clear/, technique: 'T1070.001', tactic: 'defense-evasion', severity: 'HIGH' },
  { category: 'persistence', pattern: /eventid:?\s*(4698|4697|7045|4720)\b|scheduled task|schtasks|new service|service was installed|user account (was )?created|crontab|currentversion\\run/, technique: 'T1053.005', tactic: 'persistence', severity: 'HIGH' },
  { category: 'privilege-escalation', pattern: /eventid:?\s*(4648|4672)\b|explicit credential|sudo:.*command=|runas|uac bypass/, technique: 'T1134', tactic: 'privilege-escalation', severity: 'HIGH' },
  { category: 'lateral-movement', pattern: /psexe(c|svc)|admin\$|wmic\s+\/node|winrm|logon type:?\s*10/, technique: 'T1021', tactic: 'lateral-movement', severity: 'HIGH' },
  { category: 'command-and-control', pattern: /beacon|cobalt\s*strike|meterpreter|\.onion\b|dns tunnel|iodine|dnscat/, technique: 'T1071', tactic: 'command-and-control', severity: 'HIGH' },
  { category: 'exfiltration', pattern: /exfil|transferring \d+\s*[kmg]b|rclone|mega\.nz|\/export\?|\s\d{8,}\s"/, technique: 'T1041', tactic: 'exfiltration', severity: 'HIGH' },
  { category: 'denial-of-service', pattern: /requests\/second|flood|syn_recv|slowloris|\s503\s|\s429\s|too many requests/, technique: 'T1498', tactic: 'impact', severity: 'HIGH' },
  { category: 'brute-force', pattern: /failed password|authentication failure|invalid user|eventid:?\s*4625|failed to log on|failed login|login failed|"post [^"]*(login|signin|auth|xmlrpc)[^"]*"\s401/, technique: 'T1110.001', tactic: 'credential-access', severity: 'HIGH' },
  { category: 'reconnaissance', pattern: /nikto|nmap|masscan|zmap|dirbuster|gobuster|wpscan|nuclei|acunetix|zgrab|\/\.env|\/\.git|\/phpmyadmin|\/server-(info|status)|\s404\s.*\s404\s/, technique: 'T1595.002', tactic: 'reconnaissance', severity: 'MEDIUM' },
];

function prepareLog(log: string): string {
  let text = log.replace(/\+/g, ' ');
  try {
    text = decodeURIComponent(text);
  } catch {
    // Not valid percent-encoding: match the raw text.
  }
  return text.toLowerCase();
}

/** The first keyword rule that matches a log, or undefined (read as benign). */
export function matchKeywordRule(log: string): KeywordRule | undefined {
  const text = prepareLog(log);
  return KEYWORD_RULES.find((r) => r.pattern.test(text));
}

/**
 * Keyword rules: the category comes from the rule table; technique, tactic and severity are the
 * most frequent values among training records of that category (the rule's defaults when the
 * category is absent from training). No match means benign.
 */
export const keywordRulesBaseline: BaselineClassifier = {
  name: 'keyword-rules',
  fit(train) {
    const byCategory = new Map<string, DatasetRecord[]>();
    for (const r of train) {
      if (r.threatCategory === null) continue; // unknown category: nothing to learn for the rule's labels
      byCategory.set(r.threatCategory, [...(byCategory.get(r.threatCategory) ?? []), r]);
    }
    const labelsFor = (category: ThreatCategory, rule: KeywordRule | undefined): TaskLabels => {
      const defaults: TaskLabels = rule
        ? { threatCategory: category, mitreTechnique: rule.technique, mitreTechniqueParent: rule.technique?.split('.')[0] ?? null, mitreTactic: rule.tactic, severity: rule.severity }
        : { threatCategory: 'benign', mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: 'LOW' };
      const seen = byCategory.get(category);
      if (!seen) return defaults;
      // Each label from the training records of this category labelled for it, else the rule's default.
      const learned = (task: Task) => {
        const values = labelledValues(seen, task);
        return values.length === 0 ? defaults[task] : mostFrequent(values);
      };
      return { threatCategory: category, mitreTechnique: learned('mitreTechnique'), mitreTechniqueParent: learned('mitreTechniqueParent'), mitreTactic: learned('mitreTactic'), severity: learned('severity') };
    };
    return {
      predict: (logs) =>
        logs.map((log) => {
          const rule = matchKeywordRule(log);
          return labelsFor(rule?.category ?? 'benign', rule);
        }),
    };
  },
};


// ---------------------------------------------------------------------------------------
// Character n-gram TF-IDF + multinomial logistic regression.

export interface TfidfLogRegOptions extends CharNgramOptions {
  /** L2 penalty λ in mean cross-entropy + λ/2 ||W||² (default 1e-4). */
  l2?: number;
  /** Maximum L-BFGS iterations (default 100), used when a task has at most `sgdAbove` training rows. */
  iterations?: number;
  /** Stop L-BFGS when the largest gradient component is below this (default 1e-4). */
  tolerance?: number;
  /** Above this many distinct training rows a task is fitted by SGD instead (default 1000). */
  sgdAbove?: number;
  /**
   * SGD epochs (default 2), first step (default 4; rows are L2-normalised, so steps of a few
   * units stay stable) and schedule (default 'linear': decaying to 0 over the epochs, so the
   * last iterate settles; 'inverse': 1/(λ(t+t0))). On the bundled corpus 2 linear epochs reach
   * higher accuracy than 5 inverse ones (`pnpm bench tfidf`).
   */
  epochs?: number;
  initialStep?: number;
  schedule?: 'inverse' | 'linear';
}

/**
 * Merges rows with the same label and the same row group (records whose logs vectorise alike,
 * found once per fit) into one weighted row: templated logs repeat a lot.
 */
function mergeDuplicates(rows: readonly SparseRow[], groups: readonly number[], labels: readonly number[]): { rows: SparseRow[]; y: Int32Array; weights: Float64Array } {
  const at = new Map<number, number>();
  const out: SparseRow[] = [];
  const y: number[] = [];
  const w: number[] = [];
  rows.forEach((row, i) => {
    const key = groups[i]! * 65_536 + labels[i]!;
    const j = at.get(key);
    if (j !== undefined) w[j]!++;
    else {
      at.set(key, out.length);
      out.push(row);
      y.push(labels[i]!);
      w.push(1);
    }
  });
  return { rows: out, y: Int32Array.from(y), weights: Float64Array.from(w) };
}

/** Row groups: records whose logs are equal as the vectoriser reads them (same lower-cased prefix) share one. */
function rowGroups(logs: readonly string[], maxChars: number): number[] {
  const ids = new Map<string, number>();
  return logs.map((log) => {
    const text = log.slice(0, maxChars).toLowerCase();
    let id = ids.get(text);
    if (id === undefined) ids.set(text, (id = ids.size));
    return id;
  });
}

/**
 * Character n-gram TF-IDF + L2 multinomial logistic regression (L-BFGS), one classifier per
 * task, each trained only on the records labelled for its task. Sparse rows over a fixed
 * vocabulary budget, duplicate rows merged into weights, and SGD epochs instead of L-BFGS
 * above `sgdAbove` rows keep a fit on thousands of records to seconds (`pnpm bench tfidf`).
 */
export function tfidfLogRegBaseline(options: TfidfLogRegOptions = {}): BaselineClassifier & { lastLosses: Partial<Record<Task, number[]>> } {
  const { l2 = 1e-4, iterations = 100, tolerance = 1e-4, sgdAbove = 1000, epochs = 2, initialStep = 4, schedule = 'linear', ...rest } = options;
  // 3- and 4-grams of the first 500 characters: the defaults `pnpm bench tfidf` measures.
  const ngrams: CharNgramOptions = { minN: 3, maxN: 4, maxChars: 500, ...rest };
  new CharNgramTfidf([], ngrams); // validate the options now, not at the first fit
  const baseline = {
    name: 'tfidf-logreg' as const,
    lastLosses: {} as Partial<Record<Task, number[]>>,
    fit(train: readonly DatasetRecord[]): FittedBaseline {
      if (train.length === 0) throw new Error('cannot fit on an empty training set');
      const vectorizer = new CharNgramTfidf(train.map((r) => r.log), ngrams);
      const rows = train.map((r) => vectorizer.transform(r.log));
      const groups = rowGroups(train.map((r) => r.log), vectorizer.options.maxChars);
      const models = TASKS.map((task) => {
        const labelled = train.flatMap((r, i) => {
          const l = trainingLabel(r, task);
          return l === undefined ? [] : [{ row: rows[i]!, group: groups[i]!, label: key(l) }];
        });
        const classes = [...new Set(labelled.map((x) => x.label))].sort();
        if (classes.length <= 1) return { task, classes: classes.length ? classes : [NA_LABEL], model: null };
        const index = new Map(classes.map((c, i) => [c, i]));
        const merged = mergeDuplicates(labelled.map((x) => x.row), labelled.map((x) => x.group), labelled.map((x) => index.get(x.label)!));
        const model = new SoftmaxRegression(classes.length, vectorizer.size);
        if (merged.rows.length > sgdAbove) model.fitSgd(merged.rows, merged.y, l2, epochs, { weights: merged.weights, initialStep, schedule, exactFinalLoss: false });
        else model.fit(merged.rows, merged.y, l2, iterations, tolerance, 5, merged.weights);
        baseline.lastLosses[task] = model.losses;
        return { task, classes, model };
      });
      return {
        predict: (logs) =>
          logs.map((log) => {
            const row = vectorizer.transform(log);
            return Object.fromEntries(models.map(({ task, classes, model }) => [task, unkey(classes[model ? model.predict(row) : 0]!)])) as TaskLabels;
          }),
      };
    },
  };
  return baseline;
}

// ---------------------------------------------------------------------------------------
// Nearest neighbour: the labels of the most similar training log.

/**
 * 1-nearest-neighbour on character n-gram TF-IDF cosine similarity: every task takes the label
 * of the most similar training record labelled for it (ties: the earlier training record).
 * Scores come from an inverted index, so a query costs the postings of its own n-grams.
 */
export function nearestNeighbourBaseline(options: CharNgramOptions = {}): BaselineClassifier {
  const ngrams: CharNgramOptions = { minN: 3, maxN: 5, ...options };
  new CharNgramTfidf([], ngrams);
  return {
    name: 'nearest-neighbour',
    fit(train) {
      if (train.length === 0) throw new Error('cannot fit on an empty training set');
      const vectorizer = new CharNgramTfidf(train.map((r) => r.log), ngrams);
      const postings: { doc: number[]; val: number[] }[] = Array.from({ length: vectorizer.size }, () => ({ doc: [], val: [] }));
      train.forEach((r, d) => {
        const row = vectorizer.transform(r.log);
        row.idx.forEach((c, j) => { postings[c]!.doc.push(d); postings[c]!.val.push(row.val[j]!); });
      });
      const labels = TASKS.map((task) => train.map((r) => trainingLabel(r, task)));
      const scores = new Float64Array(train.length);
      return {
        predict: (logs) =>
          logs.map((log) => {
            scores.fill(0);
            const row = vectorizer.transform(log);
            row.idx.forEach((c, j) => {
              const p = postings[c]!;
              const v = row.val[j]!;
              for (let k = 0; k < p.doc.length; k++) scores[p.doc[k]!]! += v * p.val[k]!;
            });
            return Object.fromEntries(TASKS.map((task, t) => {
              let best = -1;
              for (let d = 0; d < scores.length; d++) if (labels[t]![d] !== undefined && (best < 0 || scores[d]! > scores[best]!)) best = d;
              return [task, best < 0 ? null : labels[t]![best]!];
            })) as TaskLabels;
          }),
      };
    },
  };
}

/** Every trainable baseline by name (the untuned base model is run by the model service, not here). */
export const BASELINE_CLASSIFIERS: Readonly<Record<Exclude<BaselineName, 'base-model'>, () => BaselineClassifier>> = {
  majority: () => majorityBaseline,
  'keyword-rules': () => keywordRulesBaseline,
  'tfidf-logreg': () => tfidfLogRegBaseline(),
  'nearest-neighbour': () => nearestNeighbourBaseline(),
  'sigma-rules': () => sigmaRulesBaseline(),
};
