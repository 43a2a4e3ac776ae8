import { bootstrapDistribution, quantileSorted } from './intervals.ts';
import type { BootstrapOptions } from './intervals.ts';
import { macroF1 } from './metrics.ts';
import type { EncodedTask } from './metrics.ts';
import { chiSquareSf, logBinomialHalfCdf, logBinomialPmf, studentTTwoSidedP } from './special.ts';

/**
 * Below this many discordant pairs the exact test is reported, at or above it the
 * continuity-corrected chi-square. 25 follows Rosner (Fundamentals of Biostatistics, §10.4:
 * use the normal approximation only when b + c >= 20) with a margin, and matches the
 * threshold statsmodels' documentation suggests (exact "if the number of discordant pairs is
 * small, e.g. < 25"). Both p-values are always returned.
 */
export const MCNEMAR_EXACT_BELOW = 25;

export interface McNemarResult {
  /** A right, B wrong. */
  b: number;
  /** A wrong, B right. */
  c: number;
  discordant: number;
  /** Two-sided exact binomial p: min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c, 1/2). */
  exactP: number;
  /** log10 of the exact p (stays finite when the p-value underflows to 0). */
  log10ExactP: number;
  /** Mid-p: 2 P(X <= min(b, c)) - P(X = min(b, c)) (Fagerland, Lydersen & Laake 2013); 1 when b = c. */
  midP: number;
  /** (|b - c| - 1)^2 / (b + c) as statsmodels computes it (so b = c gives 1/(b+c)); 0 when b + c = 0. */
  chiSquare: number;
  chiSquareP: number;
  /** The test to report under MCNEMAR_EXACT_BELOW and its p-value. */
  recommended: 'exact' | 'chi-square';
  p: number;
}

/** McNemar's test from the two discordant counts. */
export function mcnemarFromCounts(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError('b and c must be non-negative integers');
  const n = b + c;
  const k = Math.min(b, c);
  let exactP = 1;
  let log10ExactP = 0;
  let midP = 1;
  if (n > 0) {
    const logTwoTail = Math.LN2 + logBinomialHalfCdf(k, n);
    exactP = Math.min(1, Math.exp(logTwoTail));
    log10ExactP = Math.min(0, logTwoTail / Math.LN10);
    // When b = c the exact tail sums to more than 1 and mid-p is exactly 1 by symmetry.
    midP = b === c ? 1 : Math.exp(logTwoTail) - Math.exp(logBinomialPmf(k, n, 0.5));
  }
  const chiSquare = n === 0 ? 0 : (Math.abs(b - c) - 1) ** 2 / n;
  const chiSquareP = chiSquareSf(chiSquare, 1);
  const recommended = n < MCNEMAR_EXACT_BELOW ? 'exact' : 'chi-square';
  return { b, c, discordant: n, exactP, log10ExactP, midP, chiSquare, chiSquareP, recommended, p: recommended === 'exact' ? exactP : chiSquareP };
}

/** McNemar's test from per-record correctness of two classifiers on the same records. */
export function mcnemarTest(aCorrect: readonly boolean[], bCorrect: readonly boolean[]): McNemarResult {
  if (aCorrect.length !== bCorrect.length) throw new Error('both classifiers must be scored on the same records');
  let b = 0;
  let c = 0;
  for (let i = 0; i < aCorrect.length; i++) {
    if (aCorrect[i] && !bCorrect[i]) b++;
    else if (!aCorrect[i] && bCorrect[i]) c++;
  }
  return mcnemarFromCounts(b, c);
}

export interface CochranQResult {
  q: number;
  df: number;
  p: number;
}

/**
 * Cochran's Q for k >= 2 classifiers scored (correct / wrong) on the same records.
 * correct[j][i]: classifier j on record i. When every record is all-right or all-wrong the
 * statistic is 0/0; we report Q = 0, p = 1 (no evidence of a difference).
 */
