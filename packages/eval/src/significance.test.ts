import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTask, macroF1 } from './metrics.ts';
import {
  MCNEMAR_EXACT_BELOW,
  benjaminiHochbergAdjust,
  cochranQ,
  correctedResampledTTest,
  holmAdjust,
  mcnemarFromCounts,
  mcnemarTest,
  pairedBootstrapMacroF1,
} from './significance.ts';
import { betaInc, chiSquareSf, normalQuantile, studentTCdf } from './special.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'));

/** |actual - expected| <= rel * |expected| (+ a tiny absolute floor for values that are 0). */
function expectClose(actual: number, expected: number, rel: number, abs = 1e-300) {
  expect(Math.abs(actual - expected), `actual ${actual} expected ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

describe('McNemar against statsmodels/scipy', () => {
  for (const r of ref.mcnemar as { b: number; c: number; exactP: number; log10ExactP: number; midP: number; chiSquare: number; chiSquareP: number }[]) {
    it(`b=${r.b} c=${r.c}`, () => {
      const m = mcnemarFromCounts(r.b, r.c);
      expectClose(m.exactP, r.exactP, 1e-9);
      expectClose(m.log10ExactP, r.log10ExactP, 1e-9, 1e-12);
      expectClose(m.midP, r.midP, 1e-9);
      expectClose(m.chiSquare, r.chiSquare, 1e-12);
      expectClose(m.chiSquareP, r.chiSquareP, 1e-9);
    });
  }
  it('handles zero discordant pairs', () => {
    expect(mcnemarFromCounts(0, 0)).toMatchObject({ exactP: 1, midP: 1, chiSquare: 0, chiSquareP: 1, p: 1, recommended: 'exact' });
  });
  it('reports exact below the threshold and chi-square at or above it', () => {
    expect(mcnemarFromCounts(3, MCNEMAR_EXACT_BELOW - 4).recommended).toBe('exact');
    const m = mcnemarFromCounts(3, MCNEMAR_EXACT_BELOW - 3);
    expect(m.recommended).toBe('chi-square');
    expect(m.p).toBe(m.chiSquareP);
  });
  it('counts discordant pairs from correctness vectors', () => {
    const m = mcnemarTest([true, true, false, false, true], [false, true, true, false, false]);
    expect([m.b, m.c]).toEqual([2, 1]);
    expect(() => mcnemarTest([true], [])).toThrow();
  });
  it('is fast for n in the millions', () => {
    const t0 = performance.now();
    mcnemarFromCounts(4_999_000, 5_001_000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it('is symmetric and stays in [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.nat(5000), (b, c) => {
        const x = mcnemarFromCounts(b, c);
        const y = mcnemarFromCounts(c, b);
        expect(x.exactP).toBe(y.exactP);
        expect(x.midP).toBe(y.midP);
        expect(x.chiSquareP).toBe(y.chiSquareP);
        for (const p of [x.exactP, x.midP, x.chiSquareP]) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
        expect(x.midP).toBeLessThanOrEqual(x.exactP);
      }),
    );
  });
});

describe("Cochran's Q against statsmodels", () => {
  for (const [i, r] of (ref.cochranQ as { correct: boolean[][]; q: number; df: number; p: number }[]).entries()) {
    it(`case ${i}`, () => {
      const res = cochranQ(r.correct);
      expectClose(res.q, r.q, 1e-10);
      expect(res.df).toBe(r.df);
      expectClose(res.p, r.p, 1e-9);
    });
  }
  it('returns p = 1 when every record is all-right or all-wrong', () => {
    expect(cochranQ([[true, false], [true, false], [true, false]])).toEqual({ q: 0, df: 2, p: 1 });
  });
  it('reduces to uncorrected McNemar for two classifiers', () => {
    const a = [true, true, true, false, false, true, true, false];
    const b = [false, false, true, false, true, false, false, false];
    const m = mcnemarTest(a, b);
    expectClose(cochranQ([a, b]).q, (m.b - m.c) ** 2 / (m.b + m.c), 1e-12);
  });
});

describe('multiple-comparison adjustments against statsmodels', () => {
  for (const [i, r] of (ref.adjust as { p: number[]; holm: number[]; bh: number[] }[]).entries()) {
    it(`case ${i}`, () => {
      holmAdjust(r.p).forEach((v, j) => expectClose(v, r.holm[j]!, 1e-12));
      benjaminiHochbergAdjust(r.p).forEach((v, j) => expectClose(v, r.bh[j]!, 1e-12));
    });
  }
  it('rejects p-values outside [0, 1]', () => {
    expect(() => holmAdjust([0.1, NaN])).toThrow(RangeError);
    expect(() => benjaminiHochbergAdjust([1.5])).toThrow(RangeError);
    expect(holmAdjust([])).toEqual([]);
  });
  it('Holm is never below the raw p; BH is monotone in the raw p (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), (p) => {
        const holm = holmAdjust(p);
        const bh = benjaminiHochbergAdjust(p);
        p.forEach((v, i) => {
          expect(holm[i]).toBeGreaterThanOrEqual(v);
          expect(holm[i]).toBeLessThanOrEqual(1);
          expect(bh[i]).toBeGreaterThanOrEqual(v);
          expect(bh[i]).toBeLessThanOrEqual(holm[i]!);
        });
        for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) if (p[i]! <= p[j]!) expect(bh[i]).toBeLessThanOrEqual(bh[j]!);
      }),
    );
  });
});

describe('Nadeau–Bengio corrected resampled t-test against scipy', () => {
  for (const [i, r] of (ref.correctedTTest as { a: number[]; b: number[]; nTrain: number; nTest: number; t: number; df: number; p: number }[]).entries()) {
    it(`case ${i}`, () => {
      const res = correctedResampledTTest(r.a, r.b, r.nTrain, r.nTest);
      expectClose(res.t, r.t, 1e-10);
      expect(res.df).toBe(r.df);
      expectClose(res.p, r.p, 1e-9);
    });
  }
  it('handles zero variance', () => {
    expect(correctedResampledTTest([0.5, 0.5], [0.5, 0.5], 10, 10).p).toBe(1);
    expect(correctedResampledTTest([0.6, 0.6], [0.5, 0.5], 10, 10).p).toBe(0);
    expect(() => correctedResampledTTest([0.5], [0.4], 10, 10)).toThrow();
  });
});

describe('special functions against scipy', () => {
  it('Student t CDF', () => ref.studentT.forEach((r: { t: number; df: number; cdf: number }) => expectClose(studentTCdf(r.t, r.df), r.cdf, 1e-9)));
  it('chi-square survival', () => ref.chiSquareSf.forEach((r: { x: number; df: number; sf: number }) => expectClose(chiSquareSf(r.x, r.df), r.sf, 1e-9)));
  it('normal quantile', () => ref.normalQuantile.forEach((r: { p: number; z: number }) => expectClose(normalQuantile(r.p), r.z, 1e-9, 1e-12)));
  it('regularized incomplete beta', () => ref.betaInc.forEach((r: { x: number; a: number; b: number; value: number }) => expectClose(betaInc(r.x, r.a, r.b), r.value, 1e-9)));
});

describe('paired bootstrap of macro-F1 differences', () => {
  const gold = Array.from({ length: 200 }, (_, i) => ['a', 'b', 'c'][i % 3]!);
  const good = gold.map((g, i) => (i % 10 === 0 ? 'a' : g));
  const bad = gold.map((g, i) => (i % 3 === 0 ? 'b' : g));
  const labels = ['a', 'b', 'c'];
  it('detects a real difference and is seeded', () => {
    const a = encodeTask({ gold, predicted: good }, labels);
    const b = encodeTask({ gold, predicted: bad }, labels);
    const r = pairedBootstrapMacroF1(a, b, { iterations: 500, seed: 7 });
    expect(r.difference).toBeCloseTo(macroF1(a) - macroF1(b), 12);
    expect(r.low).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(0.01);
    expect(pairedBootstrapMacroF1(a, b, { iterations: 500, seed: 7 })).toEqual(r);
  });
  it('gives p = 1 and a zero-width interval for identical predictions', () => {
    const a = encodeTask({ gold, predicted: good }, labels);
    const r = pairedBootstrapMacroF1(a, a, { iterations: 200 });
    expect(r).toMatchObject({ difference: 0, low: 0, high: 0, p: 1 });
  });
  it('refuses unpaired records', () => {
    const a = encodeTask({ gold, predicted: good }, labels);
    const b = encodeTask({ gold: [...gold].reverse(), predicted: good }, labels);
    expect(() => pairedBootstrapMacroF1(a, b)).toThrow(/not paired/);
  });
});
