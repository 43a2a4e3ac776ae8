import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { importCsvFile, importJsonlFile } from './generic.ts';
import { inferSource, normalizeTactic, normalizeTechnique } from './normalize.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensoc-import-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
const file = async (name: string, text: string) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};

describe('importCsvFile', () => {
  const mapping = { log: 'message', threatCategory: 'label', severity: 'sev', mitreTechnique: 'technique', mitreTactic: 'tactic' };

  it('maps columns, normalizes label spellings, infers the source and derives ids', async () => {
    const p = await file('events.csv', [
      'message,label,sev,technique,tactic',
      '"Mar 15 01:05:33 web-01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",Brute Force,high,T1110.001 (Password Guessing),Credential Access',
      '"10.0.0.1 - - [16/Mar/2025:01:05:33 +0000] ""GET / HTTP/1.1"" 200 12 ""-"" ""curl""",benign,low,N/A,N/A',
      '"multi\nline, ""quoted"" log",sql_injection,CRITICAL,T1190,initial-access',
    ].join('\n'));
    const res = await importCsvFile(p, { mapping, defaults: { source: undefined } });
    expect(res.errors.map(formatIssue)).toEqual(['events.csv:4: field "source": cannot infer the log source; map a column or give a default']);
    expect(res.records.map((r) => [r.id, r.source, r.threatCategory, r.severity, r.mitreTechnique, r.mitreTactic])).toEqual([
      ['events-csv-000002', 'sshd', 'brute-force', 'HIGH', 'T1110.001', 'credential-access'],
      ['events-csv-000003', 'apache-access', 'benign', 'LOW', null, null],
    ]);
    expect(res.records[0]!.provenance).toEqual({ origin: 'imported', tool: 'generic-importer', file: 'events.csv', line: 2 });
    const withDefault = await importCsvFile(p, { mapping, defaults: { source: 'waf' } });
    expect(withDefault.records[2]!.log).toBe('multi\nline, "quoted" log');
    expect(withDefault.records[2]!.provenance.line).toBe(4);
  });

  it('names the file and column when a mapped column is missing', async () => {
    const p = await file('nolabel.csv', 'message,sev\nhello,LOW\n');
    const res = await importCsvFile(p, { mapping, defaults: {} });
    expect(res.records).toEqual([]);
    expect(res.errors.map(formatIssue)).toEqual([
      'nolabel.csv:1: column "label" (mapped to threatCategory) not found in header',
      'nolabel.csv:1: column "technique" (mapped to mitreTechnique) not found in header',
      'nolabel.csv:1: column "tactic" (mapped to mitreTactic) not found in header',
    ]);
  });

  it('reports unknown labels, bad rows and parse errors with their line', async () => {
    const p = await file('bad.csv', 'message,label,sev,technique,tactic\nx,ransomware,LOW,T1486,impact\ny,benign,LOW\n');
    const res = await importCsvFile(p, { mapping, defaults: { source: 'app' } });
    expect(res.errors.map(formatIssue)).toEqual(['bad.csv:2: field "threatCategory": unknown label "ransomware" (column "label")', 'bad.csv:3: row has 3 fields, header has 5']);
    const broken = await importCsvFile(await file('broken.csv', 'message,label\n"open\n'), { mapping: { log: 'message', threatCategory: 'label' } });
    expect(broken.errors.map(formatIssue)).toEqual(['broken.csv:2: unterminated quoted field']);
  });

  it('applies a category map for other vocabularies', async () => {
    const p = await file('vocab.csv', 'message,label\nsomething happened,SQLi\n');
    const mapping = { log: 'message', threatCategory: 'label' };
    const noTechnique = await importCsvFile(p, { mapping, categoryMap: { SQLi: 'sql-injection' }, defaults: { source: 'waf', severity: 'HIGH' } });
    expect(noTechnique.errors.map(formatIssue)).toEqual([
      'vocab.csv:2: field "mitreTechnique": is required for category sql-injection; if it is unknown, give the reason in unknownLabels.mitreTechnique',
      'vocab.csv:2: field "mitreTactic": is required; if it is unknown, give the reason in unknownLabels.mitreTactic',
    ]);
    const res = await importCsvFile(p, { mapping, categoryMap: { SQLi: 'sql-injection' }, defaults: { source: 'waf', severity: 'HIGH', mitreTechnique: 'T1190', mitreTactic: 'initial-access' } });
    expect(res.errors).toEqual([]);
    expect(res.records[0]).toMatchObject({ threatCategory: 'sql-injection', threatType: 'SQLi', mitreTechnique: 'T1190', mitreTactic: 'initial-access' });
  });
});

describe('importJsonlFile', () => {
  it('maps keys (dotted paths too) line by line, naming file and line in errors', async () => {
    const p = await file('events.jsonl', [
      JSON.stringify({ msg: { text: 'query: evil.example IN TXT' }, cls: 'command-and-control', s: 'HIGH', t: 'T1071.004', ta: 'command-and-control' }),
      '{not json',
      JSON.stringify({ msg: { text: 'fine' }, cls: 'benign', s: 'LOW', t: '', ta: '' }),
    ].join('\n'));
    const res = await importJsonlFile(p, { mapping: { log: 'msg.text', threatCategory: 'cls', severity: 's', mitreTechnique: 't', mitreTactic: 'ta' }, defaults: { source: 'dns' } });
    expect(res.errors.map(formatIssue)).toEqual([expect.stringMatching(/^events\.jsonl:2: malformed JSON/)]);
    expect(res.records.map((r) => [r.id, r.mitreTechnique])).toEqual([['events-jsonl-000001', 'T1071.004'], ['events-jsonl-000003', null]]);
  });
  it('reports a mapped key missing from the first object once', async () => {
    const p = await file('keys.jsonl', JSON.stringify({ message: 'x' }) + '\n');
    const res = await importJsonlFile(p, { mapping: { log: 'message', threatCategory: 'label' } });
    expect(res.errors.map(formatIssue)).toEqual(['keys.jsonl:1: key "label" (mapped to threatCategory) not found']);
  });
});

describe('normalizers', () => {
  it('normalize tactic and technique spellings', () => {
    expect(normalizeTactic('Command and Control')).toBe('command-and-control');
    expect(normalizeTactic('N/A')).toBeNull();
    expect(normalizeTactic('Lateral Movment')).toBeUndefined();
    expect(normalizeTechnique('t1059.001 (PowerShell)')).toBe('T1059.001');
    expect(normalizeTechnique('N/A (N/A)')).toBeNull();
  });
  it('infers sources from typical lines', () => {
    expect(inferSource('EventID: 4625\nTimestamp: 15-Mar-2025:02:14:01')).toBe('windows-security');
    expect(inferSource('type=EXECVE msg=audit(1710551133.123:45): argc=1 a0="id"')).toBe('linux-auditd');
    expect(inferSource('{"eventSource":"iam.amazonaws.com","eventName":"CreateUser"}')).toBe('cloudtrail');
    expect(inferSource('Mar 16 01:05:33 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.5 PROTO=TCP')).toBe('firewall');
    expect(inferSource('just words')).toBeUndefined();
  });
});
