import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasetRecordSchema } from '@opensoc/contracts';
import type { DatasetRecord } from '@opensoc/contracts';
import { formatResponse, parsedToPrediction, predictionFromText, recordLabels } from './format.ts';
import { predictionSchema } from '@opensoc/contracts';
import { cutAtPromptRepetition, parseFuzzy } from './parse-fuzzy.ts';
import { parseStrict, strictExtract, strictFieldAccuracy, strictFieldMatch } from './parse-strict.ts';
import type { ParsedOutput } from './parse-types.ts';

interface Case { id: string; text: string; strict: (string | null)[]; fuzzy: (string | null)[] }
const corpus = JSON.parse(readFileSync(new URL('./fixtures/parser-corpus.json', import.meta.url), 'utf8')) as { fields: (keyof ParsedOutput)[]; cases: Case[] };

/** A parse as the corpus writes it: the value, or '!reason'. */
function summarize(p: ParsedOutput, fields: (keyof ParsedOutput)[]): (string | null)[] {
  return fields.map((f) => {
    const r = p[f];
    return r.ok ? (r.value as string | null) : `!${r.reason}`;
  });
}

describe('parser corpus', () => {
  it('has at least 60 cases with unique ids', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.cases.map((c) => c.id)).size).toBe(corpus.cases.length);
  });
  for (const c of corpus.cases) {
    it(`strict: ${c.id}`, () => expect(summarize(parseStrict(c.text), corpus.fields)).toEqual(c.strict));
    it(`fuzzy: ${c.id}`, () => expect(summarize(parseFuzzy(c.text), corpus.fields)).toEqual(c.fuzzy));
  }
});

describe('strict rule', () => {
  it('captures up to a comma or newline, upper-cased, first match', () => {
    expect(strictExtract('severity: high, maybe\nSEVERITY: LOW', 'SEVERITY')).toBe('HIGH');
    expect(strictExtract('nothing here', 'SEVERITY')).toBeUndefined();
  });
  it('compares fields as the study did', () => {
    expect(strictFieldMatch('SEVERITY: high', 'SEVERITY: HIGH', 'SEVERITY')).toBe(true);
    expect(strictFieldMatch('SEVERITY: high.', 'SEVERITY: HIGH', 'SEVERITY')).toBe(false);
    expect(strictFieldMatch('MITRE_TECHNIQUE: T1190', 'MITRE_TECHNIQUE: T1190 (Exploit Public-Facing Application)', 'MITRE_TECHNIQUE')).toBe(false);
    expect(strictFieldMatch('', '', 'SEVERITY')).toBe(false);
  });
  it('scores per field as the study did', () => {
    const ref = ['SEVERITY: HIGH\nMITRE_TECHNIQUE: T1190 (X)', 'SEVERITY: LOW\nMITRE_TECHNIQUE: T1110 (Y)'];
    const pred = ['severity: high\nMITRE_TECHNIQUE: T1190', 'SEVERITY: LOW\nMITRE_TECHNIQUE: T1110 (y)'];
    expect(strictFieldAccuracy(pred, ref, ['SEVERITY', 'MITRE_TECHNIQUE'])).toEqual({
      SEVERITY: { matches: 2, n: 2, accuracy: 1 },
      MITRE_TECHNIQUE: { matches: 1, n: 2, accuracy: 0.5 },
    });
  });
  it('is fooled, as the study was, by a key word inside an earlier value', () => {
    expect(parseStrict('THREAT_TYPE: High severity scan\nSEVERITY: HIGH').severity).toEqual({ ok: false, reason: 'unrecognized', raw: 'SCAN' });
    expect(parseFuzzy('THREAT_TYPE: High severity scan\nSEVERITY: HIGH').severity).toMatchObject({ ok: true, value: 'HIGH' });
  });
});

