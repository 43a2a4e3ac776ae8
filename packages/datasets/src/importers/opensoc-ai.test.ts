import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@opensoc/contracts';
import { loadAttackTable } from '../attack.ts';
import type { AttackTable } from '../attack.ts';
import { leakageReport } from '../leakage.ts';
import { materializeSplit, splitTemplateLeakage } from '../splits.ts';
import { attackTablePath, hasAttackTable, hasOpenSocAi, MISSING_DATA, openSocAiDir } from '../testing.ts';
import { formatIssue } from '../validate.ts';
import { computeStats } from '../version.ts';
import { exportOpenSocAi, formatOpenSocAiJson, importOpenSocAiFile, importOpenSocAiRows, OPENSOC_AI_CATEGORY_MAP, OPENSOC_AI_INSTRUCTION } from './opensoc-ai.ts';

const output = (over: Record<string, string> = {}) =>
  Object.entries({
    THREAT_TYPE: 'SQL Injection — Union/Boolean SQLi',
    MITRE_TECHNIQUE: 'T1190 (Exploit Public-Facing Application)',
    MITRE_TACTIC: 'Initial Access',
    SEVERITY: 'CRITICAL',
    RISK_SCORE: '83',
    EVIDENCE: 'e',
    IMPACT: 'i',
    RECOMMENDATION: 'r',
    ...over,
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
const row = (input: string, over: Record<string, string> = {}) => ({ instruction: OPENSOC_AI_INSTRUCTION, input, output: output(over) });
const access = '1.2.3.4 - - [16/Mar/2025:01:05:33] "GET /p?id=1 OR 1=1-- HTTP/1.1" 403 1 "-" "x"';

describe('importOpenSocAiRows', () => {
  it('maps a row onto a record and back', () => {
    const res = importOpenSocAiRows([row(access)], { displayName: 'soc_train.json' });
    expect(res.errors).toEqual([]);
    expect(res.records[0]).toMatchObject({ id: 'opensoc-ai-train-0001', source: 'apache-access', threatCategory: 'sql-injection', threatType: 'SQL Injection — Union/Boolean SQLi', mitreTechnique: 'T1190', mitreTactic: 'initial-access', severity: 'CRITICAL', riskScore: 83, impact: 'i' });
    expect(exportOpenSocAi(res.records)).toEqual([row(access)]);
  });
  it('names file and array index in every error', () => {
    const res = importOpenSocAiRows([row(access), row(access, { THREAT_TYPE: 'Alien Attack' }), row(access, { MITRE_TACTIC: 'Initial Acces', SEVERITY: 'SEVERE' }), { input: 1 }, { input: 'x', output: 'THREAT_TYPE: y' }, row('no idea what this is')], { displayName: 'f.json' });
    expect(res.errors.map(formatIssue)).toEqual([
      'f.json[1]: field "threatCategory": THREAT_TYPE "Alien Attack" has no taxonomy mapping',
      'f.json[2]: field "mitreTactic": MITRE_TACTIC "Initial Acces" is not an ATT&CK tactic',
      'f.json[2]: field "severity": SEVERITY "SEVERE" is not one of LOW|MEDIUM|HIGH|CRITICAL',
      'f.json[3]: expected an object with string "input" and "output"',
      ...['MITRE_TECHNIQUE', 'MITRE_TACTIC', 'SEVERITY', 'RISK_SCORE', 'EVIDENCE', 'IMPACT', 'RECOMMENDATION'].map((k) => `f.json[4]: output lacks ${k}`),
      'f.json[5]: field "source": cannot infer the log source from the input',
    ]);
    expect(res.records).toHaveLength(1);
    expect(importOpenSocAiRows({}, { displayName: 'x.json' }).errors.map(formatIssue)).toEqual(['x.json: expected a JSON array of {instruction, input, output}']);
  });
  it('maps all 25 of the study\'s threat types', () => {
    expect(Object.keys(OPENSOC_AI_CATEGORY_MAP)).toHaveLength(25);
  });
});

if (!hasOpenSocAi) console.warn(MISSING_DATA);

describe.skipIf(!hasOpenSocAi)('the study\'s real files (../shared/data/opensoc-ai)', () => {
  let attack: AttackTable | undefined;
  let train: DatasetRecord[];
  let evalSet: DatasetRecord[];
  beforeAll(async () => {
    if (hasAttackTable) attack = await loadAttackTable(attackTablePath);
    const t = await importOpenSocAiFile(join(openSocAiDir, 'soc_train.json'), { attack });
    const e = await importOpenSocAiFile(join(openSocAiDir, 'soc_eval.json'), { attack });
    expect(t.errors.map(formatIssue)).toEqual([]);
    expect(e.errors.map(formatIssue)).toEqual([]);
    train = t.records;
    evalSet = e.records;
  });

  it('imports all 450 + 50 rows with valid ATT&CK pairs', () => {
    expect(train).toHaveLength(450);
    expect(evalSet).toHaveLength(50);
    expect(evalSet[0]!.id).toBe('opensoc-ai-eval-0001');
    const stats = computeStats([...train, ...evalSet]);
    expect(Object.keys(stats.byTechnique)).toHaveLength(16); // 15 ids + none (the study's N/A)
    expect(stats.bySeverity).toEqual({ CRITICAL: 172, HIGH: 249, LOW: 25, MEDIUM: 54 });
    expect(stats.bySource).toEqual({ 'apache-access': 410, sshd: 40, 'windows-security': 50 });
    expect(stats.byThreatCategory.benign).toBe(25);
  });

  it('export reproduces the study\'s files byte for byte', async () => {
    for (const [name, records] of [['soc_train.json', train], ['soc_eval.json', evalSet]] as const) {
      const original = await readFile(join(openSocAiDir, name), 'utf8');
      const rows = exportOpenSocAi(records, { attack });
      expect(rows).toEqual(JSON.parse(original));
      expect(formatOpenSocAiJson(rows)).toBe(original);
    }
  });

  it('leakage between train and eval: templated data, as the DESIGN warns', () => {
    const rep = leakageReport(train, evalSet);
    console.info('OpenSOC-AI leakage train->eval', JSON.stringify(rep.totals), JSON.stringify(rep.byCategory));
    expect(rep.totals.testRecords).toBe(50);
    // The DESIGN: about half of the eval inputs equal a train input once digits are masked.
    expect(rep.totals.digitMaskedDuplicates).toBeGreaterThanOrEqual(20);
    expect(rep.totals.digitMaskedDuplicates).toBeLessThanOrEqual(30);
    // The full masker also masks IPs, times and quoted tokens, so it finds at least as much.
    expect(rep.totals.sharedTemplate).toBeGreaterThanOrEqual(rep.totals.digitMaskedDuplicates);
  });

  it('the fixed 450/50 split leaks templates; template-grouped CV does not', () => {
    const all = [...train, ...evalSet];
    const fixed = materializeSplit(all, { kind: 'fixed', testIds: evalSet.map((r) => r.id) });
    expect(splitTemplateLeakage(all, fixed.manifest)[0]!.sharedTemplate).toBeGreaterThan(0);
    const grouped = materializeSplit(all, { kind: 'template-grouped-kfold', k: 10, seed: 1 });
    expect(splitTemplateLeakage(all, grouped.manifest).map((f) => f.sharedTemplate)).toEqual(new Array(10).fill(0));
  });
});
