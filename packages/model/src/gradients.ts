import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient registrations for the kernels this package differentiates through.
 *
 * The Node entry of @tensorflow/tfjs-core (a CJS bundle) registers no gradients, and its ESM
 * `register_all_gradients` cannot be imported under Node's ESM resolver (extensionless imports). The union
 * package @tensorflow/tfjs would register them, but pulls in layers/converter/data/webgl. So we register the
 * handful we need, only where none is registered yet (so loading @tensorflow/tfjs as well is harmless).
 */

/** Reduce a broadcast gradient back to `shape`. */
export function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  const s = axes.length ? tf.sum(g, axes) : g;
  return tf.reshape(s, shape);
}

function axesOf(axis: unknown, rank: number): number[] {
  const arr = axis == null ? [...Array(rank).keys()] : Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return arr.map((a) => (a < 0 ? a + rank : a));
}

/** dy of a reduction over `axes` broadcast back to `shape`. */
function expandReduced(dy: tf.Tensor, shape: number[], axes: number[]): tf.Tensor {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones(shape));
}

type GF = tf.GradConfig['gradFunc'];
const configs: { kernelName: string; inputsToSave?: string[]; outputsToSave?: boolean[]; saveAllInputs?: boolean; gradFunc: GF }[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(dy as tf.Tensor, b.shape) };
    },
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(tf.neg(dy as tf.Tensor), b.shape) };
    },
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return {
        a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape),
        b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape),
      };
    },
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return {
        a: () => unbroadcast(tf.div(dy as tf.Tensor, b), a.shape),
        b: () => unbroadcast(tf.neg(tf.mul(dy as tf.Tensor, tf.div(a, tf.square(b)))), b.shape),
      };
    },
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  { kernelName: 'Cast', inputsToSave: ['x'], gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0].shape) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs) => {
      const perm = (attrs as { perm: number[] }).perm;
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return { x: () => tf.transpose(dy as tf.Tensor, inv) };
    },
  },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0], 2)) }),
  },
  {
    kernelName: 'Rsqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const x = saved[0];
      return { x: () => tf.neg(tf.div(dy as tf.Tensor, tf.mul(tf.mul(x, tf.sqrt(x)), 2))) };
    },
  },
  {
    kernelName: 'Sqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(saved[0]), 2)) }),
  },
  {
    kernelName: 'Exp',
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, saved[0]) }),
  },
  {
    kernelName: 'Log',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, saved[0]) }),
  },
  {
    kernelName: 'Sigmoid',
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const y = saved[0];
      return { x: () => tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(1, y))) };
    },
  },
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0];
      const dim = (attrs as { dim: number }).dim;
      return { logits: () => tf.mul(y, tf.sub(dy as tf.Tensor, tf.sum(tf.mul(dy as tf.Tensor, y), dim, true))) };
    },
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const axes = axesOf((attrs as { axis: unknown }).axis, x.rank);
      return { x: () => expandReduced(dy as tf.Tensor, x.shape, axes) };
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const axes = axesOf((attrs as { axis: unknown }).axis, x.rank);
      const n = axes.reduce((a, i) => a * x.shape[i], 1);
      return { x: () => tf.div(expandReduced(dy as tf.Tensor, x.shape, axes), n) };
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const rank = saved[0].rank;
      let axis = (attrs as { axis: number | number[] }).axis as number;
      if (Array.isArray(axis)) axis = axis[0];
      if (axis < 0) axis += rank;
      const sizes = saved.map((t) => t.shape[axis]);
      const parts = tf.split(dy as tf.Tensor, sizes, axis);
      return parts.map((p) => () => p) as never;
    },
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dyIn, saved, attrs) => {
      const dy = dyIn as tf.Tensor;
      const [a, b] = saved;
      const { transposeA: tA, transposeB: tB } = attrs as { transposeA: boolean; transposeB: boolean };
      const da = () =>
        unbroadcast(!tA && !tB ? tf.matMul(dy, b, false, true) : !tA ? tf.matMul(dy, b) : !tB ? tf.matMul(b, dy, false, true) : tf.matMul(b, dy, true, true), a.shape);
      const db = () =>
        unbroadcast(!tA && !tB ? tf.matMul(a, dy, true, false) : !tA ? tf.matMul(dy, a, true, false) : !tB ? tf.matMul(a, dy) : tf.matMul(dy, a, true, true), b.shape);
      return { a: da, b: db };
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => {
      const axis = (attrs as { axis: number }).axis;
      return { x: () => tf.concat(dy as tf.Tensor[], axis) };
    },
  },
];

let registered = false;
export function registerGradients(): void {
  if (registered) return;
  for (const c of configs) {
    if (tf.getGradient(c.kernelName) == null) tf.registerGradient(c as tf.GradConfig);
  }
  registered = true;
}

registerGradients();
