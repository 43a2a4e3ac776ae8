import { describe, expect, it } from 'vitest';
import { sweepSpecSchema } from './sweep.ts';
import { expandUnits } from './units.ts';

const spec = (extra: Record<string, unknown>) =>
  sweepSpecSchema.parse({
    name: 's', dataset: 'd@latest', split: { kind: 'stratified-kfold', k: 2 },
    search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } }, baselines: ['majority', 'sigma-rules'], ...extra,
  });

describe('logRendering in sweep specs', () => {
  it('defaults to raw, leaving units as they were', () => {
    const s = spec({});
    expect(s.logRendering).toBe('raw');
    expect(expandUnits(s, 'sw', 2).every((u) => u.logRendering === undefined)).toBe(true);
  });

  it('carries compact to every unit, LoRA and baselines alike, and rejects other values', () => {
    const units = expandUnits(spec({ logRendering: 'compact' }), 'sw', 2);
    expect(units).toHaveLength(6);
    expect(units.map((u) => u.logRendering)).toEqual(Array(6).fill('compact'));
    expect(() => spec({ logRendering: 'short' })).toThrow();
  });
});
