import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig, LoraTarget } from './model-types.ts';
import { applyRope, flagsAreFast, gatherRows, linear, mm, mmFrozenBT, rmsNorm, ropeTables, silu } from './ops.ts';
import { Rng } from './rng.ts';

/** Linear weights are stored pre-transposed as [in, out] (HF stores [out, in]). */
export interface LayerWeights {
  inputNorm: tf.Tensor1D;
  q: tf.Tensor2D;
  k: tf.Tensor2D;
  v: tf.Tensor2D;
  o: tf.Tensor2D;
  postNorm: tf.Tensor1D;
  gate: tf.Tensor2D;
  up: tf.Tensor2D;
  down: tf.Tensor2D;
}

export interface ModelWeights {
  embed: tf.Tensor2D; // [vocab, hidden]
  layers: LayerWeights[];
  norm: tf.Tensor1D;
  /** [hidden, vocab]; null when tied to embed. */
  lmHead: tf.Tensor2D | null;
}

/** One LoRA adapter on a linear module; aT = Aᵀ [in, r], bT = Bᵀ [r, out]. */
export interface LoraModule {
  aT: tf.Variable;
  bT: tf.Variable;
  scale: number;
}

export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  targetModules: LoraTarget[];
  useRslora: boolean;
  /** Layers that carry adapters (PEFT's layers_to_transform); null: every layer. */
  layers: number[] | null;
}

export const MODULE_TO_KEY: Record<LoraTarget, keyof LayerWeights> = {
  q_proj: 'q',
  k_proj: 'k',
  v_proj: 'v',
  o_proj: 'o',
  gate_proj: 'gate',
  up_proj: 'up',
  down_proj: 'down',
};

export const HF_MODULE_PATH: Record<LoraTarget, string> = {
  q_proj: 'self_attn.q_proj',
  k_proj: 'self_attn.k_proj',
  v_proj: 'self_attn.v_proj',
  o_proj: 'self_attn.o_proj',
  gate_proj: 'mlp.gate_proj',
  up_proj: 'mlp.up_proj',
  down_proj: 'mlp.down_proj',
};

/** Key-value cache for incremental decoding. k/v per layer: [B, KVH, S, d]. */
export class KVCache {
  k: (tf.Tensor4D | null)[];
  v: (tf.Tensor4D | null)[];
  /** Key padding mask per row (1 real, 0 pad), length S each. */
  mask: number[][];
  /** Next position id per row. */
  nextPos: number[];
  constructor(numLayers: number, batch: number) {
    this.k = new Array(numLayers).fill(null);
    this.v = new Array(numLayers).fill(null);
    this.mask = Array.from({ length: batch }, () => []);
    this.nextPos = new Array(batch).fill(0);
  }
  get length(): number {
    return this.mask[0]?.length ?? 0;
  }
  /** An independent copy (its own tensors): e.g. a shared prompt prefix that many continuations extend. */
  clone(): KVCache {
    const c = new KVCache(this.k.length, this.mask.length);
    c.k = this.k.map((t) => (t ? (tf.clone(t) as tf.Tensor4D) : null));
    c.v = this.v.map((t) => (t ? (tf.clone(t) as tf.Tensor4D) : null));
    c.mask = this.mask.map((m) => m.slice());
    c.nextPos = this.nextPos.slice();
    return c;
  }
  dispose(): void {
    for (const t of [...this.k, ...this.v]) t?.dispose();
    this.k.fill(null);
    this.v.fill(null);
  }
}

export interface ForwardInput {
  /** Token ids, B×T row-major. */
  ids: Int32Array | number[];
  batch: number;
  seqLen: number;
  /** 1 = real token, 0 = padding; B×T. Defaults to all ones. */
  attentionMask?: Int32Array | Uint8Array | number[];
  /** Position ids B×T; default: cumulative count of real tokens − 1 (equals 0..T−1 without left padding). */
  positions?: Int32Array | number[];
  /**
   * Which positions (flat b*T+t) get logits: 'all', 'last' (t = T−1 of each row) or explicit indices.
   * Logits are computed only there. Default 'all'.
   */
  select?: 'all' | 'last' | Int32Array | number[];
  /** KV cache to read from and append to (generation). */
  cache?: KVCache;
  /** Dropout RNG for LoRA dropout (training only). */
  dropoutRng?: Rng;
}

