import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { importCsvFile, importJsonlFile } from './generic.ts';
import { getImporter, importerFormats } from './index.ts';
import { MappingError, mappingFromObject, parseFieldMap } from './mapping.ts';
import { loadAttackTable } from '../attack.ts';
import { attackTablePath, hasAttackTable } from '../testing.ts';
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
    expect(res.errors.map(formatIssue)).toEqual(['bad.csv:2: field "threatCategory": unknown label "ransomware" (column "label"); map it with a value map', 'bad.csv:3: field "technique": row has 3 fields, header has 5']);
    const broken = await importCsvFile(await file('broken.csv', 'message,label\n"open\n'), { mapping: { log: 'message', threatCategory: 'label' } });
    expect(broken.errors.map(formatIssue)).toEqual(['broken.csv:2: unterminated quoted field']);
  });

  it('applies a category map for other vocabularies', async () => {
    const p = await file('vocab.csv', 'message,label\nsomething happened,SQLi\n');
    const mapping = { log: 'message', threatCategory: 'label' };
    // Unmapped technique and tactic: unknown, with the reason, not an invented label.
    const noTechnique = await importCsvFile(p, { mapping, categoryMap: { SQLi: 'sql-injection' }, defaults: { source: 'waf', severity: 'HIGH' } });
    expect(noTechnique.errors).toEqual([]);
    expect(noTechnique.records[0]).toMatchObject({ mitreTechnique: null, mitreTactic: null, unknownLabels: { mitreTechnique: 'not labelled in the input', mitreTactic: 'not labelled in the input' } });
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
  it('reports a mapped key that no row has (a wrong mapping) and a log key missing from the first object', async () => {
    const p = await file('keys.jsonl', JSON.stringify({ message: 'x' }) + '\n');
    const res = await importJsonlFile(p, { mapping: { log: 'message', threatCategory: 'label' }, defaults: { source: 'app' } });
    expect(res.errors.map(formatIssue)).toEqual(['keys.jsonl: key "label" (mapped to threatCategory) is in no row; check the mapping (an unmapped label is imported as unknown)']);
    const nolog = await importJsonlFile(p, { mapping: { log: 'msg' } });
    expect(nolog.errors.map(formatIssue)).toEqual(['keys.jsonl:1: key "msg" (mapped to log) not found']);
  });
});

