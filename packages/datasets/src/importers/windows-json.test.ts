import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { fixture, scratchFile } from './importer-test-support.ts';
import { importWindowsJsonFile, parseWindowsJson } from './windows-json.ts';

describe('importWindowsJsonFile', () => {
  it('reads Winlogbeat (ECS) and NXLog lines into Windows field names, labels from a mapped field', async () => {
    const res = await importWindowsJsonFile(fixture('windows-events.jsonl'), { labelFields: { mitreTechnique: 'label' } });
    expect(res.errors).toEqual([]);
    const [wlb, nx] = res.records;
    expect(wlb).toMatchObject({ source: 'windows-security', mitreTechnique: 'T1033', threatCategory: null, provenance: { line: 1, tool: 'windows-json-importer' } });
    expect(wlb!.unknownLabels?.threatCategory).toBe('not given by the label source');
    expect(wlb!.fields).toMatchObject({ EventID: '4688', Channel: 'Security', Computer: 'ws-017.corp.example', NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', Message: 'A new process has been created.' });
    expect(nx).toMatchObject({ source: 'sysmon', mitreTechnique: 'T1547.001' });
    expect(nx!.fields).toMatchObject({ EventID: '13', Provider: 'Microsoft-Windows-Sysmon', Computer: 'ws-018.corp.example', TargetObject: expect.stringContaining('CurrentVersion\\Run\\Updater') });
    expect(nx!.fields!.Keywords).toBeUndefined();
  });

  it('reads evtx_dump JSON documents (one pretty-printed event)', () => {
    const doc = { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } }, EventID: { '#text': 1102, '#attributes': { Qualifiers: '' } }, Channel: 'Security', Computer: 'dc1' }, UserData: { LogFileCleared: { '#attributes': { xmlns: 'x' }, SubjectUserName: 'eve' } } } };
    const [ev] = parseWindowsJson(JSON.stringify(doc, null, 2));
    expect(ev).toMatchObject({ source: 'windows-security', index: 0, fields: { EventID: '1102', Provider: 'Microsoft-Windows-Security-Auditing', SubjectUserName: 'eve' } });
  });

  it('names the line and field of malformed input and stores nothing', async () => {
    const f = await scratchFile('bad.jsonl', '{"EventID": 1, "Channel": "Security"}\n{"Channel": "Security"}\n{oops\n');
    const res = await importWindowsJsonFile(f.path);
    expect(res.errors.map(formatIssue)).toEqual([expect.stringMatching(/^bad\.jsonl:3: malformed JSON/)]);
    const g = await scratchFile('noid.jsonl', '{"EventID": 1}\n{"Channel": "Security"}\n');
    const res2 = await importWindowsJsonFile(g.path);
    await f.cleanup();
    await g.cleanup();
    expect(res2.errors.map(formatIssue)).toEqual(['noid.jsonl:2: field "EventID": no event id (winlog.event_id, EventID or Event.System.EventID)']);
    expect(res2.records).toEqual([]);
  });
});
