import { describe, expect, it } from 'vitest';
import { sweepSpecSchema } from './sweep.ts';
import { expandUnits, scheduleOrder, unitKind } from './units.ts';

describe('the order a sweep runs its units in', () => {
  it('runs the first unit of each kind first, then the rest as expanded, keeping every unit once', () => {
    const spec = sweepSpecSchema.parse({
      name: 's', dataset: 'd@latest', split: { kind: 'stratified-kfold', k: 3 },
      search: { kind: 'grid', grid: { ranks: [4, 8], alphas: [8] } }, baselines: ['majority', 'tfidf-logreg', 'base-model'],
    });
    const units = expandUnits(spec, 'sw', 3);
    const ordered = scheduleOrder(units);
    expect(ordered.slice(0, 3).map((u) => `${unitKind(u)} ${u.label}/f${u.fold}`)).toEqual(['LoRA r4-a8/f0', 'baseline baseline-majority/f0', 'base-model baseline-base-model/f0']);
    // The rest keep their expanded order.
    const firstIds = new Set(ordered.slice(0, 3).map((u) => u.unitId));
    expect(ordered.slice(3).map((u) => u.unitId)).toEqual(units.filter((u) => !firstIds.has(u.unitId)).map((u) => u.unitId));
    expect(new Set(ordered.map((u) => u.unitId)).size).toBe(units.length);
  });
});
