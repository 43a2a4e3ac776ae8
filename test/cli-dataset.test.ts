import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDatasetVersions } from '@opensoc/db';
import { corpusSample } from './support/corpus.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { runCli } from './support/cli.ts';
import { repoRoot } from './support/services.ts';

let p: TestPlatform;
const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-cli-'));
const records = corpusSample(3);
const jsonl = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

beforeAll(async () => { p = await testPlatform('clidata'); });
afterAll(async () => { await p?.close(); });

/** Runs the real `opensoc` CLI against the real test services. */
const opensoc = (...args: string[]) => runCli(p, ...args);

describe('opensoc dataset (CLI, real PostgreSQL and S3)', () => {
  let first: string;

  it('pushes a valid file, and the same content again is a no-op with the same id', async () => {
    writeFileSync(path.join(dir, 'a.jsonl'), jsonl(records));
    const a = await opensoc('dataset', 'push', path.join(dir, 'a.jsonl'), '--name', 'logs', '--json');
    expect(a.code).toBe(0);
    first = JSON.parse(a.stdout).hash;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    // Same records in another order and key order: same canonical bytes, same version.
    writeFileSync(path.join(dir, 'a2.jsonl'), jsonl([...records].reverse()));
    const again = await opensoc('dataset', 'push', path.join(dir, 'a2.jsonl'), '--name', 'logs', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ hash: first, created: false });
    expect(await p.store.list('datasets/logs/')).toEqual([`datasets/logs/${first}.jsonl`]);
  });

  it('rejects bad input naming file, line and field, and stores nothing', async () => {
    const bad = [JSON.stringify(records[0]), '{"id": "broken", ', JSON.stringify({ ...records[1], severity: 'SEVERE' }), JSON.stringify({ ...records[2], mitreTechnique: 'T99' }), JSON.stringify({ ...records.find((x) => x.mitreTechnique !== null)!, id: 'unknown-technique', mitreTechnique: 'T9999.999' })].join('\n');
    writeFileSync(path.join(dir, 'bad.jsonl'), bad);
    const r = await opensoc('dataset', 'push', path.join(dir, 'bad.jsonl'), '--name', 'logs');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl:2: malformed JSON/);
    expect(r.stderr).toMatch(/bad\.jsonl:3: field "severity"/);
    expect(r.stderr).toMatch(/bad\.jsonl:4: field "mitreTechnique"/);
    // Checked against the bundled ATT&CK table without --attack.
    expect(r.stderr).toMatch(/bad\.jsonl:5: field "mitreTechnique": T9999\.999 is not in the ATT&CK table/);
    expect(r.stderr).toMatch(/bad\.jsonl: 5 validation errors\n/);
    writeFileSync(path.join(dir, 'empty.jsonl'), '');
    expect((await opensoc('dataset', 'push', path.join(dir, 'empty.jsonl'), '--name', 'logs')).stderr).toMatch(/empty/);
    expect(await listDatasetVersions(p.db.db, 'logs')).toHaveLength(1);
    expect(await p.store.list('datasets/logs/')).toHaveLength(1);
  });

  it('versions with parents, lists, shows and diffs', async () => {
    const changed = [...records.slice(1), { ...records[0]!, severity: records[0]!.severity === 'LOW' ? 'HIGH' : 'LOW' }, { ...records[1]!, id: 'brand-new' }];
    writeFileSync(path.join(dir, 'b.jsonl'), jsonl(changed));
    const b = JSON.parse((await opensoc('dataset', 'push', path.join(dir, 'b.jsonl'), '--name', 'logs', '--message', 'relabel', '--json')).stdout);
    expect(b).toMatchObject({ created: true, parentHash: first });
    const list = JSON.parse((await opensoc('dataset', 'list', 'logs', '--json')).stdout);
    expect(list).toHaveLength(2);
    const show = JSON.parse((await opensoc('dataset', 'show', `logs@${first.slice(0, 10)}`, '--json')).stdout);
    expect(show.stats.records).toBe(records.length);
    const diff = JSON.parse((await opensoc('dataset', 'diff', `logs@${first.slice(0, 10)}`, `logs@${b.hash.slice(0, 10)}`, '--json')).stdout);
    expect(diff.added.map((r: { id: string }) => r.id ?? r)).toHaveLength(1);
    expect(diff.removed).toHaveLength(0);
    expect(diff.relabelled).toHaveLength(1);
    expect(diff.relabelled[0].changes[0].field).toBe('severity');
    expect((await opensoc('dataset', 'show', 'nope@latest')).code).toBe(3);
  });

  const studyDir = path.resolve(repoRoot, '../shared/data/opensoc-ai');
  it.skipIf(!existsSync(studyDir))('imports the OpenSOC-AI files and shows what a template-grouped split does to their leakage', async () => {
    const imported = await opensoc('dataset', 'import', path.join(studyDir, 'soc_train.json'), path.join(studyDir, 'soc_eval.json'), '--name', 'opensoc-ai', '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).records).toBe(500);
    const evalOnly = await opensoc('dataset', 'import', path.join(studyDir, 'soc_eval.json'), '--name', 'opensoc-ai-eval', '--json');
    expect(JSON.parse(evalOnly.stdout).records).toBe(50);
    // The study's own 450/50 split: most eval records share a log template with training.
    const fixed = JSON.parse((await opensoc('dataset', 'split', 'opensoc-ai@latest', '--kind', 'fixed', '--test-ids-from', 'opensoc-ai-eval@latest', '--json')).stdout);
    expect(fixed.leakage[0].testRecords).toBe(50);
    expect(fixed.leakage[0].sharedTemplate).toBeGreaterThan(25);
    // Template-grouped 5-fold CV: no test record shares a template with its training side.
    const grouped = JSON.parse((await opensoc('dataset', 'split', 'opensoc-ai@latest', '--kind', 'template-grouped-kfold', '--k', '5', '--json')).stdout);
    expect(grouped.leakage).toHaveLength(5);
    for (const f of grouped.leakage) expect(f.sharedTemplate).toBe(0);
    expect(grouped.leakage.reduce((n: number, f: { testRecords: number }) => n + f.testRecords, 0)).toBe(500);
  });
});

