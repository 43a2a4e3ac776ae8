/**
 * `pnpm bench tfidf [--records N] [--folds K] [--no-previous]`: TF-IDF + logistic regression
 * trained and evaluated fold by fold on the bundled corpus (default: all of it, 5 folds). Prints
 * seconds and threat-category accuracy, as ratios against the nearest-neighbour baseline and
 * the previous solver settings measured in the same run (the machine may be loaded).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetRecordSchema, type DatasetRecord } from '@opensoc/contracts';
import { majorityBaseline, nearestNeighbourBaseline, tfidfLogRegBaseline, type BaselineClassifier } from '../src/baselines.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const all = readFileSync(path.join(root, 'datasets/soc-corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => datasetRecordSchema.parse(JSON.parse(l)) as DatasetRecord);
const records = all.slice(0, opt('records', all.length));
const k = opt('folds', 5);
const folds = Array.from({ length: k }, (_, f) => records.filter((_, i) => i % k === f));

/**
 * Fits every candidate fold by fold, interleaved (fold 0 of each, then fold 1 of each, ...), so
 * a machine whose load changes during the run slows each of them alike and the ratios hold.
 */
function runInterleaved(candidates: readonly BaselineClassifier[]): { seconds: number; accuracy: number }[] {
  const out = candidates.map(() => ({ seconds: 0, right: 0 }));
  for (let f = 0; f < k; f++) {
    const train = folds.flatMap((x, j) => (j === f ? [] : x));
    const test = folds[f]!;
    candidates.forEach((b, c) => {
      const t0 = performance.now();
      const pred = b.fit(train).predict(test.map((r) => r.log));
      out[c]!.seconds += (performance.now() - t0) / 1000;
      pred.forEach((p, i) => { if (p.threatCategory === test[i]!.threatCategory) out[c]!.right++; });
    });
  }
  return out.map((o) => ({ seconds: o.seconds, accuracy: o.right / records.length }));
}

console.log(`${records.length} records, ${k} folds (train on ${k - 1}/${k}, predict the rest); threat-category accuracy; fits interleaved fold by fold`);
// The nearest-neighbour baseline shares the vectoriser, not the solver: the reference the TF-IDF
// fit is compared with (the majority baseline is too quick to time a loaded machine by). The
// previous solver settings (5 epochs, inverse step schedule) give the ratio against today's.
const names = ['majority', 'nearest-neighbour (reference)', 'tfidf-logreg', 'tfidf-logreg, previous solver'];
const candidates = [majorityBaseline, nearestNeighbourBaseline(), tfidfLogRegBaseline(), tfidfLogRegBaseline({ epochs: 5, initialStep: 0.5, schedule: 'inverse' })];
const results = runInterleaved(args.includes('--no-previous') ? candidates.slice(0, 3) : candidates);
const nn = results[1]!;
results.forEach((r, i) => console.log(`${names[i]!.padEnd(30)} ${r.seconds.toFixed(2)} s   accuracy ${(100 * r.accuracy).toFixed(1)}%   ${(r.seconds / k).toFixed(2)} s per fold, ${(r.seconds / nn.seconds).toFixed(2)}x nearest-neighbour`));
