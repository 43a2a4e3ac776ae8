import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inspectCheckpoint,
  iterateCheckpointTensors,
  loadCheckpoint,
  loadCheckpointTensors,
  localDirectorySource,
  saveCheckpoint,
} from './checkpoint.ts';
import { llamaTensorShapes, toHfConfigJson } from './config.ts';
import type { LlamaConfig } from './config.ts';
import { openSafetensorsFromReader, readAllFloat32, writeSafetensors } from './safetensors.ts';
import type { RandomAccessReader } from './safetensors.ts';
import { byteTokenizer, byteTokenizerJson, llamaTokenizerConfigJson } from './tokenizer.ts';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(PKG, 'fixtures');

function hasPythonTransformers(): boolean {
  if (process.env.OPENSOC_SKIP_PYTHON) return false;
  // find_spec: checks the packages are installed without paying for importing torch
  const code = `import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ['transformers', 'torch', 'safetensors']) else 1)`;
  return spawnSync('python3', ['-c', code], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

const small: LlamaConfig = {
  vocabSize: 40,
  hiddenSize: 16,
  intermediateSize: 24,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 4,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositionEmbeddings: 64,
  tieWordEmbeddings: false,
  bosTokenId: 1,
  eosTokenId: 2,
};

function randomWeights(config: LlamaConfig, seed = 1) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of llamaTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rnd();
    m.set(name, { shape, data });
  }
  return m;
}

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ckpt-test-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('checkpoint loading', () => {
  it('loads the tiny-llama fixture saved by transformers', async () => {
    const src = localDirectorySource(path.join(FIXTURES, 'tiny-llama'));
    const layout = await inspectCheckpoint(src);
    expect(layout.files).toEqual(['model.safetensors']);
    expect(layout.tensors.length).toBe(21);
    const seen: string[] = [];
    const { config, count } = await loadCheckpoint(src, (t) => {
      seen.push(t.name);
      expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.data.every(Number.isFinite)).toBe(true);
    });
    expect(config.hiddenSize).toBe(64);
    expect(count).toBe(21);
    expect(new Set(seen)).toEqual(new Set(llamaTensorShapes(config).keys()));
  });

  it('saveCheckpoint round-trips (F32 exact, BF16 rounded)', async () => {
    const w = randomWeights(small);
    const d = path.join(dir, 'saved');
    await saveCheckpoint(d, small, w, { extraFiles: { 'generation_config.json': { bos_token_id: 1 } } });
    const { config, tensors } = await loadCheckpointTensors(localDirectorySource(d));
    expect(config).toEqual(small);
    for (const [name, t] of w) expect(Array.from(tensors.get(name)!.data)).toEqual(Array.from(t.data));
    expect(JSON.parse(await fsp.readFile(path.join(d, 'config.json'), 'utf8'))).toEqual(toHfConfigJson(small));

    const d16 = path.join(dir, 'saved-bf16');
    await saveCheckpoint(d16, small, w, { dtype: 'BF16' });
    const st = await fsp.stat(path.join(d16, 'model.safetensors'));
    expect(st.size).toBeLessThan((await fsp.stat(path.join(d, 'model.safetensors'))).size * 0.55);
    const back = await loadCheckpointTensors(localDirectorySource(d16));
    const a = w.get('model.embed_tokens.weight')!.data;
    const b = back.tensors.get('model.embed_tokens.weight')!.data;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(Math.abs(a[i]) / 256 + 1e-30);
  });

  it('saveCheckpoint refuses weights that do not match the config', async () => {
    const w = randomWeights(small);
    w.delete('model.norm.weight');
    await expect(saveCheckpoint(path.join(dir, 'bad'), small, w)).rejects.toThrow(/missing tensor 'model\.norm\.weight'/);
    const w2 = randomWeights(small);
    w2.set('model.norm.weight', { shape: [8], data: new Float32Array(8) });
    await expect(saveCheckpoint(path.join(dir, 'bad'), small, w2)).rejects.toThrow(/'model\.norm\.weight' has shape \[8\], config implies \[16\]/);
  });

  it('loads a sharded checkpoint via model.safetensors.index.json', async () => {
    const w = randomWeights(small, 7);
    const d = path.join(dir, 'sharded');
    await fsp.mkdir(d, { recursive: true });
    await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify(toHfConfigJson(small)));
    const names = [...w.keys()];
    const shards = [names.slice(0, 9), names.slice(9)];
    const weightMap: Record<string, string> = {};
    for (let i = 0; i < 2; i++) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      const rec: Record<string, { dtype: 'BF16'; shape: number[]; data: Float32Array }> = {};
      for (const n of shards[i]) {
        rec[n] = { dtype: 'BF16', ...w.get(n)! };
        weightMap[n] = file;
      }
      await writeSafetensors(path.join(d, file), rec);
    }
    await fsp.writeFile(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
    const src = localDirectorySource(d);
    const got: string[] = [];
    for await (const t of iterateCheckpointTensors(src)) {
      expect(t.dtype).toBe('BF16');
      got.push(t.name);
    }
    expect(got.sort()).toEqual([...names].sort());

    // filter
    const only: string[] = [];
    for await (const t of iterateCheckpointTensors(src, { filter: (n) => n.startsWith('model.layers.1.') })) only.push(t.name);
    expect(only.length).toBe(9);

    // index pointing to the wrong shard
    const badMap = { ...weightMap, 'model.norm.weight': 'model-00001-of-00002.safetensors' };
    await fsp.writeFile(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ weight_map: badMap }));
    await expect(inspectCheckpoint(src)).rejects.toThrow(/tensor 'model\.norm\.weight' is not mapped to this shard/);

    // missing shard
    await fsp.writeFile(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...weightMap, x: 'model-00003-of-00003.safetensors' } }));
    await expect(inspectCheckpoint(src)).rejects.toThrow(/shard 'model-00003-of-00003\.safetensors' is missing/);
  });

  it('reports shape mismatches, unexpected and missing tensors against config.json', async () => {
    const d = path.join(dir, 'mismatch');
    const w = randomWeights(small);
    await saveCheckpoint(d, small, w);
    // claim a bigger vocabulary than the weights have
    await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...toHfConfigJson(small), vocab_size: 41 }));
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(
      /mismatch: checkpoint does not match config\.json: .*tensor 'model\.embed_tokens\.weight' in model\.safetensors has shape \[40, 16\], config\.json implies \[41, 16\]/,
    );
    await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...toHfConfigJson(small), num_hidden_layers: 3 }));
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(/missing tensor 'model\.layers\.2\.input_layernorm\.weight'/);
    await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...toHfConfigJson(small), num_hidden_layers: 1 }));
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(/unexpected tensor 'model\.layers\.1\./);
    // validation can be turned off
    const layout = await inspectCheckpoint(localDirectorySource(d), { validate: false });
    expect(layout.tensors.length).toBe(21);
  });

  it('clear errors for missing files', async () => {
    const d = path.join(dir, 'empty');
    await fsp.mkdir(d, { recursive: true });
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(/empty: no config\.json/);
    await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify(toHfConfigJson(small)));
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(/neither model\.safetensors nor model\.safetensors\.index\.json/);
    await fsp.writeFile(path.join(d, 'config.json'), '{"vocab_size": ');
    await expect(inspectCheckpoint(localDirectorySource(d))).rejects.toThrow(/config\.json: invalid JSON/);
  });
});

