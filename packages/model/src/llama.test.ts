import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { INSTALL_HINT, availableBackends, backendInfo, initBackend } from './backend.ts';
import { KVCache, LlamaForCausalLM } from './llama.ts';
import { smallLlamaConfig } from './model-types.ts';
import { attachLora } from './lora.ts';
import { ropeInvFreq } from './ops.ts';

const cfg = smallLlamaConfig({ vocabSize: 101, hiddenSize: 48, numAttentionHeads: 6, numKeyValueHeads: 2, intermediateSize: 64, numHiddenLayers: 2 });
const seq = [1, 4, 8, 15, 16, 23, 42, 99, 3, 7];
const backends = await availableBackends();

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('LlamaForCausalLM', () => {
  let model: LlamaForCausalLM;
  beforeAll(async () => {
    await initBackend('wasm');
    model = LlamaForCausalLM.random(cfg, { seed: 7 });
  });
  afterAll(() => model.dispose());

  it("initBackend('auto') takes the native backend when it loads, else wasm with a notice saying why and how to install", async () => {
    const notices: string[] = [];
    const got = await initBackend('auto', { notice: (l) => notices.push(l) });
    if (backends.includes('tensorflow')) {
      expect(got).toBe('tensorflow');
      expect(notices).toEqual([]);
      expect(backendInfo()).toMatchObject({ backend: 'tensorflow', nativePackage: '@tensorflow/tfjs-node', fallbackReason: null });
      expect(backendInfo().tensorflowVersion).toMatch(/^2\.\d+\.\d+/);
    } else {
      expect(got).toBe('wasm');
      expect(notices).toHaveLength(1);
    }
    // CI installs the native backend and says so: a broken install must fail here, not silently run on wasm.
    for (const b of (process.env.OPENSOC_EXPECT_BACKENDS ?? '').split(',').filter(Boolean)) expect(backends).toContain(b);
    // tfjs-node-gpu is not installed on CPU hosts: 'auto' falls back with the reason, 'tensorflow' refuses.
    const gpuNotices: string[] = [];
    if (!backends.includes('tensorflow')) {
      expect(await initBackend('auto', { gpu: true, notice: (l) => gpuNotices.push(l) })).toBe('wasm');
      expect(gpuNotices[0]).toContain('@tensorflow/tfjs-node-gpu');
      expect(gpuNotices[0]).toContain(INSTALL_HINT);
    }
    await expect(initBackend('tensorflow', { gpu: true })).rejects.toThrow(/tfjs-node-gpu did not load.*install-gpu\.sh/);
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rope inverse frequencies follow HF (theta^(-2i/d))', () => {
    const inv = ropeInvFreq(8, 10000);
    expect(inv[0]).toBe(1);
    expect(inv[1]).toBeCloseTo(0.1, 6);
    expect(inv[3]).toBeCloseTo(0.001, 8);
  });

  it('logits at selected positions equal the matching rows of the full logits', () => {
    const T = seq.length;
    const full = tf.tidy(() => model.forward({ ids: seq, batch: 1, seqLen: T }).dataSync());
    const sel = tf.tidy(() => model.forward({ ids: seq, batch: 1, seqLen: T, select: [2, 9] }).dataSync());
    const V = cfg.vocabSize;
    expect(maxAbs(sel.subarray(0, V), full.subarray(2 * V, 3 * V))).toBeLessThan(1e-5);
    expect(maxAbs(sel.subarray(V, 2 * V), full.subarray(9 * V, 10 * V))).toBeLessThan(1e-5);
  });

  it('causal: a token does not see the future; right padding does not change real-token logits', () => {
    const V = cfg.vocabSize;
    const a = tf.tidy(() => model.forward({ ids: seq.slice(0, 5), batch: 1, seqLen: 5 }).dataSync());
    const b = tf.tidy(() => model.forward({ ids: seq, batch: 1, seqLen: seq.length }).dataSync());
    expect(maxAbs(a, b.subarray(0, 5 * V))).toBeLessThan(1e-5);
    // batch of two, second right-padded
    const ids = [...seq, ...seq.slice(0, 6), 0, 0, 0, 0];
    const mask = [...seq.map(() => 1), 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const c = tf.tidy(() => model.forward({ ids, batch: 2, seqLen: 10, attentionMask: mask }).dataSync());
    expect(maxAbs(c.subarray(10 * V, 16 * V), b.subarray(0, 6 * V))).toBeLessThan(1e-5);
  });

  it('left padding with mask-derived positions matches the unpadded sequence', () => {
    const V = cfg.vocabSize;
    const short = seq.slice(0, 6);
    const ref = tf.tidy(() => model.forward({ ids: short, batch: 1, seqLen: 6 }).dataSync());
    const ids = [0, 0, 0, 0, ...short];
    const mask = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    const got = tf.tidy(() => model.forward({ ids, batch: 1, seqLen: 10, attentionMask: mask }).dataSync());
    expect(maxAbs(got.subarray(4 * V), ref)).toBeLessThan(1e-5);
  });

  it('KV-cache incremental decoding equals the full forward', () => {
    const V = cfg.vocabSize;
    const full = tf.tidy(() => model.forward({ ids: seq, batch: 1, seqLen: seq.length }).dataSync());
    const cache = new KVCache(cfg.numHiddenLayers, 1);
    const n0 = tf.memory().numTensors;
    const pre = tf.tidy(() => model.forward({ ids: seq.slice(0, 6), batch: 1, seqLen: 6, select: 'last', cache }).dataSync());
    expect(maxAbs(pre, full.subarray(5 * V, 6 * V))).toBeLessThan(1e-5);
    for (let t = 6; t < seq.length; t++) {
      const step = tf.tidy(() => model.forward({ ids: [seq[t]], batch: 1, seqLen: 1, select: 'last', cache }).dataSync());
      expect(maxAbs(step, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-5);
    }
    expect(tf.memory().numTensors).toBe(n0 + 2 * cfg.numHiddenLayers);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('every available backend gives the cpu logits to 1e-4 (with LoRA attached)', async () => {
    const m = LlamaForCausalLM.random(cfg, { seed: 11 });
    attachLora(m, { r: 4, alpha: 8, seed: 2 });
    for (const l of m.lora!.values()) l.bT.assign(tf.mul(tf.onesLike(l.bT), 0.05));
    const logitsOn = async (b: string) => {
      await initBackend(b as 'cpu');
      return tf.tidy(() => m.forward({ ids: seq, batch: 1, seqLen: seq.length }).dataSync());
    };
    const onCpu = await logitsOn('cpu');
    for (const b of backends) expect(maxAbs(await logitsOn(b), onCpu), b).toBeLessThan(1e-4);
    await initBackend('wasm');
    m.dispose();
  });

  it('round-trips HF weight names (tied and untied)', async () => {
    for (const tie of [false, true]) {
      const c = { ...cfg, tieWordEmbeddings: tie };
      const a = LlamaForCausalLM.random(c, { seed: 5 });
      const ws = [...a.hfWeights()];
      expect(ws.map((w) => w.name)).toContain('model.layers.1.mlp.down_proj.weight');
      expect(ws.find((w) => w.name === 'model.layers.0.self_attn.k_proj.weight')!.shape).toEqual([2 * 8, 48]);
      expect(ws.some((w) => w.name === 'lm_head.weight')).toBe(!tie);
      const b = await LlamaForCausalLM.fromHFWeights(c, ws);
      const la = tf.tidy(() => a.forward({ ids: seq, batch: 1, seqLen: seq.length }).dataSync());
      const lb = tf.tidy(() => b.forward({ ids: seq, batch: 1, seqLen: seq.length }).dataSync());
      expect(maxAbs(la, lb)).toBe(0);
      a.dispose();
      b.dispose();
    }
  });
});
