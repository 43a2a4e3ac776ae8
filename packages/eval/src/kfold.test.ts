import { describe, expect, it } from 'vitest';
import type { DatasetRecord, Fold, Prediction } from '@opensoc/contracts';
import { recordLabels } from './format.ts';
import { compareFoldScores, compareTask, evaluateKFold, meanSd, pairPredictions, poolOutOfFold } from './kfold.ts';

const SEVS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const records: DatasetRecord[] = Array.from({ length: 12 }, (_, i) => ({
  id: `r${String(i).padStart(2, '0')}`,
  log: `log ${i}`,
  source: 'sshd',
  threatCategory: i % 3 === 0 ? 'benign' : 'brute-force',
  threatType: 'x',
  mitreTechnique: i % 3 === 0 ? null : 'T1110.001',
  mitreTactic: i % 3 === 0 ? null : 'credential-access',
  severity: SEVS[i % 4]!,
  provenance: { origin: 'manual', tool: 'test' },
}));
const folds: Fold[] = [0, 1, 2].map((k) => ({ index: k, testIds: records.filter((_, i) => i % 3 === k).map((r) => r.id).sort(), trainIds: records.filter((_, i) => i % 3 !== k).map((r) => r.id).sort() }));
const foldOf = (id: string) => folds.find((f) => f.testIds.includes(id))!.index;

/** Perfect predictions except where `wrong(i)`, which predict brute-force / T1110 / HIGH. */
function predictions(wrong: (i: number) => boolean, mode: Prediction['mode'] = 'baseline'): Prediction[] {
  return records.map((r, i) => ({
    recordId: r.id,
    fold: foldOf(r.id),
    mode,
    predicted: wrong(i) ? { threatCategory: 'brute-force', mitreTechnique: 'T1110', mitreTactic: 'credential-access', severity: 'HIGH' } : { ...recordLabels(r) },
  }));
}

describe('poolOutOfFold', () => {
  it('pools one prediction per record and derives the technique parent when absent', () => {
    const pooled = poolOutOfFold(records, predictions((i) => i === 1), folds);
    expect(pooled.recordIds).toEqual(records.map((r) => r.id));
    expect(pooled.predicted[1]!.mitreTechniqueParent).toBe('T1110');
    expect(pooled.failures.every((f) => Object.keys(f).length === 0)).toBe(true);
  });
  it('refuses duplicates, unknown records, missing records and wrong folds', () => {
    const p = predictions(() => false);
    expect(() => poolOutOfFold(records, [...p, p[0]!], folds)).toThrow(/more than once/);
    expect(() => poolOutOfFold(records, p.slice(1), folds)).toThrow(/no out-of-fold prediction/);
    expect(() => poolOutOfFold(records, [...p, { ...p[0]!, recordId: 'zz' }])).toThrow(/unknown record/);
    expect(() => poolOutOfFold(records, p.map((x, i) => (i === 2 ? { ...x, fold: (x.fold + 1) % 3 } : x)), folds)).toThrow(/test record of fold/);
  });
  it('marks tasks absent from a prediction as missing parse failures', () => {
    const p = predictions(() => false);
    p[0] = { ...p[0]!, predicted: { threatCategory: 'benign' }, failures: { severity: 'unrecognized' } };
    const pooled = poolOutOfFold(records, p);
    expect(pooled.failures[0]).toMatchObject({ severity: 'unrecognized', mitreTactic: 'missing', mitreTechnique: 'missing' });
  });
});

describe('evaluateKFold', () => {
  it('gives pooled metrics and per-fold mean and spread', () => {
    // Records 3 and 6 are benign test records of fold 0 (0, 3, 6, 9): fold accuracies 0.5, 1, 1.
    const pooled = poolOutOfFold(records, predictions((i) => i === 3 || i === 6), folds);
    const ev = evaluateKFold(pooled, { bootstrap: false });
    const cat = ev.pooled.find((m) => m.task === 'threatCategory')!;
    expect(cat.accuracy).toBeCloseTo(10 / 12, 12);
    const s = ev.foldSummary.find((f) => f.task === 'threatCategory')!;
    expect(s.accuracy.values).toEqual([0.5, 1, 1]);
    expect(s.accuracy.mean).toBeCloseTo(5 / 6, 12);
    expect(s.accuracy.sd).toBeCloseTo(meanSd([0.5, 1, 1]).sd, 12);
    expect(ev.perFold.map((f) => f.metrics[0]!.confusion.labels)).toEqual([cat.confusion.labels, cat.confusion.labels, cat.confusion.labels]);
  });
  it('computes sample standard deviation', () => {
    expect(meanSd([1, 2, 3, 4])).toMatchObject({ mean: 2.5, sd: Math.sqrt(5 / 3) });
    expect(meanSd([0.7]).sd).toBe(0);
  });
});

describe('pairing and comparison', () => {
  it('pairs by record id and compares with McNemar and a paired bootstrap', () => {
    const a = poolOutOfFold(records, predictions(() => false));
    const b = poolOutOfFold(records, [...predictions((i) => i % 3 === 0)].reverse());
    const cmp = compareTask(pairPredictions(a, b), 'threatCategory', { iterations: 200, seed: 1 });
    expect([cmp.mcnemar.b, cmp.mcnemar.c]).toEqual([4, 0]);
    expect(cmp.mcnemar.exactP).toBeCloseTo(0.125, 12);
    expect(cmp.pairedBootstrap.difference).toBeGreaterThan(0);
  });
  it('runs the corrected t-test on per-fold scores', () => {
    const severity = (wrong: (i: number) => boolean) => evaluateKFold(poolOutOfFold(records, predictions(wrong), folds), { bootstrap: false }).foldSummary.find((f) => f.task === 'severity')!;
    const a = severity(() => false);
    // Wrong predictions say HIGH: record 3 (CRITICAL, fold 0) and record 1 (MEDIUM, fold 1) become errors.
    const b = severity((i) => i === 3 || i === 1);
    const r = compareFoldScores(a, b, 'accuracy', 8, 4);
    // Differences per fold: 0.25, 0.25, 0 -> mean 1/6, sd 0.1443, se = sqrt((1/3 + 1/2) * var).
    expect(r.meanDifference).toBeCloseTo(1 / 6, 12);
    expect(r.t).toBeCloseTo(1 / 6 / Math.sqrt((1 / 3 + 0.5) * (1 / 48)), 10);
    expect(r.df).toBe(2);
  });
  it('refuses configurations evaluated on different records', () => {
    const a = poolOutOfFold(records, predictions(() => false));
    const b = poolOutOfFold(records.slice(1), predictions(() => false).slice(1));
    expect(() => pairPredictions(a, b)).toThrow(/same records/);
  });
});

describe('partial labels in k-fold evaluation', () => {
  it('gives each task its own n: records without a severity are not scored on it', () => {
    const partial = records.map((r, i) => (i < 4 ? { ...r, severity: null, unknownLabels: { severity: 'not labelled' } } : r));
    const ev = evaluateKFold(poolOutOfFold(partial, predictions(() => false), folds), { bootstrap: false });
    expect(ev.pooled.find((m) => m.task === 'severity')!.n).toBe(8);
    expect(ev.pooled.find((m) => m.task === 'threatCategory')!.n).toBe(12);
    expect(ev.pooled.every((m) => m.accuracy === 1)).toBe(true);
    expect(ev.perFold.reduce((s, f) => s + f.metrics.find((m) => m.task === 'severity')!.n, 0)).toBe(8);
  });
});
