import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig, LoraTarget } from './model-types.ts';
import { LORA_TARGETS } from './model-types.ts';
import type { LlamaForCausalLM, LoraModule, LoraSettings } from './llama.ts';
import { HF_MODULE_PATH, MODULE_TO_KEY, loraKey, transposeF32 } from './llama.ts';
import { Rng } from './rng.ts';

/** Trainable variable from a tensor, disposing the source handle (no leak). */
export function makeVar(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

export interface LoraOptions {
  r: number;
  /** default: r (scale 1) */
  alpha?: number;
  dropout?: number;
  targetModules?: LoraTarget[];
  useRslora?: boolean;
  seed?: number;
  /**
   * Only these layers get adapters (PEFT's `layers_to_transform`); default every layer. Adapting only
   * the top layers lets backward stop early and the frozen layers below be computed once per example.
   */
  layers?: number[];
}

/** The layers an adapter covers: `layers` validated against the model, or every layer. */
export function loraLayers(cfg: LlamaConfig, layers: readonly number[] | null | undefined): number[] {
  const all = Array.from({ length: cfg.numHiddenLayers }, (_, i) => i);
  if (layers == null) return all;
  for (const l of layers) if (!Number.isInteger(l) || l < 0 || l >= cfg.numHiddenLayers) throw new Error(`LoRA layer ${l} out of range: the model has layers 0..${cfg.numHiddenLayers - 1}`);
  if (layers.length === 0) throw new Error('LoRA layers: the list is empty');
  return [...new Set(layers)].sort((a, b) => a - b);
}

/** The top `n` layers of the model (the usual choice of layers_to_transform for cheap adaptation). */
export function topLayers(cfg: LlamaConfig, n: number): number[] {
  const L = cfg.numHiddenLayers;
  if (!Number.isInteger(n) || n < 1) throw new Error(`LoRA top layers: ${n} is not a positive integer`);
  return Array.from({ length: Math.min(n, L) }, (_, j) => L - Math.min(n, L) + j);
}

/** in/out features of each target module from the config alone. */
export function moduleShape(cfg: LlamaConfig, mod: LoraTarget): { inF: number; outF: number } {
  const h = cfg.hiddenSize;
  const qd = cfg.numAttentionHeads * cfg.headDim;
  const kvd = cfg.numKeyValueHeads * cfg.headDim;
  switch (mod) {
    case 'q_proj':
      return { inF: h, outF: qd };
    case 'k_proj':
    case 'v_proj':
      return { inF: h, outF: kvd };
    case 'o_proj':
      return { inF: qd, outF: h };
    case 'gate_proj':
    case 'up_proj':
      return { inF: h, outF: cfg.intermediateSize };
    case 'down_proj':
      return { inF: cfg.intermediateSize, outF: h };
  }
}

/** Number of trainable LoRA parameters: Σ over layers and targets of r·(in + out). */
export function countLoraTrainableParams(cfg: LlamaConfig, opts: { r: number; targetModules?: readonly LoraTarget[]; layers?: readonly number[] | null }): number {
  const targets = opts.targetModules ?? LORA_TARGETS;
  let per = 0;
  for (const m of targets) {
    const { inF, outF } = moduleShape(cfg, m);
    per += opts.r * (inF + outF);
  }
  return per * loraLayers(cfg, opts.layers).length;
}

export function loraScale(r: number, alpha: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}

function validateTargets(targets: readonly string[]): LoraTarget[] {
  for (const t of targets) if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new Error(`unknown LoRA target module '${t}' (valid: ${LORA_TARGETS.join(', ')})`);
  return [...targets] as LoraTarget[];
}

/**
 * Attach fresh LoRA adapters as PEFT initialises them: A ~ kaiming_uniform(a=√5) i.e. U(−1/√in, 1/√in),
 * B = 0. Base weights stay frozen. Replaces any existing adapters.
 */
export function attachLora(model: LlamaForCausalLM, opts: LoraOptions): LoraSettings {
  if (model.baseTrainable) throw new Error('cannot attach LoRA to a model in full-parameter training mode');
  detachLora(model);
  const settings: LoraSettings = {
    r: opts.r,
    alpha: opts.alpha ?? opts.r,
    dropout: opts.dropout ?? 0,
    targetModules: validateTargets(opts.targetModules ?? [...LORA_TARGETS]),
    useRslora: opts.useRslora ?? false,
    layers: opts.layers ? loraLayers(model.config, opts.layers) : null,
  };
  if (settings.layers?.length === model.config.numHiddenLayers) settings.layers = null;
  const rng = new Rng(opts.seed ?? 0);
  const scale = loraScale(settings.r, settings.alpha, settings.useRslora);
  const map = new Map<string, LoraModule>();
  const r = settings.r;
  for (const i of loraLayers(model.config, settings.layers)) {
    for (const mod of LORA_TARGETS) {
      if (!settings.targetModules.includes(mod)) continue;
      const { inF, outF } = moduleShape(model.config, mod);
      const bound = 1 / Math.sqrt(inF);
      // PEFT A is [r, in]; we store Aᵀ [in, r]. Draw in PEFT's row-major order then transpose.
      const a = rng.fillUniform(new Float32Array(r * inF), -bound, bound);
      const aT = makeVar(tf.tensor2d(transposeF32(a, r, inF), [inF, r]));
      const bT = makeVar(tf.zeros([r, outF]));
      map.set(loraKey(i, mod), { aT, bT, scale });
    }
  }
  model.lora = map;
  model.loraSettings = settings;
  model.loraMerged = false;
  return settings;
}

export function detachLora(model: LlamaForCausalLM): void {
  if (!model.lora) return;
  if (model.loraMerged) unmergeLora(model);
  for (const m of model.lora.values()) {
    m.aT.dispose();
    m.bT.dispose();
  }
  model.lora = null;
  model.loraSettings = null;
}

function deltaW(m: LoraModule): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.matMul(m.aT, m.bT), m.scale) as tf.Tensor2D); // [in, out]
}

