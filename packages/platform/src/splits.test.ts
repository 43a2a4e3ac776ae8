import { describe, expect, it } from 'vitest';
import { sweepSpecSchema, type DatasetRecord, type SweepSpecInput } from '@opensoc/contracts';
import { datasetHash } from '@opensoc/datasets';
import { designRefs, materializeDesign } from './splits.ts';

const rec = (id: string, source: string, n: number): DatasetRecord => ({
  id, log: `${source} event kind${'x'.repeat(n % 7)} value ${n}`, source, threatCategory: n % 2 ? 'brute-force' : 'benign', threatType: 't',
  mitreTechnique: n % 2 ? 'T1110' : null, mitreTactic: n % 2 ? 'credential-access' : null, severity: 'LOW', provenance: { origin: 'manual', tool: 'test' },
});
const records = Array.from({ length: 60 }, (_, i) => rec(`r${String(i).padStart(2, '0')}`, ['sshd', 'dns', 'firewall'][i % 3]!, i));
const train = { hash: datasetHash(records), records };
const other = Array.from({ length: 10 }, (_, i) => rec(`o${i}`, 'cloudtrail', i));
const spec = (over: Partial<SweepSpecInput>) => sweepSpecSchema.parse({
  name: 's', dataset: 'a@latest', baseModel: { kind: 'pretrain' }, search: { kind: 'grid', grid: { ranks: [], alphas: [1] } }, baselines: ['majority'], ...over,
});

describe('materializeDesign', () => {
  it('a cv design gives the same manifest (and hash) as the legacy split it replaces', () => {
    const legacy = materializeDesign(spec({ split: { kind: 'template-grouped-kfold', k: 3, seed: 7 } }), train, {});
    const cv = materializeDesign(spec({ evaluation: { kind: 'cv', k: 3, strategy: 'template-grouped', seed: 7 } }), train, {});
    expect(cv.hash).toBe(legacy.hash);
    expect(cv.manifest.folds).toHaveLength(3);
    const bySource = materializeDesign(spec({ evaluation: { kind: 'cv', k: 3, strategy: 'by-source' } }), train, {});
    expect(bySource.manifest.spec.kind).toBe('source-grouped-kfold');
  });

  it('fixed: test ids listed, taken from another version, or by source; train ids optional', () => {
    expect(materializeDesign(spec({ evaluation: { kind: 'fixed', testIds: ['r01', 'r02'] } }), train, {}).manifest.folds[0]!.trainIds).toHaveLength(58);
    const fromOther = spec({ evaluation: { kind: 'fixed', testIdsFrom: 'eval@latest', trainIds: ['r03', 'r04'] } });
    expect(designRefs(fromOther)).toEqual([{ role: 'testIds', ref: 'eval@latest', path: ['evaluation', 'testIdsFrom'] }]);
    // The test side names r03 and r04 too, so listing them for training is an error, not a silent overlap.
    expect(() => materializeDesign(fromOther, train, { testIds: { hash: 'x', records: records.slice(0, 5) } })).toThrow(/both the train and the test set: r03, r04/);
    const ok = materializeDesign(spec({ evaluation: { kind: 'fixed', testIdsFrom: 'eval@latest', trainIds: ['r05', 'r06'] } }), train, { testIds: { hash: 'x', records: records.slice(0, 5) } });
    expect(ok.manifest.folds[0]).toEqual({ index: 0, trainIds: ['r05', 'r06'], testIds: ['r00', 'r01', 'r02', 'r03', 'r04'] });
  });

  it('holdout: one fold over two versions, filterable by source; the same version twice is refused', () => {
    const s = spec({ evaluation: { kind: 'holdout', testOn: 'b@latest', trainOn: { excludeSources: ['dns'] } } });
    expect(designRefs(s)).toEqual([{ role: 'test', ref: 'b@latest', path: ['evaluation', 'testOn'] }]);
    const h = materializeDesign(s, train, { test: { hash: datasetHash(other), records: other } });
    expect(h.manifest).toMatchObject({ datasetHash: train.hash, testDatasetHash: datasetHash(other), spec: { kind: 'holdout', excludeTrainSources: ['dns'] } });
    expect(h.manifest.folds[0]!.trainIds).toHaveLength(40);
    expect(h.manifest.folds[0]!.testIds).toHaveLength(10);
    expect(() => materializeDesign(s, train, { test: train })).toThrow(/the training dataset itself/);
  });
});
