import * as tf from '@tensorflow/tfjs-core';
import type { LlamaForCausalLM } from './llama.ts';
import type { LoraTarget, Tokenizer } from './model-types.ts';
import { attachLora } from './lora.ts';
import { collate, encodeExample, epochBatches } from './data.ts';
import type { Batch, EncodedExample, TrainExample } from './data.ts';
import type { ForwardContext } from './llama.ts';
import { AdamW, clipByGlobalNorm, cosineWithWarmup } from './optim.ts';
import { crossEntropyRows } from './ops.ts';
import { Rng, mixSeed } from './rng.ts';
import { backendInfo } from './backend.ts';
import type { RngState } from './rng.ts';

export interface TrainOptions {
  tokenizer: Tokenizer;
  /** 'lora' (default): only LoRA A/B train; 'full': every base weight trains (pretraining small configs). */
  mode?: 'lora' | 'full';
  /** LoRA settings used when the model has no adapter attached yet. */
  lora?: { r: number; alpha?: number; dropout?: number; targetModules?: LoraTarget[]; useRslora?: boolean; layers?: number[] };
  seed?: number;
  epochs?: number;
  /** Stop after this many optimizer steps (overrides epochs for the schedule length). */
  maxSteps?: number;
  /** Micro-batch size. */
  batchSize?: number;
  gradAccumSteps?: number;
  learningRate?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  warmupSteps?: number;
  /** Alternative to warmupSteps: fraction of total steps. */
  warmupRatio?: number;
  minLrRatio?: number;
  /** Global grad-norm clipping (0 disables). Default 1.0. */
  maxGradNorm?: number;
  maxSeqLen?: number;
  /** Attach a checkpoint to the step log every N steps (and at the last step). */
  checkpointEvery?: number;
  /** Resume from a checkpoint produced by an identically configured run. */
  resumeFrom?: TrainCheckpoint;
  /**
   * LoRA mode: keep only each layer's input during the forward pass and recompute the layer in backward (one
   * extra forward, a fraction of the memory). 'auto' (default): when the activations backprop would hold
   * exceed ACTIVATION_BUDGET_BYTES.
   */
  gradientCheckpointing?: boolean | 'auto';
  /** With checkpointing: how many last layers run under one tape without recompute (default: what fits the budget). */
  checkpointTapedLayers?: number;
  /**
   * LoRA on the top layers only: keep each example's output of the frozen layers below the first adapted
   * one after computing it once (they cannot change), so later epochs run only the adapted layers.
   * Default true, within FROZEN_CACHE_BUDGET_BYTES.
   */
  cacheFrozenLayers?: boolean;
  /** Length bucketing: batches are sorted by length within windows of this many batches (default 8; 1 turns it off). */
  bucketWindow?: number;
}

/** Most memory the frozen-layer cache may take (f32 hidden states of every training example). */
export const FROZEN_CACHE_BUDGET_BYTES = 3 * 2 ** 30;

/** Above this estimated size of held activations, 'auto' turns gradient checkpointing on. */
export const ACTIVATION_BUDGET_BYTES = 4 * 2 ** 30;
/** With checkpointing on, the last layers whose activations fit here skip the recompute. */
export const TAPED_BUDGET_BYTES = 2 ** 30;

/**
 * What tfjs backprop holds for a LoRA step: every saved forward tensor and, until backward ends, a gradient for
 * each one (~30 hidden-wide, ~10 intermediate-wide and ~4 score-sized floats per token and layer, measured
 * against the 135M shape's peak RSS).
 */
export function estimateActivationBytes(cfg: LlamaForCausalLM['config'], batch: number, seqLen: number): number {
  const perToken = 30 * cfg.hiddenSize + 10 * cfg.intermediateSize + 4 * cfg.numAttentionHeads * seqLen;
  return 2 * 4 * perToken * batch * seqLen * cfg.numHiddenLayers;
}

