import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { fixture, scratchFile } from './importer-test-support.ts';
import { importZeekFile } from './zeek.ts';

describe('importZeekFile', () => {
  it('reads TSV logs by their #fields header (unset and empty fields dropped)', async () => {
    const res = await importZeekFile(fixture('zeek-conn.tsv'));
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.provenance.line, r.source])).toEqual([[9, 'zeek-conn'], [10, 'zeek-conn']]);
    expect(res.records[0]!.fields).toEqual({ ts: '1772449200.000001', uid: 'CAbc123', 'id.orig_h': '10.0.0.5', 'id.orig_p': '49152', 'id.resp_h': '198.51.100.99', 'id.resp_p': '4444', proto: 'tcp', duration: '3600.5', orig_bytes: '1024', resp_bytes: '88000', conn_state: 'SF' });
    expect(res.records[1]!.fields!.resp_bytes).toBeUndefined();
  });
  it('reads JSON logs, naming the log from its keys', async () => {
    const res = await importZeekFile(fixture('zeek-dns.json'));
    expect(res.errors).toEqual([]);
    expect(res.records.map((r) => [r.source, r.fields?.query, r.fields?.answers])).toEqual([
      ['zeek-dns', 'aGVsbG8gd29ybGQ.tunnel.example.net', '["v=1"]'],
      ['zeek-dns', 'www.example.com', '["93.184.216.34"]'],
    ]);
  });
  it('names the line of a row that does not fit the header', async () => {
    const f = await scratchFile('c.log', '#separator \\x09\n#fields\tts\tuid\n1.0\tC1\n2.0\n');
    const res = await importZeekFile(f.path);
    await f.cleanup();
    expect(res.errors.map(formatIssue)).toEqual(['c.log:4: field "uid": line has 1 values, #fields names 2']);
    expect(res.records).toEqual([]);
  });
});
