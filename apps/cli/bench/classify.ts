/**
 * `pnpm bench classify [records]`: records/s of `opensoc classify`'s labelling loop (label scoring
 * with consistent candidates) on the demo's model size (hidden 64, 2 layers, Llama-2 tokenizer),
 * with unconstrained scoring measured in the same run as the reference. Weights are random: speed
 * does not depend on them. Model loading and the platform are left out (they are once per command).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetRecord } from '@opensoc/contracts';
import { llama2Tokenizer, LlamaForCausalLM, smallLlamaConfig } from '@opensoc/model';
import { candidatesFrom, classifyByScoring, ensureBackend } from '@opensoc/worker';

const n = Number(process.argv[2] ?? 40);
const corpus = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets/soc-corpus.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as DatasetRecord);
const backend = await ensureBackend();
const tokenizer = llama2Tokenizer();
const model = LlamaForCausalLM.random(smallLlamaConfig({
  vocabSize: tokenizer.vocabSize, hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, intermediateSize: 172,
  maxPositionEmbeddings: 128, tieWordEmbeddings: true, bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId,
}), { seed: 1 });
const m = { model, tokenizer, dir: '', chatTemplate: null, addBos: true };
const train = corpus.filter((_, i) => i % 5 !== 0);
const logs = corpus.filter((_, i) => i % 5 === 0).slice(0, n).map((r) => r.log);
const rate = (label: string, c: ReturnType<typeof candidatesFrom>) => {
  classifyByScoring(m, logs[0]!, c, 128); // warm-up
  const t0 = performance.now();
  for (const log of logs) classifyByScoring(m, log, c, 128);
  const perSecond = logs.length / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(34)} ${perSecond.toFixed(2)} records/s`);
  return perSecond;
};
console.log(`classify bench: ${logs.length} corpus logs, backend ${backend}, ${train.length} training records for candidates`);
const free = rate('unconstrained scoring (reference)', candidatesFrom(train));
const consistent = rate('consistent candidates (classify)', candidatesFrom(train, { consistent: true }));
console.log(`ratio consistent / reference: ${(consistent / free).toFixed(2)}`);
model.dispose();
