/**
 * SmolLM2-135M-Instruct (GGUF, the platform's default base model) against transformers: logits on
 * fixed prompts with and without a PEFT LoRA adapter made in Python (fixtures/gguf, made by
 * scripts/make_gguf_fixtures.py --model). Needs the real file: `bash infra/install-model.sh`
 * (CI runs it through infra/install.sh); skipped with a message when it is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import type { LlamaForCausalLM } from './llama.ts';
import { attachLora, detachLora } from './lora.ts';
import { Rng } from './rng.ts';
import { findInstalledModel, PRETRAINED_MODELS } from './io/model-catalog.ts';
import { loadLoraAdapter, saveLoraAdapter } from './pretrained.ts';
import { loadGgufBaseModel } from './pretrained-gguf.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(here, '..', 'fixtures', 'gguf');
const REPO = path.resolve(here, '../../..');

interface Row {
  position: number;
  columns: number[];
  topIds: number[];
  topValues: number[];
  logSumExp: number;
}
interface LogitsFixture {
  ggufSha256: string;
  columns: number[];
  inputIds: number[][];
  base: Row[][];
  lora: Row[][];
}

const fixture = JSON.parse(readFileSync(path.join(FIX, 'smollm2-logits.json'), 'utf8')) as LogitsFixture;
const modelFile = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));
if (!modelFile) console.warn('gguf-parity: SmolLM2-135M-Instruct GGUF not installed (run: bash infra/install-model.sh); skipping the parity tests');

/** Python with transformers + PEFT + gguf (OPENSOC_PYTHON, default python3): the PEFT round trip runs only then. */
const PYTHON = process.env.OPENSOC_PYTHON ?? 'python3';
function hasPythonPeftGguf(): boolean {
  if (process.env.OPENSOC_SKIP_PYTHON) return false;
  const code = `import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ['peft', 'transformers', 'torch', 'gguf']) else 1)`;
  return spawnSync(PYTHON, ['-c', code], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** Largest |ours - transformers| over the fixture's sampled columns, top-k values and logsumexp. */
function maxDiff(model: LlamaForCausalLM, want: Row[][], inputIds = fixture.inputIds): { diff: number; topMismatch: number } {
  let diff = 0;
  let topMismatch = 0;
  inputIds.forEach((ids, p) => {
    const rows = want[p];
    const select = rows.map((r) => r.position);
    const logits = tf.tidy(() => model.forward({ ids, batch: 1, seqLen: ids.length, select }).dataSync() as Float32Array);
    const V = model.config.vocabSize;
    rows.forEach((r, k) => {
      const row = logits.subarray(k * V, (k + 1) * V);
      r.columns.forEach((v, j) => (diff = Math.max(diff, Math.abs(row[fixture.columns[j]] - v))));
      r.topIds.forEach((id, j) => (diff = Math.max(diff, Math.abs(row[id] - r.topValues[j]))));
      let m = -Infinity;
      for (const x of row) m = Math.max(m, x);
      let s = 0;
      for (const x of row) s += Math.exp(x - m);
      diff = Math.max(diff, Math.abs(m + Math.log(s) - r.logSumExp));
      // our top-1 must be theirs (ties within 1e-4 aside)
      let arg = 0;
      for (let i = 1; i < V; i++) if (row[i] > row[arg]) arg = i;
      if (arg !== r.topIds[0] && Math.abs(row[arg] - r.topValues[0]) > 1e-4) topMismatch++;
    });
  });
  return { diff, topMismatch };
}

describe.skipIf(!modelFile)('SmolLM2-135M-Instruct GGUF parity with transformers', () => {
  let model: LlamaForCausalLM;
  beforeAll(async () => {
    await initBackend('wasm');
    model = (await loadGgufBaseModel(modelFile!)).model;
  });
  afterAll(() => model?.dispose());

  it('the fixture was made from the catalog file', () => {
    expect(fixture.ggufSha256).toBe(PRETRAINED_MODELS['smollm2-135m-instruct'].sha256);
    expect(model.numParameters()).toBe(134_515_008);
  });

  it('base logits equal transformers (from_pretrained gguf_file) to 1e-4', () => {
    const { diff, topMismatch } = maxDiff(model, fixture.base);
    expect(topMismatch).toBe(0);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('a PEFT adapter made in Python loads here and the logits equal PEFT on the GGUF model to 1e-4', async () => {
    const cfg = await loadLoraAdapter(model, path.join(FIX, 'smollm2-lora'));
    expect(cfg.baseModelNameOrPath).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
    try {
      const { diff, topMismatch } = maxDiff(model, fixture.lora);
      expect(topMismatch).toBe(0);
      expect(diff).toBeLessThanOrEqual(1e-4);
      // and the adapter moves transformers' logits well beyond the tolerance, so it was applied
      const moved = Math.max(...fixture.lora.flat().flatMap((r, i) => r.columns.map((v, j) => Math.abs(v - fixture.base.flat()[i]!.columns[j]!))));
      expect(moved).toBeGreaterThan(0.1);
    } finally {
      detachLora(model);
    }
  });

  it.skipIf(!hasPythonPeftGguf())('an adapter saved here loads in PEFT on the GGUF-loaded transformers model with equal logits (<= 1e-4)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-gguf-peft-'));
    try {
      attachLora(model, { r: 4, alpha: 8, seed: 3 });
      const rng = new Rng(9);
      for (const m of model.lora!.values()) m.bT.assign(tf.tensor2d(rng.fillNormal(new Float32Array(m.bT.size), 0.02), m.bT.shape as [number, number]));
      await saveLoraAdapter(model, path.join(dir, 'adapter'), { baseModelNameOrPath: PRETRAINED_MODELS['smollm2-135m-instruct'].hfModelId });
      const ids = fixture.inputIds.slice(0, 2);
      writeFileSync(path.join(dir, 'ids.json'), JSON.stringify({ inputIds: ids, columns: fixture.columns }));
      execFileSync(PYTHON, [path.join(here, '..', 'scripts', 'gguf_model_fixtures.py'), 'check', modelFile!, path.join(dir, 'adapter'), path.join(dir, 'ids.json'), path.join(dir, 'out.json')], { stdio: 'pipe', timeout: 600_000 });
      const theirs = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as Row[][];
      const { diff, topMismatch } = maxDiff(model, theirs, ids);
      expect(topMismatch).toBe(0);
      expect(diff).toBeLessThanOrEqual(1e-4);
    } finally {
      detachLora(model);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
