import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, initBackend } from './backend.ts';
import type { LlamaForCausalLM } from './llama.ts';
import { loadBaseModel, loadLoraAdapter, saveBaseModel, saveLoraAdapter } from './pretrained.ts';
import { mergeLora, unmergeLora, detachLora } from './lora.ts';
import { readAllFloat32 } from './io/safetensors.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const refIds: number[][] = [
  [1, 300, 17, 45, 260, 511, 3, 99],
  [1, 400, 401, 402, 403, 260, 261, 7, 8, 9, 10, 500, 2],
  [1, 42, 43, 44, 45],
];

async function maxDiffVsReference(model: LlamaForCausalLM, refFile: string, batched: boolean): Promise<number> {
  const ref = await readAllFloat32(refFile);
  let worst = 0;
  const compare = (i: number, got: Float32Array) => {
    const want = ref.get(`logits_${i}`)!.data;
    expect(got.length).toBe(want.length);
    for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
  };
  if (!batched) {
    refIds.forEach((ids, i) => compare(i, tf.tidy(() => model.forward({ ids, batch: 1, seqLen: ids.length }).dataSync() as Float32Array)));
  } else {
    // one right-padded batch: padding must not change the real-token logits
    const T = Math.max(...refIds.map((r) => r.length));
    const ids = refIds.flatMap((r) => [...r, ...new Array(T - r.length).fill(0)]);
    const mask = refIds.flatMap((r) => [...r.map(() => 1), ...new Array(T - r.length).fill(0)]);
    const all = tf.tidy(() => model.forward({ ids, batch: refIds.length, seqLen: T, attentionMask: mask }).dataSync() as Float32Array);
    const V = model.config.vocabSize;
    refIds.forEach((r, i) => compare(i, all.slice(i * T * V, (i * T + r.length) * V)));
  }
  return worst;
}

const backends = await availableBackends();

describe.each(backends)('parity with Hugging Face on %s (fixtures/tiny-llama, fixtures/tiny-lora)', (name) => {
  let model: LlamaForCausalLM;
  beforeAll(async () => {
    await initBackend(name);
    model = (await loadBaseModel(path.join(fixtures, 'tiny-llama'))).model;
  });
  afterAll(() => model.dispose());

  it('base logits match transformers to 1e-4 (single and padded batch)', async () => {
    expect(await maxDiffVsReference(model, path.join(fixtures, 'tiny-llama', 'reference.safetensors'), false)).toBeLessThanOrEqual(1e-4);
    expect(await maxDiffVsReference(model, path.join(fixtures, 'tiny-llama', 'reference.safetensors'), true)).toBeLessThanOrEqual(1e-4);
  });

  it('logits with the PEFT adapter match transformers+peft to 1e-4, unmerged and merged', async () => {
    await loadLoraAdapter(model, path.join(fixtures, 'tiny-lora'));
    const ref = path.join(fixtures, 'tiny-lora', 'reference.safetensors');
    expect(await maxDiffVsReference(model, ref, false)).toBeLessThanOrEqual(1e-4);
    mergeLora(model);
    expect(await maxDiffVsReference(model, ref, false)).toBeLessThanOrEqual(1e-4);
    unmergeLora(model);
  });

  it('adapter and base model survive a save/load round trip in HF/PEFT format', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'opensoc-model-'));
    try {
      await loadLoraAdapter(model, path.join(fixtures, 'tiny-lora'));
      await saveLoraAdapter(model, path.join(dir, 'adapter'), { baseModelNameOrPath: 'tiny-llama' });
      detachLora(model);
      await loadLoraAdapter(model, path.join(dir, 'adapter'));
      expect(await maxDiffVsReference(model, path.join(fixtures, 'tiny-lora', 'reference.safetensors'), false)).toBeLessThanOrEqual(1e-4);
      detachLora(model);
      await saveBaseModel(model, path.join(dir, 'base'));
      const again = (await loadBaseModel(path.join(dir, 'base'), { tokenizerFallback: 'byte' })).model;
      expect(await maxDiffVsReference(again, path.join(fixtures, 'tiny-llama', 'reference.safetensors'), false)).toBeLessThanOrEqual(1e-4);
      again.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