/** Shared state of one forward pass (see LlamaForCausalLM.prepare). */
export interface ForwardContext {
  ids: Int32Array;
  B: number;
  T: number;
  S: number;
  bias: tf.Tensor4D;
  cos: tf.Tensor;
  sin: tf.Tensor;
  select: Int32Array | null;
  cache?: KVCache;
}

export type InitOptions = { seed?: number; initializerRange?: number };

/** Llama decoder-only causal LM, numerically as Hugging Face LlamaForCausalLM (f32). */
export class LlamaForCausalLM {
  readonly config: LlamaConfig;
  weights: ModelWeights;
  /** When true all base weights are tf.Variables and receive gradients (full-parameter training). */
  baseTrainable = false;
  lora: Map<string, LoraModule> | null = null;
  loraSettings: LoraSettings | null = null;
  loraMerged = false;
  private lmHeadCache: tf.Tensor2D | null = null;
  private disposed = false;

  constructor(config: LlamaConfig, weights: ModelWeights) {
    this.config = config;
    this.weights = weights;
    if (config.numAttentionHeads % config.numKeyValueHeads !== 0) throw new Error('numAttentionHeads must be a multiple of numKeyValueHeads');
  }

  /** Random init as HF: normal(0, 0.02) for linears/embeddings, ones for norms. Seeded. */
  static random(config: LlamaConfig, opts: InitOptions = {}): LlamaForCausalLM {
    const rng = new Rng(opts.seed ?? 0);
    const std = opts.initializerRange ?? 0.02;
    const { hiddenSize: h, intermediateSize: f, numAttentionHeads: H, numKeyValueHeads: KV, headDim: d, vocabSize: V } = config;
    const normal = (shape: [number, number]) => tf.tensor2d(rng.fillNormal(new Float32Array(shape[0] * shape[1]), std), shape);
    const ones = (n: number) => tf.ones([n]) as tf.Tensor1D;
    const layers: LayerWeights[] = [];
    for (let i = 0; i < config.numHiddenLayers; i++) {
      layers.push({
        inputNorm: ones(h),
        q: normal([h, H * d]),
        k: normal([h, KV * d]),
        v: normal([h, KV * d]),
        o: normal([H * d, h]),
        postNorm: ones(h),
        gate: normal([h, f]),
        up: normal([h, f]),
        down: normal([f, h]),
      });
    }
    const embed = normal([V, h]);
    const lmHead = config.tieWordEmbeddings ? null : normal([h, V]);
    return new LlamaForCausalLM(config, { embed, layers, norm: ones(h), lmHead });
  }

