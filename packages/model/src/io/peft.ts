/**
 * PEFT LoRA adapters in Hugging Face PEFT's on-disk format:
 *   adapter_config.json        (peft_type LORA, r, lora_alpha, target_modules, ...)
 *   adapter_model.safetensors  keys base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_{A|B}.weight
 * with lora_A [r, in_features] and lora_B [out_features, r] (torch Linear layout), so that
 * y = W x + scaling * B (A x), scaling = lora_alpha / r (or lora_alpha / sqrt(r) with use_rslora).
 */
import path from 'node:path';
import { localDirectorySource, writeJsonAtomic } from './checkpoint.ts';
import type { CheckpointSource } from './checkpoint.ts';
import { llamaLinearDims } from './config.ts';
import type { LlamaConfig } from './config.ts';
import { writeSafetensors } from './safetensors.ts';
import type { FloatDtype, WriteTensor } from './safetensors.ts';

export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraModule = (typeof LORA_TARGET_MODULES)[number];

const ATTN: ReadonlySet<string> = new Set(['q_proj', 'k_proj', 'v_proj', 'o_proj']);

export interface LoraAdapterConfig {
  r: number;
  loraAlpha: number;
  loraDropout: number;
  targetModules: LoraModule[];
  useRslora: boolean;
  baseModelNameOrPath: string | null;
  /** PEFT's layers_to_transform: the layers that carry adapters; absent or null: every layer. */
  layersToTransform?: number[] | null;
}

export interface AdapterTensor {
  shape: number[];
  data: Float32Array;
}
/** PEFT key -> tensor. */
export type AdapterWeights = Map<string, AdapterTensor>;

export class AdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterError';
  }
}

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** Multiplier applied to B A x. */
export function loraScaling(cfg: Pick<LoraAdapterConfig, 'r' | 'loraAlpha' | 'useRslora'>): number {
  return cfg.useRslora ? cfg.loraAlpha / Math.sqrt(cfg.r) : cfg.loraAlpha / cfg.r;
}

/** PEFT key of a LoRA matrix, e.g. base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight */
export function loraKey(layer: number, module: LoraModule, which: 'A' | 'B'): string {
  const block = ATTN.has(module) ? 'self_attn' : 'mlp';
  return `base_model.model.model.layers.${layer}.${block}.${module}.lora_${which}.weight`;
}

const KEY_RE = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.([a-z_]+)\.lora_([AB])\.weight$/;

export function parseLoraKey(key: string): { layer: number; module: LoraModule; which: 'A' | 'B' } | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  const module = m[3] as LoraModule;
  if (!(LORA_TARGET_MODULES as readonly string[]).includes(module)) return null;
  if ((m[2] === 'self_attn') !== ATTN.has(module)) return null;
  return { layer: Number(m[1]), module, which: m[4] as 'A' | 'B' };
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0);
}

