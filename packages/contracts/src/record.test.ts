import { describe, expect, it } from 'vitest';
import { datasetRecordSchema, goldLabels } from './record.ts';
import { normalizeTactic } from './taxonomy.ts';

const base = {
  id: 'r1',
  log: 'Failed password for root from 10.0.0.1 port 22 ssh2',
  source: 'sshd',
  threatCategory: 'brute-force',
  threatType: 'SSH password guessing',
  mitreTechnique: 'T1110.001',
  mitreTactic: 'credential-access',
  severity: 'HIGH',
  provenance: { origin: 'manual', tool: 'test' },
};

describe('datasetRecordSchema', () => {
  it('accepts a valid record', () => {
    expect(datasetRecordSchema.parse(base).id).toBe('r1');
  });
  it('rejects a malformed technique id and names the field', () => {
    const r = datasetRecordSchema.safeParse({ ...base, mitreTechnique: 'T11' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['mitreTechnique']);
  });
  it('requires null technique for benign and a technique otherwise', () => {
    expect(datasetRecordSchema.safeParse({ ...base, threatCategory: 'benign' }).success).toBe(false);
    expect(datasetRecordSchema.safeParse({ ...base, mitreTechnique: null }).success).toBe(false);
  });
  it('rejects an empty log and unknown keys', () => {
    expect(datasetRecordSchema.safeParse({ ...base, log: '  \n' }).success).toBe(false);
    expect(datasetRecordSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });
  it('accepts unknown labels only with a reason, and names the field otherwise', () => {
    const tacticOnly = { ...base, threatCategory: null, threatType: null, mitreTechnique: null, severity: null,
      unknownLabels: { threatCategory: 'not labelled', threatType: 'not labelled', mitreTechnique: 'tactic only', severity: 'not labelled' } };
    expect(datasetRecordSchema.safeParse(tacticOnly).success).toBe(true);
    const { severity: _dropped, ...someReasons } = tacticOnly.unknownLabels;
    const noReason = datasetRecordSchema.safeParse({ ...tacticOnly, unknownLabels: someReasons });
    expect(noReason.success).toBe(false);
    expect(noReason.error!.issues.map((i) => i.path.join('.'))).toEqual(['severity']);
    const reasonButSet = datasetRecordSchema.safeParse({ ...base, unknownLabels: { severity: 'x' } });
    expect(reasonButSet.error!.issues[0]!.path).toEqual(['unknownLabels', 'severity']);
  });
  it('keeps several techniques and tactics, primary first', () => {
    const multi = { ...base, mitreTechniques: ['T1110.001', 'T1078'], mitreTactics: ['credential-access', 'initial-access'] };
    expect(datasetRecordSchema.safeParse(multi).success).toBe(true);
    const wrongPrimary = datasetRecordSchema.safeParse({ ...multi, mitreTechniques: ['T1078', 'T1110.001'] });
    expect(wrongPrimary.error!.issues[0]!.path).toEqual(['mitreTechniques', 0]);
  });
});

describe('goldLabels', () => {
  const parse = (r: object) => datasetRecordSchema.parse(r);
  it('gives every acceptable label, none for benign, and undefined when unlabelled', () => {
    const multi = parse({ ...base, mitreTechniques: ['T1110.001', 'T1110.003', 'T1078'] });
    expect(goldLabels(multi, 'mitreTechnique')).toEqual(['T1110.001', 'T1110.003', 'T1078']);
    expect(goldLabels(multi, 'mitreTechniqueParent')).toEqual(['T1110', 'T1078']);
    const benign = parse({ ...base, threatCategory: 'benign', mitreTechnique: null, mitreTactic: null, severity: 'LOW' });
    expect(goldLabels(benign, 'mitreTechnique')).toEqual([null]);
    expect(goldLabels(benign, 'mitreTactic')).toEqual([null]);
    const partial = parse({ ...base, threatCategory: null, mitreTechnique: null, severity: null,
      unknownLabels: { threatCategory: 'n/a', mitreTechnique: 'n/a', severity: 'n/a' } });
    expect(goldLabels(partial, 'threatCategory')).toBeUndefined();
    expect(goldLabels(partial, 'mitreTechnique')).toBeUndefined();
    expect(goldLabels(partial, 'severity')).toBeUndefined();
    expect(goldLabels(partial, 'mitreTactic')).toEqual(['credential-access']);
  });
});

describe('normalizeTactic', () => {
  it('accepts ids, display names and shortnames', () => {
    expect(normalizeTactic('TA0005')).toBe('defense-evasion');
    expect(normalizeTactic('Defense Evasion')).toBe('defense-evasion');
    expect(normalizeTactic('command-and-control')).toBe('command-and-control');
    expect(normalizeTactic('TA9999')).toBeUndefined();
  });
});
