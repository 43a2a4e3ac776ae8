import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, initBackend } from './backend.ts';
import { LlamaForCausalLM } from './llama.ts';
import { smallLlamaConfig } from './model-types.ts';
import { byteTokenizer } from './io/tokenizer.ts';
import { Trainer, assertSameCompute, currentCompute, joinCheckpoint, splitCheckpoint, train } from './train.ts';
import type { StepLog, TrainCheckpoint, TrainOptions } from './train.ts';
import { generate, scoreLabels } from './generate.ts';
import { collate, encodeExample, epochBatches, formatPrompt } from './data.ts';
import { crossEntropyRows } from './ops.ts';
import type { TrainExample } from './data.ts';
import { cosineWithWarmup } from './optim.ts';

const tok = byteTokenizer();
const cfg = smallLlamaConfig({ vocabSize: tok.vocabSize, hiddenSize: 64, numAttentionHeads: 4, numKeyValueHeads: 2, intermediateSize: 128, numHiddenLayers: 2, maxPositionEmbeddings: 128 });
const examples = [
  { instruction: 'Cls', input: 'GET /etc/passwd', output: 'SEV: HIGH' },
  { instruction: 'Cls', input: 'GET /index.html', output: 'SEV: LOW' },
  { instruction: 'Cls', input: 'ssh fail root', output: 'SEV: MEDIUM' },
  { instruction: 'Cls', input: 'DROP TABLE x', output: 'SEV: CRITICAL' },
];
const labels = ['SEV: LOW', 'SEV: MEDIUM', 'SEV: HIGH', 'SEV: CRITICAL'];

async function run(model: LlamaForCausalLM, opts: TrainOptions, exs: TrainExample[] = examples): Promise<StepLog[]> {
  const logs: StepLog[] = [];
  for await (const l of train(model, exs, opts)) logs.push(l);
  return logs;
}

function loraWeights(m: LlamaForCausalLM): Float32Array[] {
  return m.trainableVariables().map((v) => v.dataSync() as Float32Array);
}

function identical(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false;
    for (let j = 0; j < a[i].length; j++) if (!Object.is(a[i][j], b[i][j])) return false;
  }
  return true;
}

const backends = await availableBackends();
const base: TrainOptions = { tokenizer: tok, lora: { r: 8, alpha: 16, dropout: 0.1 }, batchSize: 2, learningRate: 5e-3, seed: 42, maxSeqLen: 128, warmupSteps: 2 };

