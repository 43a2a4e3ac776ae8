import * as tf from '@tensorflow/tfjs-core';
import { unbroadcast } from './gradients.ts';

/**
 * Kernels chosen for the wasm backend: matMul with transpose flags is ~20x slower there, and gather has no
 * gradient kernel, so every matmul here is a plain a·b whose gradient uses explicit transposes, and row
 * gathers scatter their gradient with ScatterNd.
 */

function swapLast2(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = [...Array(r).keys()];
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(t, perm);
}

/**
 * Plain a·b. On wasm, a batched matmul whose b has a batch dimension takes a slow non-XNNPACK path, so it is
 * split into 2-D matmuls (each on XNNPACK) and stacked back.
 */
export function matmulFast(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (b.rank <= 2 || tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  const lead = a.shape.slice(0, -2);
  const leadB = b.shape.slice(0, -2);
  if (lead.length !== leadB.length || lead.some((d, i) => d !== leadB[i])) return tf.matMul(a, b);
  const [m0] = a.shape.slice(-2);
  if (m0 < 16) return tf.matMul(a, b); // decode steps: many tiny 2-D matmuls cost more than the batched kernel
  return tf.tidy(() => {
    const n = lead.reduce((x, y) => x * y, 1);
    const [m, k] = a.shape.slice(-2);
    const nn = b.shape[b.rank - 1];
    // (in-model measurements: unstack beat split and per-index gathers; all beat the batched kernel ~2x)
    const as = tf.unstack(tf.reshape(a, [n, m, k]));
    const bs = tf.unstack(tf.reshape(b, [n, k, nn]));
    const outs = as.map((x, i) => tf.matMul(x, bs[i]));
    return tf.reshape(tf.stack(outs), [...lead, m, nn]);
  });
}

/**
 * wasm's matMul with transpose flags is 12-24x slower than a plain one, so there the transposes are explicit;
 * TensorFlow (and cpu) take the flags for free, which saves a transposed copy of every frozen weight in backward.
 */
const flagsAreFast = () => tf.getBackend() !== 'wasm';

/** a·bᵀ over the last two axes. */
function matmulBT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return flagsAreFast() ? tf.matMul(a, b, false, true) : matmulFast(a, swapLast2(b));
}

/** aᵀ·b over the last two axes. */
function matmulAT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return flagsAreFast() ? tf.matMul(a, b, true, false) : matmulFast(swapLast2(a), b);
}

// Gradient functions run inside tidy: backprop keeps everything else a gradient creates until the whole
// backward pass ends, which would hold e.g. a transposed copy of every weight at once.
const mmBoth = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: matmulFast(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sa, sb] = saved;
        return [unbroadcast(matmulBT(dy, sb), sa.shape), unbroadcast(matmulAT(sa, dy), sb.shape)];
      }),
  };
}) as never) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** a·b with both operands differentiable (a: [...,m,k], b: [...,k,n]). */
export function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return mmBoth(a, b);
}

/**
 * x·W for a frozen W: W is closed over (not an input of the recorded op), so its gradient is never
 * computed; dx = dy·Wᵀ.
 */
export function mmFrozenB(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.matMul(x, b),
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => unbroadcast(matmulBT(dy, b), x.shape)),
    };
  }) as never) as (x: tf.Tensor) => tf.Tensor;
  return f(a);
}

/**
 * x·Wᵀ for a frozen W stored [out, in] (the tied LM head: x·embedᵀ) on backends where transpose flags are
 * free: no transposed copy of W is ever held. On wasm the caller passes a pre-transposed W to mmFrozenB.
 */
export function mmFrozenBT(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return { value: tf.matMul(x, w, false, true), gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.matMul(dy, w)) };
  }) as never) as (x: tf.Tensor) => tf.Tensor2D;
  return f(a);
}

export { flagsAreFast };

/** Linear layer y = x·W, W stored [in, out] (pre-transposed from HF's [out, in]). x: [..., in]. */
export function linear(x: tf.Tensor, w: tf.Tensor, trainable: boolean): tf.Tensor {
  const shape = x.shape;
  const x2 = shape.length === 2 ? x : tf.reshape(x, [-1, shape[shape.length - 1]]);
  const y = trainable ? mm(x2, w) : mmFrozenB(x2, w);
  return shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), w.shape[1] as number]);
}

/**
 * Row gather table[ids] whose gradient w.r.t. the table is a dense scatter-add (ScatterNd sums duplicates),
 * because the wasm backend has no gather gradient. Result [n, d].
 */
