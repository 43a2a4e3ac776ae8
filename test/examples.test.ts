import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepSpecSchema, type DatasetRecord } from '@opensoc/contracts';
import { importOpenSocAiFile } from '@opensoc/datasets';
import { planSweep, pushRecords, type SweepPlan } from '@opensoc/platform';
import { bundledCorpus, corpusSample } from './support/corpus.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { repoRoot } from './support/services.ts';
import { runCli } from './support/cli.ts';

let p: TestPlatform;
const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-examples-'));
const examplesDir = path.join(repoRoot, 'examples');
const studyDir = path.resolve(repoRoot, '../shared/data/opensoc-ai');
const hasStudy = existsSync(path.join(studyDir, 'soc_train.json'));
const sample = corpusSample(4);
const hashes: Record<string, string> = {};

const opensoc = (...args: string[]) => runCli(p, ...args);

const push = async (name: string, records: DatasetRecord[]) => {
  hashes[name] = (await pushRecords({ db: p.db.db, store: p.store }, records, { name })).hash;
};
const studyRecords = async (file: string) => (await importOpenSocAiFile(path.join(studyDir, file))).records;

beforeAll(async () => {
  p = await testPlatform('examples');
  await push('soc-corpus', sample);
  // The study's files when this machine has them; otherwise disjoint corpus records stand in.
  const rest = bundledCorpus().filter((r) => !sample.some((s) => s.id === r.id));
  await push('opensoc-ai-train', hasStudy ? await studyRecords('soc_train.json') : rest.slice(0, 60));
  await push('opensoc-ai-eval', hasStudy ? await studyRecords('soc_eval.json') : rest.slice(60, 80));
});
afterAll(async () => { await p?.close(); });

const spec = (over: Record<string, unknown> = {}) => sweepSpecSchema.parse({
  name: 'plan', dataset: 'soc-corpus', split: { kind: 'template-grouped-kfold', k: 3 }, baseModel: { kind: 'pretrain' },
  search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } }, modes: ['label-scoring'], baselines: ['majority'], ...over,
});
const plan = (over: Record<string, unknown> = {}): Promise<SweepPlan> => planSweep({ db: p.db.db, store: p.store }, spec(over), { file: 'plan.yaml' });

describe('every example spec passes `sweep start --dry-run`', () => {
  const files = readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  it(`checks ${files.join(', ')} in one run`, async () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    const r = await opensoc('sweep', 'start', ...files.map((f) => path.join('examples', f)), '--dry-run', '--json');
    expect(r.stderr).not.toMatch(/opensoc:/);
    expect(r.code).toBe(0);
    const plans = JSON.parse(r.stdout) as SweepPlan[];
    expect(plans).toHaveLength(files.length);
    for (const plan of plans) {
      expect(plan.units.total).toBeGreaterThan(0);
      expect(plan.spec.dataset).toBe(`${plan.dataset.name}@${hashes[plan.dataset.name]}`);
    }
  });
});

