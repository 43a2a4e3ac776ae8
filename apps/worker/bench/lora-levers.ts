/**
 * What each training lever buys on SmolLM2-135M-Instruct, measured in one process so the numbers
 * are ratios against a reference taken under the same load: LoRA on every layer (the study's
 * setting) vs LoRA on the top n layers (PEFT layers_to_transform), with and without caching the
 * frozen layers' outputs across epochs, and with and without length bucketing (padding waste).
 *
 *   pnpm bench lora-levers [--examples 48] [--epochs 2] [--top 8] [--batch 4] [--max-len 128] [--backend tensorflow]
 *
 * Prints one JSON line per configuration (seconds per epoch, tokens/s, first and last loss) and a
 * summary line with the speed-ups relative to every-layer LoRA.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetRecord } from '@opensoc/contracts';
import { importOpenSocAiRows } from '@opensoc/datasets';
import { detachLora, findInstalledModel, initBackend, topLayers, Trainer, type BackendName } from '@opensoc/model';
import { formatterOf, loadModelDir, trainingExample } from '../src/model-service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
};
const nExamples = Number(arg('examples', '48'));
const epochs = Number(arg('epochs', '2'));
const top = Number(arg('top', '8'));
const batch = Number(arg('batch', '4'));
const maxLen = Number(arg('max-len', '128'));
const backend = arg('backend', 'tensorflow') as BackendName;

const dataDir = path.resolve(REPO, '..', 'shared', 'data', 'opensoc-ai');
const imported = importOpenSocAiRows(JSON.parse(readFileSync(path.join(dataDir, 'soc_train.json'), 'utf8')), { displayName: 'soc_train.json' });
const train: DatasetRecord[] = imported.records.slice(0, nExamples);
const file = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));
if (!file) throw new Error('SmolLM2-135M-Instruct is not installed: run bash infra/install-model.sh');
await initBackend(backend);
const m = await loadModelDir(file);
const f = formatterOf(m, 'opensoc-ai');
const examples = train.map((r) => trainingExample(f, r, maxLen));
const tokens = examples.reduce((a, e) => a + e.promptIds.length + e.responseIds.length, 0);

interface Lever { name: string; layers?: number[]; cache?: boolean; bucketWindow?: number }
const levers: Lever[] = [
  { name: 'all layers (study setting)' },
  { name: 'all layers, no length bucketing', bucketWindow: 1 },
  { name: `top ${top} layers, no cache`, layers: topLayers(m.model.config, top), cache: false },
  { name: `top ${top} layers, frozen outputs cached`, layers: topLayers(m.model.config, top), cache: true },
];
// A few throwaway steps first, so the reference (measured first) does not pay for kernel set-up.
{
  const warm = new Trainer(m.model, examples.slice(0, 2 * batch), {
    tokenizer: f.tokenizer, mode: 'lora', seed: 1, epochs: 1, batchSize: batch, learningRate: 1e-3, maxSeqLen: maxLen,
    lora: { r: 16, alpha: 32, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
  });
  while (warm.step < warm.totalSteps) warm.trainStep();
  warm.dispose();
}
const results: { name: string; epochSeconds: number[] }[] = [];
for (const lever of levers) {
  detachLora(m.model);
  const trainer = new Trainer(m.model, examples, {
    tokenizer: f.tokenizer, mode: 'lora', seed: 1, epochs, batchSize: batch, learningRate: 1e-3, warmupRatio: 0.05, maxSeqLen: maxLen, cacheFrozenLayers: lever.cache, bucketWindow: lever.bucketWindow,
    lora: { r: 16, alpha: 32, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], ...(lever.layers ? { layers: lever.layers } : {}) },
  });
  const perEpoch = Math.ceil(examples.length / batch);
  const epochSeconds: number[] = [];
  const losses: number[] = [];
  let t = performance.now();
  while (trainer.step < trainer.totalSteps) {
    losses.push(trainer.trainStep().loss);
    if (trainer.step % perEpoch === 0) {
      epochSeconds.push((performance.now() - t) / 1000);
      t = performance.now();
    }
  }
  trainer.dispose();
  results.push({ name: lever.name, epochSeconds });
  console.log(JSON.stringify({ bench: 'lora-levers', lever: lever.name, examples: examples.length, tokens, epochSeconds, tokensPerSecondEpoch1: tokens / epochSeconds[0]!, firstLoss: losses[0], lastLoss: losses.at(-1), peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
}
const total = (r: { epochSeconds: number[] }) => r.epochSeconds.reduce((a, b) => a + b, 0);
const ref = results[0]!;
console.log(JSON.stringify({
  bench: 'lora-levers', summary: true, epochs, speedupVsAllLayers: Object.fromEntries(results.map((r) => [r.name, +(total(ref) / total(r)).toFixed(2)])),
  laterEpochSpeedup: Object.fromEntries(results.map((r) => [r.name, r.epochSeconds.length > 1 ? +(ref.epochSeconds.at(-1)! / r.epochSeconds.at(-1)!).toFixed(2) : null])),
}));
m.model.dispose();
