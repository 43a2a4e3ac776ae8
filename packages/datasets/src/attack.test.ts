import { describe, expect, it } from 'vitest';
import { checkTechnique, loadAttackTable, parseAttackTable } from './attack.ts';
import { attackTablePath, hasAttackTable, MISSING_DATA } from './testing.ts';

if (!hasAttackTable) console.warn(MISSING_DATA);

describe.skipIf(!hasAttackTable)('ATT&CK table (real v18.1 table from ../shared/data)', () => {
  it('loads all rows and flags', async () => {
    const t = await loadAttackTable(attackTablePath);
    expect(t.techniques.size).toBe(835);
    expect(t.tactics.get('initial-access')).toBe('Initial Access');
    expect(t.techniques.get('T1110.001')!.tactics).toEqual(['credential-access']);
  });
  it('accepts valid pairs, rejects unknown, revoked and wrong-tactic pairs, warns on deprecated', async () => {
    const t = await loadAttackTable(attackTablePath);
    expect(checkTechnique('T1053.005', 'persistence', t)).toEqual({ errors: [], warnings: [] });
    expect(checkTechnique('T9999', null, t).errors[0]!.message).toMatch(/not in the ATT&CK table/);
    const revoked = checkTechnique('T1002', 'exfiltration', t);
    expect(revoked.errors[0]!.message).toMatch(/T1002 \(Data Compressed\) is revoked; use T1560/);
    const wrong = checkTechnique('T1110.001', 'execution', t);
    expect(wrong.errors).toEqual([{ field: 'mitreTactic', message: expect.stringMatching(/"execution" is not a tactic of T1110.001.*credential-access/) }]);
    const deprecated = checkTechnique('T1026', 'command-and-control', t);
    expect(deprecated.errors).toEqual([]);
    expect(deprecated.warnings[0]!.message).toMatch(/deprecated/);
  });
});

describe('ATT&CK table parsing', () => {
  it('reads a STIX bundle with attack-pattern objects and revoked-by relationships', () => {
    const bundle = {
      type: 'bundle',
      objects: [
        { type: 'attack-pattern', id: 'attack-pattern--1', name: 'Old', revoked: true, external_references: [{ source_name: 'mitre-attack', external_id: 'T1000' }], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }] },
        { type: 'attack-pattern', id: 'attack-pattern--2', name: 'New', external_references: [{ source_name: 'mitre-attack', external_id: 'T1001' }], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }, { kill_chain_name: 'other', phase_name: 'x' }] },
        { type: 'x-mitre-tactic', x_mitre_shortname: 'execution', name: 'Execution' },
        { type: 'relationship', relationship_type: 'revoked-by', source_ref: 'attack-pattern--1', target_ref: 'attack-pattern--2' },
      ],
    };
    const t = parseAttackTable(bundle);
    expect(t.techniques.get('T1001')!.tactics).toEqual(['execution']);
    expect(checkTechnique('T1000', 'execution', t).errors[0]!.message).toMatch(/revoked; use T1001/);
  });
  it('checks syntax without a table and rejects a non-table', () => {
    expect(checkTechnique('T11', null).errors[0]!.message).toMatch(/not an ATT&CK id/);
    expect(checkTechnique('T1110', 'anything').errors).toEqual([]);
    expect(() => parseAttackTable({ foo: 1 })).toThrow(/not an ATT&CK table/);
  });
});