describe('training (default backend)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('schedule and batching helpers', () => {
    expect(cosineWithWarmup(0, 10, 100)).toBe(0);
    expect(cosineWithWarmup(5, 10, 100)).toBe(0.5);
    expect(cosineWithWarmup(10, 10, 100)).toBe(1);
    expect(cosineWithWarmup(100, 10, 100)).toBeCloseTo(0);
    const b = epochBatches([5, 9, 3, 7, 1, 8, 2], 2, 1, 0);
    expect(b.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(epochBatches([5, 9, 3, 7, 1, 8, 2], 2, 1, 0)).toEqual(b);
    const e = encodeExample(tok, examples[0], 128);
    const promptLen = tok.encode(formatPrompt('Cls', 'GET /etc/passwd'), { addBos: true }).length;
    expect(e.targets.slice(0, promptLen).every((x) => x === 0)).toBe(true);
    expect(e.targets.slice(promptLen).every((x) => x === 1)).toBe(true);
    expect(e.ids[e.ids.length - 1]).toBe(tok.eosId);
    // over-long logs are shortened, the response survives
    const long = encodeExample(tok, { ...examples[0], input: 'x'.repeat(500) }, 100);
    expect(long.ids.length).toBeLessThanOrEqual(100);
    expect(tok.decode(long.ids)).toContain('SEV: HIGH');
  });

  it('overfits four examples (loss < 0.05), then greedy generation and label scoring recover them', async () => {
    const model = LlamaForCausalLM.random(cfg, { seed: 1, initializerRange: 0.2 });
    const logs = await run(model, { tokenizer: tok, lora: { r: 16, alpha: 32 }, maxSteps: 40, batchSize: 4, learningRate: 1e-2, seed: 1, maxSeqLen: 128 });
    expect(logs[logs.length - 1].loss).toBeLessThan(0.05);
    expect(logs[0].loss).toBeGreaterThan(1);
    for (const l of logs) {
      expect(l.tokensPerSecond).toBeGreaterThan(0);
      expect(l.examplesPerSecond).toBeGreaterThan(0);
    }
    const prompts = examples.map((e) => formatPrompt(e.instruction, e.input));
    const gen = await generate(model, tok, prompts, { maxNewTokens: 24 });
    expect(gen.map((g) => g.text)).toEqual(examples.map((e) => e.output));
    expect(gen.every((g) => g.finishReason === 'eos')).toBe(true);
    // without KV cache: same greedy output
    const gen2 = await generate(model, tok, prompts, { maxNewTokens: 24, useCache: false, batchSize: 3 });
    expect(gen2.map((g) => g.text)).toEqual(examples.map((e) => e.output));
    for (const e of examples) {
      const s = scoreLabels(model, tok, formatPrompt(e.instruction, e.input), labels);
      expect(s.label).toBe(e.output);
      expect(s.scores.length).toBe(4);
    }
    // stop sequences cut the text
    const sampled = await generate(model, tok, prompts.slice(0, 1), { maxNewTokens: 12, temperature: 0.7, topK: 5, seed: 3, stopSequences: ['V:'] });
    expect(sampled[0].text).not.toContain('V:');
    model.dispose();
  });

  it('does not leak tensors over 50 steps', async () => {
    const model = LlamaForCausalLM.random(cfg, { seed: 5 });
    const counts: number[] = [];
    for await (const l of train(model, examples, { ...base, maxSteps: 50, gradAccumSteps: 2, maxSeqLen: 96 })) counts.push(tf.memory().numTensors + l.step * 0);
    expect(counts[49]).toBe(counts[2]);
    model.dispose();
  });

  it("full-parameter mode trains every weight with plain next-token loss ('text' examples)", async () => {
    const model = LlamaForCausalLM.random({ ...cfg, tieWordEmbeddings: true }, { seed: 6 });
    const n0 = tf.memory().numTensors;
    const texts = [{ text: 'sshd[12]: Failed password for root' }, { text: 'GET /index.html HTTP/1.1 200' }];
    const before = model.weights.embed.dataSync().slice();
    const logs = await run(model, { tokenizer: tok, mode: 'full', maxSteps: 15, batchSize: 2, learningRate: 3e-3, seed: 1, weightDecay: 0.1 }, texts);
    expect(logs[logs.length - 1].loss).toBeLessThan(logs[0].loss * 0.7);
    const after = model.weights.embed.dataSync();
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(n0);
    model.dispose();
  });
});