describe('reading by position', () => {
  it('reads only the requested tensor, in bounded chunks', async () => {
    const w = randomWeights(small);
    const d = path.join(dir, 'positional');
    await saveCheckpoint(d, small, w, { dtype: 'BF16' });
    const file = path.join(d, 'model.safetensors');
    const bytes = new Uint8Array(await fsp.readFile(file));
    const reads: Array<[number, number]> = [];
    const reader: RandomAccessReader = {
      size: async () => bytes.length,
      read: async (pos, into) => {
        reads.push([pos, into.length]);
        if (pos + into.length > bytes.length) throw new Error('short read');
        into.set(bytes.subarray(pos, pos + into.length));
      },
      close: async () => undefined,
    };
    const st = await openSafetensorsFromReader(reader, 'mem://model.safetensors');
    const headerReads = reads.length;
    const name = 'model.layers.1.mlp.down_proj.weight';
    const info = st.info(name);
    const data = await st.readFloat32(name);
    const tensorReads = reads.slice(headerReads);
    const total = tensorReads.reduce((a, [, n]) => a + n, 0);
    expect(total).toBe(info.dataOffsets[1] - info.dataOffsets[0]);
    expect(tensorReads[0][0]).toBe(st.header.dataStart + info.dataOffsets[0]);
    const orig = w.get(name)!.data;
    for (let i = 0; i < orig.length; i++) expect(Math.abs(data[i] - orig[i])).toBeLessThanOrEqual(Math.abs(orig[i]) / 256);
    await st.close();
  });
});

describe('interop with Python transformers', () => {
  it.skipIf(!hasPythonTransformers())('a checkpoint + byte tokenizer saved by us load in transformers with identical logits', async () => {
    // re-save the fixture weights with our writer and config.json
    const { config, tensors } = await loadCheckpointTensors(localDirectorySource(path.join(FIXTURES, 'tiny-llama')));
    const d = path.join(dir, 'for-python');
    await saveCheckpoint(d, config, tensors, {
      extraFiles: { 'tokenizer.json': byteTokenizerJson(), 'tokenizer_config.json': llamaTokenizerConfigJson() },
    });
    const texts = ['Failed password for root from 10.0.0.1', ' café 🚨 ', ''];
    const textsFile = path.join(dir, 'texts.json');
    await fsp.writeFile(textsFile, JSON.stringify(texts));
    const logitsFile = path.join(dir, 'hf-logits.safetensors');
    const out = execFileSync('python3', [path.join(PKG, 'scripts/check_hf_load.py'), d, '--out', logitsFile, '--texts', textsFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { tokens: number[][] };
    const bt = byteTokenizer();
    expect(result.tokens).toEqual(texts.map((t) => bt.encode(t, { addBos: true })));
    const got = await readAllFloat32(logitsFile);
    const ref = await readAllFloat32(path.join(FIXTURES, 'tiny-llama/reference.safetensors'));
    for (const [k, t] of ref) {
      const g = got.get(k)!.data;
      for (let i = 0; i < g.length; i++) if (Math.abs(g[i] - t.data[i]) > 1e-5) throw new Error(`${k}[${i}]: ${g[i]} != ${t.data[i]}`);
    }
  });
});