export interface StepLog {
  step: number; // 1-based optimizer step just completed
  totalSteps: number;
  epoch: number;
  loss: number; // mean token cross-entropy of this step
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  examplesPerSecond: number;
  checkpoint?: TrainCheckpoint;
}

/** Plain-JSON training state: trainable weights, AdamW moments, step and RNG state. */
export interface TrainCheckpoint {
  version: 1;
  mode: 'lora' | 'full';
  step: number;
  seed: number;
  numExamples: number;
  batchSize: number;
  gradAccumSteps: number;
  totalSteps: number;
  dropoutRng: RngState;
  /** What computed it: bit-identical resume holds only on the same backend, TF version, oneDNN and threads. */
  compute?: CheckpointCompute;
  weights: { shape: number[]; data: number[] }[];
  optimizer: { t: number; m: number[][]; v: number[][] };
}

export interface CheckpointCompute {
  backend: string;
  tensorflowVersion: string | null;
  onednn: boolean | null;
  threads: number | null;
}

export function currentCompute(): CheckpointCompute {
  const i = backendInfo();
  return { backend: i.backend, tensorflowVersion: i.tensorflowVersion, onednn: i.onednn, threads: i.threads };
}

function describeCompute(c: CheckpointCompute): string {
  return c.backend === 'tensorflow' ? `tensorflow (TF ${c.tensorflowVersion}, oneDNN ${c.onednn ? 'on' : 'off'}, ${c.threads} threads)` : c.backend;
}

/** Refuses a checkpoint written under other numerics: resuming there would silently break bit-exactness. */
export function assertSameCompute(saved: CheckpointCompute | undefined, now: CheckpointCompute = currentCompute()): void {
  if (!saved) return; // checkpoints from before compute was recorded
  const keys: (keyof CheckpointCompute)[] = ['backend', 'tensorflowVersion', 'onednn', 'threads'];
  const differ = keys.filter((k) => saved[k] !== now[k]);
  if (differ.length === 0) return;
  throw new Error(
    `checkpoint was computed on ${describeCompute(saved)} but this process computes on ${describeCompute(now)} (${differ.join(', ')} differ); resuming would not be bit-identical. ` +
      'Resume it where OPENSOC_TF_BACKEND, OPENSOC_THREADS and TF_ENABLE_ONEDNN_OPTS match, or start the run again.',
  );
}

interface Resolved {
  mode: 'lora' | 'full';
  seed: number;
  batchSize: number;
  accum: number;
  lr: number;
  warmup: number;
  minLrRatio: number;
  maxGradNorm: number;
  maxSeqLen: number;
  totalSteps: number;
  microPerEpoch: number;
}

/** Incremental trainer; `train()` wraps it as an async generator. */
export class Trainer {
  readonly model: LlamaForCausalLM;
  readonly opts: TrainOptions;
  readonly encoded: EncodedExample[];
  readonly r: Resolved;
  readonly vars: tf.Variable[];
  readonly optimizer: AdamW;
  dropoutRng: Rng;
  step = 0;
  /** Layers below the first adapted one: frozen, so backward stops above them (0: every layer trains). */
  readonly frozenLayers: number;
  private epochCache: { epoch: number; batches: number[][] } | null = null;
  /** Example index -> its hidden states after the frozen layers ([length, hidden], f32), when cached. */
  private frozenCache: Map<number, Float32Array> | null = null;

