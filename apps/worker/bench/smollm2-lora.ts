/**
 * LoRA on SmolLM2-135M-Instruct (the default base model) with the worker's own code paths:
 * label-scoring accuracy on the OpenSOC-AI eval set before and after a bounded LoRA run on its
 * training set, for each label score ('sum', 'mean', 'calibrated'), plus load time, peak RSS and
 * training tokens/s.
 *
 *   pnpm bench smollm2-lora [--steps 40 | --epochs 1] [--eval 50] [--batch 4] [--rank 16] [--lr 2e-4] [--top N]
 *                           [--format opensoc-ai|chat] [--scorings sum,mean,calibrated] [--untuned 0|1] [--consistent 0|1] [--prefixes 0|1] [--backend wasm]
 *
 * --top N puts adapters on the last N layers only (frozen layers' outputs cached across epochs);
 * --consistent 1 scores technique and tactic only among the combinations training records carry.
 *
 * Data: ../shared/data/opensoc-ai (soc_train.json / soc_eval.json), imported with the platform's
 * importer. Accuracy is per field on the first --eval eval records (exact label match).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetRecord, PromptFormat } from '@opensoc/contracts';
import { importOpenSocAiRows } from '@opensoc/datasets';
import { findInstalledModel, initBackend, topLayers, Trainer, type BackendName } from '@opensoc/model';
import { SharedPrefixes, candidatesFrom, classifyByScoring, formatterOf, loadModelDir, trainingExample, type LabelScoring, type LoadedModel } from '../src/model-service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
};
const steps = Number(arg('steps', '40'));
const nEval = Number(arg('eval', '50'));
const batch = Number(arg('batch', '4'));
const rank = Number(arg('rank', '16'));
const lr = Number(arg('lr', '2e-4'));
const maxLen = Number(arg('max-len', '256'));
const format = arg('format', 'opensoc-ai') as PromptFormat;
const scorings = arg('scorings', 'sum,mean,calibrated').split(',').filter(Boolean) as LabelScoring[];
/** --untuned 0 skips the evaluation before training. */
const untuned = arg('untuned', '1') !== '0';
const backend = arg('backend', process.env.OPENSOC_TF_BACKEND ?? 'wasm') as BackendName;
const top = Number(arg('top', '0'));
const epochs = Number(arg('epochs', '0'));
const consistent = arg('consistent', '0') === '1';
/** --prefixes 0 recomputes the shared prompt prefix for every record (to measure what sharing saves). */
const sharePrefixes = arg('prefixes', '1') !== '0';

function records(file: string): DatasetRecord[] {
  const dataDir = path.resolve(REPO, '..', 'shared', 'data', 'opensoc-ai');
  const r = importOpenSocAiRows(JSON.parse(readFileSync(path.join(dataDir, file), 'utf8')), { displayName: file });
  if (r.errors.length) throw new Error(`${file}: ${r.errors.length} import errors, e.g. ${r.errors[0]!.message}`);
  return r.records;
}

type Field = 'threatCategory' | 'mitreTechnique' | 'mitreTactic' | 'severity';
const FIELDS: Field[] = ['threatCategory', 'mitreTechnique', 'mitreTactic', 'severity'];

function accuracy(m: LoadedModel, evalSet: DatasetRecord[], train: DatasetRecord[], scoring: LabelScoring) {
  if (evalSet.length === 0) return {};
  const c = candidatesFrom(train, { consistent });
  const hits = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  const t = performance.now();
  const prefixes = sharePrefixes ? new SharedPrefixes(m, format) : undefined; // as the worker scores: shared prompt prefixes computed once
  for (const r of evalSet) {
    const p = classifyByScoring(m, r.log, c, { maxSequenceLength: maxLen, format, scoring, prefixes });
    for (const f of FIELDS) if (p[f] === r[f]) hits[f]++;
  }
  prefixes?.dispose();
  const out: Record<string, number> = { secondsPerRecord: (performance.now() - t) / 1000 / evalSet.length };
  for (const f of FIELDS) out[f] = hits[f] / evalSet.length;
  return out;
}

const train = records('soc_train.json');
const evalSet = records('soc_eval.json').slice(0, nEval);
const file = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));
if (!file) throw new Error('SmolLM2-135M-Instruct is not installed: run bash infra/install-model.sh');
process.env.OPENSOC_TF_BACKEND = backend;
await initBackend(backend);
const t0 = performance.now();
const m = await loadModelDir(file);
const loadSeconds = (performance.now() - t0) / 1000;
const log = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
log({ bench: 'smollm2-lora', phase: 'loaded', backend, loadSeconds, rssBytes: process.memoryUsage().rss, peakRssBytes: process.resourceUsage().maxRSS * 1024 });

const before: Record<string, unknown> = {};
for (const s of untuned ? scorings : []) {
  before[s] = accuracy(m, evalSet, train, s);
  log({ phase: 'untuned', format, scoring: s, n: evalSet.length, ...(before[s] as object) });
}

if (steps === 0 && epochs === 0) process.exit(0);
const f = formatterOf(m, format);
const examples = train.map((r) => trainingExample(f, r, maxLen));
const trainer = new Trainer(m.model, examples, {
  tokenizer: f.tokenizer, mode: 'lora', seed: 1, ...(epochs > 0 ? { epochs } : { maxSteps: steps }), batchSize: batch, learningRate: lr, warmupRatio: 0.05, weightDecay: 0, maxSeqLen: maxLen,
  lora: { r: rank, alpha: 2 * rank, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], ...(top > 0 ? { layers: topLayers(m.model.config, top) } : {}) },
});
const totalSteps = trainer.totalSteps;
const tt = performance.now();
const losses: number[] = [];
for (let i = 0; i < totalSteps; i++) {
  const s = trainer.trainStep();
  losses.push(s.loss);
  if (i === 0 || (i + 1) % 10 === 0 || i === totalSteps - 1) log({ phase: 'train', step: s.step, loss: s.loss, tokensPerSecond: s.tokensPerSecond, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}
const trainSeconds = (performance.now() - tt) / 1000;
const realTokens = examples.reduce((a, e) => a + e.promptIds.length + e.responseIds.length, 0) / examples.length;
log({ phase: 'trained', steps: totalSteps, epochs: epochs || null, top: top || 'all', batch, rank, lr, trainSeconds, meanTokensPerExample: realTokens, approxTokensPerSecond: (totalSteps * batch * realTokens) / trainSeconds, firstLoss: losses[0], lastLoss: losses.at(-1) });

for (const s of scorings) log({ phase: 'tuned', format, scoring: s, consistent, n: evalSet.length, steps: totalSteps, ...accuracy(m, evalSet, train, s) });
log({ phase: 'done', peakRssBytes: process.resourceUsage().maxRSS * 1024 });
trainer.dispose();
m.model.dispose();
