import { describe, expect, it } from 'vitest';
import { base64Offsets, cidrPredicate, compileFieldCondition, compileKeywords, UnsupportedRule, windashVariants } from './modifiers.ts';

const cond = (key: string, value: unknown) => {
  const [field, ...mods] = key.split('|');
  const c = compileFieldCondition(field!, mods, value);
  return (fields: Record<string, string>) => c.test((f) => fields[f]);
};

describe('Sigma field modifiers', () => {
  it('plain values: case-insensitive equality with * and ? wildcards and escapes', () => {
    const eq = cond('Image', 'C:\\Windows\\\\*\\cmd.exe'); // \\* is a backslash then a wildcard; \* alone is a literal star
    expect(eq({ Image: 'c:\\windows\\system32\\CMD.EXE' })).toBe(true);
    expect(eq({ Image: 'c:\\windows\\system32\\cmd.exe.bak' })).toBe(false);
    expect(eq({})).toBe(false);
    expect(cond('X', 'a?c')({ X: 'abc' })).toBe(true);
    expect(cond('X', 'a\\*c')({ X: 'abc' })).toBe(false);
    expect(cond('X', 'a\\*c')({ X: 'a*c' })).toBe(true);
    expect(cond('EventID', 4688)({ EventID: '4688' })).toBe(true);
  });
  it('contains, startswith, endswith; lists are OR, all makes them AND', () => {
    expect(cond('CommandLine|contains', ['-enc', 'iex'])({ CommandLine: 'powershell IEX(x)' })).toBe(true);
    expect(cond('CommandLine|contains|all', ['-nop', 'iex'])({ CommandLine: 'powershell IEX(x)' })).toBe(false);
    expect(cond('CommandLine|contains|all', ['-nop', 'iex'])({ CommandLine: 'powershell -NoP -nop iex' })).toBe(true);
    expect(cond('Image|startswith', 'C:\\Users\\')({ Image: 'c:\\users\\a\\x.exe' })).toBe(true);
    expect(cond('Image|endswith', '\\rundll32.exe')({ Image: 'C:\\Windows\\System32\\rundll32.exe' })).toBe(true);
    expect(cond('Image|endswith', '\\rundll32.exe')({ Image: 'C:\\rundll32.exe.tmp' })).toBe(false);
    expect(cond('Image|contains', 'a*b')({ Image: 'xxaYYbxx' })).toBe(true);
  });
  it('cased makes matching case-sensitive', () => {
    expect(cond('X|contains|cased', 'Mimikatz')({ X: 'mimikatz' })).toBe(false);
    expect(cond('X|contains|cased', 'Mimikatz')({ X: 'run Mimikatz' })).toBe(true);
  });
  it('re: JavaScript regex, case-sensitive unless i or an inline (?i)', () => {
    expect(cond('X|re', '^a.c$')({ X: 'abc' })).toBe(true);
    expect(cond('X|re', '^a.c$')({ X: 'ABC' })).toBe(false);
    expect(cond('X|re|i', '^a.c$')({ X: 'ABC' })).toBe(true);
    expect(cond('X|re', '(?i)^a.c$')({ X: 'ABC' })).toBe(true);
    expect(() => cond('X|re', '(?<=a')).toThrow(UnsupportedRule);
  });
  it('base64offset finds a string base64-encoded at any offset; wide encodes UTF-16LE first', () => {
    const variants = base64Offsets(Buffer.from('http://'));
    for (const prefix of ['', 'a', 'ab']) {
      const encoded = Buffer.from(`${prefix}http://evil`).toString('base64');
      expect(variants.some((v) => encoded.includes(v))).toBe(true);
    }
    const c = cond('CommandLine|base64offset|contains', 'http://');
    expect(c({ CommandLine: `powershell -e ${Buffer.from('xIEX http://x').toString('base64')}` })).toBe(true);
    expect(c({ CommandLine: `powershell -e ${Buffer.from('nothing here').toString('base64')}` })).toBe(false);
    const wide = cond('CommandLine|wide|base64offset|contains', 'IEX');
    expect(wide({ CommandLine: `-enc ${Buffer.from('$a; IEX $b', 'utf16le').toString('base64')}` })).toBe(true);
    expect(wide({ CommandLine: `-enc ${Buffer.from('$a; IEX $b').toString('base64')}` })).toBe(false);
    expect(cond('X|base64', 'abc')({ X: 'YWJj' })).toBe(true);
  });
  it('cidr: IPv4 and IPv6 networks', () => {
    const c = cond('DestinationIp|cidr', ['10.0.0.0/8', '192.168.0.0/16', 'fe80::/10']);
    expect(c({ DestinationIp: '10.200.3.4' })).toBe(true);
    expect(c({ DestinationIp: '11.0.0.1' })).toBe(false);
    expect(c({ DestinationIp: 'fe80::1ff:fe23:4567:890a' })).toBe(true);
    expect(c({ DestinationIp: '2001:db8::1' })).toBe(false);
    expect(c({ DestinationIp: 'not-an-ip' })).toBe(false);
    expect(cidrPredicate('::ffff:0:0/96')('::ffff:10.1.2.3')).toBe(true);
    expect(() => cidrPredicate('10.0.0.0/33')).toThrow(UnsupportedRule);
  });
  it('windash: a switch written with -, /, en dash, em dash or horizontal bar', () => {
    expect(windashVariants('-enc')).toEqual(['-enc', '/enc', '\u2013enc', '\u2014enc', '\u2015enc']);
    const c = cond('CommandLine|windash|contains', ' -urlcache ');
    expect(c({ CommandLine: 'certutil /urlcache /f http://x a' })).toBe(true);
    expect(c({ CommandLine: 'certutil \u2013urlcache -f http://x a' })).toBe(true);
    expect(c({ CommandLine: 'certutil urlcache' })).toBe(false);
  });
  it('null matches an absent or empty field; exists and numeric comparisons', () => {
    expect(cond('ParentImage', null)({})).toBe(true);
    expect(cond('ParentImage', null)({ ParentImage: 'x' })).toBe(false);
    expect(cond('ParentImage|exists', true)({ ParentImage: 'x' })).toBe(true);
    expect(cond('ParentImage|exists', false)({ ParentImage: 'x' })).toBe(false);
    expect(cond('LogonType|gte', 10)({ LogonType: '10' })).toBe(true);
    expect(cond('LogonType|lt', 3)({ LogonType: '10' })).toBe(false);
  });
  it('rejects modifiers it does not know, instead of matching wrongly', () => {
    expect(() => cond('X|expand', '%var%')).toThrow(UnsupportedRule);
  });
  it('keywords search the whole text', () => {
    const kw = compileKeywords(['Accepted publickey', 'pam_unix*session opened']);
    expect(kw('sshd[1]: Accepted publickey for a')).toBe(true);
    expect(kw('CRON[2]: pam_unix(cron:session): session opened for user root')).toBe(true);
    expect(kw('nothing')).toBe(false);
  });
});
