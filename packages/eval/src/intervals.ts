import type { Interval } from '@opensoc/contracts';
import { mulberry32, randomInt } from './prng.ts';
import { normalQuantile } from './special.ts';

/**
 * Wilson score interval for a proportion (successes / n). Preferred over the Wald interval
 * because it stays inside [0, 1] and keeps near-nominal coverage for small n and p near 0 or 1
 * (Brown, Cai & DasGupta 2001). n = 0 gives the uninformative [0, 1].
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): Interval {
  if (n === 0) return { low: 0, high: 1, method: 'wilson', level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, center - half), high: Math.min(1, center + half), method: 'wilson', level };
}

/**
 * Difference of two independent proportions x1/n1 - x2/n2 with Newcombe's hybrid score interval
 * (1998, method 10): built from each proportion's Wilson interval, so it keeps good coverage for
 * small n and proportions near 0 or 1, where the Wald interval fails. For accuracies measured on
 * different test sets (e.g. a fixed split and pooled cross-validation).
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, level = 0.95): { difference: number; low: number; high: number; level: number } {
  const p1 = n1 ? x1 / n1 : 0;
  const p2 = n2 ? x2 / n2 : 0;
  const a = wilsonInterval(x1, n1, level);
  const b = wilsonInterval(x2, n2, level);
  const d = p1 - p2;
  return {
    difference: d,
    low: Math.max(-1, d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2)),
    high: Math.min(1, d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2)),
    level,
  };
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  iterations?: number;
  /** Alias of iterations; iterations wins when both are set. */
  resamples?: number;
  seed?: number;
  level?: number;
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Resample indices 0..n-1 with replacement `iterations` times (seeded) and return the statistic
 * of each resample. `statistic` receives the index sample; it must not keep it.
 */
export function bootstrapDistribution(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): Float64Array {
  const iterations = options.iterations ?? options.resamples ?? 1000;
  const rng = mulberry32(options.seed ?? 1);
  const out = new Float64Array(iterations);
  const idx = new Int32Array(n);
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) idx[i] = randomInt(rng, n);
    out[b] = statistic(idx);
  }
  return out;
}

/** Seeded percentile bootstrap interval for any statistic of n records. */
export function bootstrapInterval(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): Interval {
  const level = options.level ?? 0.95;
  if (n === 0) return { low: NaN, high: NaN, method: 'bootstrap', level };
  const dist = bootstrapDistribution(n, statistic, options).sort();
  return { low: quantileSorted(dist, (1 - level) / 2), high: quantileSorted(dist, 1 - (1 - level) / 2), method: 'bootstrap', level };
}
