/**
 * A GGUF `llama` model as a Hugging Face LlamaForCausalLM: `llama.*` metadata -> LlamaConfig, GGUF
 * tensor names -> HF names, dequantized one tensor at a time.
 *
 * llama.cpp's converter permutes the rows of q_proj / k_proj so each head's rotary pairs are
 * interleaved (row 2i, 2i+1) instead of split in halves (row i, i + d/2) as HF's rotate_half
 * expects; reading undoes that, exactly as transformers' GGUF loader does.
 */
import { parseLlamaConfig } from './config.ts';
import type { LlamaConfig } from './config.ts';
import { GgufError, metaArray, metaNumber, metaString } from './gguf.ts';
import type { GgufFile } from './gguf.ts';

export interface HfNamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

const LAYER_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** HF name of a GGUF llama tensor, or null for tensors HF has no weight for (e.g. rope_freqs). */
export function hfNameOfGgufTensor(name: string): string | null {
  if (name === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (name === 'output_norm.weight') return 'model.norm.weight';
  if (name === 'output.weight') return 'lm_head.weight';
  const m = /^blk\.(\d+)\.([a-z_]+)\.weight$/.exec(name);
  if (!m) return null;
  const hf = LAYER_NAMES[m[2]];
  return hf ? `model.layers.${m[1]}.${hf}.weight` : null;
}

/** LlamaConfig from a GGUF file's `llama.*` and `tokenizer.ggml.*` metadata. */
export function llamaConfigFromGguf(file: Pick<GgufFile, 'label' | 'metadata' | 'has'>): LlamaConfig {
  const arch = metaString(file, 'general.architecture');
  if (arch !== 'llama') throw new GgufError(`${file.label}: metadata 'general.architecture' is "${arch}"; only "llama" is supported`);
  const n = (k: string) => metaNumber(file, `llama.${k}`);
  const opt = (k: string) => metaNumber(file, `llama.${k}`, true);
  const heads = n('attention.head_count');
  const hidden = n('embedding_length');
  const vocab = opt('vocab_size') ?? metaArray(file, 'tokenizer.ggml.tokens', 'string').length;
  const headDim = opt('attention.key_length') ?? opt('rope.dimension_count') ?? hidden / heads;
  const valueLength = opt('attention.value_length');
  if (valueLength !== undefined && valueLength !== headDim) {
    throw new GgufError(`${file.label}: metadata 'llama.attention.value_length' ${valueLength} differs from the key length ${headDim}; not supported`);
  }
  const ropeDims = opt('rope.dimension_count');
  if (ropeDims !== undefined && ropeDims !== headDim) {
    throw new GgufError(`${file.label}: metadata 'llama.rope.dimension_count' ${ropeDims} differs from the head dimension ${headDim} (partial rotary is not supported)`);
  }
  const scaling = metaString(file, 'llama.rope.scaling.type', true);
  if (scaling !== undefined && scaling !== 'none') {
    throw new GgufError(`${file.label}: metadata 'llama.rope.scaling.type' is "${scaling}"; only unscaled rotary embeddings are supported`);
  }
  if (file.has('rope_freqs.weight')) throw new GgufError(`${file.label}: tensor 'rope_freqs.weight' (Llama-3 rope scaling) is not supported`);
  const tok = (k: string, d: number) => metaNumber(file, `tokenizer.ggml.${k}`, true) ?? d;
  return parseLlamaConfig(
    {
      model_type: 'llama',
      vocab_size: vocab,
      hidden_size: hidden,
      intermediate_size: n('feed_forward_length'),
      num_hidden_layers: n('block_count'),
      num_attention_heads: heads,
      num_key_value_heads: opt('attention.head_count_kv') ?? heads,
      head_dim: headDim,
      rms_norm_eps: n('attention.layer_norm_rms_epsilon'),
      rope_theta: opt('rope.freq_base') ?? 10000,
      max_position_embeddings: opt('context_length') ?? 2048,
      tie_word_embeddings: !file.has('output.weight'),
      bos_token_id: tok('bos_token_id', 1),
      eos_token_id: tok('eos_token_id', 2),
    },
    `${file.label} (GGUF metadata)`,
  );
}

/**
 * Undo llama.cpp's rotary row permutation of a q/k weight [heads * d, in] (row-major):
 * GGUF row h*d + 2i + j holds HF row h*d + j*(d/2) + i.
 */
export function unpermuteQK(data: Float32Array, heads: number, rows: number, cols: number, into?: Float32Array): Float32Array {
  const d = rows / heads;
  if (!Number.isInteger(d) || d % 2 !== 0) throw new GgufError(`cannot unpermute ${rows} rows into ${heads} heads of even size`);
  const half = d / 2;
  const out = into ?? new Float32Array(data.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) {
        const src = (h * d + 2 * i + j) * cols;
        const dst = (h * d + j * half + i) * cols;
        out.set(data.subarray(src, src + cols), dst);
      }
  return out;
}

/**
 * Yield the model's weights under HF names in HF layout ([out, in] for linears), one tensor at a
 * time, checking every tensor against the config's shapes. Unknown llama tensors are an error.
 * With `reuseLinearBuffers` the data of linear weights (2-D, not the embedding) lives in buffers
 * reused for the next tensor: for consumers that copy it (LlamaForCausalLM.fromHFWeights
 * transposes every linear into a new array), which keeps loading free of large garbage.
 */
export async function* iterateGgufLlamaWeights(file: GgufFile, config: LlamaConfig, opts: { reuseLinearBuffers?: boolean } = {}): AsyncGenerator<HfNamedTensor> {
  let bufA = new Float32Array(0);
  let bufB = new Float32Array(0);
  const { hiddenSize: H, intermediateSize: I, numAttentionHeads: nH, numKeyValueHeads: nKV, headDim: d, vocabSize: V } = config;
  const expected = new Map<string, number[]>();
  expected.set('model.embed_tokens.weight', [V, H]);
  expected.set('model.norm.weight', [H]);
  if (!config.tieWordEmbeddings) expected.set('lm_head.weight', [V, H]);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}.`;
    expected.set(p + 'input_layernorm.weight', [H]);
    expected.set(p + 'post_attention_layernorm.weight', [H]);
    expected.set(p + 'self_attn.q_proj.weight', [nH * d, H]);
    expected.set(p + 'self_attn.k_proj.weight', [nKV * d, H]);
    expected.set(p + 'self_attn.v_proj.weight', [nKV * d, H]);
    expected.set(p + 'self_attn.o_proj.weight', [H, nH * d]);
    expected.set(p + 'mlp.gate_proj.weight', [I, H]);
    expected.set(p + 'mlp.up_proj.weight', [I, H]);
    expected.set(p + 'mlp.down_proj.weight', [H, I]);
  }
  const seen = new Set<string>();
  for (const t of file.tensors) {
    const hf = hfNameOfGgufTensor(t.name);
    if (hf === null) throw new GgufError(`${file.label}: tensor '${t.name}' is not a known llama weight`);
    const shape = expected.get(hf);
    if (!shape) throw new GgufError(`${file.label}: tensor '${t.name}' (${hf}) does not belong to a model with this config`);
    if (shape.join(',') !== t.shape.join(',')) {
      throw new GgufError(`${file.label}: tensor '${t.name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for ${hf}`);
    }
    seen.add(hf);
    const reuse = opts.reuseLinearBuffers === true && shape.length === 2 && hf !== 'model.embed_tokens.weight';
    if (reuse && bufA.length < t.numel) {
      bufA = new Float32Array(t.numel);
      bufB = new Float32Array(t.numel);
    }
    let data = await file.readFloat32(t.name, reuse ? bufA.subarray(0, t.numel) : undefined);
    const qk = hf.endsWith('q_proj.weight') ? nH : hf.endsWith('k_proj.weight') ? nKV : 0;
    if (qk) data = unpermuteQK(data, qk, shape[0], shape[1], reuse ? bufB.subarray(0, t.numel) : undefined);
    yield { name: hf, shape, data };
  }
  const missing = [...expected.keys()].filter((k) => !seen.has(k));
  if (missing.length) throw new GgufError(`${file.label}: missing ${missing.length} weight(s), e.g. ${missing.slice(0, 3).join(', ')}`);
}
