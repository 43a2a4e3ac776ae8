/**
 * Llama model configuration: Hugging Face `config.json` (LlamaConfig) <-> our camelCase form.
 */

export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  bosTokenId: number;
  /** HF allows a list of eos ids (Llama 3); we keep the first. */
  eosTokenId: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function posInt(json: Json, key: string, file: string, dflt?: number): number {
  const v = json[key] ?? dflt;
  if (v === undefined) throw new ConfigError(`${file}: missing required field '${key}'`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ConfigError(`${file}: field '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function posNum(json: Json, key: string, file: string, dflt?: number): number {
  const v = json[key] ?? dflt;
  if (v === undefined) throw new ConfigError(`${file}: missing required field '${key}'`);
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${file}: field '${key}' must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function tokenId(json: Json, key: string, file: string, dflt: number, vocabSize: number): number {
  let v = json[key];
  if (v === undefined || v === null) v = dflt;
  if (Array.isArray(v)) {
    if (v.length === 0) throw new ConfigError(`${file}: field '${key}' is an empty list`);
    v = v[0];
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v >= vocabSize) {
    throw new ConfigError(`${file}: field '${key}' must be a token id in [0, ${vocabSize}), got ${JSON.stringify(json[key])}`);
  }
  return v;
}

/** Validate a parsed HF `config.json` for LlamaForCausalLM; errors name the file and field. */
export function parseLlamaConfig(json: unknown, file = 'config.json'): LlamaConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`${file}: expected a JSON object`);
  }
  const j = json as Json;
  if (j.model_type !== undefined && j.model_type !== 'llama') {
    throw new ConfigError(`${file}: field 'model_type' must be "llama", got ${JSON.stringify(j.model_type)}`);
  }
  if (j.architectures !== undefined && j.architectures !== null) {
    if (!Array.isArray(j.architectures) || !j.architectures.includes('LlamaForCausalLM')) {
      throw new ConfigError(`${file}: field 'architectures' must include "LlamaForCausalLM", got ${JSON.stringify(j.architectures)}`);
    }
  }
  if (j.hidden_act !== undefined && j.hidden_act !== 'silu') {
    throw new ConfigError(`${file}: field 'hidden_act' must be "silu", got ${JSON.stringify(j.hidden_act)}`);
  }
  // transformers < 5: rope_theta + rope_scaling; transformers >= 5: rope_parameters {rope_theta, rope_type}.
  for (const key of ['rope_scaling', 'rope_parameters']) {
    const v = j[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new ConfigError(`${file}: field '${key}' must be an object or null, got ${JSON.stringify(v)}`);
    }
    const r = v as Json;
    const type = r.rope_type ?? r.type ?? 'default';
    if (type !== 'default') {
      throw new ConfigError(`${file}: field '${key}' has rope_type ${JSON.stringify(type)}; only "default" rotary embeddings are supported`);
    }
  }
  for (const key of ['attention_bias', 'mlp_bias']) {
    if (j[key] !== undefined && j[key] !== false) {
      throw new ConfigError(`${file}: field '${key}' is not supported (must be false), got ${JSON.stringify(j[key])}`);
    }
  }
  if (j.pretraining_tp !== undefined && j.pretraining_tp !== 1) {
    throw new ConfigError(`${file}: field 'pretraining_tp' must be 1, got ${JSON.stringify(j.pretraining_tp)}`);
  }
  const vocabSize = posInt(j, 'vocab_size', file);
  const hiddenSize = posInt(j, 'hidden_size', file);
  const intermediateSize = posInt(j, 'intermediate_size', file);
  const numHiddenLayers = posInt(j, 'num_hidden_layers', file);
  const numAttentionHeads = posInt(j, 'num_attention_heads', file);
  const numKeyValueHeads = posInt(j, 'num_key_value_heads', file, numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ConfigError(
      `${file}: field 'num_attention_heads' (${numAttentionHeads}) must be a multiple of 'num_key_value_heads' (${numKeyValueHeads})`,
    );
  }
  let headDim: number;
  if (j.head_dim === undefined || j.head_dim === null) {
    if (hiddenSize % numAttentionHeads !== 0) {
      throw new ConfigError(`${file}: field 'hidden_size' (${hiddenSize}) must be divisible by 'num_attention_heads' (${numAttentionHeads})`);
    }
    headDim = hiddenSize / numAttentionHeads;
  } else {
    headDim = posInt(j, 'head_dim', file);
  }
  if (headDim % 2 !== 0) throw new ConfigError(`${file}: head dimension ${headDim} must be even for rotary embeddings`);
  const rmsNormEps = posNum(j, 'rms_norm_eps', file, 1e-6);
  const ropeParams = (j.rope_parameters ?? null) as Json | null;
  let ropeTheta: number;
  if (j.rope_theta === undefined && ropeParams && ropeParams.rope_theta !== undefined) {
    ropeTheta = posNum(ropeParams, 'rope_theta', `${file}: rope_parameters`);
  } else {
    ropeTheta = posNum(j, 'rope_theta', file, 10000);
  }
  const maxPositionEmbeddings = posInt(j, 'max_position_embeddings', file, 2048);
  const tie = j.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean') {
    throw new ConfigError(`${file}: field 'tie_word_embeddings' must be a boolean, got ${JSON.stringify(tie)}`);
  }
  return {
    vocabSize,
    hiddenSize,
    intermediateSize,
    numHiddenLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps,
    ropeTheta,
    maxPositionEmbeddings,
    tieWordEmbeddings: tie,
    bosTokenId: tokenId(j, 'bos_token_id', file, 1, vocabSize),
    eosTokenId: tokenId(j, 'eos_token_id', file, 2, vocabSize),
  };
}

/** HF `config.json` contents for a LlamaConfig (loadable by transformers' LlamaForCausalLM). */
export function toHfConfigJson(config: LlamaConfig, opts: { torchDtype?: 'float32' | 'bfloat16' | 'float16' } = {}): Record<string, unknown> {
  // Round-trip validation so we never write a config we could not read back.
  const c = parseLlamaConfig(
    {
      vocab_size: config.vocabSize,
      hidden_size: config.hiddenSize,
      intermediate_size: config.intermediateSize,
      num_hidden_layers: config.numHiddenLayers,
      num_attention_heads: config.numAttentionHeads,
      num_key_value_heads: config.numKeyValueHeads,
      head_dim: config.headDim,
      rms_norm_eps: config.rmsNormEps,
      rope_theta: config.ropeTheta,
      max_position_embeddings: config.maxPositionEmbeddings,
      tie_word_embeddings: config.tieWordEmbeddings,
      bos_token_id: config.bosTokenId,
      eos_token_id: config.eosTokenId,
    },
    'LlamaConfig',
  );
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    head_dim: c.headDim,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    mlp_bias: false,
    num_attention_heads: c.numAttentionHeads,
    num_hidden_layers: c.numHiddenLayers,
    num_key_value_heads: c.numKeyValueHeads,
    pretraining_tp: 1,
    rms_norm_eps: c.rmsNormEps,
    rope_scaling: null,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: opts.torchDtype ?? 'float32',
    use_cache: true,
    vocab_size: c.vocabSize,
  };
}

/**
 * Weight names and shapes of a Hugging Face LlamaForCausalLM with this config
 * (torch Linear layout: [out_features, in_features]).
 */
export function llamaTensorShapes(config: LlamaConfig): Map<string, number[]> {
  const { vocabSize: V, hiddenSize: H, intermediateSize: I, numAttentionHeads: nH, numKeyValueHeads: nKV, headDim: d } = config;
  const m = new Map<string, number[]>();
  m.set('model.embed_tokens.weight', [V, H]);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    m.set(`${p}.input_layernorm.weight`, [H]);
    m.set(`${p}.self_attn.q_proj.weight`, [nH * d, H]);
    m.set(`${p}.self_attn.k_proj.weight`, [nKV * d, H]);
    m.set(`${p}.self_attn.v_proj.weight`, [nKV * d, H]);
    m.set(`${p}.self_attn.o_proj.weight`, [H, nH * d]);
    m.set(`${p}.post_attention_layernorm.weight`, [H]);
    m.set(`${p}.mlp.gate_proj.weight`, [I, H]);
    m.set(`${p}.mlp.up_proj.weight`, [I, H]);
    m.set(`${p}.mlp.down_proj.weight`, [H, I]);
  }
  m.set('model.norm.weight', [H]);
  if (!config.tieWordEmbeddings) m.set('lm_head.weight', [V, H]);
  return m;
}

/** The seven Llama linear modules LoRA can target, with [in, out] features. */
export function llamaLinearDims(config: LlamaConfig): Record<string, { in: number; out: number }> {
  const { hiddenSize: H, intermediateSize: I, numAttentionHeads: nH, numKeyValueHeads: nKV, headDim: d } = config;
  return {
    q_proj: { in: H, out: nH * d },
    k_proj: { in: H, out: nKV * d },
    v_proj: { in: H, out: nKV * d },
    o_proj: { in: nH * d, out: H },
    gate_proj: { in: H, out: I },
    up_proj: { in: H, out: I },
    down_proj: { in: I, out: H },
  };
}