  /**
   * Build from HF-named weights (e.g. from the io checkpoint iterator). Linear weights [out,in] are transposed
   * to [in,out] in JS before upload, one tensor at a time.
   */
  static async fromHFWeights(
    config: LlamaConfig,
    weights: Iterable<HFWeight> | AsyncIterable<HFWeight>,
  ): Promise<LlamaForCausalLM> {
    const L = config.numHiddenLayers;
    const layers: Partial<LayerWeights>[] = Array.from({ length: L }, () => ({}));
    const top: Partial<ModelWeights> = {};
    const created: tf.Tensor[] = [];
    try {
      for await (const w of weights as AsyncIterable<HFWeight>) {
        const t = hfToTensor(w);
        if (t === null) continue;
        created.push(t.tensor);
        if (t.key === 'lmHead' && config.tieWordEmbeddings) {
          t.tensor.dispose();
          created.pop();
          continue;
        }
        if (t.layer === null) (top as Record<string, tf.Tensor>)[t.key] = t.tensor;
        else {
          if (t.layer >= L) throw new Error(`weight ${w.name}: layer index out of range`);
          (layers[t.layer] as Record<string, tf.Tensor>)[t.key] = t.tensor;
        }
      }
      if (!top.embed) throw new Error('missing model.embed_tokens.weight');
      if (!top.norm) throw new Error('missing model.norm.weight');
      if (!top.lmHead && !config.tieWordEmbeddings) throw new Error('missing lm_head.weight (and tieWordEmbeddings is false)');
      const keys: (keyof LayerWeights)[] = ['inputNorm', 'q', 'k', 'v', 'o', 'postNorm', 'gate', 'up', 'down'];
      layers.forEach((lw, i) => {
        for (const k of keys) if (!lw[k]) throw new Error(`missing weight for layer ${i}: ${k}`);
      });
      return new LlamaForCausalLM(config, {
        embed: top.embed,
        layers: layers as LayerWeights[],
        norm: top.norm,
        lmHead: config.tieWordEmbeddings ? null : top.lmHead!,
      });
    } catch (e) {
      for (const t of created) t.dispose();
      throw e;
    }
  }

  /** Export base weights under HF names ([out,in] layout for linears). */
  *hfWeights(): Generator<HFWeight> {
    const w = this.weights;
    const mat = (name: string, t: tf.Tensor2D, transpose: boolean): HFWeight => {
      const data = t.dataSync() as Float32Array;
      const [a, b] = t.shape;
      return transpose ? { name, shape: [b, a], data: transposeF32(data, a, b) } : { name, shape: [a, b], data: Float32Array.from(data) };
    };
    const vec = (name: string, t: tf.Tensor1D): HFWeight => ({ name, shape: [t.shape[0]], data: Float32Array.from(t.dataSync() as Float32Array) });
    yield mat('model.embed_tokens.weight', w.embed, false);
    for (let i = 0; i < w.layers.length; i++) {
      const l = w.layers[i];
      const p = `model.layers.${i}.`;
      yield vec(p + 'input_layernorm.weight', l.inputNorm);
      yield mat(p + 'self_attn.q_proj.weight', l.q, true);
      yield mat(p + 'self_attn.k_proj.weight', l.k, true);
      yield mat(p + 'self_attn.v_proj.weight', l.v, true);
      yield mat(p + 'self_attn.o_proj.weight', l.o, true);
      yield vec(p + 'post_attention_layernorm.weight', l.postNorm);
      yield mat(p + 'mlp.gate_proj.weight', l.gate, true);
      yield mat(p + 'mlp.up_proj.weight', l.up, true);
      yield mat(p + 'mlp.down_proj.weight', l.down, true);
    }
    yield vec('model.norm.weight', w.norm);
    if (w.lmHead) yield mat('lm_head.weight', w.lmHead, true);
  }

  /** All base weight tensors. */
  baseTensors(): tf.Tensor[] {
    const w = this.weights;
    const out: tf.Tensor[] = [w.embed, w.norm];
    if (w.lmHead) out.push(w.lmHead);
    for (const l of w.layers) out.push(l.inputNorm, l.q, l.k, l.v, l.o, l.postNorm, l.gate, l.up, l.down);
    return out;
  }

  /** Trainable variables: LoRA A/B (lora mode) or every base weight (full mode). Stable order. */
  trainableVariables(): tf.Variable[] {
    if (this.baseTrainable) return this.baseTensors() as tf.Variable[];
    if (!this.lora) return [];
    const out: tf.Variable[] = [];
    for (const m of this.lora.values()) out.push(m.aT, m.bT);
    return out;
  }

  /** Convert all base weights to trainable tf.Variables (full-parameter training). */
  makeBaseTrainable(): void {
    if (this.baseTrainable) return;
    const conv = <T extends tf.Tensor>(t: T): T => {
      const v = tf.variable(t, true);
      t.dispose();
      return v as unknown as T;
    };
    const w = this.weights;
    w.embed = conv(w.embed);
    w.norm = conv(w.norm);
    if (w.lmHead) w.lmHead = conv(w.lmHead);
    for (const l of w.layers) for (const k of Object.keys(l) as (keyof LayerWeights)[]) (l as unknown as Record<string, tf.Tensor>)[k] = conv(l[k]);
    this.baseTrainable = true;
    this.invalidateCaches();
  }

