import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, initBackend } from './backend.ts';
import { LlamaForCausalLM } from './llama.ts';
import { smallLlamaConfig } from './model-types.ts';
import type { LlamaConfig } from './model-types.ts';
import { attachLora, countLoraTrainableParams, topLayers, loraFromPeftTensors, loraToPeftTensors, mergeLora, peftAdapterConfig, unmergeLora } from './lora.ts';
import { Rng } from './rng.ts';

const tinyLlama: LlamaConfig = {
  vocabSize: 32000,
  hiddenSize: 2048,
  intermediateSize: 5632,
  numHiddenLayers: 22,
  numAttentionHeads: 32,
  numKeyValueHeads: 4,
  headDim: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: false,
  bosTokenId: 1,
  eosTokenId: 2,
};

const cfg = smallLlamaConfig({ vocabSize: 97, hiddenSize: 32, numAttentionHeads: 4, numKeyValueHeads: 2, intermediateSize: 48, numHiddenLayers: 2 });
const ids = [[1, 5, 9, 33, 60, 2, 7, 8]];

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function randomizeB(model: LlamaForCausalLM, seed: number): void {
  const rng = new Rng(seed);
  for (const m of model.lora!.values()) {
    const t = tf.tensor(rng.fillNormal(new Float32Array(m.bT.size), 0.2), m.bT.shape);
    m.bT.assign(t);
    t.dispose();
  }
}

const backends = await availableBackends();

describe.each(backends)('LoRA on %s', (name) => {
  let model: LlamaForCausalLM;
  beforeAll(async () => {
    await initBackend(name);
    model = LlamaForCausalLM.random(cfg, { seed: 3 });
  });
  afterAll(() => model.dispose());

  it('counts TinyLlama-1.1B r=16 all-module params as PEFT does (12,615,680)', () => {
    expect(countLoraTrainableParams(tinyLlama, { r: 16, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] })).toBe(12_615_680);
    expect(countLoraTrainableParams(tinyLlama, { r: 8, targetModules: ['q_proj', 'v_proj'] })).toBe(22 * 8 * (2048 + 2048 + 2048 + 256));
  });

  it('count matches the attached adapter; A ~ U(±1/sqrt(in)), B = 0 gives the base logits', () => {
    const base = model.logits(ids);
    attachLora(model, { r: 4, alpha: 8, seed: 1 });
    const n = model.trainableVariables().reduce((a, v) => a + v.size, 0);
    expect(n).toBe(countLoraTrainableParams(cfg, { r: 4 }));
    const a = model.lora!.get('0.gate_proj')!.aT.dataSync();
    const bound = 1 / Math.sqrt(cfg.hiddenSize);
    expect(Math.max(...Array.from(a).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(a).map(Math.abs))).toBeGreaterThan(bound * 0.8);
    const withLora = model.logits(ids);
    expect(maxAbsDiff(base, withLora)).toBe(0);
    tf.dispose([base, withLora]);
  });

  it('merged and unmerged outputs agree; unmerge restores base weights', () => {
    attachLora(model, { r: 4, alpha: 8, seed: 1 });
    randomizeB(model, 9);
    const w0 = model.weights.layers[1].q.dataSync().slice();
    const un = model.logits(ids);
    mergeLora(model);
    const merged = model.logits(ids);
    expect(maxAbsDiff(un, merged)).toBeLessThan(1e-5);
    unmergeLora(model);
    const w1 = model.weights.layers[1].q.dataSync();
    let d = 0;
    for (let i = 0; i < w0.length; i++) d = Math.max(d, Math.abs(w0[i] - w1[i]));
    expect(d).toBeLessThan(1e-6);
    const again = model.logits(ids);
    expect(maxAbsDiff(un, again)).toBeLessThan(1e-5);
    tf.dispose([un, merged, again]);
  });

  it('rsLoRA scaling alpha/sqrt(r) and dropout-free output scale', () => {
    attachLora(model, { r: 4, alpha: 8, useRslora: true });
    expect(model.lora!.get('0.q_proj')!.scale).toBeCloseTo(4);
    attachLora(model, { r: 4, alpha: 8 });
    expect(model.lora!.get('0.q_proj')!.scale).toBeCloseTo(2);
  });

  it('round-trips through PEFT tensors (A [r,in], B [out,r]) and key names', () => {
    attachLora(model, { r: 4, alpha: 8, seed: 5, targetModules: ['q_proj', 'v_proj', 'down_proj'] });
    randomizeB(model, 11);
    const before = model.logits(ids);
    const peft = loraToPeftTensors(model);
    const conf = peftAdapterConfig(model, 'tiny');
    expect(peft.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')!.shape).toEqual([4, 32]);
    expect(peft.get('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')!.shape).toEqual([32, 4]);
    expect(peft.get('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight')!.shape).toEqual([16, 4]);
    expect(peft.size).toBe(2 * 3 * 2);
    const other = LlamaForCausalLM.random(cfg, { seed: 3 });
    loraFromPeftTensors(other, peft, conf as { r: number; lora_alpha: number });
    expect(other.loraSettings!.targetModules).toEqual(['q_proj', 'v_proj', 'down_proj']);
    const after = other.logits(ids);
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-5); // base weights went through merge/unmerge above
    tf.dispose([before, after]);
    other.dispose();
  });

  it('layers_to_transform: adapters on the given layers only, counted, saved in the PEFT config and read back', () => {
    attachLora(model, { r: 4, alpha: 8, seed: 2, layers: [1] });
    expect([...model.lora!.keys()].every((k) => k.startsWith('1.'))).toBe(true);
    expect(model.trainableVariables().reduce((a, v) => a + v.size, 0)).toBe(countLoraTrainableParams(cfg, { r: 4, layers: [1] }));
    expect(countLoraTrainableParams(tinyLlama, { r: 16, layers: topLayers(tinyLlama, 4) })).toBe((12_615_680 / 22) * 4);
    const conf = peftAdapterConfig(model, 'tiny');
    expect(conf.layers_to_transform).toEqual([1]);
    const other = LlamaForCausalLM.random(cfg, { seed: 3 });
    loraFromPeftTensors(other, loraToPeftTensors(model), conf as { r: number; lora_alpha: number });
    expect(other.loraSettings!.layers).toEqual([1]);
    expect(() => attachLora(other, { r: 4, layers: [7] })).toThrow(/LoRA layer 7 out of range: the model has layers 0\.\.1/);
    other.dispose();
    attachLora(model, { r: 4, layers: [0, 1] });
    expect(model.loraSettings!.layers).toBeNull(); // every layer: PEFT's default, written as null
  });

  it('dispose frees every tensor', () => {
    const n0 = tf.memory().numTensors;
    const m = LlamaForCausalLM.random(cfg, { seed: 1 });
    attachLora(m, { r: 2 });
    m.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});
