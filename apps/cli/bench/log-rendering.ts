/**
 * `pnpm bench log-rendering [--train FILE] [--test FILE ...] [--baselines a,b] [--gguf MODEL.gguf]`:
 * the baselines in process on raw vs compact text (a sweep's `logRendering`), as the workers run
 * them: accuracy per task (no prediction counts as wrong), Sigma coverage, and the text's length
 * in characters and tokens (Llama-2 tokenizer, which splits digits; a GGUF model's with --gguf).
 * Without --test: template-grouped 5-fold CV on the training file; with it: train on all of the
 * training file, test on the test files (holdout). Files: dataset JSONL or OpenSOC-AI JSON arrays.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { TASKS, type DatasetRecord, type LogRendering, type Task } from '@opensoc/contracts';
import { importOpenSocAiFile, materializeSplit, readJsonlDataset, renderRecords } from '@opensoc/datasets';
import { answeredAccuracy, answerLogs, BASELINE_CLASSIFIERS, baselineRendering, type BaselineAnswer } from '@opensoc/eval';
import { inspectGgufModel, llama2Tokenizer } from '@opensoc/model';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    train: { type: 'string', default: path.join(repo, 'datasets/atomic-red-team/atomic-red-team.jsonl') },
    test: { type: 'string', multiple: true },
    baselines: { type: 'string', default: 'majority,keyword-rules,tfidf-logreg,nearest-neighbour,sigma-rules' },
    gguf: { type: 'string' },
  },
});

async function load(file: string): Promise<DatasetRecord[]> {
  if (file.endsWith('.jsonl')) return readJsonlDataset(file);
  const res = await importOpenSocAiFile(file);
  if (res.errors.length > 0) throw new Error(res.errors.map((e) => e.message).join('\n'));
  return res.records;
}

const train = await load(values.train);
const test = values.test ? (await Promise.all(values.test.map(load))).flat() : undefined;
const names = values.baselines.split(',') as (keyof typeof BASELINE_CLASSIFIERS)[];
for (const n of names) if (!(n in BASELINE_CLASSIFIERS)) throw new Error(`--baselines: unknown baseline ${n}`);
const tokenizer = values.gguf ? (await inspectGgufModel(values.gguf)).tokenizer : llama2Tokenizer();
const tokenizerName = values.gguf ? path.basename(values.gguf) : 'Llama-2';

/** Every evaluated record's answer: out-of-fold (CV) or from one fit on all of train (holdout). */
function answers(name: keyof typeof BASELINE_CLASSIFIERS, rendering: LogRendering): { records: DatasetRecord[]; answers: BaselineAnswer[] } {
  const r = baselineRendering(name, rendering);
  const fitPredict = (tr: readonly DatasetRecord[], te: readonly DatasetRecord[]) =>
    answerLogs(BASELINE_CLASSIFIERS[name]().fit(renderRecords(tr, r)), renderRecords(te, r).map((x) => x.log));
  if (test) return { records: test, answers: fitPredict(train, test) };
  const { manifest } = materializeSplit(train, { kind: 'template-grouped-kfold', k: 5, seed: 1 });
  const byId = new Map(train.map((x) => [x.id, x]));
  const records: DatasetRecord[] = [];
  const out: BaselineAnswer[] = [];
  for (const fold of manifest.folds) {
    const te = fold.testIds.map((id) => byId.get(id)!);
    records.push(...te);
    out.push(...fitPredict(fold.trainIds.map((id) => byId.get(id)!), te));
  }
  return { records, answers: out };
}

function accuracy(records: readonly DatasetRecord[], predicted: readonly BaselineAnswer[], task: Task): string {
  const { correct, n } = answeredAccuracy(records, predicted.map((a) => ('labels' in a ? a.labels : undefined)), task);
  return n === 0 ? '-' : `${((100 * correct) / n).toFixed(1)}%`;
}

const evaluated = test ?? train;
console.log(`train: ${path.basename(values.train)} (${train.length} records); ${test ? `holdout test: ${values.test!.map((f) => path.basename(f)).join(' + ')} (${test.length} records)` : 'template-grouped 5-fold CV'}`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const rendering of ['raw', 'compact'] as const) {
  const texts = renderRecords(evaluated, rendering).map((r) => r.log);
  const tokens = texts.map((t) => tokenizer.encode(t).length);
  const chars = texts.map((t) => t.length);
  console.log(`\n## ${rendering}: text of the evaluated records: chars mean ${mean(chars).toFixed(0)} / median ${median(chars)}; ${tokenizerName} tokens mean ${mean(tokens).toFixed(0)} / median ${median(tokens)}; over 256 tokens: ${((100 * tokens.filter((t) => t > 256).length) / tokens.length).toFixed(1)}%`);
  console.log(['baseline', ...TASKS, 'coverage', 'seconds'].join(' | '));
  for (const name of names) {
    const t0 = performance.now();
    const { records, answers: a } = answers(name, rendering);
    const answered = a.filter((x) => 'labels' in x).length;
    const cov = answered === a.length ? '-' : `${((100 * answered) / a.length).toFixed(1)}%`;
    const note = baselineRendering(name, rendering) !== rendering ? ' (raw events)' : '';
    console.log([`${name}${note}`, ...TASKS.map((t) => accuracy(records, a, t)), cov, ((performance.now() - t0) / 1000).toFixed(1)].join(' | '));
  }
}
