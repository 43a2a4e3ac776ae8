import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { fixture, scratchFile } from './importer-test-support.ts';
import { importSyslogFile } from './syslog.ts';

describe('importSyslogFile', () => {
  it('parses auth.log lines (BSD, ISO and RFC 5424 stamps): sshd, sudo, useradd, PAM', async () => {
    const res = await importSyslogFile(fixture('auth-log.txt'), { defaults: { threatCategory: 'benign', severity: 'LOW' } });
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.provenance.line, r.source, r.fields?.program, r.threatCategory])).toEqual([
      [1, 'sshd', 'sshd', 'benign'],
      [2, 'sshd', 'sshd', 'benign'],
      [3, 'linux-auth', 'sudo', 'benign'],
      [4, 'linux-auth', 'useradd', 'benign'],
      [5, 'linux-auth', 'CRON', 'benign'],
    ]);
    const [failed, accepted, sudo, useradd, cron] = res.records;
    expect(failed!.fields).toMatchObject({ host: 'bastion', pid: '2211', sshEvent: 'failed-login', invalidUser: 'true', user: 'oracle', sourceIp: '203.0.113.9', sourcePort: '40122' });
    expect(accepted!.fields).toMatchObject({ sshEvent: 'accepted-login', authMethod: 'publickey', user: 'deploy' });
    expect(sudo!.fields).toMatchObject({ user: 'deploy', targetUser: 'root', command: '/usr/bin/cat /etc/shadow', pwd: '/home/deploy' });
    expect(useradd!.fields).toMatchObject({ timestamp: '2026-03-02T10:32:00.123456+00:00', accountChange: 'new user' });
    expect(cron!.fields).toMatchObject({ priority: '86', pamService: 'cron', user: 'root' });
  });

  it('names the line of a line that is not syslog and stores nothing', async () => {
    const f = await scratchFile('mixed.log', 'Mar  2 10:30:01 h sshd[1]: ok\nthis is not syslog\n');
    const res = await importSyslogFile(f.path);
    await f.cleanup();
    expect(res.errors.map(formatIssue)).toEqual([expect.stringMatching(/^mixed\.log:2: field "timestamp": not a syslog line/)]);
    expect(res.records).toEqual([]);
  });
});

describe('event importers on an empty file', () => {
  it('say the file has no events', async () => {
    const f = await scratchFile('empty.log', '\n\n');
    const res = await importSyslogFile(f.path);
    await f.cleanup();
    expect(res.errors.map(formatIssue)).toEqual(['empty.log: file has no events']);
  });
});
