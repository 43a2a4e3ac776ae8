import type { Baseline as BaselineName, DatasetRecord, Task, ThreatCategory } from '@opensoc/contracts';
import { TASKS } from '@opensoc/contracts';
import { recordLabels } from './format.ts';
import type { TaskLabels } from './format.ts';
import { NA_LABEL } from './metrics.ts';

export { sigmaRulesBaseline } from './sigma/baseline.ts';

/** A fitted baseline predicts every task for each log. */
export interface FittedBaseline {
  predict(logs: readonly string[]): TaskLabels[];
}
/** Common interface: fit(train records) -> predict(logs) -> labels per task. */
export interface BaselineClassifier {
  name: BaselineName;
  fit(train: readonly DatasetRecord[]): FittedBaseline;
}

const key = (v: string | null) => v ?? NA_LABEL;
const unkey = (v: string) => (v === NA_LABEL ? null : v);

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
    const labels = train.map(recordLabels);
    const majority = Object.fromEntries(TASKS.map((t) => [t, mostFrequent(labels.map((l) => l[t]))])) as TaskLabels;
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
    const byCategory = new Map<string, TaskLabels[]>();
    for (const r of train) {
      if (r.threatCategory === null) continue; // unknown category: nothing to learn for the rule's labels
      const list = byCategory.get(r.threatCategory) ?? [];
      list.push(recordLabels(r));
      byCategory.set(r.threatCategory, list);
    }
    const labelsFor = (category: ThreatCategory, rule: KeywordRule | undefined): TaskLabels => {
      const seen = byCategory.get(category);
      if (seen) {
        const technique = mostFrequent(seen.map((l) => l.mitreTechnique));
        return {
          threatCategory: category,
          mitreTechnique: technique,
          mitreTechniqueParent: mostFrequent(seen.map((l) => l.mitreTechniqueParent)),
          mitreTactic: mostFrequent(seen.map((l) => l.mitreTactic)),
          severity: mostFrequent(seen.map((l) => l.severity)),
        };
      }
      if (!rule) return { threatCategory: 'benign', mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: 'LOW' };
      return { threatCategory: category, mitreTechnique: rule.technique, mitreTechniqueParent: rule.technique?.split('.')[0] ?? null, mitreTactic: rule.tactic, severity: rule.severity };
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

export interface TfidfLogRegOptions {
  /** n-gram lengths, inclusive (default 2..4). */
  minN?: number;
  maxN?: number;
  /** Hashed feature space size, a power of two (default 2^15) to bound memory. */
  features?: number;
  /** L2 penalty λ in mean cross-entropy + λ/2 ||W||² (default 1e-3). */
  l2?: number;
  /** Maximum L-BFGS iterations (default 100). */
  iterations?: number;
  /** Logs are truncated to this many characters before featurizing (default 1500; long multi-line logs repeat themselves). */
  maxChars?: number;
}

/** Sparse row: feature indices and values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashed character n-gram counts of a log. */
function ngramCounts(log: string, o: Required<TfidfLogRegOptions>): Map<number, number> {
  const text = log.slice(0, o.maxChars).toLowerCase();
  const counts = new Map<number, number>();
  for (let n = o.minN; n <= o.maxN; n++) {
    for (let i = 0; i + n <= text.length; i++) {
      const h = fnv1a(text.slice(i, i + n)) & (o.features - 1);
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
  }
  return counts;
}

/** TF-IDF vectorizer: sublinear tf (1 + ln tf), smooth idf ln((1+N)/(1+df)) + 1, rows L2-normalised (as scikit-learn). */
export class HashedTfidf {
  private idf: Float64Array;
  constructor(private readonly options: Required<TfidfLogRegOptions>, docs: readonly string[]) {
    const df = new Float64Array(options.features);
    for (const d of docs) for (const h of ngramCounts(d, options).keys()) df[h]!++;
    this.idf = df.map((v) => Math.log((1 + docs.length) / (1 + v)) + 1);
  }
  transform(doc: string): SparseRow {
    const counts = ngramCounts(doc, this.options);
    const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const val = new Float64Array(idx.length);
    let norm = 0;
    idx.forEach((h, i) => {
      const v = (1 + Math.log(counts.get(h)!)) * this.idf[h]!;
      val[i] = v;
      norm += v * v;
    });
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < val.length; i++) val[i]! /= norm;
    return { idx, val };
  }
}

/**
 * Multinomial logistic regression on sparse rows, L2-penalised (bias unpenalised), fitted by
 * L-BFGS with a backtracking (Armijo) line search: deterministic, and far fewer passes over
 * the data than plain gradient descent. Parameters are one vector: weights feature-major
 * ([feature][class], so a non-zero feature touches one contiguous block), then the biases.
 */
export class SoftmaxRegression {
  /** weights (features × classes) followed by biases (classes). */
  readonly params: Float64Array;
  /** Objective (mean cross-entropy + λ/2 ||W||²) after each iteration. */
  readonly losses: number[] = [];
  constructor(readonly classes: number, readonly features: number) {
    this.params = new Float64Array(classes * features + classes);
  }

  private logits(row: SparseRow, x: Float64Array, out: Float64Array): void {
    const K = this.classes;
    const biasAt = this.features * K;
    for (let k = 0; k < K; k++) out[k] = x[biasAt + k]!;
    for (let j = 0; j < row.idx.length; j++) {
      const base = row.idx[j]! * K;
      const v = row.val[j]!;
      for (let k = 0; k < K; k++) out[k]! += x[base + k]! * v;
    }
  }

  /** Objective at x; writes its gradient into grad. */
  private evaluate(rows: readonly SparseRow[], y: Int32Array, l2: number, x: Float64Array, grad: Float64Array): number {
    const K = this.classes;
    const n = rows.length;
    const biasAt = this.features * K;
    const z = new Float64Array(K);
    const g = new Float64Array(K);
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      this.logits(row, x, z);
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        g[k] = Math.exp(z[k]! - max);
        sum += g[k]!;
      }
      loss += Math.log(sum) + max - z[y[i]!]!;
      for (let k = 0; k < K; k++) {
        g[k] = (g[k]! / sum - (k === y[i] ? 1 : 0)) / n;
        grad[biasAt + k]! += g[k]!;
      }
      for (let j = 0; j < row.idx.length; j++) {
        const base = row.idx[j]! * K;
        const v = row.val[j]!;
        for (let k = 0; k < K; k++) grad[base + k]! += g[k]! * v;
      }
    }
    let sq = 0;
    for (let j = 0; j < biasAt; j++) {
      sq += x[j]! * x[j]!;
      grad[j]! += l2 * x[j]!;
    }
    return loss / n + (l2 / 2) * sq;
  }

  /**
   * Minimise with L-BFGS (history `memory`). Stops after `iterations`, when the largest
   * gradient component is below `tolerance`, or when the objective stops decreasing.
   */
  fit(rows: readonly SparseRow[], y: Int32Array, l2: number, iterations: number, tolerance = 1e-5, memory = 5): this {
    const size = this.params.length;
    const x = this.params;
    let grad = new Float64Array(size);
    let f = this.evaluate(rows, y, l2, x, grad);
    this.losses.push(f);
    const S: Float64Array[] = [];
    const Y: Float64Array[] = [];
    const rho: number[] = [];
    const dir = new Float64Array(size);
    const xNew = new Float64Array(size);
    let gNew = new Float64Array(size);
    const dot = (a: Float64Array, b: Float64Array) => {
      let s = 0;
      for (let i = 0; i < size; i++) s += a[i]! * b[i]!;
      return s;
    };
    const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let it = 0; it < iterations && maxAbs(grad) > tolerance; it++) {
      // Two-loop recursion: dir = -H grad.
      for (let i = 0; i < size; i++) dir[i] = -grad[i]!;
      const alpha: number[] = [];
      for (let m = S.length - 1; m >= 0; m--) {
        alpha[m] = rho[m]! * dot(S[m]!, dir);
        for (let i = 0; i < size; i++) dir[i]! -= alpha[m]! * Y[m]![i]!;
      }
      const gamma = S.length > 0 ? dot(S.at(-1)!, Y.at(-1)!) / dot(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1e-12, Math.sqrt(dot(grad, grad)));
      for (let i = 0; i < size; i++) dir[i]! *= gamma;
      for (let m = 0; m < S.length; m++) {
        const beta = rho[m]! * dot(Y[m]!, dir);
        for (let i = 0; i < size; i++) dir[i]! += (alpha[m]! - beta) * S[m]![i]!;
      }
      let slope = dot(grad, dir);
      if (slope >= 0) {
        // Not a descent direction (numerical trouble): restart from steepest descent.
        S.length = Y.length = rho.length = 0;
        for (let i = 0; i < size; i++) dir[i] = -grad[i]!;
        slope = dot(grad, dir);
      }
      // Backtracking line search with the Armijo condition.
      let step = 1;
      let fNew = Infinity;
      for (let tries = 0; tries < 40; tries++) {
        for (let i = 0; i < size; i++) xNew[i] = x[i]! + step * dir[i]!;
        fNew = this.evaluate(rows, y, l2, xNew, gNew);
        if (fNew <= f + 1e-4 * step * slope) break;
        step /= 2;
      }
      if (!(fNew < f)) break; // no progress possible
      const s = new Float64Array(size);
      const yv = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        s[i] = xNew[i]! - x[i]!;
        yv[i] = gNew[i]! - grad[i]!;
      }
      const sy = dot(s, yv);
      if (sy > 1e-12) {
        S.push(s);
        Y.push(yv);
        rho.push(1 / sy);
        if (S.length > memory) {
          S.shift();
          Y.shift();
          rho.shift();
        }
      }
      x.set(xNew);
      [grad, gNew] = [gNew, grad];
      const relative = (f - fNew) / Math.max(1, Math.abs(f));
      f = fNew;
      this.losses.push(f);
      if (relative < 1e-10) break;
    }
    return this;
  }

  /** Class probabilities (softmax of the logits). */
  probabilities(row: SparseRow): Float64Array {
    const z = new Float64Array(this.classes);
    this.logits(row, this.params, z);
    const max = Math.max(...z);
    let sum = 0;
    for (let k = 0; k < z.length; k++) sum += z[k] = Math.exp(z[k]! - max);
    return z.map((v) => v / sum);
  }

  predict(row: SparseRow): number {
    const z = new Float64Array(this.classes);
    this.logits(row, this.params, z);
    let best = 0;
    for (let k = 1; k < this.classes; k++) if (z[k]! > z[best]!) best = k;
    return best;
  }
}

