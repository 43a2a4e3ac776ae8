import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { UNLABELLED_REASON } from './events.ts';
import { fixture, scratchFile } from './importer-test-support.ts';
import { importWindowsXmlFile } from './windows-xml.ts';

describe('importWindowsXmlFile', () => {
  it('parses Sysmon, Security, System and PowerShell events with their fields, labels from a sidecar', async () => {
    const res = await importWindowsXmlFile(fixture('windows-events.xml'), { sidecar: fixture('windows-events.sidecar.json') });
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.provenance.line, r.source, r.fields?.EventID, r.mitreTechnique])).toEqual([
      [2, 'sysmon', '1', 'T1059.001'],
      [3, 'windows-security', '4625', 'T1110'],
      [22, 'windows-system', '7045', null],
      [23, 'powershell', '4104', null],
    ]);
    const [sysmon, logon, service, ps] = res.records;
    expect(sysmon!.fields).toMatchObject({ Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', ParentImage: 'C:\\Windows\\explorer.exe', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws-017.corp.example' });
    expect(sysmon!.fields!.CommandLine).toContain('"IEX (New-Object');
    expect(sysmon!.log.startsWith('<Event ') && sysmon!.log.endsWith('</Event>')).toBe(true);
    expect(logon!.fields).toMatchObject({ TargetUserName: 'administrator', LogonType: '3', IpAddress: '203.0.113.50' });
    expect(service!.fields).toMatchObject({ ServiceName: 'updater', ImagePath: '%COMSPEC% /c echo test > \\\\.\\pipe\\updater' });
    expect(ps!.fields!.ScriptBlockText).toBe('Get-Process | Where-Object { $_.Name -eq "lsass" }');
    expect(ps!.fields!.Path).toBeUndefined();
    expect(service!.unknownLabels).toEqual({ threatCategory: UNLABELLED_REASON, threatType: UNLABELLED_REASON, mitreTechnique: UNLABELLED_REASON, mitreTactic: UNLABELLED_REASON, severity: UNLABELLED_REASON });
  });

  it('names line and field for malformed XML and a missing EventID, storing nothing', async () => {
    const good = '<Event><System><EventID>1</EventID></System></Event>\n';
    for (const [text, want] of [
      [good + '<Event><System><EventID>2</EventID></Syste></Event>', 'bad.xml:2: malformed XML: end tag </Syste> does not match <System> (line 2)'],
      [good + '<Event>\n<System><Channel>Security</Channel></System></Event>', 'bad.xml:2: field "EventID": event has no EventID'],
      [good + '<Event><System><EventID>1</EventID></System>', 'bad.xml:2: malformed XML: element <Event> is never closed'],
      [good + '<Event><System><EventID>x&bogus;</EventID></System></Event>', 'bad.xml:2: malformed XML: unknown entity "&bogus;"'],
    ] as const) {
      const f = await scratchFile('bad.xml', text);
      const res = await importWindowsXmlFile(f.path);
      await f.cleanup();
      expect(res.errors.map(formatIssue)).toEqual([want]);
      expect(res.records).toEqual([]);
    }
  });

  it('rejects a sidecar entry for a position without an event, and a bad label', async () => {
    const f = await scratchFile('one.xml', '<Event><System><EventID>1</EventID></System></Event>');
    const side = await scratchFile('side.json', JSON.stringify({ events: { '1': { threatCategory: 'ransomwere' }, '9': { severity: 'LOW' } } }));
    const res = await importWindowsXmlFile(f.path, { sidecar: side.path });
    await f.cleanup();
    await side.cleanup();
    expect(res.errors.map(formatIssue)).toEqual(['one.xml:1: field "threatCategory": unknown label "ransomwere"', 'one.xml: field "sidecar": labels for position 9, which has no event']);
    expect(res.records).toEqual([]);
  });
});