  invalidateCaches(): void {
    this.lmHeadCache?.dispose();
    this.lmHeadCache = null;
  }

  private lmHeadMatrix(): tf.Tensor2D {
    const w = this.weights;
    if (w.lmHead) return w.lmHead;
    if (this.baseTrainable) return tf.transpose(w.embed) as tf.Tensor2D; // differentiable, tied
    if (!this.lmHeadCache) this.lmHeadCache = tf.keep(tf.transpose(w.embed)) as tf.Tensor2D;
    return this.lmHeadCache;
  }

  private proj(x: tf.Tensor2D, layer: number, mod: LoraTarget, dropoutRng: Rng | undefined): tf.Tensor2D {
    const w = this.weights.layers[layer][MODULE_TO_KEY[mod]] as tf.Tensor2D;
    let y = linear(x, w, this.baseTrainable) as tf.Tensor2D;
    const lm = this.lora && !this.loraMerged ? this.lora.get(loraKey(layer, mod)) : undefined;
    if (lm) {
      let xin: tf.Tensor2D = x;
      const p = this.loraSettings!.dropout;
      if (dropoutRng && p > 0) {
        const n = x.size;
        const mask = new Float32Array(n);
        const keep = 1 / (1 - p);
        for (let i = 0; i < n; i++) mask[i] = dropoutRng.next() < p ? 0 : keep;
        xin = tf.mul(x, tf.tensor2d(mask, x.shape));
      }
      const delta = mm(mm(xin, lm.aT), lm.bT);
      y = tf.add(y, lm.scale === 1 ? delta : tf.mul(delta, lm.scale));
    }
    return y;
  }

  /**
   * Forward pass. Returns logits [N, vocab] for the selected positions (row order of `select`).
   * Caller owns the result (wrap in tf.tidy as usual).
   */
  forward(inp: ForwardInput): tf.Tensor2D {
    const ctx = this.prepare(inp);
    let x = this.embedTokens(ctx);
    for (let i = 0; i < this.config.numHiddenLayers; i++) x = this.layer(i, x, ctx, inp.dropoutRng);
    return this.head(x, ctx);
  }