export function gatherRows(table: tf.Tensor, ids: Int32Array, needsGrad: boolean): tf.Tensor {
  if (!needsGrad) return tf.gather(table, tf.tensor1d(ids, 'int32'));
  // Index tensors are rebuilt from the JS array in the gradient: tensors created in the forward pass and not
  // saved are disposed before backprop runs.
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    void save;
    return {
      value: tf.gather(t, tf.tensor1d(ids, 'int32')),
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.scatterND(tf.tensor2d(ids, [ids.length, 1], 'int32'), dy, t.shape)),
    };
  }) as never) as (t: tf.Tensor) => tf.Tensor;
  return f(table);
}

/** RMSNorm as HF LlamaRMSNorm (f32): w * x / sqrt(mean(x²) + eps). */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const v = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(v, eps))), w);
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * HF rotate-half rotary embedding: x*cos + rotate_half(x)*sin, x: [B, H, T, d]; cos/sin: [B or 1, 1, T, d]
 * with the frequencies duplicated across both halves.
 */
export function applyRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const d = x.shape[x.rank - 1];
  const [x1, x2] = tf.split(x, [d / 2, d / 2], -1);
  const rot = tf.concat([tf.neg(x2), x1], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rot, sin));
}

/** HF inv_freq, computed like torch in float32: 1 / theta^(arange(0,d,2)/d). */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  const n = headDim / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = Math.fround(Math.fround(2 * i) / headDim);
    out[i] = Math.fround(1 / Math.fround(Math.pow(theta, e)));
  }
  return out;
}

/**
 * cos/sin tables for position ids: returns tensors [B, 1, T, d] (frequencies duplicated, HF convention).
 * positions: B×T row-major.
 */
export function ropeTables(positions: Int32Array | number[], B: number, T: number, headDim: number, theta: number): [tf.Tensor, tf.Tensor] {
  const inv = ropeInvFreq(headDim, theta);
  const half = headDim / 2;
  const cos = new Float32Array(B * T * headDim);
  const sin = new Float32Array(B * T * headDim);
  for (let i = 0; i < B * T; i++) {
    const p = positions[i];
    for (let j = 0; j < half; j++) {
      const f = Math.fround(p * inv[j]);
      const c = Math.cos(f);
      const s = Math.sin(f);
      cos[i * headDim + j] = c;
      cos[i * headDim + j + half] = c;
      sin[i * headDim + j] = s;
      sin[i * headDim + j + half] = s;
    }
  }
  return [tf.tensor4d(cos, [B, 1, T, headDim]), tf.tensor4d(sin, [B, 1, T, headDim])];
}

/**
 * Per-row cross entropy: logits [N, V], labels int32 [N] -> [N] (logsumexp − logit[label]).
 * Custom gradient (softmax − onehot)·dy avoids gather gradients.
 */
export function crossEntropyRows(logits: tf.Tensor2D, labelIds: Int32Array | number[]): tf.Tensor1D {
  const [N, V] = logits.shape;
  if (labelIds.length !== N) throw new Error(`crossEntropyRows: ${labelIds.length} labels for ${N} rows`);
  const flat = new Int32Array(N);
  for (let i = 0; i < N; i++) flat[i] = i * V + labelIds[i];
  const labelsArr = Int32Array.from(labelIds);
  const f = tf.customGrad(((lg: tf.Tensor, save: tf.GradSaveFunc) => {
    // one exp pass: p = softmax(lg) is saved for the backward pass
    const mx = tf.max(lg, -1, true);
    const e = tf.exp(tf.sub(lg, mx));
    const z = tf.sum(e, -1, true);
    const p = tf.div(e, z);
    const lse = tf.add(mx, tf.log(z));
    const picked = tf.gather(tf.reshape(lg, [-1]), tf.tensor1d(flat, 'int32'));
    save([p]);
    return {
      value: tf.sub(tf.reshape(lse, [N]), picked),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sp] = saved;
          // (wasm's OneHot ignores a float32 dtype and writes int bits: build int32 and cast)
          const oh = tf.cast(tf.oneHot(tf.tensor1d(labelsArr, 'int32'), V), 'float32');
          return tf.mul(tf.sub(sp, oh), tf.reshape(dy, [N, 1]));
        }),
    };
  }) as never) as (lg: tf.Tensor) => tf.Tensor1D;
  return f(logits);
}

/** log-probabilities of labels under logits, without gradient: logits [N,V], labels [N] -> [N]. */
export function labelLogProbs(logits: tf.Tensor2D, labels: Int32Array | number[]): tf.Tensor1D {
  return tf.tidy(() => tf.neg(crossEntropyRows(logits, labels)));
}
