/**
 * LoRA training throughput of one backend on one benchmark shape (see common.ts BENCH_SHAPES), r=16 (alpha 32,
 * dropout 0.05) on all seven modules; prints one JSON line with tokens/s, examples/s, GFLOP/s and peak RSS.
 *   npx tsx packages/model/bench/train-throughput.ts --shape small --backend tensorflow --threads 2 --steps 3
 * `pnpm bench model-train` runs it for every backend next to PyTorch+PEFT (model-train.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { backendInfo, describeBackend, initBackend } from '../src/backend.ts';
import type { BackendName } from '../src/backend.ts';
import { LlamaForCausalLM } from '../src/llama.ts';
import { train } from '../src/train.ts';
import { byteTokenizer } from '../src/io/tokenizer.ts';
import { BENCH_SHAPES, arg, loraStepFlops, report, syntheticExamples } from './common.ts';

const shapeName = arg('shape', 'small');
const shape = BENCH_SHAPES[shapeName];
if (!shape) throw new Error(`--shape must be one of ${Object.keys(BENCH_SHAPES).join(', ')}`);
const backend = arg('backend', 'tensorflow') as BackendName;
const threads = Number(arg('threads', '1'));
const steps = Number(arg('steps', '3'));
const warmup = Number(arg('warmup', '1'));
const seqLen = Number(arg('seq', String(shape.seqLen)));
const batch = Number(arg('batch', String(shape.batch)));
const responseLen = Number(arg('response', String(shape.responseLen)));
const mode = arg('mode', 'lora') as 'lora' | 'full';
const cfg = shape.config;

const active = await initBackend(backend, { threads, fallbackToCpu: false });
if (active !== backend) throw new Error(`asked for ${backend}, got ${active}`);
const model = LlamaForCausalLM.random(cfg, { seed: 0 });
const examples = syntheticExamples(batch * (steps + warmup), seqLen, responseLen, cfg.vocabSize);
// The tokenizer only supplies pad/eos ids for pre-tokenised examples.
const tok = { ...byteTokenizer(), vocabSize: cfg.vocabSize };
let measured = 0;
let tStart = performance.now();
let cpuStart = process.cpuUsage();
const losses: number[] = [];
for await (const log of train(model, examples, { tokenizer: tok, mode, lora: { r: 16, alpha: 32, dropout: 0.05 }, batchSize: batch, maxSteps: steps + warmup, learningRate: 1e-4, seed: 0, maxSeqLen: seqLen })) {
  losses.push(log.loss);
  if (log.step === warmup) {
    tStart = performance.now();
    cpuStart = process.cpuUsage();
  }
  if (log.step > warmup) measured++;
}
const secs = (performance.now() - tStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const flops = loraStepFlops(cfg, batch, seqLen, responseLen, 16);
report({
  bench: 'train-throughput',
  shape: shapeName,
  backend: active,
  compute: describeBackend(backendInfo()),
  threads: backendInfo().threads,
  mode,
  config: { hidden: cfg.hiddenSize, layers: cfg.numHiddenLayers, heads: `${cfg.numAttentionHeads}/${cfg.numKeyValueHeads}`, intermediate: cfg.intermediateSize, vocab: cfg.vocabSize, tied: cfg.tieWordEmbeddings, seqLen, batch, loraR: 16, responseLen },
  steps: measured,
  secondsPerStep: secs / measured,
  tokensPerSecond: (measured * batch * seqLen) / secs,
  examplesPerSecond: (measured * batch) / secs,
  gflopPerStep: flops / 1e9,
  gflopsPerSecond: (measured * flops) / secs / 1e9,
  // wall-clock numbers suffer when other processes share the cores; per CPU-second numbers do not
  cpuSecondsPerStep: cpuSecs / measured,
  gflopsPerCpuSecond: (measured * flops) / cpuSecs / 1e9,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  loadAverage1m: loadavg()[0],
  firstLoss: losses[0],
  lastLoss: losses[losses.length - 1],
  numTensors: tf.memory().numTensors,
});
model.dispose();
