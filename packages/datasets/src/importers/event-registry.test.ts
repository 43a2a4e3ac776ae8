import { describe, expect, it } from 'vitest';
import { formatIssue } from '../validate.ts';
import { EVENT_FORMATS } from './event-formats.ts';
import { fixture } from './importer-test-support.ts';
import { getImporter } from './index.ts';

/** One committed fixture per SOC export format, imported the way `opensoc dataset import --format` does. */
const FIXTURES: Record<(typeof EVENT_FORMATS)[number], [string, number]> = {
  'windows-xml': ['windows-events.xml', 4],
  'windows-json': ['windows-events.jsonl', 2],
  syslog: ['auth-log.txt', 5],
  'auth-log': ['auth-log.txt', 5],
  'access-log': ['access-log.txt', 3],
  cloudtrail: ['cloudtrail.json', 2],
  zeek: ['zeek-conn.tsv', 2],
};

describe('SOC export formats in the importer registry', () => {
  it('imports each format fixture, unlabelled ones for classification', async () => {
    expect(EVENT_FORMATS.every((f) => FIXTURES[f] !== undefined)).toBe(true);
    for (const format of EVENT_FORMATS) {
      const [name, count] = FIXTURES[format];
      const res = await getImporter(format).import(fixture(name), {});
      expect(res.errors.map(formatIssue), format).toEqual([]);
      expect(res.records, format).toHaveLength(count);
      expect(res.records.every((r) => r.fields !== undefined && r.threatCategory === null && r.unknownLabels?.threatCategory !== undefined), format).toBe(true);
    }
  });
  it('takes labels from mapped parsed fields, defaults and a sidecar', async () => {
    const mapped = await getImporter('windows-json').import(fixture('windows-events.jsonl'), { mapping: { fields: { mitreTechnique: 'label' }, defaults: { threatCategory: 'malicious-execution' } } });
    expect(mapped.records.map((r) => [r.mitreTechnique, r.threatCategory])).toEqual([['T1033', 'malicious-execution'], ['T1547.001', 'malicious-execution']]);
    const side = await getImporter('windows-xml').import(fixture('windows-events.xml'), { sidecar: fixture('windows-events.sidecar.json') });
    expect(side.records.map((r) => r.mitreTechnique)).toEqual(['T1059.001', 'T1110', null, null]);
  });
  it('names file, line and field of malformed input through the registry too', async () => {
    const res = await getImporter('access-log').import(fixture('auth-log.txt'), {});
    expect(res.errors.map(formatIssue)).toEqual(['auth-log.txt:1: field "request": not an access-log line (expected combined or common log format)']);
    expect(res.records).toEqual([]);
  });
});
