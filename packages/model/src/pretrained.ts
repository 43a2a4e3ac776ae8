import * as tf from '@tensorflow/tfjs-core';
import { LlamaForCausalLM } from './llama.ts';
import { loraFromPeftTensors, loraToPeftTensors } from './lora.ts';
import { iterateCheckpointTensors, inspectCheckpoint, localDirectorySource, saveCheckpoint } from './io/checkpoint.ts';
import type { CheckpointSource } from './io/checkpoint.ts';
import type { LlamaConfig } from './io/config.ts';
import { loadAdapter, saveAdapter } from './io/peft.ts';
import type { LoraAdapterConfig } from './io/peft.ts';
import type { FloatDtype } from './io/safetensors.ts';
import { loadTokenizer } from './io/tokenizer.ts';
import type { Tokenizer } from './io/tokenizer.ts';

/** Weights above this leave too little of wasm's 4 GiB for activations. */
const WASM_MAX_BYTES = 3.2 * 2 ** 30;

export interface LoadedBaseModel {
  model: LlamaForCausalLM;
  tokenizer: Tokenizer;
  config: LlamaConfig;
}

/**
 * Load a Hugging Face Llama checkpoint directory (config.json, model.safetensors or shards, tokenizer.json).
 * Weights stream in one tensor at a time (BF16/F16 converted to f32 by the reader).
 */
export async function loadBaseModel(src: string | CheckpointSource, opts: { tokenizerFallback?: 'llama2' | 'byte'; validate?: boolean } = {}): Promise<LoadedBaseModel> {
  const source = typeof src === 'string' ? localDirectorySource(src) : src;
  const layout = await inspectCheckpoint(source, { validate: opts.validate });
  const params = layout.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  if (tf.getBackend() === 'wasm' && params * 4 > WASM_MAX_BYTES) {
    throw new Error(
      `${source.description}: ${(params / 1e9).toFixed(2)}B parameters need ${((params * 4) / 2 ** 30).toFixed(1)} GiB in f32, more than the ` +
        `wasm backend can address (4 GiB); call initBackend('cpu') or initBackend('tensorflow') first`,
    );
  }
  const tokenizer = await loadTokenizer(source, opts.tokenizerFallback);
  const model = await LlamaForCausalLM.fromHFWeights(layout.config, iterateCheckpointTensors(source, { layout }));
  if (tokenizer.vocabSize > layout.config.vocabSize) {
    model.dispose();
    throw new Error(`${source.description}: tokenizer has ${tokenizer.vocabSize} ids but the model only ${layout.config.vocabSize}`);
  }
  return { model, tokenizer, config: layout.config };
}

/** Write the base weights as an HF checkpoint directory (e.g. after full-parameter pretraining). */
export async function saveBaseModel(model: LlamaForCausalLM, dir: string, opts: { dtype?: FloatDtype; extraFiles?: Record<string, unknown> } = {}): Promise<void> {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of model.hfWeights()) tensors.set(w.name, { shape: w.shape, data: w.data });
  await saveCheckpoint(dir, model.config, tensors, { dtype: opts.dtype, extraFiles: opts.extraFiles });
}

/** Save the attached LoRA in PEFT format (adapter_config.json + adapter_model.safetensors). */
export async function saveLoraAdapter(model: LlamaForCausalLM, dir: string, opts: { baseModelNameOrPath?: string; dtype?: FloatDtype } = {}): Promise<void> {
  const s = model.loraSettings;
  if (!s) throw new Error('saveLoraAdapter: no LoRA attached');
  const cfg: LoraAdapterConfig = {
    r: s.r,
    loraAlpha: s.alpha,
    loraDropout: s.dropout,
    targetModules: [...s.targetModules],
    useRslora: s.useRslora,
    baseModelNameOrPath: opts.baseModelNameOrPath ?? null,
  };
  await saveAdapter(dir, cfg, loraToPeftTensors(model), { dtype: opts.dtype, model: model.config });
}

/** Load a PEFT LoRA adapter directory onto the model (replacing any attached adapter). */
export async function loadLoraAdapter(model: LlamaForCausalLM, src: string | CheckpointSource): Promise<LoraAdapterConfig> {
  const { config, weights } = await loadAdapter(src, { model: model.config });
  loraFromPeftTensors(model, weights, { r: config.r, lora_alpha: config.loraAlpha, lora_dropout: config.loraDropout, use_rslora: config.useRslora });
  return config;
}
