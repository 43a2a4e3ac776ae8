import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { taskMetricsSchema } from '@opensoc/contracts';
import { bootstrapInterval, newcombeDifference, wilsonInterval } from './intervals.ts';
import { NA_LABEL, UNPARSED_LABEL, accuracyOf, computeTaskMetrics, encodeTask, isCorrect, macroF1, taskDataFromSets } from './metrics.ts';
import { mulberry32 } from './prng.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'));

describe('metrics against scikit-learn', () => {
  for (const [i, r] of (ref.classification as { gold: string[]; predicted: string[]; labels: string[]; accuracy: number; macroF1: number; microF1: number; weightedF1: number; precision: number[]; recall: number[]; f1: number[]; support: number[]; confusion: number[][] }[]).entries()) {
    it(`case ${i}`, () => {
      const m = computeTaskMetrics('threatCategory', { gold: r.gold, predicted: r.predicted }, { bootstrap: false });
      expect(taskMetricsSchema.parse(m)).toEqual(m);
      expect(m.confusion.labels).toEqual(r.labels);
      expect(m.confusion.matrix).toEqual(r.confusion);
      expect(m.accuracy).toBeCloseTo(r.accuracy, 12);
      expect(m.macroF1).toBeCloseTo(r.macroF1, 12);
      expect(m.microF1).toBeCloseTo(r.microF1, 12);
      expect(m.weightedF1).toBeCloseTo(r.weightedF1, 12);
      m.perClass.forEach((c, j) => {
        expect(c.label).toBe(r.labels[j]);
        expect(c.precision).toBeCloseTo(r.precision[j]!, 12);
        expect(c.recall).toBeCloseTo(r.recall[j]!, 12);
        expect(c.f1).toBeCloseTo(r.f1[j]!, 12);
        expect(c.support).toBe(r.support[j]);
      });
    });
  }
});

