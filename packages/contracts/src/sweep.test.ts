import { describe, expect, it } from 'vitest';
import { cvSplitSpec, designFoldCount, evaluationFromSplit } from './split.ts';
import { evaluationOf, sweepSpecSchema, trainingDatasetOf, type SweepSpecInput } from './sweep.ts';
import { expandUnits, unitsNeedBaseModel } from './units.ts';

const base: SweepSpecInput = {
  name: 's',
  dataset: 'corpus@latest',
  evaluation: { kind: 'cv' },
  baseModel: { kind: 'pretrain' },
  search: { kind: 'grid', grid: { ranks: [], alphas: [1] } },
  baselines: ['majority'],
};
const issues = (input: unknown) => {
  const r = sweepSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('evaluation designs in the sweep spec', () => {
  it('cv defaults to 5 template-grouped folds and keeps the split kinds k-fold specs always had', () => {
    const spec = sweepSpecSchema.parse(base);
    expect(evaluationOf(spec)).toEqual({ kind: 'cv', k: 5, strategy: 'template-grouped', seed: 1 });
    expect(cvSplitSpec({ kind: 'cv', k: 3, strategy: 'stratified', seed: 7 })).toEqual({ kind: 'stratified-kfold', k: 3, seed: 7 });
    expect(cvSplitSpec({ kind: 'cv', k: 3, strategy: 'by-source', seed: 7 }).kind).toBe('source-grouped-kfold');
    expect(cvSplitSpec({ kind: 'cv', k: 3, strategy: 'random', seed: 7 }).kind).toBe('random-kfold');
    expect(designFoldCount(evaluationOf(spec))).toBe(5);
  });

  it('reads the legacy split field as a design, and rejects both at once or neither', () => {
    const legacy = sweepSpecSchema.parse({ ...base, evaluation: undefined, split: { kind: 'template-grouped-kfold', k: 3, seed: 7 } });
    expect(evaluationOf(legacy)).toEqual({ kind: 'cv', k: 3, strategy: 'template-grouped', seed: 7 });
    expect(evaluationFromSplit({ kind: 'leave-sources-out', testSources: ['dns'], seed: 1 })).toEqual({ kind: 'fixed', testSources: ['dns'] });
    expect(issues({ ...base, split: { kind: 'stratified-kfold', k: 3 } })).toEqual(['split: give evaluation or the legacy split, not both']);
    expect(issues({ ...base, evaluation: undefined })).toEqual([expect.stringMatching(/^evaluation: is required/)]);
  });

  it('migrates extraEvalSets with a clear error pointing at holdout designs', () => {
    expect(issues({ ...base, extraEvalSets: ['other@latest'] })).toEqual([expect.stringMatching(/^extraEvalSets: extraEvalSets was removed: .*kind: holdout, testOn/)]);
    expect(issues({ ...base, extraEvalSets: [] })).toEqual([]);
  });

  it('holdout: trainOn is a dataset ref or a filter; the training dataset is named once', () => {
    const byRef = sweepSpecSchema.parse({ ...base, dataset: undefined, evaluation: { kind: 'holdout', trainOn: 'study@latest', testOn: 'real@latest' } });
    expect(trainingDatasetOf(byRef)).toBe('study@latest');
    expect(designFoldCount(evaluationOf(byRef))).toBe(1);
    const filtered = sweepSpecSchema.parse({ ...base, evaluation: { kind: 'holdout', trainOn: { excludeSources: ['dns'] }, testOn: 'real@latest' } });
    expect(trainingDatasetOf(filtered)).toBe('corpus@latest');
    expect(issues({ ...base, evaluation: { kind: 'holdout', trainOn: 'study@latest', testOn: 'real@latest' } })).toEqual([
      'evaluation.trainOn: names study@latest but dataset is corpus@latest; give the training dataset once',
    ]);
    expect(issues({ ...base, dataset: undefined, evaluation: { kind: 'holdout', testOn: 'real@latest' } })).toEqual([expect.stringMatching(/^dataset: is required \(or name the training data/)]);
    expect(issues({ ...base, evaluation: { kind: 'holdout', testOn: 'Real!' } })).toEqual([expect.stringMatching(/^evaluation.testOn: must be NAME, NAME@latest or NAME@HASH/)]);
    expect(issues({ ...base, evaluation: { kind: 'holdout', trainOn: { sources: ['Not Kebab'] }, testOn: 'real@latest' } })).toEqual([expect.stringMatching(/^evaluation.trainOn.sources.0: must be a kebab-case/)]);
  });

  it('fixed: exactly one way to name the test set', () => {
    expect(issues({ ...base, evaluation: { kind: 'fixed', testIdsFrom: 'study-eval@latest' } })).toEqual([]);
    expect(issues({ ...base, evaluation: { kind: 'fixed', testIds: ['a'], testSources: ['dns'] } })).toEqual(['evaluation.testIds: give exactly one of testIds, testIdsFrom or testSources']);
    expect(issues({ ...base, evaluation: { kind: 'fixed' } })).toEqual(['evaluation.testIds: give exactly one of testIds, testIdsFrom or testSources']);
    expect(issues({ ...base, evaluation: { kind: 'fixed', testIds: ['a'], trainIds: ['b'], trainIdsFrom: 'x@latest' } })).toEqual(['evaluation.trainIds: give trainIds or trainIdsFrom, not both']);
  });

  it('a baselines-only sweep needs no base model; LoRA units or the base-model baseline do', () => {
    const spec = sweepSpecSchema.parse(base);
    expect(unitsNeedBaseModel(expandUnits(spec, 'x', 5))).toBe(false);
    expect(unitsNeedBaseModel(expandUnits(sweepSpecSchema.parse({ ...base, baselines: ['majority', 'base-model'] }), 'x', 5))).toBe(true);
    expect(unitsNeedBaseModel(expandUnits(sweepSpecSchema.parse({ ...base, search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } } }), 'x', 5))).toBe(true);
  });
});

describe('LoRA layers and label scoring in the sweep spec', () => {
  it('layers is a grid dimension: all layers by default, {top: n} labelled and carried to the unit', () => {
    const spec = sweepSpecSchema.parse({ ...base, search: { kind: 'grid', grid: { ranks: [16], alphas: [32], layers: ['all', { top: 8 }] } } });
    const lora = expandUnits(spec, 'x', 1).filter((u) => u.kind === 'lora');
    expect(lora.map((u) => u.label)).toEqual(['r16-a32', 'r16-a32-top8']);
    expect(lora.map((u) => (u.kind === 'lora' ? u.config.topLayers : null))).toEqual([undefined, 8]);
    expect(issues({ ...base, search: { kind: 'grid', grid: { ranks: [16], alphas: [32], layers: [{ top: 0 }] } } })).toEqual([expect.stringMatching(/^search\.grid\.layers\.0/)]);
  });

  it('labelScoring defaults to sum and reaches LoRA units and the base-model baseline only', () => {
    expect(sweepSpecSchema.parse(base).labelScoring).toBe('sum');
    const spec = sweepSpecSchema.parse({ ...base, labelScoring: 'mean', baselines: ['majority', 'base-model'], search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } } });
    const byLabel = Object.fromEntries(expandUnits(spec, 'x', 1).map((u) => [u.label, u.labelScoring]));
    expect(byLabel).toEqual({ 'r4-a8': 'mean', 'baseline-majority': undefined, 'baseline-base-model': 'mean' });
    expect(issues({ ...base, labelScoring: 'max' })).toEqual([expect.stringMatching(/^labelScoring/)]);
  });
});
