import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { importAccessLogFile, parseAccessLog } from './access-log.ts';
import { fixture, scratchFile } from './importer-test-support.ts';

describe('importAccessLogFile', () => {
  it('parses combined and common format lines', async () => {
    const res = await importAccessLogFile(fixture('access-log.txt'), { source: 'nginx-access' });
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => r.source)).toEqual(['nginx-access', 'nginx-access', 'nginx-access']);
    expect(res.records[1]!.fields).toEqual({ clientIp: '203.0.113.77', time: '02/Mar/2026:10:40:02 +0000', method: 'GET', url: '/products.php?id=1%27%20UNION%20SELECT%20user,pass%20FROM%20users--', protocol: 'HTTP/1.1', status: '500', bytes: '312', userAgent: 'sqlmap/1.8' });
    expect(res.records[2]!.fields).toMatchObject({ user: 'admin', method: 'POST', status: '302', bytes: '0' });
    expect(res.records[2]!.fields!.userAgent).toBeUndefined();
  });
  it('names the line of a malformed request line', async () => {
    const f = await scratchFile('a.log', '1.2.3.4 - - [02/Mar/2026:10:40:01 +0000] "GET / HTTP/1.1" 200 1\n1.2.3.4 - - [bad "GET /\n');
    const res = await importAccessLogFile(f.path);
    await f.cleanup();
    expect(res.errors.map(formatIssue)).toEqual(['a.log:2: field "request": not an access-log line (expected combined or common log format)']);
    expect(res.records).toEqual([]);
  });
});

describe('parseAccessLog with unescaped quotes in the request', () => {
  it('runs the request to the last quote before status and bytes', () => {
    const [ev] = parseAccessLog('1.2.3.4 - - [16/Mar/2025:01:05:33] "GET /s?q="><script>alert(1)</script> HTTP/1.1" 400 0 "-" "Mozilla/5.0"');
    expect(ev!.fields).toMatchObject({ method: 'GET', url: '/s?q="><script>alert(1)</script>', protocol: 'HTTP/1.1', status: '400', userAgent: 'Mozilla/5.0' });
  });
});
