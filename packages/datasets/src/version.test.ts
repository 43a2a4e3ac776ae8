import { describe, expect, it } from 'vitest';
import { serializeDataset, sha256Hex } from './canonical.ts';
import { computeStats, datasetObjectKey, diffDatasets, prepareVersion } from './version.ts';
import { rec } from './testing.ts';

const benign = (id: string) => rec(id, { threatCategory: 'benign', mitreTechnique: null, mitreTactic: null, severity: 'LOW', source: 'dns', log: `query: example.com IN A from 10.0.0.${id.length}` });

describe('computeStats', () => {
  it('counts every label dimension and templates', () => {
    const s = computeStats([rec('a'), rec('bb'), benign('c'), rec('d', { log: 'Accepted password for root', severity: 'CRITICAL' })]);
    expect(s).toEqual({
      records: 4,
      templates: 3,
      byThreatCategory: { benign: 1, 'brute-force': 3 },
      bySeverity: { CRITICAL: 1, HIGH: 2, LOW: 1 },
      byTechnique: { 'T1110.001': 3, none: 1 },
      byTactic: { 'credential-access': 3, none: 1 },
      bySource: { dns: 1, sshd: 3 },
    });
  });
});

describe('prepareVersion', () => {
  it('returns canonical bytes, their sha256 and stats; order of input does not matter', () => {
    const v = prepareVersion([rec('b'), benign('a')]);
    expect(new TextDecoder().decode(v.canonicalBytes)).toBe(serializeDataset([benign('a'), rec('b')]));
    expect(v.hash).toBe(sha256Hex(v.canonicalBytes));
    expect(prepareVersion([benign('a'), rec('b')]).hash).toBe(v.hash);
    expect(v.stats.records).toBe(2);
  });
  it('refuses invalid records and duplicates', () => {
    expect(() => prepareVersion([rec('a', { severity: 'NOPE' as never })])).toThrow(/records:1: field "severity"/);
    expect(() => prepareVersion([rec('a'), rec('a')])).toThrow(/duplicate id "a"/);
  });
});

describe('diffDatasets', () => {
  it('lists added, removed, relabelled (with the changed fields) and modified records', () => {
    const before = [rec('keep'), rec('gone'), rec('relabel'), rec('edit')];
    const after = [
      rec('keep', { provenance: { tool: 'test', origin: 'manual' } }), // same content, other key order
      rec('relabel', { severity: 'CRITICAL', mitreTechnique: 'T1110.003' }),
      rec('edit', { log: 'changed log text' }),
      rec('new'),
    ];
    const d = diffDatasets(before, after);
    expect(d.added).toEqual(['new']);
    expect(d.removed).toEqual(['gone']);
    expect(d.unchanged).toBe(1);
    expect(d.relabelled).toEqual([{ id: 'relabel', changes: [{ field: 'mitreTechnique', from: 'T1110.001', to: 'T1110.003' }, { field: 'severity', from: 'HIGH', to: 'CRITICAL' }] }]);
    expect(d.modified).toEqual([{ id: 'edit', changes: [{ field: 'log', from: rec('edit').log, to: 'changed log text' }] }]);
  });
});

describe('datasetObjectKey', () => {
  it('builds the content-addressed key and rejects bad parts', () => {
    const hash = 'a'.repeat(64);
    expect(datasetObjectKey('soc-corpus', hash)).toBe(`datasets/soc-corpus/${hash}.jsonl`);
    expect(() => datasetObjectKey('../x', hash)).toThrow(/invalid dataset name/);
    expect(() => datasetObjectKey('x', 'abc')).toThrow(/invalid dataset hash/);
  });
});