/** Validate a parsed adapter_config.json; unsupported PEFT features are errors naming the field. */
export function parseAdapterConfig(json: unknown, file = ADAPTER_CONFIG_FILE): LoraAdapterConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new AdapterError(`${file}: expected a JSON object`);
  const j = json as Record<string, unknown>;
  const bad = (field: string, why: string) => new AdapterError(`${file}: field '${field}' ${why}, got ${JSON.stringify(j[field])}`);
  if (j.peft_type !== 'LORA') throw bad('peft_type', 'must be "LORA"');
  if (j.task_type !== undefined && j.task_type !== null && j.task_type !== 'CAUSAL_LM') throw bad('task_type', 'must be "CAUSAL_LM"');
  if (typeof j.r !== 'number' || !Number.isSafeInteger(j.r) || j.r <= 0) throw bad('r', 'must be a positive integer');
  if (typeof j.lora_alpha !== 'number' || !Number.isFinite(j.lora_alpha) || j.lora_alpha <= 0) throw bad('lora_alpha', 'must be a positive number');
  const dropout = j.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw bad('lora_dropout', 'must be a number in [0, 1)');
  if ((j.bias ?? 'none') !== 'none') throw bad('bias', 'must be "none" (LoRA bias training is not supported)');
  if (j.fan_in_fan_out === true) throw bad('fan_in_fan_out', 'must be false');
  if (j.use_dora === true) throw bad('use_dora', 'is not supported');
  if (j.lora_bias === true) throw bad('lora_bias', 'is not supported');
  let layersToTransform: number[] | null = null;
  const ltt = j.layers_to_transform;
  if (ltt !== undefined && ltt !== null) {
    const list = typeof ltt === 'number' ? [ltt] : ltt;
    if (!Array.isArray(list) || list.length === 0 || !list.every((l) => Number.isSafeInteger(l) && (l as number) >= 0)) throw bad('layers_to_transform', 'must be a layer index or a non-empty list of them');
    layersToTransform = [...new Set(list as number[])].sort((a, b) => a - b);
  }
  for (const f of ['modules_to_save', 'rank_pattern', 'alpha_pattern', 'layer_replication', 'target_parameters']) {
    if (!isEmpty(j[f])) throw bad(f, 'is not supported (must be empty)');
  }
  const useRslora = j.use_rslora ?? false;
  if (typeof useRslora !== 'boolean') throw bad('use_rslora', 'must be a boolean');
  let targetModules: LoraModule[];
  const tm = j.target_modules;
  if (Array.isArray(tm)) {
    for (const m of tm) {
      if (!(LORA_TARGET_MODULES as readonly string[]).includes(m as string)) {
        throw new AdapterError(`${file}: target module ${JSON.stringify(m)} is not one of ${LORA_TARGET_MODULES.join(', ')}`);
      }
    }
    // canonical order, no duplicates
    targetModules = LORA_TARGET_MODULES.filter((m) => tm.includes(m));
    if (targetModules.length === 0) throw bad('target_modules', 'must not be empty');
  } else if (tm === 'all-linear') {
    targetModules = [...LORA_TARGET_MODULES];
  } else {
    throw bad('target_modules', 'must be a list of module names (or "all-linear")');
  }
  const base = j.base_model_name_or_path ?? null;
  if (base !== null && typeof base !== 'string') throw bad('base_model_name_or_path', 'must be a string or null');
  return { r: j.r, loraAlpha: j.lora_alpha, loraDropout: dropout, targetModules, useRslora, baseModelNameOrPath: base, layersToTransform };
}

/** adapter_config.json contents PEFT's LoraConfig accepts. */
export function toAdapterConfigJson(cfg: LoraAdapterConfig): Record<string, unknown> {
  const c = parseAdapterConfig({
    peft_type: 'LORA',
    r: cfg.r,
    lora_alpha: cfg.loraAlpha,
    lora_dropout: cfg.loraDropout,
    target_modules: cfg.targetModules,
    use_rslora: cfg.useRslora,
    base_model_name_or_path: cfg.baseModelNameOrPath,
    layers_to_transform: cfg.layersToTransform ?? null,
  });
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: c.baseModelNameOrPath,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: c.layersToTransform,
    loftq_config: {},
    lora_alpha: c.loraAlpha,
    lora_dropout: c.loraDropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: c.r,
    rank_pattern: {},
    revision: null,
    target_modules: c.targetModules,
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: c.useRslora,
  };
}

/**
 * Check keys and shapes: every key a LoRA key of a target module, A [r, in] and B [out, r] in
 * pairs, and (with a LlamaConfig) layer indices and in/out features matching the model.
 */
