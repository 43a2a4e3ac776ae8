/**
 * `pnpm bench tfidf [--records N] [--folds K]`: TF-IDF + logistic regression (and the
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
for (const [name, b] of [['tfidf-logreg', tfidfLogRegBaseline()], ['nearest-neighbour', nearestNeighbourBaseline()]] as const) {
  const r = run(b);
  console.log(`${name.padEnd(22)} ${r.seconds.toFixed(2)} s   accuracy ${(100 * r.accuracy).toFixed(1)}%   ${(r.seconds / k).toFixed(2)} s per fold, ${(r.seconds / Math.max(1e-3, ref.seconds)).toFixed(0)}x the majority baseline`);
}
