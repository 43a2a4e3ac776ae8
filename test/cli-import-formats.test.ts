import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@opensoc/contracts';
import { listDatasetVersions } from '@opensoc/db';
import { importerFormats } from '@opensoc/datasets';
import { runCliAll } from './support/cli.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { repoRoot } from './support/services.ts';

let p: TestPlatform;
beforeAll(async () => { p = await testPlatform('cliformats'); });
afterAll(async () => { await p?.close(); });

const fixture = (name: string) => path.join(repoRoot, 'packages/datasets/src/importers/fixtures', name);

interface FormatCase {
  file: string;
  args?: string[];
  /** What the stored records must show: per record, a few fields (and labels where the file or a sidecar gives them). */
  expected: Partial<Record<keyof DatasetRecord | `fields.${string}`, string | null>>[];
}

/** One committed fixture per registered format; a format missing here fails the first test. */
const FORMATS: Record<string, FormatCase> = {
  'opensoc-ai': { file: 'opensoc-ai.json', expected: [{ source: 'apache-access', threatCategory: 'sql-injection', mitreTechnique: 'T1190', severity: 'CRITICAL' }, { source: 'sshd', threatCategory: 'brute-force', mitreTechnique: 'T1110' }] },
  jsonl: {
    file: 'events.jsonl', args: ['--map', 'log=message,category=labels.category,technique=labels.technique,tactic=labels.tactic,severity=labels.severity'],
    expected: [{ source: 'sshd', threatCategory: 'brute-force', mitreTechnique: 'T1110.001', mitreTactic: 'credential-access' }, { source: 'apache-access', threatCategory: 'benign', mitreTechnique: null }],
  },
  csv: {
    file: 'events.csv', args: ['--map', 'log=message,category=category,technique=technique,tactic=tactic,severity=severity'],
    expected: [{ source: 'sshd', threatCategory: 'brute-force', severity: 'HIGH' }, { source: 'apache-access', threatCategory: 'benign', severity: 'LOW' }],
  },
  'windows-xml': {
    file: 'windows-events.xml', args: ['--sidecar', fixture('windows-events.sidecar.json')],
    expected: [
      { source: 'sysmon', 'fields.EventID': '1', 'fields.Image': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', threatCategory: 'malicious-execution', mitreTechnique: 'T1059.001' },
      { source: 'windows-security', 'fields.EventID': '4625', 'fields.TargetUserName': 'administrator', threatCategory: 'brute-force' },
      { source: 'windows-system', 'fields.EventID': '7045', 'fields.ServiceName': 'updater', threatCategory: null },
      { source: 'powershell', 'fields.EventID': '4104', threatCategory: null },
    ],
  },
  'windows-json': { file: 'windows-events.jsonl', expected: [{ source: 'windows-security', 'fields.EventID': '4688', 'fields.CommandLine': 'whoami /all' }, { source: 'sysmon' }] },
  syslog: { file: 'syslog.txt', expected: [{ source: 'syslog', 'fields.program': 'kernel', 'fields.host': 'web-01' }, { 'fields.program': 'systemd', 'fields.priority': '30' }, { 'fields.program': 'nginx', 'fields.pid': '812' }] },
  'auth-log': {
    file: 'auth-log.txt',
    expected: [{ source: 'sshd', 'fields.sshEvent': 'failed-login', 'fields.user': 'oracle' }, { 'fields.sshEvent': 'accepted-login' }, { 'fields.program': 'sudo', 'fields.command': '/usr/bin/cat /etc/shadow' }, { 'fields.program': 'useradd' }, { 'fields.program': 'CRON' }],
  },
  'access-log': { file: 'access-log.txt', expected: [{ source: 'apache-access', 'fields.method': 'GET', 'fields.status': '200' }, { 'fields.status': '500' }, { 'fields.method': 'POST', 'fields.user': 'admin' }] },
  cloudtrail: { file: 'cloudtrail.json', expected: [{ source: 'cloudtrail', 'fields.eventName': 'CreateAccessKey', threatCategory: null }, { 'fields.eventName': 'StopLogging', threatCategory: null }] },
  zeek: { file: 'zeek-conn.tsv', expected: [{ source: 'zeek-conn', 'fields.id.resp_p': '4444', 'fields.proto': 'tcp' }, { 'fields.service': 'dns' }] },
};

/** One malformed fixture per format family (XML, JSON lines, JSON document, syslog-style lines, Zeek TSV, CSV): the error names file, line (or event index) and field; nothing is stored. */
const MALFORMED: [format: string, file: string, args: string[], error: RegExp][] = [
  ['windows-xml', 'malformed/windows-events.xml', [], /windows-events\.xml:3: field "EventID": event has no EventID/],
  ['windows-json', 'malformed/windows-events.jsonl', [], /windows-events\.jsonl:2: malformed JSON/],
  ['cloudtrail', 'malformed/cloudtrail.json', [], /cloudtrail\.json\[1\]: field "eventName": is required/],
  ['syslog', 'malformed/syslog.txt', [], /syslog\.txt:2: field "timestamp": not a syslog line/],
  ['zeek', 'malformed/zeek-conn.tsv', [], /zeek-conn\.tsv:9: field "id\.resp_h": line has 4 values, #fields names 12/],
  ['csv', 'malformed/events.csv', ['--map', 'log=message,category=category'], /events\.csv:3: field "category": row has 1 fields, header has 2/],
];

const stored = async (name: string): Promise<DatasetRecord[]> => {
  const [version] = await listDatasetVersions(p.db.db, name);
  return (await p.store.getText(version!.objectKey)).trim().split('\n').map((l) => JSON.parse(l) as DatasetRecord);
};

const valueAt = (r: DatasetRecord, key: string) => (key.startsWith('fields.') ? r.fields?.[key.slice('fields.'.length)] : (r as unknown as Record<string, unknown>)[key]);

describe('opensoc dataset import --format, every registered format (CLI, real PostgreSQL and S3)', () => {
  it('imports each format\'s fixture, keeping parsed fields and the labels a file, mapping or sidecar gives', async () => {
    expect(Object.keys(FORMATS).sort()).toEqual(importerFormats().sort());
    const formats = Object.keys(FORMATS);
    const results = await runCliAll(p, formats.map((f) => ['dataset', 'import', fixture(FORMATS[f]!.file), '--format', f, ...(FORMATS[f]!.args ?? []), '--name', `fmt-${f}`, '--json']));
    for (const [i, f] of formats.entries()) {
      const r = results[i]!;
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      const { expected } = FORMATS[f]!;
      expect(JSON.parse(r.stdout).records, f).toBe(expected.length);
      // In file order: by the records' provenance line (array index for JSON documents).
      const records = (await stored(`fmt-${f}`)).sort((a, b) => (a.provenance.line ?? 0) - (b.provenance.line ?? 0));
      expected.forEach((want, j) => {
        for (const [k, v] of Object.entries(want)) expect(valueAt(records[j]!, k), `${f} record ${j} ${k}`).toEqual(v);
      });
      expect(records.every((x) => x.provenance.origin === 'imported'), f).toBe(true);
    }
  });

  it('rejects a malformed file of each format family naming file, line or index, and field, and stores nothing', async () => {
    const results = await runCliAll(p, MALFORMED.map(([f, file, args]) => ['dataset', 'import', fixture(file), '--format', f, ...args, '--name', `bad-${f}`]));
    for (const [i, [f, , , error]] of MALFORMED.entries()) {
      const r = results[i]!;
      expect(r.code, `${f}: ${r.stderr}`).toBe(2);
      expect(r.stderr, f).toMatch(error);
      expect(r.stderr, f).toMatch(/nothing stored/);
      expect(await listDatasetVersions(p.db.db, `bad-${f}`), f).toHaveLength(0);
    }
  });
});
