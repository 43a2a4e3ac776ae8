import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * AdamW with decoupled weight decay, exactly PyTorch's torch.optim.AdamW update order:
 * p ← p·(1 − lr·wd); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p − lr·m̂/(√v̂ + ε).
 * Moments are plain tensors that can be exported/imported as arrays for checkpoints.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  m: tf.Tensor[];
  v: tf.Tensor[];
  t = 0;
  constructor(
    readonly vars: tf.Variable[],
    opts: AdamWOptions = {},
    /** per-variable: apply weight decay? (default all) */
    readonly decayMask: boolean[] = vars.map(() => true),
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.m = vars.map((v) => tf.zeros(v.shape));
    this.v = vars.map((v) => tf.zeros(v.shape));
  }

  step(grads: tf.Tensor[], lr: number): void {
    this.t += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    const stepSize = lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    for (let i = 0; i < this.vars.length; i++) {
      const p = this.vars[i];
      const g = grads[i];
      const [nm, nv, np] = tf.tidy(() => {
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        let base: tf.Tensor = p;
        if (this.weightDecay > 0 && this.decayMask[i]) base = tf.mul(p, 1 - lr * this.weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        const np = tf.sub(base, tf.mul(tf.div(m, denom), stepSize));
        return [m, v, np];
      });
      this.m[i].dispose();
      this.v[i].dispose();
      this.m[i] = nm;
      this.v[i] = nv;
      p.assign(np);
      np.dispose();
    }
  }

  exportState(): { t: number; m: number[][]; v: number[][] } {
    return { t: this.t, m: this.m.map((x) => Array.from(x.dataSync())), v: this.v.map((x) => Array.from(x.dataSync())) };
  }

  importState(s: { t: number; m: number[][]; v: number[][] }): void {
    if (s.m.length !== this.vars.length || s.v.length !== this.vars.length) throw new Error('optimizer state does not match the trainable variables');
    this.t = s.t;
    for (let i = 0; i < this.vars.length; i++) {
      const shape = this.vars[i].shape;
      if (s.m[i].length !== this.vars[i].size) throw new Error(`optimizer state size mismatch at variable ${i}`);
      this.m[i].dispose();
      this.v[i].dispose();
      this.m[i] = tf.tensor(Float32Array.from(s.m[i]), shape);
      this.v[i] = tf.tensor(Float32Array.from(s.v[i]), shape);
    }
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
    this.m = [];
    this.v = [];
  }
}

/** HF get_cosine_schedule_with_warmup multiplier at (0-based) optimizer step `step`. */
export function cosineWithWarmup(step: number, warmupSteps: number, totalSteps: number, minLrRatio = 0): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  const c = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  return minLrRatio + (1 - minLrRatio) * c;
}

/** Global L2 norm of gradients; scales them in place (returns new tensors) when above maxNorm (torch clip_grad_norm_). */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = Math.sqrt(
    tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]),
  );
  if (!(maxNorm > 0)) return { grads, norm };
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out = grads.map((g) => tf.mul(g, coef));
  for (const g of grads) g.dispose();
  return { grads: out, norm };
}
