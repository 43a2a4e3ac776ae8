import { describe, expect, it } from 'vitest';
import { lineWriter, nullReason, type ClassifiedLine } from './classify.ts';

const lines: ClassifiedLine[] = [
  { log: 'GET /a?q=1\' OR "1"="1", x', threatCategory: 'sql-injection', mitreTechnique: 'T1190', mitreTechniqueParent: 'T1190', mitreTactic: 'initial-access', severity: 'HIGH' },
  { log: 'all good', threatCategory: 'benign', mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: 'LOW', reason: 'benign: no technique applies' },
];
const render = (format: 'jsonl' | 'csv' | 'table') => {
  let out = '';
  const w = lineWriter(format, (s) => { out += s; });
  for (const l of lines) w.line(l);
  w.end();
  return out;
};

describe('classify output', () => {
  it('writes JSONL, CSV (quoted where needed) and an aligned table', () => {
    expect(render('jsonl').trim().split('\n').map((l) => JSON.parse(l))).toEqual(lines);
    const csv = render('csv').trim().split('\n');
    expect(csv[0]).toBe('threatCategory,mitreTechnique,mitreTactic,severity,reason,log');
    expect(csv[1]).toBe('sql-injection,T1190,initial-access,HIGH,,"GET /a?q=1\' OR ""1""=""1"", x"');
    expect(csv[2]).toBe('benign,,,LOW,benign: no technique applies,all good');
    const table = render('table').trim().split('\n');
    expect(table[0]).toMatch(/^category\s+technique\s+tactic\s+severity\s+log$/);
    expect(table[3]).toMatch(/^benign\s+- \(benign: no technique applies\)\s+-\s+LOW\s+all good$/);
  });

  it('says why a technique is null', () => {
    const c = { techniques: [null, 'T1190'], tactics: [null], byCategory: { 'sql-injection': { techniques: ['T1190'], tacticsByTechnique: {} }, persistence: { techniques: [null], tacticsByTechnique: {} } } };
    expect(nullReason('benign', c)).toMatch(/benign/);
    expect(nullReason('exfiltration', c)).toMatch(/no exfiltration record/);
    expect(nullReason('persistence', c)).toMatch(/records of category persistence carry no technique/);
  });
});
