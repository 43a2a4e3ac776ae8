import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@opensoc/contracts';
import { rec } from './testing.ts';
import { canonicalJson, datasetHash, serializeDataset, sha256Hex } from './canonical.ts';

describe('canonical serialization', () => {
  it('sorts keys recursively and normalizes newlines inside strings', () => {
    expect(canonicalJson({ b: 1, a: { d: 'x\r\ny\rz', c: [{ z: 1, y: 2 }] } })).toBe('{"a":{"c":[{"y":2,"z":1}],"d":"x\\ny\\nz"},"b":1}');
  });
  it('drops undefined like JSON and rejects non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });
  it('sorts records by id, one line each, trailing newline; hash is independent of input order and key order', () => {
    const a = rec('b');
    const b = rec('a', { log: 'line one\r\nline two' });
    const text = serializeDataset([a, b]);
    expect(text.split('\n')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text.split('\n')[0]!).id).toBe('a');
    expect(JSON.parse(text.split('\n')[0]!).log).toBe('line one\nline two');
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as DatasetRecord;
    expect(datasetHash([b, reordered])).toBe(datasetHash([a, b]));
    expect(datasetHash([a, b])).toBe(sha256Hex(text));
    expect(datasetHash([a, rec('a', { log: 'line one\nline two!' })])).not.toBe(datasetHash([a, b]));
  });
  it('refuses duplicate ids', () => {
    expect(() => serializeDataset([rec('x'), rec('x')])).toThrow(/duplicate record id "x"/);
  });
  it('uses code-unit order, not locale order', () => {
    const text = serializeDataset([rec('a'), rec('B'), rec('é')]);
    expect(text.split('\n').slice(0, 3).map((l) => JSON.parse(l).id)).toEqual(['B', 'a', 'é']);
  });
});
