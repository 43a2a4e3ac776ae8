import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldLabels, TASKS, type DatasetRecord, type SweepContext } from '@opensoc/contracts';
import { getSweep, listLeaderboard, listPredictionSets, listRuns } from '@opensoc/db';
import { EVENT_FORMATS, getImporter, readJsonlDataset, renderRecords } from '@opensoc/datasets';
import { keywordRulesBaseline, sigmaRulesBaseline } from '@opensoc/eval';
import { createApp } from '@opensoc/api';
import { pushRecords, readPredictions, startSweep } from '@opensoc/platform';
import { runCli, runCliAll } from './support/cli.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { startTestWorkers } from './support/workers.ts';
import { repoRoot } from './support/services.ts';

/**
 * Issue 15's "done when": a holdout design that trains on the Atomic Red Team corpus and tests on
 * real-format SOC exports (Windows event XML and an access log, labelled by sidecars), baselines
 * only, through Temporal, PostgreSQL and S3; Sigma's coverage beside its rows; compact rendering
 * applied by the workers.
 */
const fixtures = path.join(repoRoot, 'packages/datasets/src/importers/fixtures');
const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-atomic-'));

let p: TestPlatform;
let workers: { stop(): Promise<void> } | undefined;
let test: DatasetRecord[];
let train: DatasetRecord[];
let sigmaRunId: string;

beforeAll(async () => {
  p = await testPlatform('atomicholdout');
  workers = await startTestWorkers(p);
  train = await readJsonlDataset(path.join(repoRoot, 'datasets/atomic-red-team/atomic-red-team.jsonl'));
  await pushRecords({ db: p.db.db, store: p.store }, train, { name: 'atomic' });
  // The access log: benign by default, its second line an SQL injection (positions are lines).
  const sidecar = path.join(dir, 'access.sidecar.json');
  writeFileSync(sidecar, JSON.stringify({ default: { threatCategory: 'benign', severity: 'LOW' }, events: { 2: { threatCategory: 'sql-injection', mitreTechnique: 'T1190', mitreTactic: 'initial-access', severity: 'HIGH' } } }));
  const xml = await getImporter('windows-xml').import(path.join(fixtures, 'windows-events.xml'), { sidecar: path.join(fixtures, 'windows-events.sidecar.json') });
  const web = await getImporter('access-log').import(path.join(fixtures, 'access-log.txt'), { sidecar });
  expect([...xml.errors, ...web.errors]).toEqual([]);
  test = [...xml.records, ...web.records];
  await pushRecords({ db: p.db.db, store: p.store }, test, { name: 'soc-exports' });
});
afterAll(async () => {
  await workers?.stop();
  await p?.close();
});

const holdout = (name: string, extra: Record<string, unknown> = {}) => ({
  name, evaluation: { kind: 'holdout', trainOn: 'atomic', testOn: 'soc-exports' },
  baseModel: { kind: 'pretrain' }, search: { kind: 'grid', grid: { ranks: [], alphas: [1] } }, ...extra,
});