  /**
   * Everything a forward pass shares across layers: positions, the additive attention bias [B,1,T,S] and the
   * rotary tables (tensors: the caller disposes them, or tidy does). Updates the KV cache's mask/positions.
   */
  prepare(inp: ForwardInput): ForwardContext {
    if (this.disposed) throw new Error('model is disposed');
    const cfg = this.config;
    const { batch: B, seqLen: T } = inp;
    const cache = inp.cache;
    const past = cache ? cache.length : 0;
    const S = past + T;
    const mask = inp.attentionMask ?? new Int32Array(B * T).fill(1);

    // positions
    let pos: Int32Array;
    if (inp.positions) pos = Int32Array.from(inp.positions);
    else {
      pos = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        let c = cache ? cache.nextPos[b] : 0;
        for (let t = 0; t < T; t++) {
          const m = mask[b * T + t];
          pos[b * T + t] = m ? c : 1; // HF: masked_fill(mask == 0, 1); value irrelevant (masked)
          if (m) c++;
        }
        if (cache) cache.nextPos[b] = c;
      }
    }
    // key mask over S and additive bias [B,1,T,S]
    const keyMask: number[][] = [];
    for (let b = 0; b < B; b++) {
      const prev = cache ? cache.mask[b] : [];
      const row = prev.slice();
      for (let t = 0; t < T; t++) row.push(mask[b * T + t] ? 1 : 0);
      keyMask.push(row);
    }
    if (cache) cache.mask = keyMask;
    const biasArr = new Float32Array(B * T * S);
    const NEG = -1e9;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const qAbs = past + t;
        const off = (b * T + t) * S;
        for (let s = 0; s < S; s++) biasArr[off + s] = s <= qAbs && keyMask[b][s] ? 0 : NEG;
      }

    let select: Int32Array | null;
    if (inp.select === undefined || inp.select === 'all') select = null;
    else if (inp.select === 'last') select = Int32Array.from({ length: B }, (_, b) => b * T + T - 1);
    else select = Int32Array.from(inp.select);

    const bias = tf.tensor4d(biasArr, [B, 1, T, S]);
    const [cos, sin] = ropeTables(pos, B, T, cfg.headDim, cfg.ropeTheta);
    return { ids: Int32Array.from(inp.ids), B, T, S, bias, cos, sin, select, cache };
  }

  /** Token embeddings [B*T, hidden]. */
  embedTokens(ctx: ForwardContext): tf.Tensor2D {
    return gatherRows(this.weights.embed, ctx.ids, this.baseTrainable) as tf.Tensor2D;
  }

  /** Decoder layer i: x [B*T, hidden] -> x [B*T, hidden] (pre-norm attention and SwiGLU MLP, residuals). */
  layer(i: number, x: tf.Tensor2D, ctx: ForwardContext, drop?: Rng): tf.Tensor2D {
    const cfg = this.config;
    const { B, T, S, bias, cos, sin, cache } = ctx;
    const H = cfg.numAttentionHeads;
    const KV = cfg.numKeyValueHeads;
    const rep = H / KV;
    const d = cfg.headDim;
    const scale = 1 / Math.sqrt(d);
    const l = this.weights.layers[i];
    const hN = rmsNorm(x, l.inputNorm, cfg.rmsNormEps) as tf.Tensor2D;
    let q = tf.transpose(tf.reshape(this.proj(hN, i, 'q_proj', drop), [B, T, H, d]), [0, 2, 1, 3]); // [B,H,T,d]
    let k = tf.transpose(tf.reshape(this.proj(hN, i, 'k_proj', drop), [B, T, KV, d]), [0, 2, 1, 3]); // [B,KV,T,d]
    let v = tf.transpose(tf.reshape(this.proj(hN, i, 'v_proj', drop), [B, T, KV, d]), [0, 2, 1, 3]);
    q = tf.mul(applyRope(q, cos, sin), scale);
    k = applyRope(k, cos, sin);
    if (cache) {
      const pk = cache.k[i];
      const pv = cache.v[i];
      const nk = pk ? tf.concat([pk, k], 2) : k;
      const nv = pv ? tf.concat([pv, v], 2) : v;
      pk?.dispose();
      pv?.dispose();
      cache.k[i] = tf.keep(nk) as tf.Tensor4D;
      cache.v[i] = tf.keep(nv) as tf.Tensor4D;
      k = nk;
      v = nv;
    }
    const qg = tf.reshape(q, [B, KV, rep * T, d]);
    const kT = tf.transpose(k, [0, 1, 3, 2]); // [B,KV,d,S]
    let scores = mm(qg, kT); // [B,KV,rep*T,S]
    scores = tf.add(tf.reshape(scores, [B, H, T, S]), bias);
    const probs = tf.reshape(tf.softmax(scores), [B, KV, rep * T, S]);
    const ctxv = mm(probs, v); // [B,KV,rep*T,d]
    const ctx2 = tf.reshape(tf.transpose(tf.reshape(ctxv, [B, H, T, d]), [0, 2, 1, 3]), [B * T, H * d]) as tf.Tensor2D;
    x = tf.add(x, this.proj(ctx2, i, 'o_proj', drop));
    const h2 = rmsNorm(x, l.postNorm, cfg.rmsNormEps) as tf.Tensor2D;
    const g = this.proj(h2, i, 'gate_proj', drop);
    const u = this.proj(h2, i, 'up_proj', drop);
    return tf.add(x, this.proj(tf.mul(silu(g), u) as tf.Tensor2D, i, 'down_proj', drop));
  }

  /** Final norm and LM head at the selected positions: logits [N, vocab]. */
  head(x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const w = this.weights;
    const hsel = ctx.select ? (gatherRows(x, ctx.select, true) as tf.Tensor2D) : x;
    const hn = rmsNorm(hsel, w.norm, this.config.rmsNormEps) as tf.Tensor2D;
    // Tied and frozen: x·embedᵀ straight from the embedding where transpose flags are free (one copy of it).
    if (!w.lmHead && !this.baseTrainable && flagsAreFast()) return mmFrozenBT(hn, w.embed);
    return linear(hn, this.lmHeadMatrix(), this.baseTrainable) as tf.Tensor2D;
  }

  /** LoRA variables of layer i (stable order), for per-layer gradients. */
  layerLoraVariables(i: number): tf.Variable[] {
    if (!this.lora) return [];
    const out: tf.Variable[] = [];
    for (const [key, m] of this.lora) if (key.startsWith(`${i}.`)) out.push(m.aT, m.bT);
    return out;
  }

  /** Convenience: logits for all positions as [B, T, V] (tests, parity). */
  logits(ids: number[][], attentionMask?: number[][]): tf.Tensor3D {
    const B = ids.length;
    const T = ids[0].length;
    return tf.tidy(() => {
      const out = this.forward({ ids: ids.flat(), batch: B, seqLen: T, attentionMask: attentionMask?.flat() });
      return tf.reshape(out, [B, T, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  numParameters(): number {
    return this.baseTensors().reduce((a, t) => a + t.size, 0);
  }

  /** Free every tensor owned by the model (base weights, LoRA, caches). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of this.baseTensors()) t.dispose();
    if (this.lora) for (const m of this.lora.values()) {
      m.aT.dispose();
      m.bT.dispose();
    }
    this.lora = null;
    this.invalidateCaches();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

export function loraKey(layer: number, mod: LoraTarget): string {
  return `${layer}.${mod}`;
}

export interface HFWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function transposeF32(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const BS = 64;
  for (let i0 = 0; i0 < rows; i0 += BS)
    for (let j0 = 0; j0 < cols; j0 += BS) {
      const i1 = Math.min(rows, i0 + BS);
      const j1 = Math.min(cols, j0 + BS);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = data[i * cols + j];
    }
  return out;
}

const LAYER_RE = /^model\.layers\.(\d+)\.(.+)\.weight$/;
const LAYER_KEYS: Record<string, keyof LayerWeights> = {
  input_layernorm: 'inputNorm',
  'self_attn.q_proj': 'q',
  'self_attn.k_proj': 'k',
  'self_attn.v_proj': 'v',
  'self_attn.o_proj': 'o',
  post_attention_layernorm: 'postNorm',
  'mlp.gate_proj': 'gate',
  'mlp.up_proj': 'up',
  'mlp.down_proj': 'down',
};

function hfToTensor(w: HFWeight): { layer: number | null; key: string; tensor: tf.Tensor } | null {
  const asMatT = () => {
    const [o, i] = w.shape;
    return tf.tensor2d(transposeF32(w.data, o, i), [i, o]);
  };
  if (w.name === 'model.embed_tokens.weight') return { layer: null, key: 'embed', tensor: tf.tensor2d(w.data, w.shape as [number, number]) };
  if (w.name === 'model.norm.weight') return { layer: null, key: 'norm', tensor: tf.tensor1d(w.data) };
  if (w.name === 'lm_head.weight') return { layer: null, key: 'lmHead', tensor: asMatT() };
  const m = LAYER_RE.exec(w.name);
  if (!m) return null; // e.g. rotary_emb.inv_freq buffers
  const key = LAYER_KEYS[m[2]];
  if (!key) return null;
  const layer = Number(m[1]);
  const tensor = key === 'inputNorm' || key === 'postNorm' ? tf.tensor1d(w.data) : asMatT();
  return { layer, key, tensor };
}