  constructor(model: LlamaForCausalLM, examples: TrainExample[], opts: TrainOptions) {
    if (examples.length === 0) throw new Error('train: no examples');
    this.model = model;
    this.opts = opts;
    const mode = opts.mode ?? 'lora';
    const seed = opts.seed ?? 0;
    if (mode === 'full') model.makeBaseTrainable();
    else if (!model.lora) attachLora(model, { ...(opts.lora ?? { r: 8, alpha: 16 }), seed: mixSeed(seed, 0x10a) });
    if (mode === 'lora' && model.loraMerged) throw new Error('train: LoRA is merged; unmerge before training');
    const maxSeqLen = Math.min(opts.maxSeqLen ?? 512, model.config.maxPositionEmbeddings);
    this.encoded = examples.map((e) => encodeExample(opts.tokenizer, e, maxSeqLen));
    const batchSize = opts.batchSize ?? 4;
    const accum = opts.gradAccumSteps ?? 1;
    const microPerEpoch = Math.ceil(this.encoded.length / batchSize);
    const stepsPerEpoch = Math.ceil(microPerEpoch / accum);
    const totalSteps = opts.maxSteps ?? stepsPerEpoch * (opts.epochs ?? 1);
    const warmup = opts.warmupSteps ?? Math.round((opts.warmupRatio ?? 0) * totalSteps);
    this.r = {
      mode,
      seed,
      batchSize,
      accum,
      lr: opts.learningRate ?? 2e-4,
      warmup,
      minLrRatio: opts.minLrRatio ?? 0,
      maxGradNorm: opts.maxGradNorm ?? 1.0,
      maxSeqLen,
      totalSteps,
      microPerEpoch,
    };
    this.vars = model.trainableVariables();
    if (this.vars.length === 0) throw new Error('train: nothing to train');
    const decayMask = mode === 'full' ? this.vars.map((v) => v.rank > 1) : this.vars.map(() => true);
    this.optimizer = new AdamW(this.vars, { beta1: opts.beta1, beta2: opts.beta2, eps: opts.eps, weightDecay: opts.weightDecay ?? 0 }, decayMask);
    this.dropoutRng = new Rng(mixSeed(seed, 0xd20b));
    this.frozenLayers = mode === 'lora' && model.lora ? Math.min(...[...model.lora.keys()].map((k) => Number(k.split('.')[0]))) : 0;
    const cacheBytes = this.encoded.reduce((a, e) => a + e.ids.length, 0) * model.config.hiddenSize * 4;
    if (this.frozenLayers > 0 && opts.cacheFrozenLayers !== false && cacheBytes <= FROZEN_CACHE_BUDGET_BYTES) this.frozenCache = new Map();
    if (opts.resumeFrom) this.restore(opts.resumeFrom);
  }

  get totalSteps(): number {
    return this.r.totalSteps;
  }

  private microBatch(k: number): { epoch: number; indices: number[] } {
    const epoch = Math.floor(k / this.r.microPerEpoch);
    if (!this.epochCache || this.epochCache.epoch !== epoch) {
      this.epochCache = { epoch, batches: epochBatches(this.encoded.map((e) => e.ids.length), this.r.batchSize, this.r.seed, epoch, this.opts.bucketWindow) };
    }
    return { epoch, indices: this.epochCache.batches[k % this.r.microPerEpoch] };
  }

  lrAt(step: number): number {
    return this.r.lr * cosineWithWarmup(step, this.r.warmup, this.r.totalSteps, this.r.minLrRatio);
  }