describe('sweep start checks the spec against the stored data before anything starts', () => {
  it('prints a readable plan (and, on the study data, the template overlap of its evaluation file)', async () => {
    const text = await opensoc('sweep', 'start', 'examples/lora-grid.yaml', 'examples/opensoc-ai-cross-set.yaml', '--dry-run');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/examples\/lora-grid\.yaml: valid; dry run, nothing started/);
    expect(text.stdout).toMatch(new RegExp(`soc-corpus@${hashes['soc-corpus']!.slice(0, 12)}`));
    expect(text.stdout).toMatch(/units {7}30: 18 LoRA \(6 configs x 1 seed x 3 folds\) \+ 12 baseline/);
    if (hasStudy) {
      const m = /opensoc-ai-eval@[0-9a-f]{12}, 50 records\) overlaps the training dataset: \d+ same ids, \d+ identical logs, (\d+) sharing a log template/.exec(text.stdout);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(15);
    }
  });

  it('--help points to the format and the examples', async () => {
    const help = await opensoc('sweep', 'start', '--help');
    expect(help.stdout).toContain('docs/sweep-spec.md');
    expect(help.stdout).toContain('examples/');
    expect(help.stdout).toContain('--dry-run');
  });

  it('a missing file: exit 3; a syntax error beside it: exit 2, each named with line and column', async () => {
    const missing = await opensoc('sweep', 'start', 'examples/nope.yaml', '--dry-run');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/sweep spec examples\/nope\.yaml not found/);
    writeFileSync(path.join(dir, 'broken.yaml'), 'name: x\ndataset: [soc-corpus\n');
    const both = await opensoc('sweep', 'start', 'examples/nope.yaml', path.join(dir, 'broken.yaml'), '--dry-run');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/nope\.yaml not found[\s\S]*broken\.yaml:3:1: /);
  });

  it('an unknown dataset or version: exit 3, listing what exists, and no workflow is started', async () => {
    const file = path.join(dir, 'unknown.yaml');
    writeFileSync(file, `name: u\ndataset: soc-corpus@deadbeef00\nextraEvalSets: [nothing-here]\nsplit: {kind: template-grouped-kfold, k: 3}\nbaseModel: {kind: pretrain}\nsearch: {kind: grid, grid: {ranks: [], alphas: [1]}}\nbaselines: [majority]\n`);
    const r = await opensoc('sweep', 'start', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/invalid sweep spec \(2 errors\)/);
    expect(r.stderr).toMatch(new RegExp(`unknown\\.yaml:2:1: dataset: dataset soc-corpus has no version deadbeef00; its versions \\(oldest first\\): ${hashes['soc-corpus']!.slice(0, 12)} \\(${sample.length} records`));
    expect(r.stderr).toMatch(/unknown\.yaml:3:\d+: extraEvalSets\[0\]: dataset nothing-here not found \(datasets that exist: opensoc-ai-eval, opensoc-ai-train, soc-corpus/);
    expect(r.stderr).not.toMatch(/WARN|at .*\.ts:\d+/);
    const started = [];
    for await (const w of p.client.workflow.list()) started.push(w.workflowId);
    expect(started).toEqual([]);
  });

  it('refuses an evaluation set that is all training data, and warns with counts about partial overlap', async () => {
    await push('corpus-part', sample.slice(0, 10));
    await expect(plan({ extraEvalSets: ['corpus-part'] })).rejects.toThrow(/plan\.yaml: extraEvalSets\[0\]: every one of its 10 records is already in the training dataset soc-corpus@/);
    const other = bundledCorpus().filter((r) => !sample.some((s) => s.id === r.id)).slice(0, 5);
    await push('corpus-mixed', [...sample.slice(0, 3), ...other]);
    const mixed = await plan({ extraEvalSets: ['corpus-mixed@latest'] });
    expect(mixed.extraEvalSets[0]).toMatchObject({ records: 8, sameIds: 3, exactDuplicates: 3 });
    expect(mixed.warnings.join('\n')).toMatch(/extraEvalSets\[0\] \(corpus-mixed@[0-9a-f]{12}, 8 records\) overlaps the training dataset: 3 same ids, 3 identical logs, \d+ sharing a log template/);
    expect(mixed.spec.extraEvalSets).toEqual([`corpus-mixed@${hashes['corpus-mixed']}`]);
  });

  it('names a split the dataset cannot satisfy, and counts units and work from the real folds', async () => {
    await expect(plan({ split: { kind: 'fixed', testIds: ['no-such-id'] } })).rejects.toThrow(/plan\.yaml: split: cannot split soc-corpus@/);
    const kfold = await plan({ search: { kind: 'grid', grid: { ranks: [4, 8], alphas: [8], epochs: [2] } } });
    expect(kfold.units).toMatchObject({ lora: 6, baseline: 3, total: 9, configs: 2, folds: 3 });
    expect(kfold.split.folds.reduce((s, f) => s + f.test, 0)).toBe(sample.length);
    // Two configs x 2 epochs x every record's training folds (each record trains in k-1 = 2 folds).
    expect(kfold.work.loraTrainingExamples).toBe(2 * 2 * 2 * sample.length);
    expect(kfold.work.modelClassifications).toBe(2 * sample.length);
  });
});
