import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldLabels, TASKS, type DatasetRecord, type SweepContext } from '@opensoc/contracts';
import { getSplit, getSweep, listDatasetVersions, listLeaderboard, sql } from '@opensoc/db';
import { getImporter } from '@opensoc/datasets';
import { loadDatasetRecords, loadSplit, pushRecords, resolveDataset, startSweep } from '@opensoc/platform';
import { runCli } from './support/cli.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { startTestWorkers } from './support/workers.ts';
import { repoRoot } from './support/services.ts';

/**
 * The "done when": a real-format export with partial and multi-labels imported through
 * the CLI, a holdout design (train on the OpenSOC-AI study's 450 records, test on that export)
 * and a baselines-only cv design, with per-task n and the train/test leakage report.
 */
const fixtureDir = path.join(repoRoot, 'test/fixtures/cross-source');
const fixture = path.join(fixtureDir, 'siem-export.jsonl');
const studyTrain = path.resolve(repoRoot, '../shared/data/opensoc-ai/soc_train.json');
const attackTable = path.resolve(repoRoot, '../shared/data/attack/enterprise-attack-techniques.json');
const haveData = existsSync(studyTrain) && existsSync(attackTable);
const fixtureRows = readFileSync(fixture, 'utf8').trim().split('\n').length;

let p: TestPlatform;
let workers: { stop(): Promise<void> } | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-xsrc-'));
const cli = (...args: string[]) => runCli(p, ...args);

beforeAll(async () => {
  p = await testPlatform('xsource');
  workers = await startTestWorkers(p);
});
afterAll(async () => {
  await workers?.stop();
  await p?.close();
});

/** Starts a spec through the CLI (detached: these tests' workers run it) and waits for the end. */
async function runSweep(name: string, spec: Record<string, unknown>) {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...spec }));
  const started = await cli('sweep', 'start', file, '--json');
  expect(started.stderr).not.toMatch(/opensoc:/);
  const { sweepId } = JSON.parse(started.stdout) as { sweepId: string };
  const result = await p.client.workflow.getHandle(sweepId).result();
  expect(result).toMatchObject({ status: 'completed' });
  const sweep = (await getSweep(p.db.db, sweepId))!;
  return { sweepId, ctx: sweep.context as SweepContext };
}

