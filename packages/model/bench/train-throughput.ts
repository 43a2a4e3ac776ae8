/**
 * LoRA training throughput: hidden 256, 4 layers, 8/4 heads, intermediate 688, vocab 32000, seq 256, batch 8,
 * r=16 on all seven modules, loss on the last 128 tokens of each sequence.
 *   npx tsx packages/model/bench/train-throughput.ts --backend wasm --steps 6
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.ts';
import { LlamaForCausalLM } from '../src/llama.ts';
import { train } from '../src/train.ts';
import { byteTokenizer } from '../src/io/tokenizer.ts';
import { BENCH_CONFIG, arg, report, syntheticExamples } from './common.ts';

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const steps = Number(arg('steps', '6'));
const warmup = Number(arg('warmup', '1'));
const seqLen = Number(arg('seq', '256'));
const batch = Number(arg('batch', '8'));
const responseLen = Number(arg('response', '128'));
const mode = arg('mode', 'lora') as 'lora' | 'full';

const active = await initBackend(backend);
const model = LlamaForCausalLM.random(BENCH_CONFIG, { seed: 0 });
const examples = syntheticExamples(batch * (steps + warmup), seqLen, responseLen, BENCH_CONFIG.vocabSize);
// The tokenizer only supplies pad/eos ids for pre-tokenised examples.
const tok = { ...byteTokenizer(), vocabSize: BENCH_CONFIG.vocabSize };
let measured = 0;
let tokens = 0;
let exs = 0;
const t0 = performance.now();
let tStart = t0;
let cpuStart = process.cpuUsage();
const losses: number[] = [];
for await (const log of train(model, examples, { tokenizer: tok, mode, lora: { r: 16, alpha: 32, dropout: 0.05 }, batchSize: batch, maxSteps: steps + warmup, learningRate: 1e-4, seed: 0, maxSeqLen: seqLen })) {
  losses.push(log.loss);
  if (log.step === warmup || (warmup === 0 && log.step === 0)) {
    tStart = performance.now();
    cpuStart = process.cpuUsage();
  }
  if (log.step > warmup) {
    measured++;
    tokens += batch * seqLen;
    exs += batch;
  }
}
const secs = (performance.now() - tStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
report({
  bench: 'train-throughput',
  backend: active,
  mode,
  config: { hidden: 256, layers: 4, heads: '8/4', intermediate: 688, vocab: 32000, seqLen, batch, loraR: 16, targets: 'all 7', responseLen },
  steps: measured,
  secondsPerStep: secs / measured,
  tokensPerSecond: tokens / secs,
  examplesPerSecond: exs / secs,
  // wall-clock numbers suffer when other processes share the cores; per CPU-second numbers do not
  cpuSecondsPerStep: cpuSecs / measured,
  tokensPerCpuSecond: tokens / cpuSecs,
  examplesPerCpuSecond: exs / cpuSecs,
  loadAverage1m: (await import('node:os')).loadavg()[0],
  firstLoss: losses[0],
  lastLoss: losses[losses.length - 1],
  numTensors: tf.memory().numTensors,
});
model.dispose();