describe('normalizers', () => {
  it('normalize tactic and technique spellings', () => {
    expect(normalizeTactic('Command and Control')).toBe('command-and-control');
    expect(normalizeTactic('N/A')).toBeNull();
    expect(normalizeTactic('TA0005')).toBe('defense-evasion');
    expect(normalizeTactic('ta0011')).toBe('command-and-control');
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

describe('partial and multi-label imports', () => {
  const rows = [
    // Tactic only (by id), no technique, no severity: a publisher's typical label.
    { event: { id: 'e-1', msg: 'EventID: 4688 NewProcessName: C:\\Windows\\rundll32.exe' }, attack: { tactic: 'TA0005' }, origin: 'win/host1.evtx' },
    // Several techniques and tactics, names and ids mixed.
    { event: { id: 'e-2', msg: 'EventID: 4104 ScriptBlockText: IEX (New-Object Net.WebClient)' }, attack: { technique: ['T1059.001', 'T1027', 'T1059.001'], tactic: 'Execution; defense-evasion' }, sev: 'hi', origin: 'win/host2.evtx' },
    { event: { id: 'e-3', msg: 'EventID: 4624 logon ok' }, label: 'benign', sev: 'lo', origin: 'win/host2.evtx' },
    // Given, but as N/A or empty: the reason says so.
    { event: { id: 'e-4', msg: 'EventID: 4688 cmd.exe' }, label: '', attack: { technique: 'N/A', tactic: 'execution' }, sev: 'lo', origin: 'win/host2.evtx' },
  ];
  const request = (over: Record<string, unknown> = {}) => ({
    mapping: {
      fields: { ...parseFieldMap('log=event.msg,technique=attack.technique,tactic=attack.tactic,eventId=event.id,file=origin,category=label,severity=sev') },
      values: { severity: { hi: 'HIGH', lo: 'LOW' } }, defaults: { source: 'windows-security' }, unknownReason: 'not labelled by the publisher',
    },
    ...over,
  });

  it('imports tactic-only, multi-technique and benign records with unknown labels and the original file and event id', async () => {
    const p = await file('merged.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
    const res = await getImporter('jsonl').import(p, request());
    expect(res.errors.map(formatIssue)).toEqual([]);
    const [a, b, c] = res.records;
    expect(a).toMatchObject({
      mitreTechnique: null, mitreTactic: 'defense-evasion', severity: null, threatCategory: null, threatType: null,
      unknownLabels: { mitreTechnique: 'not labelled by the publisher', severity: 'not labelled by the publisher', threatCategory: 'not labelled by the publisher', threatType: 'not labelled by the publisher' },
      provenance: { origin: 'imported', tool: 'generic-importer', file: 'win/host1.evtx', eventId: 'e-1' },
    });
    expect(b).toMatchObject({ mitreTechnique: 'T1059.001', mitreTechniques: ['T1059.001', 'T1027'], mitreTactic: 'execution', mitreTactics: ['execution', 'defense-evasion'], severity: 'HIGH' });
    expect(c).toMatchObject({ threatCategory: 'benign', mitreTechnique: null, mitreTactic: null, severity: 'LOW' });
    expect(c!.threatType).toBe('benign'); // the input's category text, as before
    expect(c!.unknownLabels).toBeUndefined();
    expect(res.records[3]!.unknownLabels).toEqual({ threatCategory: 'empty in the input (column "label")', mitreTechnique: '"N/A" in the input (column "attack.technique")', threatType: 'not labelled by the publisher' });
  });

  it('names file, line and field for bad labels, and checks every technique against ATT&CK (reject or warn)', async () => {
    const p = await file('bad.jsonl', [
      JSON.stringify({ event: { id: 'x', msg: 'EventID: 1 a' }, attack: { technique: 'T1059.001, Tfoo', tactic: 'TA9999' }, label: 'malicious-execution', origin: 'a' }),
      JSON.stringify({ event: { id: 'y', msg: 'EventID: 1 b' }, sev: 'urgent' }),
    ].join('\n'));
    const res = await getImporter('jsonl').import(p, request());
    expect(res.errors.map(formatIssue)).toEqual([
      'bad.jsonl:1: field "mitreTechnique": no ATT&CK technique id in "Tfoo" (column "attack.technique")',
      'bad.jsonl:1: field "mitreTactic": not an ATT&CK tactic id, name or shortname: "TA9999" (column "attack.tactic")',
      'bad.jsonl:2: field "severity": unknown severity "urgent" (column "sev"); expected LOW|MEDIUM|HIGH|CRITICAL or a value map',
    ]);
  });

  it.skipIf(!hasAttackTable)('--attack: an unknown technique is rejected by default, kept with a warning under warn', async () => {
    const attack = await loadAttackTable(attackTablePath);
    const keys = { sev: 'HIGH', label: 'malicious-execution', origin: 'host.evtx' };
    const p = await file('attack.jsonl', JSON.stringify({ event: { id: 'z', msg: 'EventID: 1 c' }, attack: { technique: ['T1059.001', 'T1999'], tactic: 'execution,impact' }, ...keys }));
    const rejected = await getImporter('jsonl').import(p, request({ attack }));
    expect(rejected.records).toEqual([]);
    expect(rejected.errors.map(formatIssue)).toEqual([
      'attack.jsonl:1: field "mitreTechniques.1": T1999 is not in the ATT&CK table',
    ]);
    const warned = await getImporter('jsonl').import(p, request({ attack, onUnknownTechnique: 'warn' }));
    expect(warned.errors).toEqual([]);
    expect(warned.records).toHaveLength(1);
    expect(warned.warnings.map(formatIssue)).toEqual(['attack.jsonl:1: field "mitreTechniques.1": T1999 is not in the ATT&CK table (kept: --on-unknown-technique warn)']);
    const wrongTactic = await file('tactic.jsonl', JSON.stringify({ event: { id: 'w', msg: 'EventID: 1 d' }, attack: { technique: ['T1059.001', 'T1027'], tactic: 'execution,impact' }, ...keys }));
    expect((await getImporter('jsonl').import(wrongTactic, request({ attack }))).errors.map(formatIssue)).toEqual([
      expect.stringMatching(/^tactic\.jsonl:1: field "mitreTactics\.1": "impact" is not a tactic of any of T1059\.001, T1027/),
    ]);
  });
});

describe('importer registry and mappings', () => {
  it('lists the formats the CLI offers, and names an unknown one', () => {
    expect(importerFormats()).toEqual(expect.arrayContaining(['opensoc-ai', 'jsonl', 'csv']));
    expect(() => getImporter('evtx')).toThrow(/unknown format "evtx"; known: opensoc-ai, jsonl, csv/);
  });
  it('parses --map pairs and mapping files, naming every bad key', () => {
    expect(parseFieldMap('log=message, technique=attack.technique_id,tactics=t')).toEqual({ log: 'message', mitreTechnique: 'attack.technique_id', mitreTactic: 't' });
    expect(() => parseFieldMap('log=message,techniqe=x,severity')).toThrow(MappingError);
    try { parseFieldMap('log=message,techniqe=x,severity'); } catch (e) {
      expect((e as MappingError).problems).toEqual([expect.stringMatching(/^--map: "techniqe" is not a record field/), '--map: "severity" needs FIELD=COLUMN (e.g. log=message)']);
    }
    const m = mappingFromObject({ fields: { log: 'msg', category: 'cls' }, values: { category: { 'Brute Force': 'brute-force' } }, defaults: { source: 'sysmon' }, unknownReason: 'publisher gave tactics only' }, 'map.yaml');
    expect(m).toMatchObject({ fields: { log: 'msg', threatCategory: 'cls' }, values: { threatCategory: { 'Brute Force': 'brute-force' } }, defaults: { source: 'sysmon' } });
    try { mappingFromObject({ fields: { lg: 'x' }, values: { severity: { hi: 'HIGHEST' } }, extra: 1 }, 'map.yaml'); } catch (e) {
      expect((e as MappingError).problems).toEqual([
        'map.yaml: extra: unknown key; expected one of fields, values, defaults, unknownReason, idPrefix, license',
        expect.stringMatching(/^map\.yaml: fields\.lg: not a record field/),
        'map.yaml: values.severity.hi: "HIGHEST" is not a severity (LOW|MEDIUM|HIGH|CRITICAL)',
      ]);
    }
  });
  it('a format that needs a mapping says which field to map; opensoc-ai takes none', async () => {
    const p = await file('x.jsonl', '{}');
    await expect(getImporter('jsonl').import(p, {})).rejects.toThrow(/map the log text, e\.g\. --map log=message/);
    await expect(getImporter('opensoc-ai').import(p, { mapping: { fields: { log: 'x' } } })).rejects.toThrow(/fixed layout/);
  });
});
