import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLlamaConfig, localDirectorySource } from './checkpoint.ts';
import { llamaLinearDims } from './config.ts';
import {
  LORA_TARGET_MODULES,
  loadAdapter,
  loraKey,
  loraScaling,
  parseAdapterConfig,
  parseLoraKey,
  saveAdapter,
  toAdapterConfigJson,
} from './peft.ts';
import type { AdapterWeights, LoraAdapterConfig } from './peft.ts';
import { readAllFloat32 } from './safetensors.ts';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(PKG, 'fixtures');

function hasPythonPeft(): boolean {
  if (process.env.OPENSOC_SKIP_PYTHON) return false;
  // find_spec: checks the packages are installed without paying for importing torch
  const code = `import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ['peft', 'transformers', 'torch', 'safetensors']) else 1)`;
  return spawnSync('python3', ['-c', code], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peft-test-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('PEFT keys and config', () => {
  it('maps keys both ways', () => {
    expect(loraKey(3, 'q_proj', 'A')).toBe('base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight');
    expect(loraKey(0, 'down_proj', 'B')).toBe('base_model.model.model.layers.0.mlp.down_proj.lora_B.weight');
    for (const m of LORA_TARGET_MODULES) expect(parseLoraKey(loraKey(7, m, 'B'))).toEqual({ layer: 7, module: m, which: 'B' });
    expect(parseLoraKey('base_model.model.model.layers.0.mlp.q_proj.lora_A.weight')).toBeNull();
    expect(parseLoraKey('base_model.model.lm_head.lora_A.weight')).toBeNull();
  });

  it('scaling', () => {
    expect(loraScaling({ r: 16, loraAlpha: 32, useRslora: false })).toBe(2);
    expect(loraScaling({ r: 16, loraAlpha: 32, useRslora: true })).toBe(8);
  });

  it('rejects unsupported PEFT features naming the field', () => {
    const good = toAdapterConfigJson({ r: 4, loraAlpha: 8, loraDropout: 0.05, targetModules: ['q_proj', 'v_proj'], useRslora: false, baseModelNameOrPath: 'x' });
    expect(parseAdapterConfig(good).targetModules).toEqual(['q_proj', 'v_proj']);
    expect(() => parseAdapterConfig({ ...good, use_dora: true }, 'a/adapter_config.json')).toThrow(/a\/adapter_config\.json: field 'use_dora' is not supported/);
    expect(() => parseAdapterConfig({ ...good, peft_type: 'IA3' })).toThrow(/'peft_type' must be "LORA"/);
    expect(() => parseAdapterConfig({ ...good, r: 0 })).toThrow(/'r' must be a positive integer/);
    expect(() => parseAdapterConfig({ ...good, bias: 'all' })).toThrow(/'bias' must be "none"/);
    expect(() => parseAdapterConfig({ ...good, rank_pattern: { q_proj: 8 } })).toThrow(/'rank_pattern' is not supported/);
    expect(() => parseAdapterConfig({ ...good, target_modules: ['lm_head'] })).toThrow(/target module "lm_head"/);
    expect(() => parseAdapterConfig({ ...good, target_modules: '.*proj' })).toThrow(/'target_modules' must be a list/);
    expect(parseAdapterConfig({ ...good, target_modules: 'all-linear' }).targetModules).toEqual([...LORA_TARGET_MODULES]);
    expect(parseAdapterConfig({ ...good, layers_to_transform: [3, 1] }).layersToTransform).toEqual([1, 3]);
    expect(parseAdapterConfig({ ...good, layers_to_transform: 2 }).layersToTransform).toEqual([2]);
    expect(() => parseAdapterConfig({ ...good, layers_to_transform: [-1] })).toThrow(/'layers_to_transform' must be a layer index or a non-empty list/);
  });
});

describe('PEFT adapters on disk', () => {
  it('loads the adapter saved by PEFT', async () => {
    const model = await loadLlamaConfig(localDirectorySource(path.join(FIXTURES, 'tiny-llama')));
    const { config, weights } = await loadAdapter(path.join(FIXTURES, 'tiny-lora'), { model });
    expect(config).toEqual({ r: 4, loraAlpha: 8, loraDropout: 0, targetModules: [...LORA_TARGET_MODULES], useRslora: false, baseModelNameOrPath: 'tiny-llama', layersToTransform: null });
    expect(weights.size).toBe(2 * 7 * 2);
    const dims = llamaLinearDims(model);
    expect(weights.get(loraKey(1, 'k_proj', 'A'))!.shape).toEqual([4, dims.k_proj.in]);
    expect(weights.get(loraKey(1, 'k_proj', 'B'))!.shape).toEqual([dims.k_proj.out, 4]);
    // lora_B was set to non-zero values by the fixture script
    expect(weights.get(loraKey(0, 'down_proj', 'B'))!.data.some((x) => x !== 0)).toBe(true);
  });

  it('save -> load round trip; checks shapes against the model', async () => {
    const model = await loadLlamaConfig(localDirectorySource(path.join(FIXTURES, 'tiny-llama')));
    const { config, weights } = await loadAdapter(path.join(FIXTURES, 'tiny-lora'));
    const out = path.join(dir, 'ours');
    await saveAdapter(out, config, weights, { model });
    const back = await loadAdapter(out, { model });
    expect(back.config).toEqual(config);
    for (const [k, t] of weights) expect(Array.from(back.weights.get(k)!.data)).toEqual(Array.from(t.data));

    const partial: AdapterWeights = new Map(weights);
    partial.delete(loraKey(1, 'up_proj', 'B'));
    await expect(saveAdapter(path.join(dir, 'bad'), config, partial)).rejects.toThrow(/'base_model\.model\.model\.layers\.1\.mlp\.up_proj\.lora_B\.weight' is missing/);
    const wrong: AdapterWeights = new Map(weights);
    wrong.set(loraKey(0, 'q_proj', 'A'), { shape: [4, 32], data: new Float32Array(128) });
    await expect(saveAdapter(path.join(dir, 'bad'), config, wrong, { model })).rejects.toThrow(/q_proj\.lora_A\.weight' has shape \[4, 32\], the model needs \[4, 64\]/);
    const rank: AdapterWeights = new Map(weights);
    rank.set(loraKey(0, 'q_proj', 'A'), { shape: [8, 64], data: new Float32Array(512) });
    await expect(saveAdapter(path.join(dir, 'bad'), config, rank)).rejects.toThrow(/expected rank r=4/);
    const fewer: LoraAdapterConfig = { ...config, targetModules: ['q_proj', 'v_proj'] };
    await expect(saveAdapter(path.join(dir, 'bad'), fewer, weights)).rejects.toThrow(/targets (k_proj|o_proj|gate_proj|up_proj|down_proj), which is not in target_modules/);
    await expect(loadAdapter(path.join(dir, 'nothing'))).rejects.toThrow(/no adapter_config\.json/);

    // layers_to_transform: only layer 1 carries adapters; layer-0 keys are refused, layer 1 must be complete
    const top: LoraAdapterConfig = { ...config, layersToTransform: [1] };
    const layer1: AdapterWeights = new Map([...weights].filter(([k]) => k.includes('.layers.1.')));
    await saveAdapter(path.join(dir, 'top'), top, layer1, { model });
    expect((await loadAdapter(path.join(dir, 'top'), { model })).config.layersToTransform).toEqual([1]);
    await expect(saveAdapter(path.join(dir, 'bad'), top, weights, { model })).rejects.toThrow(/is in layer 0, which is not in layers_to_transform \[1\]/);
  });

  it.skipIf(!hasPythonPeft())('an adapter written by us loads in Python PEFT with identical logits', async () => {
    const { config, weights } = await loadAdapter(path.join(FIXTURES, 'tiny-lora'));
    const out = path.join(dir, 'for-python');
    await saveAdapter(out, config, weights);
    const logitsFile = path.join(dir, 'py-logits.safetensors');
    execFileSync('python3', [path.join(PKG, 'scripts/check_peft_load.py'), out, '--out', logitsFile], { stdio: 'pipe', timeout: 300_000 });
    const got = await readAllFloat32(logitsFile);
    const ref = await readAllFloat32(path.join(FIXTURES, 'tiny-lora/reference.safetensors'));
    expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [k, t] of ref) {
      const g = got.get(k)!.data;
      let maxDiff = 0;
      for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i] - t.data[i]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });
});
