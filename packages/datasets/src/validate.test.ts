import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAttackTable } from './attack.ts';
import type { AttackTable } from './attack.ts';
import { attackTablePath, hasAttackTable, rec } from './testing.ts';
import { DatasetValidationError, formatIssue, formatReport, readJsonlDataset, validateJsonlFile, validateRecords } from './validate.ts';

let dir: string;
let attack: AttackTable | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensoc-validate-'));
  if (hasAttackTable) attack = await loadAttackTable(attackTablePath);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}
const line = (o: unknown) => JSON.stringify(o);

describe('validateJsonlFile', () => {
  it('accepts a valid file (with or without a final newline) and streams records to onRecord', async () => {
    const p = await file('ok.jsonl', [rec('a'), rec('b')].map(line).join('\n'));
    const seen: number[] = [];
    const report = await validateJsonlFile(p, { onRecord: (_r, n) => seen.push(n) });
    expect(report).toMatchObject({ ok: true, lines: 2, validRecords: 2, errorCount: 0 });
    expect(seen).toEqual([1, 2]);
  });

  it('names file, 1-based line and field for every kind of error, and collects them all', async () => {
    const { severity: _omit, ...noSeverity } = rec('g');
    const lines = [
      line(rec('a')),
      line({ ...rec('b'), severity: 'SEVERE' }),
      '{"id": "c", broken',
      line({ ...rec('d'), log: '   ' }),
      line({ ...rec('a') }),
      line({ ...rec('e'), threatCategory: 'malware', extra: 1 }),
      '',
      line(noSeverity),
      line([1, 2]),
    ];
    const p = await file('data.jsonl', lines.join('\n') + '\n');
    const report = await validateJsonlFile(p);
    const messages = report.errors.map(formatIssue);
    expect(messages).toContain('data.jsonl:2: field "severity": must be one of LOW|MEDIUM|HIGH|CRITICAL (got "SEVERE")');
    expect(messages.some((m) => m.startsWith('data.jsonl:3: malformed JSON'))).toBe(true);
    expect(messages).toContain('data.jsonl:4: field "log": must not be empty');
    expect(messages).toContain('data.jsonl:5: field "id": duplicate id "a" (first on line 1)');
    expect(messages.some((m) => m.startsWith('data.jsonl:6: field "threatCategory": must be one of benign|'))).toBe(true);
    expect(messages).toContain('data.jsonl:6: field "extra": unknown field');
    expect(messages).toContain('data.jsonl:7: blank line');
    expect(messages).toContain('data.jsonl:8: field "severity": is required');
    expect(messages).toContain('data.jsonl:9: expected a JSON object, got array');
    expect(report).toMatchObject({ ok: false, lines: 9, validRecords: 1 });
    expect(formatReport(report)).toMatch(/9 lines, 1 valid record,/);
  });

  it('reports invalid UTF-8 on its line and keeps going', async () => {
    const good = Buffer.from(line(rec('a')) + '\n');
    const bad = Buffer.concat([Buffer.from('{"id":"b","log":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const p = await file('utf8.jsonl', Buffer.concat([good, bad, Buffer.from(line(rec('c')) + '\n')]));
    const report = await validateJsonlFile(p);
    expect(report.errors.map(formatIssue)).toEqual(['utf8.jsonl:2: invalid UTF-8']);
    expect(report.validRecords).toBe(2);
  });

  it('reports a 0-byte file, and a record over the size cap without buffering it', async () => {
    const empty = await validateJsonlFile(await file('empty.jsonl', ''));
    expect(empty.errors.map(formatIssue)).toEqual(['empty.jsonl: file is empty (0 bytes)']);
    const big = line(rec('big', { log: 'x'.repeat(5000) }));
    const report = await validateJsonlFile(await file('big.jsonl', [line(rec('a')), big, line(rec('c'))].join('\n')), { maxRecordBytes: 1000 });
    expect(report.errors.map(formatIssue)).toEqual([`big.jsonl:2: record is ${Buffer.byteLength(big)} bytes, over the 1000-byte cap`]);
    expect(report.validRecords).toBe(2);
  });

  it('enforces the schema log-length cap', async () => {
    const report = await validateJsonlFile(await file('long.jsonl', line(rec('a', { log: 'y'.repeat(40_000) }))));
    expect(report.errors.map(formatIssue)).toEqual(['long.jsonl:1: field "log": must be at most 32768 characters']);
  });

  it('bounds the errors kept but counts all of them', async () => {
    const p = await file('many.jsonl', Array.from({ length: 250 }, () => 'nope').join('\n'));
    const report = await validateJsonlFile(p, { maxErrors: 100 });
    expect(report.errors).toHaveLength(100);
    expect(report.errorCount).toBe(250);
    // A person sees the first 20 and a count, not a screenful per bad line.
    const text = formatReport(report);
    expect(text.split('\n').filter((l) => l.startsWith('many.jsonl:') && /malformed JSON/.test(l))).toHaveLength(20);
    expect(text).toMatch(/and 230 more errors/);
    expect(text).toMatch(/no line is a JSON object; is this a JSONL file/);
  });

  it('caps the lines a binary file produces and counts errors in good grammar', async () => {
    const bytes = new Uint8Array(50_000).map((_, i) => (i * 7919) % 256);
    const p = await file('garbage.bin', bytes);
    const e = await readJsonlDataset(p).catch((x: Error) => x);
    expect(e).toBeInstanceOf(DatasetValidationError);
    expect((e as Error).message.split('\n').length).toBeLessThanOrEqual(25);
    const one = await readJsonlDataset(await file('one.jsonl', 'nope\n')).catch((x: Error) => x);
    expect((one as Error).message).toMatch(/^one\.jsonl: 1 validation error\n/);
    expect((one as Error).message).toMatch(/1 line, 0 valid records, 1 error, 0 warnings/);
  });

  it('handles lines split across stream chunks (multi-byte characters included)', async () => {
    const records = Array.from({ length: 400 }, (_, i) => rec(`r${i}`, { log: `é✓ ${'z'.repeat(i * 3)} 𝄞` }));
    const p = await file('chunks.jsonl', records.map(line).join('\r\n') + '\r\n');
    const loaded = await readJsonlDataset(p);
    expect(loaded.map((r) => r.log)).toEqual(records.map((r) => r.log));
  });

  it.skipIf(!hasAttackTable)('checks techniques against the real ATT&CK table', async () => {
    const lines = [
      line(rec('a', { mitreTechnique: 'T1053.005', mitreTactic: 'persistence' })),
      line(rec('b', { mitreTechnique: 'T9999', mitreTactic: 'execution' })),
      line(rec('c', { mitreTechnique: 'T1110.001', mitreTactic: 'execution' })),
      line(rec('d', { mitreTechnique: 'T1002', mitreTactic: 'exfiltration' })),
      line(rec('e', { mitreTechnique: 'T1026', mitreTactic: 'command-and-control' })),
    ];
    const report = await validateJsonlFile(await file('att.jsonl', lines.join('\n')), { attack });
    const messages = report.errors.map(formatIssue);
    expect(messages).toEqual([
      'att.jsonl:2: field "mitreTechnique": T9999 is not in the ATT&CK table',
      expect.stringMatching(/^att\.jsonl:3: field "mitreTactic": "execution" is not a tactic of T1110\.001/),
      expect.stringMatching(/^att\.jsonl:4: field "mitreTechnique": T1002 \(Data Compressed\) is revoked/),
    ]);
    expect(report.warnings.map(formatIssue)).toEqual([expect.stringMatching(/^att\.jsonl:5: field "mitreTechnique": T1026 .* is deprecated/)]);
    expect(report.validRecords).toBe(2);
  });

  it('readJsonlDataset throws a DatasetValidationError carrying the report', async () => {
    const p = await file('bad.jsonl', line({ ...rec('a'), severity: 'x' }));
    await expect(readJsonlDataset(p)).rejects.toBeInstanceOf(DatasetValidationError);
  });
});

describe('validateRecords', () => {
  it('uses the same messages for in-memory records, with the index as line', () => {
    const report = validateRecords([rec('a'), { ...rec('b'), mitreTechnique: 'T11' }, rec('a')], { file: 'mem' });
    expect(report.errors.map(formatIssue)).toEqual(['mem:2: field "mitreTechnique": must be an ATT&CK id like T1110 or T1110.001', 'mem:3: field "id": duplicate id "a" (first on line 1)']);
  });
});

describe('partial and multi-label records', () => {
  it('names file, line and field for the new fields', async () => {
    const lines = [
      line({ ...rec('a'), severity: null, unknownLabels: { severity: 'not labelled by the publisher' }, provenance: { origin: 'imported', tool: 't', file: 'host.evtx', eventId: '4711' } }),
      line({ ...rec('b'), severity: null }),
      line({ ...rec('c'), mitreTechniques: ['T1110.001', 'T99'] }),
      line({ ...rec('d'), mitreTactics: ['execution', 'credential-access'] }),
      line({ ...rec('e'), unknownLabels: { severity: 'x' } }),
      line({ ...rec('f'), unknownLabels: { colour: 'x' } }),
    ];
    const report = await validateJsonlFile(await file('partial.jsonl', lines.join('\n')));
    expect(report.errors.map(formatIssue)).toEqual([
      'partial.jsonl:2: field "severity": is required; if it is unknown, give the reason in unknownLabels.severity',
      'partial.jsonl:3: field "mitreTechniques.1": must be an ATT&CK id like T1110 or T1110.001',
      'partial.jsonl:4: field "mitreTactics.0": must start with the primary mitreTactic (credential-access)',
      'partial.jsonl:5: field "unknownLabels.severity": must be absent when severity is set',
      expect.stringMatching(/^partial\.jsonl:6: field "unknownLabels\.colour": /),
    ]);
    expect(report.validRecords).toBe(1);
  });

  it.skipIf(!hasAttackTable)('checks every technique of a multi-technique record and its tactics against ATT&CK', () => {
    const report = validateRecords([
      { ...rec('a'), mitreTechnique: 'T1059.001', mitreTechniques: ['T1059.001', 'T1027'], mitreTactic: 'execution', mitreTactics: ['execution', 'defense-evasion'] },
      { ...rec('b'), mitreTechnique: 'T1059.001', mitreTechniques: ['T1059.001', 'T1999'], mitreTactic: 'execution' },
      { ...rec('c'), mitreTechnique: 'T1059.001', mitreTechniques: ['T1059.001', 'T1027'], mitreTactic: 'execution', mitreTactics: ['execution', 'impact'] },
    ], { attack, file: 'm.jsonl' });
    expect(report.errors.map(formatIssue)).toEqual([
      'm.jsonl:2: field "mitreTechniques.1": T1999 is not in the ATT&CK table',
      expect.stringMatching(/^m\.jsonl:3: field "mitreTactics\.1": "impact" is not a tactic of any of T1059\.001, T1027/),
    ]);
    const warned = validateRecords([{ ...rec('b'), mitreTechnique: 'T1059.001', mitreTechniques: ['T1059.001', 'T1999'], mitreTactic: 'execution' }], { attack, file: 'm.jsonl', onUnknownTechnique: 'warn' });
    expect(warned).toMatchObject({ ok: true, warningCount: 1 });
  });
});