  /** Run one optimizer step (gradAccumSteps micro-batches). */
  trainStep(): StepLog {
    const t0 = performance.now();
    const model = this.model;
    const mbs = [];
    for (let j = 0; j < this.r.accum; j++) mbs.push(this.microBatch(this.step * this.r.accum + j));
    const batches = mbs.map((mb) => collate(mb.indices.map((i) => this.encoded[i]), this.opts.tokenizer.padId));
    const totalTargets = batches.reduce((a, b) => a + b.labels.length, 0);
    let acc: tf.Tensor[] | null = null;
    let lossSum = 0;
    let tokens = 0;
    let exs = 0;
    for (const [j, b] of batches.entries()) {
      tokens += b.numTokens;
      exs += b.numExamples;
      if (b.labels.length === 0) continue;
      const taped = this.taped(b);
      const { loss, grads } = taped === null ? this.plainGrads(b, totalTargets) : this.layeredGrads(b, totalTargets, taped, mbs[j].indices);
      lossSum += loss;
      const gl = this.vars.map((v) => grads[v.name] ?? tf.zeros(v.shape));
      if (!acc) acc = gl;
      else {
        const prev: tf.Tensor[] = acc;
        acc = prev.map((a, i) => tf.add(a, gl[i]));
        for (const t of [...prev, ...gl]) t.dispose();
      }
    }
    const lr = this.lrAt(this.step);
    let gradNorm = 0;
    if (acc) {
      const clipped = clipByGlobalNorm(acc, this.r.maxGradNorm);
      gradNorm = clipped.norm;
      this.optimizer.step(clipped.grads, lr);
      for (const g of clipped.grads) g.dispose();
    }
    if (model.baseTrainable) model.invalidateCaches();
    this.step += 1;
    const dt = (performance.now() - t0) / 1000;
    return {
      step: this.step,
      totalSteps: this.r.totalSteps,
      epoch: mbs[mbs.length - 1].epoch,
      loss: lossSum,
      lr,
      gradNorm,
      tokensPerSecond: tokens / dt,
      examplesPerSecond: exs / dt,
    };
  }

  /**
   * How many of the top layers run under one tape with the head (the trainable ones below are recomputed in
   * backward), or null for plain backprop of the whole model.
   */
  private taped(b: Batch): number | null {
    if (this.r.mode !== 'lora') return null;
    const opt = this.opts.gradientCheckpointing ?? 'auto';
    const L = this.model.config.numHiddenLayers;
    const trainable = L - this.frozenLayers;
    const bytes = (estimateActivationBytes(this.model.config, b.batch, b.seqLen) * trainable) / L;
    if (opt === false || (opt === 'auto' && bytes <= ACTIVATION_BUDGET_BYTES)) return this.frozenLayers > 0 ? trainable : null;
    return Math.max(1, Math.min(trainable, this.opts.checkpointTapedLayers ?? Math.floor(TAPED_BUDGET_BYTES / (bytes / trainable))));
  }

  /**
   * Output of the frozen layers for a batch: assembled from the per-example cache when every example is in
   * it (padding rows stay zero: padded keys are masked, so real tokens see the same values), else computed
   * without a tape and, with the cache on, stored per example.
   */
  private frozenOutput(b: Batch, indices: number[], ctx: ForwardContext): tf.Tensor2D {
    const model = this.model;
    const h = model.config.hiddenSize;
    const T = b.seqLen;
    const cache = this.frozenCache;
    if (cache && indices.every((i) => cache.has(i))) {
      const buf = new Float32Array(b.batch * T * h);
      indices.forEach((ex, row) => buf.set(cache.get(ex)!, row * T * h));
      return tf.tensor2d(buf, [b.batch * T, h]);
    }
    const x = tf.tidy(() => {
      let y = model.embedTokens(ctx);
      for (let i = 0; i < this.frozenLayers; i++) y = model.layer(i, y, ctx);
      return y;
    });
    if (cache) {
      const data = x.dataSync() as Float32Array;
      indices.forEach((ex, row) => cache.set(ex, data.slice(row * T * h, (row * T + this.encoded[ex].ids.length) * h)));
    }
    return x;
  }

