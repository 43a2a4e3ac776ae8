import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, embedded newlines, CRLF and the line each row starts on', () => {
    const text = 'log,label\r\n"a, b",x\r\n"say ""hi""\nsecond line",y\n\nplain,z';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['log', 'label'] },
      { line: 2, fields: ['a, b', 'x'] },
      { line: 3, fields: ['say "hi"\nsecond line', 'y'] },
      { line: 6, fields: ['plain', 'z'] },
    ]);
  });
  it('keeps empty fields and a trailing empty field', () => {
    expect(parseCsv('a,,c,\n').map((r) => r.fields)).toEqual([['a', '', 'c', '']]);
    expect(parseCsv('"",x').map((r) => r.fields)).toEqual([['', 'x']]);
  });
  it('rejects an unterminated quote and a stray quote, naming the line', () => {
    expect(() => parseCsv('a,b\n"open,c\nmore')).toThrow(/line 2: unterminated quoted field/);
    expect(() => parseCsv('a,b\nab"c,d')).toThrow(/line 2: quote inside an unquoted field/);
    expect(() => parseCsv('"a"b,c')).toThrow(/line 1: unexpected character after closing quote/);
  });
});