describe('computeTaskMetrics', () => {
  it('counts parse failures apart and never as a class', () => {
    const m = computeTaskMetrics(
      'mitreTechnique',
      { gold: ['T1190', 'T1190', null, 'T1110'], predicted: ['T1190', null, null, null], failed: [false, true, false, true] },
      { bootstrap: false },
    );
    expect(m.parseFailures).toBe(2);
    expect(m.accuracy).toBe(0.5);
    expect(m.perClass.map((c) => c.label)).toEqual(['T1110', 'T1190', NA_LABEL]);
    expect(m.confusion.labels).toEqual(['T1110', 'T1190', NA_LABEL, UNPARSED_LABEL]);
    expect(m.confusion.matrix[0]).toEqual([0, 0, 0, 1]);
    // micro precision 2/2, micro recall 2/4.
    expect(m.microF1).toBeCloseTo(2 / 3, 12);
  });
  it('computes severity MAE in levels over parsed predictions, with severity order', () => {
    const m = computeTaskMetrics('severity', { gold: ['LOW', 'CRITICAL', 'HIGH', 'MEDIUM'], predicted: ['HIGH', 'CRITICAL', 'MEDIUM', null], failed: [false, false, false, true] }, { bootstrap: false });
    expect(m.meanAbsoluteError).toBeCloseTo(1, 12);
    expect(m.perClass.map((c) => c.label)).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
  });
  it('adds a seeded bootstrap interval for macro-F1', () => {
    const gold = Array.from({ length: 120 }, (_, i) => `c${i % 4}`);
    const predicted = gold.map((g, i) => (i % 5 === 0 ? 'c0' : g));
    const a = computeTaskMetrics('threatCategory', { gold, predicted }, { bootstrap: { iterations: 300, seed: 3 } });
    const b = computeTaskMetrics('threatCategory', { gold, predicted }, { bootstrap: { iterations: 300, seed: 3 } });
    expect(a.macroF1Interval).toEqual(b.macroF1Interval);
    expect(a.macroF1Interval!.low).toBeLessThanOrEqual(a.macroF1);
    expect(a.macroF1Interval!.high).toBeGreaterThanOrEqual(a.macroF1);
    expect(a.macroF1Interval!.method).toBe('bootstrap');
  });
  it('rejects misaligned input and labels outside a fixed label set', () => {
    expect(() => computeTaskMetrics('severity', { gold: ['LOW'], predicted: [] })).toThrow();
    expect(() => encodeTask({ gold: ['a'], predicted: ['b'] }, ['a'])).toThrow(/not in the label set/);
  });
  it('keeps macro-F1 and accuracy within [0, 1] (property)', () => {
    const label = fc.constantFrom('a', 'b', 'c', null);
    fc.assert(
      fc.property(fc.array(fc.tuple(label, label, fc.boolean()), { minLength: 1, maxLength: 60 }), (rows) => {
        const e = encodeTask({ gold: rows.map((r) => r[0]), predicted: rows.map((r) => r[1]), failed: rows.map((r) => r[2]) });
        for (const v of [macroF1(e), accuracyOf(e)]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('intervals', () => {
  it('Wilson matches statsmodels', () => {
    for (const r of ref.wilson as { successes: number; n: number; level: number; low: number; high: number }[]) {
      const w = wilsonInterval(r.successes, r.n, r.level);
      expect(w.low).toBeCloseTo(r.low, 10);
      expect(w.high).toBeCloseTo(r.high, 10);
    }
    expect(wilsonInterval(0, 0)).toMatchObject({ low: 0, high: 1 });
  });
  it("Newcombe's hybrid score interval for a difference of proportions matches his worked examples", () => {
    // Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    const a = newcombeDifference(56, 70, 48, 80);
    expect(a.difference).toBeCloseTo(0.2, 10);
    expect(a.low).toBeCloseTo(0.0524, 4);
    expect(a.high).toBeCloseTo(0.3339, 4);
    const b = newcombeDifference(9, 10, 3, 10);
    expect(b.low).toBeCloseTo(0.1705, 4);
    expect(b.high).toBeCloseTo(0.8090, 4);
  });
  it('percentile bootstrap is seeded and covers the mean of a large sample', () => {
    const rng = mulberry32(11);
    const xs = Array.from({ length: 400 }, () => rng());
    const mean = (idx: Int32Array) => idx.reduce((s, i) => s + xs[i]!, 0) / idx.length;
    const a = bootstrapInterval(xs.length, mean, { seed: 5, iterations: 400 });
    expect(bootstrapInterval(xs.length, mean, { seed: 5, iterations: 400 })).toEqual(a);
    expect(bootstrapInterval(xs.length, mean, { seed: 6, iterations: 400 })).not.toEqual(a);
    expect(a.low).toBeLessThan(0.5);
    expect(a.high).toBeGreaterThan(0.5);
    // Standard error of a uniform mean is 0.2887/sqrt(400) = 0.0144; a 95% interval is ~0.057 wide.
    expect(a.high - a.low).toBeGreaterThan(0.04);
    expect(a.high - a.low).toBeLessThan(0.075);
  });
});

describe('partial and multi-label gold', () => {
  // r0: two techniques, r1: one, r2: not labelled for the task (left out), r3: one, parse failure.
  const gold = [['T1110.001', 'T1078'], ['T1190'], undefined, ['T1059.001']];
  const predicted = ['T1078', 'T1190', 'T1190', 'T1059.001'];
  const failed = [false, false, false, true];
  it('scores only labelled records, any-match for accuracy and exact-set beside it', () => {
    const data = taskDataFromSets(gold, predicted, failed);
    expect(data.positions).toEqual([0, 1, 3]);
    expect(data.correct).toEqual([true, true, false]);
    const m = computeTaskMetrics('mitreTechnique', data, { bootstrap: false });
    expect(m.n).toBe(3);
    expect(m.accuracy).toBeCloseTo(2 / 3);
    // r0's single prediction cannot equal its two-label set.
    expect(m.exactSetAccuracy).toBeCloseTo(1 / 3);
    expect(m.parseFailures).toBe(1);
    expect(isCorrect(['T1110.001', 'T1078'], 'T1110.001', false)).toBe(true);
    expect(isCorrect([null], null, false)).toBe(true);
    expect(computeTaskMetrics('severity', taskDataFromSets([['LOW']], ['LOW'], [false]), { bootstrap: false }).exactSetAccuracy).toBeUndefined();
  });
});
