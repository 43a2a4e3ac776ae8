import type { SparseRow } from './tfidf.ts';

/**
 * Multinomial logistic regression on sparse rows, L2-penalised (bias unpenalised), fitted by
 * L-BFGS with a backtracking (Armijo) line search: deterministic, and far fewer passes over
 * the data than plain gradient descent. Parameters are one vector: weights feature-major
 * ([feature][class], so a non-zero feature touches one contiguous block), then the biases.
 */
/** A residual this small changes no float32 weight of the usual magnitude; SGD skips its class. */
const NEGLIGIBLE_RESIDUAL = 1e-7;

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

  /** Objective at x; writes its gradient into grad. Row i counts weights[i] times (merged duplicates). */
  private evaluate(rows: readonly SparseRow[], y: Int32Array, weights: Float64Array, l2: number, x: Float64Array, grad: Float64Array): number {
    const K = this.classes;
    let n = 0;
    for (let i = 0; i < rows.length; i++) n += weights[i]!;
    const biasAt = this.features * K;
    const z = new Float64Array(K);
    const g = new Float64Array(K);
    // An empty grad asks for the objective only.
    const withGrad = grad.length > 0;
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const w = weights[i]!;
      this.logits(row, x, z);
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        g[k] = Math.exp(z[k]! - max);
        sum += g[k]!;
      }
      loss += w * (Math.log(sum) + max - z[y[i]!]!);
      if (!withGrad) continue;
      for (let k = 0; k < K; k++) {
        g[k] = (w * (g[k]! / sum - (k === y[i] ? 1 : 0))) / n;
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
      if (withGrad) grad[j]! += l2 * x[j]!;
    }
    return loss / n + (l2 / 2) * sq;
  }

  /**
   * Minimise with L-BFGS (history `memory`). Stops after `iterations`, when the largest
   * gradient component is below `tolerance`, or when the objective stops decreasing.
   * `weights` (default 1 each) lets identical rows be merged into one.
   */
  fit(rows: readonly SparseRow[], y: Int32Array, l2: number, iterations: number, tolerance = 1e-5, memory = 5, weights?: Float64Array): this {
    const w = weights ?? new Float64Array(rows.length).fill(1);
    const size = this.params.length;
    const x = this.params;
    let grad = new Float64Array(size);
    let f = this.evaluate(rows, y, w, l2, x, grad);
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
        fNew = this.evaluate(rows, y, w, l2, xNew, gNew);
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

  /**
   * Stochastic gradient descent on the same objective, for large data: each epoch visits the
   * rows once in a seeded order, touching only each row's non-zero features (the L2 shrink is a
   * running scale on the weights), with the step 1 / (λ (t + t0)) (or, schedule 'linear', the
   * first step decaying linearly to 0 at the last row of the last epoch), which makes the iterates
   * converge for this strongly convex objective. One epoch costs one objective evaluation, so
   * a few epochs cost far less than L-BFGS on thousands of rows; `losses` holds the objective
   * before and after (exactFinalLoss false: the last epoch's running loss instead, one pass less). `weights` as in fit.
   */
  fitSgd(rows: readonly SparseRow[], y: Int32Array, l2: number, epochs: number, opts: { seed?: number; initialStep?: number; weights?: Float64Array; schedule?: 'inverse' | 'linear'; exactFinalLoss?: boolean } = {}): this {
    const K = this.classes;
    // Single precision while iterating: half the memory traffic over the weight blocks, and
    // SGD's own noise is far above float32 rounding. The result is copied back at the end.
    const x = Float32Array.from(this.params);
    const biasAt = this.features * K;
    const w = opts.weights ?? new Float64Array(rows.length).fill(1);
    let total = 0;
    for (let i = 0; i < rows.length; i++) total += w[i]!;
    const meanWeight = total / Math.max(1, rows.length);
    const lambda = Math.max(l2, 1e-8);
    const t0 = 1 / (lambda * (opts.initialStep ?? 0.5));
    const linear = opts.schedule === 'linear';
    const eta0 = opts.initialStep ?? 0.5;
    const totalSteps = Math.max(1, epochs * rows.length);
    const z = new Float64Array(K);
    const active = new Int32Array(K);
    let scale = 1;
    let t = 0;
    let lastEpochLoss = 0;
    const order = Int32Array.from(rows.keys());
    let state = (opts.seed ?? 1) >>> 0;
    const rand = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let r = Math.imul(state ^ (state >>> 15), 1 | state);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    };
    const grad = new Float64Array(0);
    // From all-zero parameters every row's loss is ln K: no pass over the data needed.
    this.losses.push(this.params.every((v) => v === 0) ? Math.log(K) : this.evaluate(rows, y, w, l2, this.params, grad));
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const i of order) {
        const row = rows[i]!;
        const eta = linear ? eta0 * (1 - t / totalSteps) : 1 / (lambda * (t + t0));
        t++;
        for (let k = 0; k < K; k++) z[k] = x[biasAt + k]!;
        for (let j = 0; j < row.idx.length; j++) {
          const base = row.idx[j]! * K;
          const v = row.val[j]! * scale;
          for (let k = 0; k < K; k++) z[k]! += x[base + k]! * v;
        }
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
        const gold = z[y[i]!]! - max;
        let sum = 0;
        for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - max);
        if (epoch === epochs - 1) lastEpochLoss += w[i]! * (Math.log(sum) - gold);
        // Residual p - y, weighted relative to the mean weight so the objective matches fit().
        const rw = w[i]! / meanWeight;
        // Classes whose residual is below float32 resolution would not move a weight: skip them.
        let na = 0;
        for (let k = 0; k < K; k++) {
          z[k] = rw * (z[k]! / sum - (k === y[i] ? 1 : 0));
          if (Math.abs(z[k]!) > NEGLIGIBLE_RESIDUAL) active[na++] = k;
        }
        scale *= 1 - eta * lambda;
        const step = eta / scale;
        if (na * 2 < K) {
          for (let j = 0; j < row.idx.length; j++) {
            const base = row.idx[j]! * K;
            const v = row.val[j]! * step;
            for (let a = 0; a < na; a++) { const k = active[a]!; x[base + k]! -= z[k]! * v; }
          }
        } else {
          for (let j = 0; j < row.idx.length; j++) {
            const base = row.idx[j]! * K;
            const v = row.val[j]! * step;
            for (let k = 0; k < K; k++) x[base + k]! -= z[k]! * v;
          }
        }
        for (let k = 0; k < K; k++) x[biasAt + k]! -= eta * z[k]!;
        if (scale < 1e-6) {
          for (let j = 0; j < biasAt; j++) x[j]! *= scale;
          scale = 1;
        }
      }
      for (let j = 0; j < biasAt; j++) x[j]! *= scale;
      scale = 1;
    }
    this.params.set(x);
    if (opts.exactFinalLoss === false && epochs > 0) {
      // The last epoch's running loss (each row before its own step) saves a pass over the data.
      let sq = 0;
      for (let j = 0; j < biasAt; j++) sq += x[j]! * x[j]!;
      this.losses.push(lastEpochLoss / total + (l2 / 2) * sq);
    } else this.losses.push(this.evaluate(rows, y, w, l2, this.params, grad));
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
