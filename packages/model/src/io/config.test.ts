import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { llamaLinearDims, llamaTensorShapes, parseLlamaConfig, toHfConfigJson } from './config.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const readJson = (rel: string) => JSON.parse(readFileSync(path.join(FIXTURES, rel), 'utf8')) as Record<string, unknown>;

describe('parseLlamaConfig', () => {
  it('parses the tiny fixture written by transformers 5 (rope_parameters)', () => {
    expect(parseLlamaConfig(readJson('tiny-llama/config.json'))).toEqual({
      vocabSize: 512,
      hiddenSize: 64,
      intermediateSize: 172,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 16,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      maxPositionEmbeddings: 128,
      tieWordEmbeddings: false,
      bosTokenId: 1,
      eosTokenId: 2,
    });
  });

  it('parses TinyLlama-1.1B (transformers 4 layout)', () => {
    const c = parseLlamaConfig(readJson('tinyllama-1.1b-config.json'));
    expect(c).toMatchObject({ vocabSize: 32000, hiddenSize: 2048, intermediateSize: 5632, numHiddenLayers: 22, numAttentionHeads: 32, numKeyValueHeads: 4, headDim: 64 });
    // 1,100,048,384 parameters
    let n = 0;
    for (const s of llamaTensorShapes(c).values()) n += s.reduce((a, b) => a * b, 1);
    expect(n).toBe(1_100_048_384);
    // LoRA r=16 on the seven modules: PEFT reports 12,615,680 trainable parameters
    const dims = Object.values(llamaLinearDims(c));
    expect(c.numHiddenLayers * dims.reduce((a, d) => a + 16 * (d.in + d.out), 0)).toBe(12_615_680);
  });

  it('round-trips through toHfConfigJson', () => {
    const c = parseLlamaConfig(readJson('tinyllama-1.1b-config.json'));
    expect(parseLlamaConfig(toHfConfigJson(c))).toEqual(c);
  });

  it('names the file and field on bad input', () => {
    const good = readJson('tinyllama-1.1b-config.json');
    expect(() => parseLlamaConfig({ ...good, hidden_size: '2048' }, 'x/config.json')).toThrow(/x\/config\.json: field 'hidden_size' must be a positive integer/);
    expect(() => parseLlamaConfig({ ...good, vocab_size: undefined }, 'c.json')).toThrow(/c\.json: missing required field 'vocab_size'/);
    expect(() => parseLlamaConfig({ ...good, num_key_value_heads: 5 })).toThrow(/'num_attention_heads' \(32\) must be a multiple of 'num_key_value_heads' \(5\)/);
    expect(() => parseLlamaConfig({ ...good, model_type: 'mistral' })).toThrow(/'model_type'/);
    expect(() => parseLlamaConfig({ ...good, rope_scaling: { type: 'linear', factor: 2 } })).toThrow(/'rope_scaling'.*"linear"/);
    expect(() => parseLlamaConfig({ ...good, rms_norm_eps: -1 })).toThrow(/'rms_norm_eps' must be a positive number/);
    expect(() => parseLlamaConfig({ ...good, eos_token_id: 40000 })).toThrow(/'eos_token_id' must be a token id in \[0, 32000\)/);
    expect(() => parseLlamaConfig({ ...good, tie_word_embeddings: 'no' })).toThrow(/'tie_word_embeddings' must be a boolean/);
    expect(() => parseLlamaConfig([])).toThrow(/expected a JSON object/);
  });

  it('applies HF defaults and takes the first of a list of eos ids', () => {
    const c = parseLlamaConfig({ vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4, eos_token_id: [2, 7] });
    expect(c).toMatchObject({ numKeyValueHeads: 4, headDim: 8, ropeTheta: 10000, rmsNormEps: 1e-6, tieWordEmbeddings: false, bosTokenId: 1, eosTokenId: 2 });
  });
});
