import { describe, expect, it } from 'vitest';
import { logTemplate, logTemplateId, maskLine, templatesById } from './template.ts';

describe('maskLine', () => {
  it.each([
    ['10.0.0.1 and 192.168.1.254:8080', '<IP> and <IP>'],
    ['from 2001:db8::1 and fe80::1ff:fe23:4567:890a and ::ffff:10.0.0.1', 'from <IP> and <IP> and <IP>'],
    ['[16/Mar/2025:01:05:33 +0000] [16/Mar/2025:01:05:33]', '[<TS>] [<TS>]'],
    ['2025-03-16T01:05:33.123Z 2025-03-16 01:05:33+02:00', '<TS> <TS>'],
    ['Mar  5 01:05:33 host', '<TS> host'],
    ['18-Mar-2025:09:00:01 16-Mar-2025 01:05:33.123', '<TS> <TS>'],
    ['03/16/2025 01:05:33 AM', '<TS>'],
    ['id=550e8400-e29b-41d4-a716-446655440000', 'id=<UUID>'],
    ['mail j.smith@example.co.uk now', 'mail <EMAIL> now'],
    ['sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 md5 d41d8cd98f00b204e9800998ecf8427e', 'sha<NUM> <HASH> md<NUM> <HASH>'],
    ['GrantedAccess 0x1FFFFF at deadbeef12', 'GrantedAccess <HEX> at <HEX>'],
    ['-enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA', '-enc <BLOB>'],
    ["user='admin' pass=\"hunter2\" ua=\"Mozilla/5.0 (X11)\"", "user='<STR>' pass=\"<STR>\" ua=\"Mozilla/<NUM> (X<NUM>)\""],
    ['C:\\Users\\bob\\x.exe /home/alice/.ssh', 'C:\\Users\\<USER>\\x.exe /home/<USER>/.ssh'],
    ['GET /orders/ab12cd3/items?session=x9y8z7w6', 'GET /orders/<ID>/items?session=<ID>'],
    ['port 22 pid 1234 took 0.25s', 'port <NUM> pid <NUM> took <NUM>s'],
  ])('%s', (input, expected) => {
    expect(maskLine(input)).toBe(expected);
  });

  it('keeps JSON keys and values, and quoted absolute paths, as structure', () => {
    expect(maskLine('{"eventName":"ConsoleLogin","n":3}')).toBe('{"eventName":"ConsoleLogin","n":<NUM>}');
    expect(maskLine('exe="/usr/bin/cat" comm="cat"')).toBe('exe="/usr/bin/cat" comm="<STR>"');
  });

  it('leaves attack payload structure visible', () => {
    expect(maskLine('GET /p?id=1%27%20OR%20%271%27%3D%271 HTTP/1.1')).toBe('GET /p?id=<NUM>%27%20OR%20%27<NUM>%27%3D%27<NUM> HTTP/<NUM>');
    expect(maskLine('GET /f?p=..%252f..%252fetc')).toBe('GET /f?p=..%25<NUM>f..%25<NUM>fetc');
    expect(maskLine('GET /q=<script>alert(1)</script>')).toBe('GET /q=<script>alert(<NUM>)</script>');
  });
});

describe('logTemplate', () => {
  it('drops repeated masked lines, so burst length does not create templates', () => {
    const line = (ip: string, port: number) => `Mar 15 01:05:33 srv sshd[99]: Failed password for root from ${ip} port ${port} ssh2`;
    const short = [line('1.2.3.4', 1), line('1.2.3.4', 2)].join('\n');
    const long = Array.from({ length: 12 }, (_, i) => line('5.6.7.8', i)).join('\r\n');
    expect(logTemplate(short)).toBe(logTemplate(long));
    expect(logTemplateId(short)).toMatch(/^[0-9a-f]{16}$/);
    expect(logTemplateId(short)).toBe(logTemplateId(long));
    expect(logTemplateId(short)).not.toBe(logTemplateId(short.replace('Failed password', 'Accepted password')));
  });
  it('maps templates by record id', () => {
    const m = templatesById([{ id: 'a', log: 'x 1' }, { id: 'b', log: 'x 2' }]);
    expect(m.get('a')!.templateId).toBe(m.get('b')!.templateId);
    expect(m.get('a')!.template).toBe('x <NUM>');
  });
});
