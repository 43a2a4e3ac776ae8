import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { fieldPath, jsonErrorOffset, parseSpecText, readSpecFile } from './spec-file.ts';
import { parseSweepSpec } from './sweeps.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-spec-'));
const write = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };
const failure = async (f: () => unknown) => { try { await f(); } catch (e) { return e as Error; } throw new Error('expected a failure'); };

const valid = `name: ok
dataset: soc-corpus
split: {kind: template-grouped-kfold, k: 3}
baseModel: {kind: pretrain}
search: {kind: grid, grid: {ranks: [4], alphas: [8]}}
`;

describe('sweep spec files', () => {
  it('names a missing file as not found and an empty one as invalid', async () => {
    const missing = await failure(() => readSpecFile(path.join(dir, 'nope.yaml')));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toMatch(/nope\.yaml not found/);
    expect(await failure(() => readSpecFile(write('empty.yaml', '\n')))).toBeInstanceOf(InvalidInputError);
    expect((await failure(() => readSpecFile(dir))).message).toMatch(/is a directory/);
  });

  it('reports YAML and JSON syntax errors with file, line and column', async () => {
    const yaml = await failure(() => readSpecFile(write('bad.yaml', 'name: x\nsplit:\n  kind: a\n   k: 3\n')));
    expect(yaml).toBeInstanceOf(InvalidInputError);
    expect(yaml.message).toMatch(/bad\.yaml:3:9: Nested mappings/);
    const dup = await failure(() => readSpecFile(write('dup.yaml', 'name: x\nname: y\n')));
    expect(dup.message).toMatch(/dup\.yaml:2:1: .*unique/i);
    const json = await failure(() => readSpecFile(write('bad.json', '{\n  "name": "x",\n  "dataset": }\n')));
    expect(json.message).toMatch(/bad\.json:3:14: /);
  });

  it('lists every field error with its line, column and path', async () => {
    const text = valid.replace('dataset: soc-corpus', 'dataset: soc@zz').replace('ranks: [4]', 'ranks: [0, 4]') + 'modes: [bad]\nextra: 1\n';
    const f = parseSpecText(text, 'fields.yaml');
    const e = await failure(() => parseSweepSpec(f.value, 'fields.yaml', f.locate));
    expect(e.message).toMatch(/invalid sweep spec \(4 errors\)/);
    expect(e.message).toContain('fields.yaml:2:1: dataset: must be NAME, NAME@latest or NAME@HASH');
    expect(e.message).toMatch(/fields\.yaml:5:\d+: search\.grid\.ranks\[0\]: must be >= 1/);
    expect(e.message).toMatch(/fields\.yaml:6:\d+: modes\[0\]: must be one of generate-strict \| generate-fuzzy \| label-scoring/);
    expect(e.message).toContain('fields.yaml:7:1: extra: unknown field');
  });

  it('says which required fields are missing and accepts bare dataset names', () => {
    expect(() => parseSweepSpec({ name: 'x' }, 's.json')).toThrow(/s\.json: dataset: is required[\s\S]*evaluation: is required/);
    const f = parseSpecText(valid, 'ok.yaml');
    expect(parseSweepSpec(f.value, 'ok.yaml', f.locate).dataset).toBe('soc-corpus');
    expect(fieldPath(['search', 'grid', 'ranks', 0])).toBe('search.grid.ranks[0]');
    expect(fieldPath([])).toBe('(root)');
  });
});

describe('jsonErrorOffset', () => {
  it('finds where text stops being JSON', () => {
    expect(jsonErrorOffset('{"a": }')).toBe(6);
    expect(jsonErrorOffset('{"a": 1,}')).toBe(8);
    expect(jsonErrorOffset('[1, 2')).toBe(5);
    expect(jsonErrorOffset('{"a": tru}')).toBe(6);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
  });
});