export function cochranQ(correct: readonly (readonly boolean[])[]): CochranQResult {
  const k = correct.length;
  if (k < 2) throw new Error("Cochran's Q needs at least two classifiers");
  const n = correct[0]!.length;
  if (correct.some((c) => c.length !== n)) throw new Error('all classifiers must be scored on the same records');
  const colSums = correct.map((c) => c.reduce((s, v) => s + (v ? 1 : 0), 0));
  let total = 0;
  let rowSquares = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < k; j++) if (correct[j]![i]) r++;
    total += r;
    rowSquares += r * r;
  }
  const denominator = k * total - rowSquares;
  const df = k - 1;
  if (denominator === 0) return { q: 0, df, p: 1 };
  const q = ((k - 1) * (k * colSums.reduce((s, v) => s + v * v, 0) - total * total)) / denominator;
  return { q, df, p: chiSquareSf(q, df) };
}

function orderAscending(p: readonly number[]): number[] {
  for (const v of p) if (!(v >= 0 && v <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${v}`);
  return p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
}

/** Holm's step-down adjustment (family-wise error). Returned in the input order. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = orderAscending(pValues);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]!));
    out[idx] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjustment (false discovery rate). Returned in the input order. */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = orderAscending(pValues);
  const out = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const idx = order[rank]!;
    running = Math.min(running, Math.min(1, (m / (rank + 1)) * pValues[idx]!));
    out[idx] = running;
  }
  return out;
}

export interface PairedBootstrapResult {
  /** Observed macro-F1(A) - macro-F1(B). */
  difference: number;
  low: number;
  high: number;
  level: number;
  /** Two-sided percentile-bootstrap p: 2 min(share of resampled differences <= 0, share >= 0), capped at 1. */
  p: number;
  iterations: number;
}

/**
 * Paired bootstrap of the macro-F1 difference: both classifiers are scored on the same
 * resampled records each round, so the interval reflects the pairing. a and b must be encoded
 * over the same records and label set (encode both with the same `labels`).
 */
export function pairedBootstrapMacroF1(a: EncodedTask, b: EncodedTask, options: BootstrapOptions = {}): PairedBootstrapResult {
  const n = a.gold.length;
  if (b.gold.length !== n) throw new Error('paired bootstrap needs the same records');
  for (let i = 0; i < n; i++) if (a.labels[a.gold[i]!] !== b.labels[b.gold[i]!]) throw new Error(`gold labels differ at position ${i}: records are not paired`);
  const level = options.level ?? 0.95;
  const iterations = options.iterations ?? options.resamples ?? 1000;
  const dist = bootstrapDistribution(n, (idx) => macroF1(a, idx) - macroF1(b, idx), { ...options, iterations }).sort();
  let le = 0;
  let ge = 0;
  for (const d of dist) {
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  return {
    difference: macroF1(a) - macroF1(b),
    low: quantileSorted(dist, (1 - level) / 2),
    high: quantileSorted(dist, 1 - (1 - level) / 2),
    level,
    p: Math.min(1, (2 * Math.min(le, ge)) / iterations),
    iterations,
  };
}

export interface CorrectedTTestResult {
  meanDifference: number;
  t: number;
  df: number;
  p: number;
}

/**
 * Nadeau & Bengio (2003) corrected resampled t-test for per-fold scores of two configurations
 * on the same folds: variance inflated by (1/J + nTest/nTrain) because training sets overlap.
 * For k-fold CV, nTest/nTrain = 1/(k-1). Zero variance: p = 1 if the mean difference is 0,
 * else p = 0 (t = ±Infinity).
 */
export function correctedResampledTTest(scoresA: readonly number[], scoresB: readonly number[], nTrain: number, nTest: number): CorrectedTTestResult {
  const J = scoresA.length;
  if (J !== scoresB.length) throw new Error('both configurations need a score per fold');
  if (J < 2) throw new Error('need at least two folds');
  const d = scoresA.map((a, i) => a - scoresB[i]!);
  const mean = d.reduce((s, v) => s + v, 0) / J;
  const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / (J - 1);
  const df = J - 1;
  const se = Math.sqrt((1 / J + nTest / nTrain) * variance);
  if (se === 0) return mean === 0 ? { meanDifference: 0, t: 0, df, p: 1 } : { meanDifference: mean, t: mean > 0 ? Infinity : -Infinity, df, p: 0 };
  const t = mean / se;
  return { meanDifference: mean, t, df, p: studentTTwoSidedP(t, df) };
}
