import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MITRE_TACTICS, SEVERITIES, THREAT_CATEGORIES, datasetRecordSchema } from '@opensoc/contracts';
import type { DatasetRecord } from '@opensoc/contracts';
import { formatResponse, parsedToPrediction, recordLabels } from './format.ts';
import { TACTIC_INFO, extractTechniqueId, mapThreatCategory, normalizeKey, normalizeSeverity, normalizeTactic, techniqueParent } from './normalize.ts';
import { parseFuzzy } from './parse-fuzzy.ts';
import { parseStrict } from './parse-strict.ts';

describe('threat type rule table', () => {
  // The 25 threat types of the OpenSOC-AI data, with the category a SOC analyst would file them under.
  it.each([
    ['Brute Force Attack', 'brute-force'],
    ['Automated Reconnaissance / Vulnerability Scanning', 'reconnaissance'],
    ['Cross-Site Scripting (XSS) Attempt', 'cross-site-scripting'],
    ['Path Traversal / Directory Traversal Attack', 'path-traversal'],
    ['Credential Stuffing Attack', 'brute-force'],
    ['OS Command Injection Attempt', 'command-injection'],
    ['Denial of Service / DDoS Attack', 'denial-of-service'],
    ['No Threat Detected — Normal Traffic', 'benign'],
    ['Local File Inclusion (LFI) Attack', 'path-traversal'],
    ['SSH Brute Force Attack', 'brute-force'],
    ['Potential Data Exfiltration', 'exfiltration'],
    ['SSH Brute Force Attack — SUCCESSFUL LOGIN', 'brute-force'],
    ['Windows Threat: Explicit Credential Logon', 'privilege-escalation'],
    ['Windows Threat: Failed Login', 'brute-force'],
    ['Windows Threat: Scheduled Task Created', 'persistence'],
    ['SQL Injection — Error-based SQLi', 'sql-injection'],
    ['SQL Injection — Time-based Blind SQLi', 'sql-injection'],
    ['SQL Injection — Union/Boolean SQLi', 'sql-injection'],
    ['Windows Threat: Process Creation — Suspicious', 'malicious-execution'],
    ['SQL Injection — OS Command via SQLi', 'sql-injection'],
    ['SQL Injection — Destructive SQLi', 'sql-injection'],
    ['SQL Injection — UNION-based SQLi', 'sql-injection'],
    ['SQL Injection — Authentication Bypass SQLi', 'sql-injection'],
    ['Windows Threat: New Service Installed', 'persistence'],
    ['Windows Threat: User Account Created', 'persistence'],
  ])('%s -> %s', (text, category) => expect(mapThreatCategory(text)).toBe(category));
  it('accepts every category name itself, in any case or spacing', () => {
    for (const c of THREAT_CATEGORIES) {
      expect(mapThreatCategory(c)).toBe(c);
      expect(mapThreatCategory(c.toUpperCase().replace(/-/g, ' '))).toBe(c);
    }
  });
});

describe('tactics, techniques, severities', () => {
  it('maps every tactic by display name, shortname, snake_case and TA id', () => {
    for (const t of MITRE_TACTICS) {
      for (const form of [TACTIC_INFO[t].name, t, t.replace(/-/g, '_'), TACTIC_INFO[t].id, TACTIC_INFO[t].name.toLowerCase()]) expect(normalizeTactic(form)).toBe(t);
    }
    expect(normalizeTactic('Command & Control')).toBe('command-and-control');
    expect(normalizeTactic('TA9999')).toBeUndefined();
    expect(normalizeTactic('Execution, Persistence')).toBe('execution');
    expect(normalizeTactic('then Persistence or Execution')).toBe('persistence');
  });
  it('extracts technique ids in their variants', () => {
    expect(extractTechniqueId('t1190.001')).toBe('T1190.001');
    expect(extractTechniqueId('Technique 1190')).toBe('T1190');
    expect(extractTechniqueId('Technique ID: 1110.003')).toBe('T1110.003');
    expect(extractTechniqueId('see T1059')).toBe('T1059');
    expect(extractTechniqueId('T12345')).toBeUndefined();
    expect(techniqueParent('T1110.001')).toBe('T1110');
    expect(techniqueParent(null)).toBeNull();
  });
  it('normalises severity words and keeps the canonical levels', () => {
    for (const s of SEVERITIES) expect(normalizeSeverity(s.toLowerCase())).toBe(s);
    expect(normalizeSeverity('Severe')).toBe('HIGH');
    expect(normalizeSeverity('moderate risk')).toBe('MEDIUM');
    expect(normalizeSeverity('very')).toBeUndefined();
    expect(normalizeKey('MITRE Technique-ID')).toBe('mitretechniqueid');
  });
});

describe('parser properties', () => {
  const record = fc.record({
    threatCategory: fc.constantFrom(...THREAT_CATEGORIES),
    threatType: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0),
    technique: fc.tuple(fc.integer({ min: 1000, max: 1999 }), fc.option(fc.integer({ min: 1, max: 999 }))),
    tactic: fc.constantFrom(...MITRE_TACTICS),
    severity: fc.constantFrom(...SEVERITIES),
    riskScore: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    evidence: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
  }).map((r): DatasetRecord => {
    const benign = r.threatCategory === 'benign';
    const technique = `T${r.technique[0]}${r.technique[1] === null ? '' : `.${String(r.technique[1]).padStart(3, '0')}`}`;
    return datasetRecordSchema.parse({
      id: 'p', log: 'x', source: 'sshd', threatCategory: r.threatCategory, threatType: r.threatType,
      mitreTechnique: benign ? null : technique, mitreTactic: benign ? null : r.tactic, severity: r.severity,
      ...(r.riskScore === undefined ? {} : { riskScore: r.riskScore }), ...(r.evidence === undefined ? {} : { evidence: r.evidence }),
      provenance: { origin: 'manual', tool: 'property' },
    });
  });
  it('both parsers round-trip formatResponse for any record', () => {
    fc.assert(
      fc.property(record, (r) => {
        for (const parse of [parseStrict, parseFuzzy]) {
          const { predicted, failures } = parsedToPrediction(parse(formatResponse(r)));
          expect(failures).toEqual({});
          expect(predicted).toEqual(recordLabels(r));
        }
      }),
      { numRuns: 300 },
    );
  });
  it('never throw on arbitrary text and always give a value or a reason per field', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const parse of [parseStrict, parseFuzzy]) {
          for (const f of Object.values(parse(text))) expect(f.ok || ['missing', 'empty', 'unrecognized'].includes(f.reason)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
