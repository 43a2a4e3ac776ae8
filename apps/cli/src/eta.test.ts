import { describe, expect, it } from 'vitest';
import { formatEta, sweepEta } from './eta.ts';

const timing = (finishedUnits: number, finishedSeconds: number, runningSince: Record<string, number> = {}, concurrency = 2) => ({ concurrency, finishedUnits, finishedSeconds, runningSince });

describe('the sweep ETA, from finished units only', () => {
  it('gives no number before a unit has finished', () => {
    const eta = sweepEta(timing(0, 0, { a: 0, b: 0 }), 10, 60_000);
    expect(eta.seconds).toBeNull();
    expect(formatEta(eta)).toBe('ETA after the first unit finishes');
  });

  it('charges the mean per unit not started and the unused part of the mean per running unit, over the concurrency', () => {
    // 4 finished in 40 s: mean 10 s. 10 total: 2 running (started 4 s and 12 s ago), 4 not started.
    const now = 100_000;
    const eta = sweepEta(timing(4, 40, { a: now - 4_000, b: now - 12_000 }), 10, now);
    expect(eta.meanUnitSeconds).toBe(10);
    expect(eta.seconds).toBeCloseTo((4 * 10 + 6 + 0) / 2, 9);
    expect(formatEta(eta)).toBe('ETA 23s (mean 10.0s per unit, from 4 finished units)');
  });

  it('never grows while nothing finishes, and reaches the not-started part once running units pass the mean', () => {
    const start = 0;
    const at = (s: number) => sweepEta(timing(1, 30, { a: start, b: start }, 2), 6, s * 1000).seconds!;
    const samples = [0, 5, 10, 20, 30, 40, 300].map(at);
    for (let i = 1; i < samples.length; i++) expect(samples[i]).toBeLessThanOrEqual(samples[i - 1]!);
    expect(samples[0]).toBeCloseTo((3 * 30 + 60) / 2, 9);
    expect(samples.at(-1)).toBeCloseTo((3 * 30) / 2, 9);
  });

  it('uses only as many lanes as units are left', () => {
    expect(sweepEta(timing(9, 90, {}, 8), 10, 0).seconds).toBeCloseTo(10, 9);
    expect(sweepEta(timing(10, 90, {}, 8), 10, 0).seconds).toBe(0);
  });

  it('per kind of unit: each kind uses its own mean, and waits for a kind none of whose units has finished', () => {
    const now = 1_000_000;
    const kinds = (lora: [number, number], base: [number, number]) => ({ LoRA: { total: 1, finishedUnits: lora[0], finishedSeconds: lora[1] }, baseline: { total: 9, finishedUnits: base[0], finishedSeconds: base[1] } });
    // 4 baselines of 2 s finished, the LoRA unit running for 60 s: no LoRA unit has finished, so no number.
    const waiting = sweepEta({ concurrency: 2, finishedUnits: 4, finishedSeconds: 8, runningSince: { l: now - 60_000, b: now }, runningKind: { l: 'LoRA', b: 'baseline' }, kinds: kinds([0, 0], [4, 8]) }, 10, now);
    expect(waiting.seconds).toBeNull();
    expect(formatEta(waiting)).toBe('ETA after the first LoRA unit finishes');
    // LoRA finished in 600 s (a second seed's unit would take as long); baselines keep their 2 s mean.
    const t = { concurrency: 2, finishedUnits: 5, finishedSeconds: 608, runningSince: { b: now }, runningKind: { b: 'baseline' }, kinds: { ...kinds([1, 600], [4, 8]), LoRA: { total: 2, finishedUnits: 1, finishedSeconds: 600 } } };
    const eta = sweepEta(t, 11, now);
    expect(eta.seconds).toBeCloseTo((600 + 4 * 2 + 2) / 2, 9);
    expect(formatEta(eta)).toBe('ETA 305s (LoRA 600.0s, baseline 2.0s per unit, from 5 finished units)');
  });
});