/** Character n-gram TF-IDF + L2 multinomial logistic regression, one classifier per task. */
export function tfidfLogRegBaseline(options: TfidfLogRegOptions = {}): BaselineClassifier & { lastLosses: Partial<Record<Task, number[]>> } {
  const o: Required<TfidfLogRegOptions> = { minN: 2, maxN: 4, features: 1 << 15, l2: 1e-3, iterations: 100, maxChars: 1500, ...options };
  if ((o.features & (o.features - 1)) !== 0) throw new Error('features must be a power of two');
  const baseline = {
    name: 'tfidf-logreg' as const,
    lastLosses: {} as Partial<Record<Task, number[]>>,
    fit(train: readonly DatasetRecord[]): FittedBaseline {
      if (train.length === 0) throw new Error('cannot fit on an empty training set');
      const vectorizer = new HashedTfidf(o, train.map((r) => r.log));
      // Only hashed features seen in training can get non-zero weights (L2 keeps the rest at 0),
      // so the models use a compact index over them: smaller vectors, faster L-BFGS.
      const compact = new Int32Array(o.features).fill(-1);
      let used = 0;
      const remap = (row: SparseRow, grow: boolean): SparseRow => {
        const idx: number[] = [];
        const val: number[] = [];
        row.idx.forEach((h, j) => {
          if (compact[h] === -1 && grow) compact[h] = used++;
          if (compact[h]! >= 0) {
            idx.push(compact[h]!);
            val.push(row.val[j]!);
          }
        });
        return { idx: Int32Array.from(idx), val: Float64Array.from(val) };
      };
      const rows = train.map((r) => remap(vectorizer.transform(r.log), true));
      const gold = train.map(recordLabels);
      const models = TASKS.map((task) => {
        const classes = [...new Set(gold.map((g) => key(g[task])))].sort();
        const index = new Map(classes.map((c, i) => [c, i]));
        const model = new SoftmaxRegression(classes.length, used).fit(rows, Int32Array.from(gold.map((g) => index.get(key(g[task]))!)), o.l2, classes.length > 1 ? o.iterations : 0);
        baseline.lastLosses[task] = model.losses;
        return { task, classes, model };
      });
      return {
        predict: (logs) =>
          logs.map((log) => {
            const row = remap(vectorizer.transform(log), false);
            return Object.fromEntries(models.map(({ task, classes, model }) => [task, unkey(classes[model.predict(row)]!)])) as TaskLabels;
          }),
      };
    },
  };
  return baseline;
}