describe.each(backends)('determinism and resume on %s', (name) => {
  beforeAll(async () => {
    await initBackend(name);
  });

  it('two runs with the same seed give bit-identical LoRA weights (with dropout)', async () => {
    const a = LlamaForCausalLM.random(cfg, { seed: 2 });
    const b = LlamaForCausalLM.random(cfg, { seed: 2 });
    const la = await run(a, { ...base, maxSteps: 6 });
    const lb = await run(b, { ...base, maxSteps: 6 });
    expect(la.map((l) => l.loss)).toEqual(lb.map((l) => l.loss));
    expect(identical(loraWeights(a), loraWeights(b))).toBe(true);
    const c = LlamaForCausalLM.random(cfg, { seed: 2 });
    await run(c, { ...base, maxSteps: 6, seed: 43 });
    expect(identical(loraWeights(a), loraWeights(c))).toBe(false);
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('resuming from a JSON checkpoint at step k reproduces the uninterrupted run bit for bit', async () => {
    const opts: TrainOptions = { ...base, epochs: 4, gradAccumSteps: 2, checkpointEvery: 3, weightDecay: 0.01 };
    const full = LlamaForCausalLM.random(cfg, { seed: 4 });
    const logs = await run(full, opts);
    expect(logs.length).toBe(4); // 2 micro-batches per epoch / accum 2 = 1 step per epoch
    const ck = logs.find((l) => l.step === 3)!.checkpoint!;
    const revived = JSON.parse(JSON.stringify(ck)) as TrainCheckpoint;
    const { meta, tensors } = splitCheckpoint(ck);
    expect(joinCheckpoint(JSON.parse(JSON.stringify(meta)) as typeof meta, tensors)).toEqual(revived);
    const resumed = LlamaForCausalLM.random(cfg, { seed: 4 });
    const rest = await run(resumed, { ...opts, resumeFrom: revived });
    expect(rest.map((l) => l.step)).toEqual([4]);
    expect(rest[0].loss).toBe(logs[3].loss);
    expect(identical(loraWeights(full), loraWeights(resumed))).toBe(true);
    // a mismatched run refuses the checkpoint
    const other = LlamaForCausalLM.random(cfg, { seed: 4 });
    expect(() => new Trainer(other, examples, { ...opts, batchSize: 1, resumeFrom: revived })).toThrow(/batchSize/);
    full.dispose();
    resumed.dispose();
    other.dispose();
  });

  it('gradient accumulation normalises by all target tokens of the step (2x2 == 1x4)', async () => {
    const same = examples.map((e) => ({ ...e, input: e.input.padEnd(16, '.'), output: e.output.padEnd(13, '!') }));
    const a = LlamaForCausalLM.random(cfg, { seed: 8 });
    const b = LlamaForCausalLM.random(cfg, { seed: 8 });
    const o: TrainOptions = { tokenizer: tok, lora: { r: 4, alpha: 8 }, seed: 3, maxSteps: 1, learningRate: 1e-2, maxGradNorm: 0 };
    const la = await run(a, { ...o, batchSize: 4, gradAccumSteps: 1 }, same);
    const lb = await run(b, { ...o, batchSize: 2, gradAccumSteps: 2 }, same);
    expect(la[0].loss).toBeCloseTo(lb[0].loss, 5);
    expect(la[0].gradNorm).toBeCloseTo(lb[0].gradNorm, 5);
    const wa = loraWeights(a);
    const wb = loraWeights(b);
    let d = 0;
    wa.forEach((w, i) => w.forEach((x, j) => (d = Math.max(d, Math.abs(x - wb[i][j])))));
    expect(d).toBeLessThan(1e-5);
    a.dispose();
    b.dispose();
  });
});

describe.each(backends)('gradient checkpointing on %s', (name) => {
  it('recomputing each layer in backward gives the same losses and LoRA weights as plain backprop (with dropout)', async () => {
    await initBackend(name);
    const n0 = tf.memory().numTensors;
    const plain = LlamaForCausalLM.random(cfg, { seed: 9 });
    const ck = LlamaForCausalLM.random(cfg, { seed: 9 });
    const lp = await run(plain, { ...base, maxSteps: 3, gradientCheckpointing: false });
    const lc = await run(ck, { ...base, maxSteps: 3, gradientCheckpointing: true, checkpointTapedLayers: 1 }); // layer 0 recomputed
    expect(lc.map((l) => l.loss)).toEqual(lp.map((l) => l.loss));
    const wp = loraWeights(plain);
    const wc = loraWeights(ck);
    let d = 0;
    wp.forEach((w, i) => w.forEach((x, j) => (d = Math.max(d, Math.abs(x - wc[i][j])))));
    expect(d).toBeLessThan(1e-6);
    plain.dispose();
    ck.dispose();
    expect(tf.memory().numTensors).toBe(n0); // nothing of the per-layer tapes survives
  });
});

describe('resume across a compute change', () => {
  it('is refused with a message naming both settings', async () => {
    await initBackend();
    const now = currentCompute();
    expect(() => assertSameCompute(now)).not.toThrow();
    expect(() => assertSameCompute(undefined)).not.toThrow();
    const other = { ...now, threads: (now.threads ?? 1) + 1 };
    expect(() => assertSameCompute(other)).toThrow(/would not be bit-identical/);
    const onWasm = { backend: 'wasm', tensorflowVersion: null, onednn: null, threads: 1 };
    if (now.backend !== 'wasm') expect(() => assertSameCompute(onWasm)).toThrow(/computed on wasm but this process computes on/);
    const model = LlamaForCausalLM.random(cfg, { seed: 4 });
    const logs = await run(model, { ...base, maxSteps: 2, checkpointEvery: 1 });
    const ck = { ...logs[0].checkpoint!, compute: other };
    const again = LlamaForCausalLM.random(cfg, { seed: 4 });
    expect(() => new Trainer(again, examples, { ...base, maxSteps: 2, resumeFrom: ck })).toThrow(/threads/);
    model.dispose();
    again.dispose();
  });
});

describe('LoRA on the top layers only (layers_to_transform)', () => {
  beforeAll(async () => {
    await initBackend();
  });
  const cfg3 = { ...cfg, numHiddenLayers: 3 };
  const top: TrainOptions = { ...base, lora: { r: 4, alpha: 8, dropout: 0.1, layers: [2] }, gradientCheckpointing: false };

  it('adapts only those layers; its first loss is the plain forward loss of the batch', async () => {
    const m = LlamaForCausalLM.random(cfg3, { seed: 3 });
    const batch = collate(examples.map((e) => encodeExample(tok, e, 128)), tok.padId);
    // B starts at zero, so the step-1 loss must be the base model's own loss on the four examples
    const before = tf.tidy(() => {
      const logits = m.forward({ ids: batch.ids, batch: batch.batch, seqLen: batch.seqLen, attentionMask: batch.attentionMask, select: batch.select });
      return tf.div(tf.sum(crossEntropyRows(logits, batch.labels)), batch.labels.length).dataSync()[0]!;
    });
    const logs = await run(m, { ...top, batchSize: 4, warmupSteps: 0, maxSteps: 2 });
    expect(logs[0]!.loss).toBeCloseTo(before, 5);
    expect(logs[1]!.loss).toBeLessThan(logs[0]!.loss);
    expect([...m.lora!.keys()].every((k) => k.startsWith('2.'))).toBe(true);
    expect(m.loraSettings!.layers).toEqual([2]);
    m.dispose();
  });

  it('cached frozen-layer outputs train exactly as recomputing them, over epochs that reshuffle batches', async () => {
    const n0 = tf.memory().numTensors;
    const cached = LlamaForCausalLM.random(cfg3, { seed: 5 });
    const recomputed = LlamaForCausalLM.random(cfg3, { seed: 5 });
    const lc = await run(cached, { ...top, epochs: 3 });
    const lr = await run(recomputed, { ...top, epochs: 3, cacheFrozenLayers: false });
    expect(lc.map((l) => l.loss)).toEqual(lr.map((l) => l.loss));
    expect(identical(loraWeights(cached), loraWeights(recomputed))).toBe(true);
    // checkpointing inside the adapted layers gives the same result as well
    const ck = LlamaForCausalLM.random({ ...cfg3, numHiddenLayers: 4 }, { seed: 5 });
    const pl = LlamaForCausalLM.random({ ...cfg3, numHiddenLayers: 4 }, { seed: 5 });
    const lk = await run(ck, { ...top, lora: { ...top.lora!, layers: [2, 3] }, maxSteps: 3, gradientCheckpointing: true, checkpointTapedLayers: 1 });
    const lp = await run(pl, { ...top, lora: { ...top.lora!, layers: [2, 3] }, maxSteps: 3 });
    expect(lk.map((l) => l.loss)).toEqual(lp.map((l) => l.loss));
    for (const m of [cached, recomputed, ck, pl]) m.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});
