import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyInputs } from './classify-input.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../../packages/datasets/src/importers/fixtures/${name}`, import.meta.url));
const collect = async (it: AsyncGenerator<string>) => {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('classifyInputs', () => {
  it('reads a SOC export one event per log', async () => {
    const logs = await collect(classifyInputs(fixture('windows-events.xml'), 'windows-xml'));
    expect(logs).toHaveLength(4);
    expect(logs[0]).toMatch(/^<Event [^]*<EventID>1<\/EventID>[^]*<\/Event>$/);
    expect(await collect(classifyInputs(fixture('cloudtrail.json'), 'cloudtrail'))).toHaveLength(2);
  });
  it('reads plain lines and the log field of JSONL lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opensoc-classify-'));
    const p = join(dir, 'in.jsonl');
    await writeFile(p, 'plain line\n\n{"log":"from json"}\n');
    expect(await collect(classifyInputs(p, undefined))).toEqual(['plain line', 'from json']);
    await rm(dir, { recursive: true, force: true });
  });
  it('rejects an unknown format and a malformed file, naming the place', async () => {
    await expect(collect(classifyInputs(fixture('auth-log.txt'), 'evtx'))).rejects.toThrow(/unknown format "evtx"; known: windows-xml/);
    await expect(collect(classifyInputs(fixture('auth-log.txt'), 'access-log'))).rejects.toThrow(/auth-log\.txt:1: field "request": not an access-log line/);
  });
});
