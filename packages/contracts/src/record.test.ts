import { describe, expect, it } from 'vitest';
import { datasetRecordSchema } from './record.ts';

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
});