describe('fuzzy helpers', () => {
  it('cuts at the first prompt repetition but keeps a leading response header out', () => {
    expect(cutAtPromptRepetition('### Response:\nA\n### Input:\nB')).toBe('A\n');
    expect(cutAtPromptRepetition('A\n  ### instruction\nB')).toBe('A\n');
  });
  it('ignores keys that exist on Object.prototype', () => {
    const p = parseFuzzy('constructor: x\n{"constructor": "y", "__proto__": {"polluted": "yes"}}\nSEVERITY: HIGH');
    expect(p.severity).toMatchObject({ ok: true, value: 'HIGH' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('stays fast on hostile input', () => {
    const t0 = performance.now();
    parseFuzzy('{'.repeat(10_000) + '}'.repeat(10_000));
    parseFuzzy('SEVERITY: '.repeat(5_000));
    parseFuzzy('"a": "b", '.repeat(5_000));
    expect(performance.now() - t0).toBeLessThan(1500);
  });
  it('reads risk scores on 0-100 and 0-10 scales', () => {
    expect(parseFuzzy('RISK_SCORE: 83/100').riskScore).toMatchObject({ ok: true, value: 83 });
    expect(parseFuzzy('Risk Score = 8.5/10').riskScore).toMatchObject({ ok: true, value: 85 });
    expect(parseFuzzy('RISK_SCORE: 300').riskScore).toMatchObject({ ok: false, reason: 'unrecognized' });
  });
});

const base: DatasetRecord = datasetRecordSchema.parse({
  id: 'r1',
  log: 'Failed password for root from 10.0.0.1 port 22 ssh2',
  source: 'sshd',
  threatCategory: 'brute-force',
  threatType: 'SSH password guessing,\nrepeated',
  mitreTechnique: 'T1110.001',
  mitreTactic: 'credential-access',
  severity: 'HIGH',
  riskScore: 72,
  evidence: '40 failures in 60 s',
  recommendation: 'Block the source, enforce keys',
  provenance: { origin: 'manual', tool: 'test' },
});

describe('formatResponse round trip', () => {
  const records: DatasetRecord[] = [
    base,
    { ...base, id: 'r2', threatCategory: 'benign', threatType: 'Normal traffic', mitreTechnique: null, mitreTactic: null, severity: 'LOW' },
    { ...base, id: 'r3', threatCategory: 'web-exploit', threatType: 'Odd thing', mitreTechnique: 'T1190', mitreTactic: 'initial-access', severity: 'CRITICAL' },
    { ...base, id: 'r4', threatCategory: 'command-and-control', threatType: 'Beacon', mitreTechnique: 'T9999', mitreTactic: 'command-and-control', severity: 'MEDIUM', riskScore: undefined, evidence: undefined, recommendation: undefined },
  ];
  for (const r of records) {
    it(`both parsers recover the labels of ${r.id}`, () => {
      const text = formatResponse(r);
      for (const parse of [parseStrict, parseFuzzy]) {
        const { predicted, failures } = parsedToPrediction(parse(text));
        expect(failures).toEqual({});
        expect(predicted).toEqual(recordLabels(r));
      }
    });
  }
  it('writes the study layout', () => {
    expect(formatResponse(base).split('\n').map((l) => l.split(':')[0])).toEqual(['THREAT_TYPE', 'THREAT_CATEGORY', 'MITRE_TECHNIQUE', 'MITRE_TACTIC', 'SEVERITY', 'RISK_SCORE', 'EVIDENCE', 'RECOMMENDATION']);
    expect(formatResponse(base)).toContain('MITRE_TECHNIQUE: T1110.001 (Password Guessing)');
  });
  it('builds stored predictions from generated text in both modes', () => {
    const text = 'THREAT_TYPE: SQLi\nMITRE_TECHNIQUE: t1190\nMITRE_TACTIC: Initial Access\nSEVERITY: High';
    const strict = predictionSchema.parse(predictionFromText('r1', 2, 'generate-strict', text));
    expect(strict).toMatchObject({ recordId: 'r1', fold: 2, mode: 'generate-strict', raw: text, predicted: { severity: 'HIGH', mitreTechnique: 'T1190' } });
    expect(strict.failures).toBeUndefined();
    const fuzzy = predictionFromText('r1', 2, 'generate-fuzzy', '### Input:\nSEVERITY: LOW');
    expect(fuzzy.failures).toMatchObject({ severity: 'missing', threatCategory: 'missing' });
  });
  it('records failure reasons per task', () => {
    const { predicted, failures } = parsedToPrediction(parseFuzzy('SEVERITY: purple'));
    expect(predicted.severity).toBeNull();
    expect(failures).toEqual({ threatCategory: 'missing', mitreTechnique: 'missing', mitreTechniqueParent: 'missing', mitreTactic: 'missing', severity: 'unrecognized' });
  });
});