export function validateAdapterWeights(cfg: LoraAdapterConfig, weights: AdapterWeights, where: string, model?: LlamaConfig): void {
  const dims = model ? llamaLinearDims(model) : null;
  const pairs = new Map<string, { A?: number[]; B?: number[] }>();
  for (const [key, t] of weights) {
    const k = parseLoraKey(key);
    if (!k) throw new AdapterError(`${where}: '${key}' is not a LoRA weight of a Llama linear module`);
    if (!cfg.targetModules.includes(k.module)) throw new AdapterError(`${where}: '${key}' targets ${k.module}, which is not in target_modules`);
    if (model && k.layer >= model.numHiddenLayers) {
      throw new AdapterError(`${where}: '${key}' refers to layer ${k.layer} but the model has ${model.numHiddenLayers} layers`);
    }
    if (cfg.layersToTransform && !cfg.layersToTransform.includes(k.layer)) {
      throw new AdapterError(`${where}: '${key}' is in layer ${k.layer}, which is not in layers_to_transform [${cfg.layersToTransform.join(', ')}]`);
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.shape.length !== 2 || n !== t.data.length) {
      throw new AdapterError(`${where}: '${key}' must be a 2-D tensor matching its data, got shape [${t.shape.join(', ')}] with ${t.data.length} values`);
    }
    const rDim = k.which === 'A' ? t.shape[0] : t.shape[1];
    if (rDim !== cfg.r) {
      throw new AdapterError(`${where}: '${key}' has shape [${t.shape.join(', ')}], expected rank r=${cfg.r} in dimension ${k.which === 'A' ? 0 : 1}`);
    }
    if (dims) {
      const d = dims[k.module];
      const want = k.which === 'A' ? [cfg.r, d.in] : [d.out, cfg.r];
      if (t.shape[0] !== want[0] || t.shape[1] !== want[1]) {
        throw new AdapterError(`${where}: '${key}' has shape [${t.shape.join(', ')}], the model needs [${want.join(', ')}]`);
      }
    }
    const id = `${k.layer}.${k.module}`;
    const p = pairs.get(id) ?? {};
    p[k.which] = t.shape;
    pairs.set(id, p);
  }
  for (const [id, p] of pairs) {
    const [layer, module] = id.split('.');
    if (!p.A || !p.B) {
      const missing = loraKey(Number(layer), module as LoraModule, p.A ? 'B' : 'A');
      throw new AdapterError(`${where}: '${missing}' is missing (LoRA A and B come in pairs)`);
    }
  }
  if (model) {
    for (const i of cfg.layersToTransform ?? Array.from({ length: model.numHiddenLayers }, (_, l) => l)) {
      if (i >= model.numHiddenLayers) throw new AdapterError(`${where}: layers_to_transform names layer ${i} but the model has ${model.numHiddenLayers} layers`);
      for (const m of cfg.targetModules) {
        if (!pairs.has(`${i}.${m}`)) throw new AdapterError(`${where}: '${loraKey(i, m, 'A')}' is missing`);
      }
    }
  }
}

/**
 * Write adapter_config.json + adapter_model.safetensors into `dir`. Keys are PEFT keys (see loraKey).
 * With `model`, shapes and coverage of every layer x target module are checked first.
 */
export async function saveAdapter(
  dir: string,
  cfg: LoraAdapterConfig,
  weights: AdapterWeights,
  opts: { dtype?: FloatDtype; model?: LlamaConfig } = {},
): Promise<void> {
  validateAdapterWeights(cfg, weights, `saveAdapter(${dir})`, opts.model);
  const json = toAdapterConfigJson(cfg);
  const dtype = opts.dtype ?? 'F32';
  const tensors = new Map<string, WriteTensor>();
  for (const [k, t] of weights) tensors.set(k, { dtype, shape: t.shape, data: t.data });
  await writeSafetensors(path.join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
  await writeJsonAtomic(path.join(dir, ADAPTER_CONFIG_FILE), json);
}

/** Load a PEFT LoRA adapter (directory path or CheckpointSource), weights as float32. */
export async function loadAdapter(
  src: string | CheckpointSource,
  opts: { model?: LlamaConfig } = {},
): Promise<{ config: LoraAdapterConfig; weights: AdapterWeights }> {
  const source = typeof src === 'string' ? localDirectorySource(src) : src;
  const where = source.description;
  if (!(await source.hasFile(ADAPTER_CONFIG_FILE))) throw new AdapterError(`${where}: no ${ADAPTER_CONFIG_FILE}`);
  const config = parseAdapterConfig(await source.readJson(ADAPTER_CONFIG_FILE), `${where}/${ADAPTER_CONFIG_FILE}`);
  if (!(await source.hasFile(ADAPTER_WEIGHTS_FILE))) {
    const bin = (await source.hasFile('adapter_model.bin')) ? ' (adapter_model.bin is not supported; save with safe_serialization)' : '';
    throw new AdapterError(`${where}: no ${ADAPTER_WEIGHTS_FILE}${bin}`);
  }
  const st = await source.openSafetensors(ADAPTER_WEIGHTS_FILE);
  const weights: AdapterWeights = new Map();
  try {
    for (const name of st.names()) {
      weights.set(name, { shape: st.info(name).shape, data: await st.readFloat32(name) });
    }
  } finally {
    await st.close();
  }
  validateAdapterWeights(config, weights, `${where}/${ADAPTER_WEIGHTS_FILE}`, opts.model);
  return { config, weights };
}