function applyDelta(model: LlamaForCausalLM, sign: 1 | -1): void {
  for (const [key, m] of model.lora!) {
    const [ls, mod] = key.split('.') as [string, LoraTarget];
    const layer = model.weights.layers[Number(ls)];
    const k = MODULE_TO_KEY[mod];
    const old = layer[k] as tf.Tensor2D;
    const dw = deltaW(m);
    (layer as unknown as Record<string, tf.Tensor>)[k] = tf.tidy(() => (sign === 1 ? tf.add(old, dw) : tf.sub(old, dw))) as tf.Tensor2D;
    old.dispose();
    dw.dispose();
  }
}

/** Fold W += scale·BA into the base weights for faster inference. */
export function mergeLora(model: LlamaForCausalLM): void {
  if (!model.lora || model.loraMerged) return;
  applyDelta(model, 1);
  model.loraMerged = true;
}

/** Undo mergeLora (W −= scale·BA). Exact up to f32 rounding. */
export function unmergeLora(model: LlamaForCausalLM): void {
  if (!model.lora || !model.loraMerged) return;
  applyDelta(model, -1);
  model.loraMerged = false;
}

export interface PeftTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * PEFT key for a module's A or B weight, as saved in adapter_model.safetensors:
 * `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`.
 */
export function peftKey(layer: number, mod: LoraTarget, which: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${HF_MODULE_PATH[mod]}.lora_${which}.weight`;
}

/** PEFT adapter_config.json fields for the attached adapter. */
export function peftAdapterConfig(model: LlamaForCausalLM, baseModelNameOrPath = ''): Record<string, unknown> {
  const s = model.loraSettings;
  if (!s) throw new Error('no LoRA attached');
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModelNameOrPath,
    r: s.r,
    lora_alpha: s.alpha,
    lora_dropout: s.dropout,
    target_modules: [...s.targetModules],
    use_rslora: s.useRslora,
    layers_to_transform: s.layers ? [...s.layers] : null,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
  };
}

/** LoRA weights under PEFT key names: A [r, in], B [out, r]. */
export function loraToPeftTensors(model: LlamaForCausalLM): Map<string, PeftTensor> {
  if (!model.lora) throw new Error('no LoRA attached');
  const out = new Map<string, PeftTensor>();
  for (const [key, m] of model.lora) {
    const [ls, mod] = key.split('.') as [string, LoraTarget];
    const layer = Number(ls);
    const [inF, r] = m.aT.shape;
    const [, outF] = m.bT.shape;
    out.set(peftKey(layer, mod, 'A'), { shape: [r, inF], data: transposeF32(m.aT.dataSync() as Float32Array, inF, r) });
    out.set(peftKey(layer, mod, 'B'), { shape: [outF, r], data: transposeF32(m.bT.dataSync() as Float32Array, r, outF) });
  }
  return out;
}

const PEFT_RE = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.default)?\.weight$/;

/**
 * Attach LoRA from PEFT tensors (+ adapter_config fields). Accepts a Map or plain record of key → tensor.
 */
export function loraFromPeftTensors(
  model: LlamaForCausalLM,
  tensors: Map<string, PeftTensor> | Record<string, PeftTensor>,
  config: { r: number; lora_alpha?: number; alpha?: number; lora_dropout?: number; use_rslora?: boolean; target_modules?: string[] | string },
): LoraSettings {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const found = new Map<string, { A?: PeftTensor; B?: PeftTensor; layer: number; mod: LoraTarget }>();
  for (const [name, t] of entries) {
    const m = PEFT_RE.exec(name);
    if (!m) throw new Error(`unrecognised PEFT adapter key '${name}'`);
    const mod = m[3] as LoraTarget;
    if (!(LORA_TARGETS as readonly string[]).includes(mod)) throw new Error(`unsupported LoRA module '${mod}' in '${name}'`);
    const layer = Number(m[1]);
    const k = loraKey(layer, mod);
    const e = found.get(k) ?? { layer, mod };
    e[m[4] as 'A' | 'B'] = t;
    found.set(k, e);
  }
  const r = config.r;
  const alpha = config.lora_alpha ?? config.alpha ?? r;
  const useRslora = config.use_rslora ?? false;
  const mods = new Set<LoraTarget>();
  const layers = new Set<number>();
  for (const e of found.values()) {
    mods.add(e.mod);
    layers.add(e.layer);
  }
  detachLora(model);
  const scale = loraScale(r, alpha, useRslora);
  const map = new Map<string, LoraModule>();
  try {
    for (const [k, e] of found) {
      if (!e.A || !e.B) throw new Error(`adapter for ${k} lacks lora_A or lora_B`);
      const { inF, outF } = moduleShape(model.config, e.mod);
      if (e.A.shape[0] !== r || e.A.shape[1] !== inF) throw new Error(`lora_A for ${k}: shape ${e.A.shape} != [${r}, ${inF}]`);
      if (e.B.shape[0] !== outF || e.B.shape[1] !== r) throw new Error(`lora_B for ${k}: shape ${e.B.shape} != [${outF}, ${r}]`);
      if (e.layer >= model.config.numHiddenLayers) throw new Error(`adapter layer ${e.layer} out of range`);
      const aT = makeVar(tf.tensor2d(transposeF32(e.A.data, r, inF), [inF, r]));
      const bT = makeVar(tf.tensor2d(transposeF32(e.B.data, outF, r), [r, outF]));
      map.set(k, { aT, bT, scale });
    }
  } catch (err) {
    for (const m of map.values()) {
      m.aT.dispose();
      m.bT.dispose();
    }
    throw err;
  }
  model.lora = map;
  model.loraSettings = {
    r,
    alpha,
    dropout: config.lora_dropout ?? 0,
    targetModules: LORA_TARGETS.filter((m) => mods.has(m)),
    useRslora,
    layers: layers.size === model.config.numHiddenLayers ? null : [...layers].sort((a, b) => a - b),
  };
  model.loraMerged = false;
  return model.loraSettings;
}