describe.skipIf(!haveData)('cross-source evaluation with partially and multiply labelled real-format data', () => {
  let siem: DatasetRecord[];

  it('imports the export through the CLI: unknown labels with reasons, technique and tactic lists, original file and event id', async () => {
    // The study's file through the same importer registry the CLI uses (in process: one CLI start fewer).
    const study = await getImporter('opensoc-ai').import(studyTrain, {});
    expect(study.errors).toEqual([]);
    expect(await pushRecords({ db: p.db.db, store: p.store }, study.records, { name: 'study-train' })).toMatchObject({ records: 450 });

    const r = await cli('dataset', 'import', fixture, '--format', 'jsonl', '--map-file', path.join(fixtureDir, 'mapping.yaml'), '--map', 'log=message',
      '--attack', attackTable, '--name', 'siem', '--json');
    expect(r.stderr).not.toMatch(/opensoc:/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: fixtureRows, partiallyLabelled: 4 });
    siem = await loadDatasetRecords(p.store, await resolveDataset(p.db.db, 'siem'));
    const byEvent = new Map(siem.map((x) => [x.provenance.eventId, x]));
    // Tactic only (TA0005): nothing invented for the rest.
    expect(byEvent.get('88142')).toMatchObject({
      source: 'sysmon', threatCategory: null, mitreTechnique: null, mitreTactic: 'defense-evasion', severity: null,
      unknownLabels: { threatCategory: 'not labelled by the publisher', mitreTechnique: 'not labelled by the publisher', severity: 'not labelled by the publisher' },
      provenance: { origin: 'imported', file: 'hosts/ws-031/sysmon.evtx', eventId: '88142' },
    });
    // Several techniques and tactics, given as ids, primary first.
    expect(byEvent.get('88135')).toMatchObject({ threatCategory: 'malicious-execution', mitreTechniques: ['T1059.001', 'T1027'], mitreTactics: ['execution', 'defense-evasion'], severity: 'HIGH' });
    expect(byEvent.get('88156')).toMatchObject({ threatCategory: 'persistence', mitreTactics: ['execution', 'persistence'], severity: 'MEDIUM' });
  });

  it('rejects a bad export naming file, line and field, and stores nothing', async () => {
    const rows = readFileSync(fixture, 'utf8').trim().split('\n').slice(0, 3).map((l) => JSON.parse(l));
    rows[1].labels.tactic = 'TA0099';
    rows[2].labels = { category: 'Benign', severity: 'sometimes' };
    writeFileSync(path.join(dir, 'bad.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n'));
    const bad = await cli('dataset', 'import', path.join(dir, 'bad.jsonl'), '--format', 'jsonl', '--map-file', path.join(fixtureDir, 'mapping.yaml'), '--map', 'log=message', '--name', 'bad');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/import failed, nothing stored \(2 errors\)/);
    expect(bad.stderr).toMatch(/bad\.jsonl:2: field "mitreTactic": not an ATT&CK tactic id, name or shortname: "TA0099"/);
    expect(bad.stderr).toMatch(/bad\.jsonl:3: field "severity": unknown severity "sometimes"/);
    expect(await listDatasetVersions(p.db.db, 'bad')).toEqual([]);
  });

  it('holdout: trains the baselines on all 450 study records, tests on every exported event, with per-task n and the leakage report', async () => {
    const { sweepId, ctx } = await runSweep('holdout', {
      dataset: 'study-train', evaluation: { kind: 'holdout', testOn: 'siem' },
      baseModel: { kind: 'pretrain' }, search: { kind: 'grid', grid: { ranks: [], alphas: [1] } }, baselines: ['majority', 'keyword-rules'],
    });
    expect(ctx).toMatchObject({ splitKind: 'holdout', foldCount: 1, dataset: { name: 'study-train' }, testDataset: { name: 'siem' } });
    const manifest = await loadSplit(p.store, ctx.splitHash);
    expect(manifest.folds).toHaveLength(1);
    expect(manifest.folds[0]!.trainIds).toHaveLength(450); // all of the training version
    expect(manifest.folds[0]!.testIds.sort()).toEqual(siem.map((r) => r.id).sort());
    expect(manifest.testDatasetHash).toBe(ctx.testDataset!.hash);

    // The leakage report of the split: template overlap between the study's web logs and Windows events.
    const split = await getSplit(p.db.db, ctx.splitHash);
    const leakage = split!.leakage as { fold: number; testRecords: number; sharedTemplate: number; exactDuplicates: number }[];
    expect(leakage).toEqual([expect.objectContaining({ fold: 0, testRecords: fixtureRows, exactDuplicates: 0, sharedTemplate: 0 })]);

    // Every task has an entry per baseline, scored only on the exported events labelled for it: n differs by task.
    const shown = JSON.parse((await cli('leaderboard', '--sweep', sweepId, '--task', 'mitreTactic', '--json')).stdout) as { family: string; n: number; datasetName: string; splitKind: string }[];
    expect(shown.map((e) => e.family).sort()).toEqual(['keyword-rules', 'majority']);
    for (const e of shown) expect(e).toMatchObject({ datasetName: 'siem', splitKind: 'holdout', n: fixtureRows }); // every event has a tactic (or is benign)
    const rows = (await p.db.db.execute(sql`SELECT task, family, n FROM leaderboard_entries WHERE sweep_id = ${sweepId}`)) as unknown as { rows: { task: string; family: string; n: number }[] };
    expect(rows.rows).toHaveLength(2 * TASKS.length);
    const labelled = Object.fromEntries(TASKS.map((task) => [task, siem.filter((r) => goldLabels(r, task) !== undefined).length]));
    expect(labelled).toEqual({ threatCategory: 13, mitreTechnique: 14, mitreTechniqueParent: 14, mitreTactic: 16, severity: 13 });
    for (const r of rows.rows) expect(r.n, `${r.family} ${r.task}`).toBe(labelled[r.task]);

    // Marks carry their direction: an entry below the top one is never "better" than it.
    const marks = (await p.db.db.execute(sql`SELECT task, accuracy, p_vs_top_adjusted AS p, vs_top_direction AS d FROM leaderboard_entries WHERE sweep_id = ${sweepId}`)) as unknown as { rows: { task: string; accuracy: number; p: number | null; d: string | null }[] };
    for (const task of TASKS) {
      const [top, other] = marks.rows.filter((m) => m.task === task).sort((a, b) => (a.p === null ? -1 : b.p === null ? 1 : 0));
      expect(top!.p, task).toBeNull();
      expect(['worse', 'none'], task).toContain(other!.d);
      if (other!.d === 'worse') expect(Number(other!.p) < 0.05 && Number(other!.accuracy) < Number(top!.accuracy), task).toBe(true);
    }
  });

  it('a baselines-only cv design runs every fold and starts no base-model work', async () => {
    // Started in process (the holdout above went through the CLI): the same startSweep the CLI calls.
    const { sweepId } = await startSweep(p.client, {
      name: 'cv-baselines', dataset: 'study-train', evaluation: { kind: 'cv', k: 3, strategy: 'template-grouped', seed: 2 },
      baseModel: { kind: 'pretrain', steps: 500 }, search: { kind: 'grid', grid: { ranks: [], alphas: [1] } }, baselines: ['majority', 'keyword-rules'],
    });
    expect(await p.client.workflow.getHandle(sweepId).result()).toMatchObject({ status: 'completed', units: 6 });
    const ctx = (await getSweep(p.db.db, sweepId))!.context as SweepContext;
    expect(ctx).toMatchObject({ splitKind: 'template-grouped-kfold', foldCount: 3, baseModelKeys: [] });
    expect(ctx.testDataset).toBeUndefined();
    const pretrained = [];
    for await (const w of p.client.workflow.list({ query: `WorkflowType = 'pretrainBaseWorkflow'` })) pretrained.push(w.workflowId);
    expect(pretrained).toEqual([]);
    expect(await p.store.list('models/')).toEqual([]);
    const rows = (await p.db.db.execute(sql`SELECT task, n FROM leaderboard_entries WHERE sweep_id = ${sweepId}`)) as unknown as { rows: { task: string; n: number }[] };
    expect(rows.rows).toHaveLength(2 * TASKS.length);
    for (const r of rows.rows) expect(r.n).toBe(450); // out-of-fold: every study record predicted once
    const leakage = (await getSplit(p.db.db, ctx.splitHash))!.leakage as { sharedTemplate: number }[];
    expect(leakage).toHaveLength(3);
    for (const f of leakage) expect(f.sharedTemplate).toBe(0);
    expect((await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' })).every((e) => e.splitKind === 'template-grouped-kfold')).toBe(true);
  });
});