  private plainGrads(b: Batch, totalTargets: number): { loss: number; grads: Record<string, tf.Tensor> } {
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.model.forward({ ids: b.ids, batch: b.batch, seqLen: b.seqLen, attentionMask: b.attentionMask, select: b.select, dropoutRng: this.dropoutRng });
      return tf.div(tf.sum(crossEntropyRows(logits, b.labels)), totalTargets) as tf.Scalar;
    }, this.vars);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, grads };
  }

  /**
   * Layer-wise backprop. Layers below the first adapted one are frozen: their output comes from
   * frozenOutput and backward stops there. Of the trainable layers, the forward pass keeps only each
   * layer's input (and the dropout RNG state before it, so a recomputed layer draws the same masks); the
   * last `taped` layers and the head run once under one tape, and backward recomputes the earlier trainable
   * layers one at a time under their own tape, handing dx down. Each layer's activations are freed as soon
   * as its grads exist.
   */
  private layeredGrads(b: Batch, totalTargets: number, taped: number, indices: number[]): { loss: number; grads: Record<string, tf.Tensor> } {
    const model = this.model;
    const L = model.config.numHiddenLayers;
    const low = this.frozenLayers;
    const first = Math.max(low, L - taped); // layers first..L-1 run under the head's tape
    const ctx = model.prepare({ ids: b.ids, batch: b.batch, seqLen: b.seqLen, attentionMask: b.attentionMask, select: b.select });
    const xs: tf.Tensor2D[] = []; // xs[i]: input of layer i, for low <= i <= first
    const rngStates: RngState[] = [];
    const grads: Record<string, tf.Tensor> = {};
    let dy: tf.Tensor | null = null;
    try {
      xs[low] = low > 0 ? this.frozenOutput(b, indices, ctx) : tf.tidy(() => model.embedTokens(ctx));
      for (let i = low; i < first; i++) {
        rngStates[i] = this.dropoutRng.state();
        xs[i + 1] = tf.tidy(() => model.layer(i, xs[i], ctx, this.dropoutRng));
      }
      const tailVars = Array.from({ length: L - first }, (_, j) => model.layerLoraVariables(first + j)).flat();
      const withTailX = first > low; // the input of the lowest trainable layer needs no gradient
      const tail = tf.valueAndGrads((...a: tf.Tensor[]) => {
        let x = (withTailX ? a[0] : xs[first]) as tf.Tensor2D;
        for (let i = first; i < L; i++) x = model.layer(i, x, ctx, this.dropoutRng);
        return tf.div(tf.sum(crossEntropyRows(model.head(x, ctx), b.labels)), totalTargets) as tf.Scalar;
      });
      const h = tail(withTailX ? [xs[first], ...tailVars] : tailVars);
      const loss = h.value.dataSync()[0];
      h.value.dispose();
      dy = withTailX ? h.grads[0] : null;
      const tg = withTailX ? h.grads.slice(1) : h.grads;
      tailVars.forEach((v, j) => (grads[v.name] = tg[j]));
      for (let i = first - 1; i >= low && dy; i--) {
        const vars = model.layerLoraVariables(i);
        const withX = i > low;
        const args = withX ? [xs[i], ...vars] : vars;
        if (args.length === 0) break;
        const rng = new Rng(rngStates[i]);
        const f = tf.valueAndGrads((...a: tf.Tensor[]) => model.layer(i, (withX ? a[0] : xs[i]) as tf.Tensor2D, ctx, rng));
        const r = f(args, dy as tf.Tensor2D);
        r.value.dispose();
        dy.dispose();
        dy = withX ? r.grads[0] : null;
        const gv = withX ? r.grads.slice(1) : r.grads;
        vars.forEach((v, j) => (grads[v.name] = gv[j]));
        xs[i + 1].dispose();
      }
      return { loss, grads };
    } finally {
      dy?.dispose();
      for (const x of xs) x?.dispose();
      for (const t of [ctx.bias, ctx.cos, ctx.sin]) t.dispose();
    }
  }

  checkpoint(): TrainCheckpoint {
    return {
      version: 1,
      mode: this.r.mode,
      step: this.step,
      seed: this.r.seed,
      numExamples: this.encoded.length,
      batchSize: this.r.batchSize,
      gradAccumSteps: this.r.accum,
      totalSteps: this.r.totalSteps,
      dropoutRng: this.dropoutRng.state(),
      compute: currentCompute(),
      weights: this.vars.map((v) => ({ shape: [...v.shape], data: Array.from(v.dataSync()) })),
      optimizer: this.optimizer.exportState(),
    };
  }

  restore(c: TrainCheckpoint): void {
    if (c.version !== 1) throw new Error(`unsupported checkpoint version ${c.version}`);
    const mism: string[] = [];
    if (c.mode !== this.r.mode) mism.push('mode');
    if (c.seed !== this.r.seed) mism.push('seed');
    if (c.numExamples !== this.encoded.length) mism.push('numExamples');
    if (c.batchSize !== this.r.batchSize) mism.push('batchSize');
    if (c.gradAccumSteps !== this.r.accum) mism.push('gradAccumSteps');
    if (c.totalSteps !== this.r.totalSteps) mism.push('totalSteps');
    if (c.weights.length !== this.vars.length) mism.push('number of trainable tensors');
    if (mism.length) throw new Error(`checkpoint does not match this training run: ${mism.join(', ')}`);
    assertSameCompute(c.compute);
    this.vars.forEach((v, i) => {
      const w = c.weights[i];
      if (w.data.length !== v.size) throw new Error(`checkpoint tensor ${i} has ${w.data.length} values, expected ${v.size}`);
      const t = tf.tensor(Float32Array.from(w.data), v.shape);
      v.assign(t);
      t.dispose();
    });
    this.optimizer.importState(c.optimizer);
    this.dropoutRng = new Rng(c.dropoutRng);
    this.step = c.step;
    if (this.model.baseTrainable) this.model.invalidateCaches();
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Train `model` on `examples`, yielding one StepLog per optimizer step. LoRA mode attaches an adapter if the
 * model has none. Deterministic given seed and backend; resumable bit-exactly from `resumeFrom`.
 */
export async function* train(model: LlamaForCausalLM, examples: TrainExample[], options: TrainOptions): AsyncGenerator<StepLog, void, void> {
  const trainer = new Trainer(model, examples, options);
  try {
    while (trainer.step < trainer.totalSteps) {
      const log = trainer.trainStep();
      const every = options.checkpointEvery ?? 0;
      if (every > 0 && (log.step % every === 0 || log.step === trainer.totalSteps)) log.checkpoint = trainer.checkpoint();
      yield log;
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    trainer.dispose();
  }
}

/**
 * Split a checkpoint into small JSON metadata + named float32 tensors (e.g. to store the tensors as
 * safetensors with the io writer instead of as a huge JSON array). Inverse: joinCheckpoint.
 */
export function splitCheckpoint(c: TrainCheckpoint): { meta: Omit<TrainCheckpoint, 'weights' | 'optimizer'> & { optimizerT: number; shapes: number[][] }; tensors: Map<string, { shape: number[]; data: Float32Array }> } {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  c.weights.forEach((w, i) => {
    tensors.set(`w.${i}`, { shape: w.shape, data: Float32Array.from(w.data) });
    tensors.set(`m.${i}`, { shape: w.shape, data: Float32Array.from(c.optimizer.m[i]) });
    tensors.set(`v.${i}`, { shape: w.shape, data: Float32Array.from(c.optimizer.v[i]) });
  });
  const { weights, optimizer, ...rest } = c;
  return { meta: { ...rest, optimizerT: optimizer.t, shapes: weights.map((w) => w.shape) }, tensors };
}

export function joinCheckpoint(
  meta: Omit<TrainCheckpoint, 'weights' | 'optimizer'> & { optimizerT: number; shapes: number[][] },
  tensors: Map<string, { data: Float32Array }>,
): TrainCheckpoint {
  const get = (k: string) => {
    const t = tensors.get(k);
    if (!t) throw new Error(`checkpoint tensor '${k}' missing`);
    return Array.from(t.data);
  };
  const { optimizerT, shapes, ...rest } = meta;
  return {
    ...rest,
    weights: shapes.map((shape, i) => ({ shape, data: get(`w.${i}`) })),
    optimizer: { t: optimizerT, m: shapes.map((_, i) => get(`m.${i}`)), v: shapes.map((_, i) => get(`v.${i}`)) },
  };
}
