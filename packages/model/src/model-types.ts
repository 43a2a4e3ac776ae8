import type { LlamaConfig } from './io/config.ts';

export type { LlamaConfig } from './io/config.ts';
export type { Tokenizer } from './io/tokenizer.ts';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** Fill in defaults for a small test/pretraining config. */
export function smallLlamaConfig(partial: Partial<LlamaConfig> & Pick<LlamaConfig, 'vocabSize'>): LlamaConfig {
  const hiddenSize = partial.hiddenSize ?? 64;
  const numAttentionHeads = partial.numAttentionHeads ?? 4;
  return {
    hiddenSize,
    intermediateSize: partial.intermediateSize ?? hiddenSize * 2,
    numHiddenLayers: partial.numHiddenLayers ?? 2,
    numAttentionHeads,
    numKeyValueHeads: partial.numKeyValueHeads ?? numAttentionHeads,
    headDim: partial.headDim ?? hiddenSize / numAttentionHeads,
    rmsNormEps: partial.rmsNormEps ?? 1e-5,
    ropeTheta: partial.ropeTheta ?? 10000,
    maxPositionEmbeddings: partial.maxPositionEmbeddings ?? 2048,
    tieWordEmbeddings: partial.tieWordEmbeddings ?? false,
    bosTokenId: partial.bosTokenId ?? 1,
    eosTokenId: partial.eosTokenId ?? 2,
    vocabSize: partial.vocabSize,
  };
}
