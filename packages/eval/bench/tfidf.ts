/**
 * `pnpm bench tfidf [--records N] [--folds K] [--no-previous]`: TF-IDF + logistic regression (and the
 * nearest-neighbour baseline) trained and evaluated fold by fold on the bundled corpus.
 * Prints seconds per fold and the accuracy they reach, beside the majority baseline measured
 * in the same run as a reference for the machine's speed.
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

function run(b: BaselineClassifier): { seconds: number; accuracy: number } {
  const t0 = performance.now();
  let right = 0;
  for (let f = 0; f < k; f++) {
    const train = folds.flatMap((x, j) => (j === f ? [] : x));
    const test = folds[f]!;
    const pred = b.fit(train).predict(test.map((r) => r.log));
    pred.forEach((p, i) => { if (p.threatCategory === test[i]!.threatCategory) right++; });
  }
  return { seconds: (performance.now() - t0) / 1000, accuracy: right / records.length };
}

console.log(`${records.length} records, ${k} folds (train on ${k - 1}/${k}, predict the rest); threat-category accuracy`);
const ref = run(majorityBaseline);
console.log(`majority (reference)   ${ref.seconds.toFixed(2)} s   accuracy ${(100 * ref.accuracy).toFixed(1)}%`);
// The nearest-neighbour baseline shares the vectoriser, not the solver: its time is the reference
// the TF-IDF fit is compared with (the majority baseline is too quick to time a loaded machine by).
const nn = run(nearestNeighbourBaseline());
const line = (name: string, r: { seconds: number; accuracy: number }) =>
  console.log(`${name.padEnd(30)} ${r.seconds.toFixed(2)} s   accuracy ${(100 * r.accuracy).toFixed(1)}%   ${(r.seconds / k).toFixed(2)} s per fold, ${(r.seconds / nn.seconds).toFixed(2)}x nearest-neighbour`);
line('nearest-neighbour (reference)', nn);
line('tfidf-logreg', run(tfidfLogRegBaseline()));
// The previous defaults (5 epochs, inverse step schedule), for the ratio against today's.
if (!args.includes('--no-previous')) line('tfidf-logreg, previous solver', run(tfidfLogRegBaseline({ epochs: 5, initialStep: 0.5, schedule: 'inverse' })));