describe('holdout: train on the Atomic Red Team corpus, test on SOC exports', () => {
  it('scores every baseline on the test records labelled per task, with Sigma coverage in the database, the API, the pages and the CLI', async () => {
    const { sweepId } = await startSweep(p.client, holdout('atomic-holdout', { baselines: ['majority', 'keyword-rules', 'sigma-rules'] }));
    expect(await p.client.workflow.getHandle(sweepId).result()).toMatchObject({ status: 'completed', units: 3 });
    const ctx = (await getSweep(p.db.db, sweepId))!.context as SweepContext;
    expect(ctx).toMatchObject({ splitKind: 'holdout', foldCount: 1, dataset: { name: 'atomic' }, testDataset: { name: 'soc-exports' } });

    const rows = await listLeaderboard(p.db.db, { sweepId });
    expect(rows).toHaveLength(3 * TASKS.length);
    const labelled = Object.fromEntries(TASKS.map((t) => [t, test.filter((r) => goldLabels(r, t) !== undefined).length]));
    expect(labelled.threatCategory).toBe(5); // two labelled Windows events + three access lines
    for (const r of rows) expect(r, `${r.family} ${r.task}`).toMatchObject({ n: labelled[r.task], datasetName: 'soc-exports', splitKind: 'holdout' });

    // Coverage: the share of test records any rule matches; null for baselines that always answer.
    const { matched, total } = sigmaRulesBaseline().coverage(test.map((r) => r.log));
    expect(total).toBe(7);
    expect(matched).toBeGreaterThan(0);
    expect(matched).toBeLessThan(total);
    for (const r of rows) expect(r.coverage, `${r.family} ${r.task}`).toBe(r.family === 'sigma-rules' ? matched / total : null);

    // No match is no prediction: wrong on every task (benign access lines included), and counted as failures.
    const sigmaRun = (await listRuns(p.db.db, sweepId)).find((r) => r.family === 'sigma-rules')!;
    sigmaRunId = sigmaRun.id;
    const [set] = await listPredictionSets(p.db.db, sigmaRun.id);
    const predictions = await readPredictions(p.store, set!.objectKey);
    const declined = predictions.filter((x) => x.failures?.threatCategory?.startsWith('no prediction'));
    expect(declined).toHaveLength(total - matched);
    const declinedIds = new Set(declined.map((x) => x.recordId));
    const declinedLabelled = test.filter((r) => declinedIds.has(r.id) && r.threatCategory !== null).length;
    expect(test.filter((r) => declinedIds.has(r.id)).some((r) => r.threatCategory === 'benign')).toBe(true);
    const category = rows.find((r) => r.family === 'sigma-rules' && r.task === 'threatCategory')!;
    expect(category.parseFailures).toBe(declinedLabelled);
    expect(category.accuracy).toBeLessThanOrEqual((labelled.threatCategory! - declinedLabelled) / labelled.threatCategory!);

    const shown = `(coverage ${((100 * matched) / total).toFixed(1)}%)`;
    const cli = await runCli(p, 'leaderboard', '--sweep', sweepId, '--task', 'threatCategory');
    expect(cli.code, cli.stderr).toBe(0);
    const sigmaLine = cli.stdout.split('\n').find((l) => l.includes('baseline-sigma-rules'))!;
    expect(sigmaLine).toContain(shown);
    expect(cli.stdout.split('\n').filter((l) => l.includes('coverage'))).toEqual([sigmaLine]);

    const app = createApp({ db: p.db.db, store: p.store, auth: { readsPublic: true }, logger: () => {} });
    const api = (await (await app.request(`/v1/leaderboard?sweep=${sweepId}&task=mitreTactic`)).json()) as { items: { family: string; coverage: number | null }[] };
    expect(Object.fromEntries(api.items.map((i) => [i.family, i.coverage]))).toEqual({ majority: null, 'keyword-rules': null, 'sigma-rules': matched / total });
    const page = await (await app.request(`/sweeps/${sweepId}`)).text();
    expect(page).toContain(`data-coverage="${(matched / total).toFixed(4)}"`);
    expect(page).toContain(`coverage ${((100 * matched) / total).toFixed(1)}%`);
    // The Sigma run's page counts the unmatched records as "no match", not as parse failures.
    const runPage = await (await app.request(`/runs/${sigmaRun.id}`)).text();
    expect(runPage).toContain(`${category.parseFailures} no match`);
    expect(runPage).toContain(`data-coverage="${(matched / total).toFixed(4)}"`);
  });

  it('compact rendering: the workers fit and predict on compact text (Sigma still on the raw events)', async () => {
    const { sweepId } = await startSweep(p.client, holdout('atomic-compact', { baselines: ['keyword-rules', 'sigma-rules'], logRendering: 'compact' }));
    expect(await p.client.workflow.getHandle(sweepId).result()).toMatchObject({ status: 'completed', units: 2 });
    const runs = await listRuns(p.db.db, sweepId);
    const stored = async (family: string) => {
      const [set] = await listPredictionSets(p.db.db, runs.find((r) => r.family === family)!.id);
      return new Map((await readPredictions(p.store, set!.objectKey)).map((x) => [x.recordId, x.predicted]));
    };
    // The same fit in process on the compact text gives the stored predictions exactly.
    const expected = keywordRulesBaseline.fit(renderRecords(train, 'compact')).predict(renderRecords(test, 'compact').map((r) => r.log));
    const keyword = await stored('keyword-rules');
    test.forEach((r, i) => expect(keyword.get(r.id), r.id).toEqual(expected[i]));
    const { matched, total } = sigmaRulesBaseline().coverage(test.map((r) => r.log));
    expect((await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' })).find((e) => e.family === 'sigma-rules')!.coverage).toBe(matched / total);
  });

  it('classifies every SOC export format through the CLI with the sigma-rules entry: one line per event, no match said as no prediction', async () => {
    const files: Record<string, string> = {
      'windows-xml': 'windows-events.xml', 'windows-json': 'windows-events.jsonl', syslog: 'syslog.txt', 'auth-log': 'auth-log.txt',
      'access-log': 'access-log.txt', cloudtrail: 'cloudtrail.json', zeek: 'zeek-dns.json',
    };
    expect(Object.keys(files).sort()).toEqual([...EVENT_FORMATS].sort());
    const formats = Object.keys(files);
    const results = await runCliAll(p, formats.map((f) => ['classify', '--adapter', sigmaRunId, '--input-format', f, path.join(fixtures, files[f]!)]));
    const sigma = sigmaRulesBaseline();
    for (const [i, f] of formats.entries()) {
      const r = results[i]!;
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { log: string; threatCategory: string | null; reason?: string });
      const events = await getImporter(f).import(path.join(fixtures, files[f]!), {});
      expect(lines.map((l) => l.log), f).toEqual(events.records.map((e) => e.log));
      for (const l of lines) {
        const matched = sigma.engine.matchLog(l.log).length > 0;
        if (matched) expect(l.threatCategory, f).not.toBeNull();
        else expect(l, f).toMatchObject({ threatCategory: null, reason: 'no prediction: no Sigma rule matched' });
      }
    }
    expect(results[formats.indexOf('windows-xml')]!.stdout).not.toContain('no prediction');
  });
});
