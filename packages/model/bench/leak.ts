/**
 * Tensor-leak soak: many LoRA training steps on a tiny model, checking tf.memory().numTensors and bytes stay flat.
 *   npx tsx packages/model/bench/leak.ts --steps 1000
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.ts';
import { LlamaForCausalLM } from '../src/llama.ts';
import { smallLlamaConfig } from '../src/model-types.ts';
import { train } from '../src/train.ts';
import { generate } from '../src/generate.ts';
import { byteTokenizer } from '../src/io/tokenizer.ts';
import { arg, report } from './common.ts';

const steps = Number(arg('steps', '1000'));
await initBackend(arg('backend', 'wasm') as 'wasm');
const tok = byteTokenizer();
const cfg = smallLlamaConfig({ vocabSize: tok.vocabSize, hiddenSize: 32, numAttentionHeads: 4, numKeyValueHeads: 2, numHiddenLayers: 1, maxPositionEmbeddings: 128 });
const model = LlamaForCausalLM.random(cfg, { seed: 0 });
const examples = Array.from({ length: 16 }, (_, i) => ({ instruction: 'Cls', input: `log line ${i}`, output: i % 2 ? 'SEV: LOW' : 'SEV: HIGH' }));
const samples: { step: number; numTensors: number; numBytes: number }[] = [];
const t = performance.now();
for await (const log of train(model, examples, { tokenizer: tok, lora: { r: 4, alpha: 8, dropout: 0.1 }, batchSize: 4, gradAccumSteps: 2, maxSteps: steps, seed: 0, checkpointEvery: 100 })) {
  if (log.step === 1 || log.step % 100 === 0) samples.push({ step: log.step, numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
}
const before = tf.memory().numTensors;
for (let i = 0; i < 20; i++) await generate(model, tok, ['### Instruction:\nCls\n\n### Input:\nx\n\n### Response:\n'], { maxNewTokens: 8 });
report({
  bench: 'leak-soak',
  steps,
  seconds: (performance.now() - t) / 1000,
  samples,
  flat: samples.every((s) => s.numTensors === samples[0].numTensors && s.numBytes === samples[0].numBytes),
  generationLeak: tf.memory().numTensors - before,
});
model.dispose();
