import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import {
  connectPglite, connectPostgres, sql, datasetVersions, foldResults, getRun, listFoldResults, registerDatasetVersion, upsertFoldResult, upsertRun,
  type DbHandle,
} from '@opensoc/db';
import { startService, stopService } from '@opensoc/local-services';
import { freshDatabase } from './support/databases.ts';
import { testServicesConfig } from './support/services.ts';

const version = (hash: string) => ({
  name: 'corpus', hash, objectKey: `datasets/corpus/${hash}.jsonl`, recordCount: 10, templateCount: 3, stats: { byCategory: { benign: 10 } },
});
const run = (id: string) => ({
  id, sweepId: 's1', family: 'lora', label: 'r8-a16', config: { r: 8 }, configHash: 'c', seed: 1, datasetName: 'corpus', datasetHash: 'h',
  splitHash: 'sh', splitKind: 'template-grouped-kfold', codeCommit: 'abc', status: 'running',
});

const handles: DbHandle[] = [];
afterAll(async () => { for (const h of handles) await h.close().catch(() => {}); });

const backends: [string, () => Promise<DbHandle>][] = [
  ['real PostgreSQL', async () => connectPostgres(await freshDatabase('dbtest'))],
  ['PGlite', async () => connectPglite(mkdtempSync(path.join(tmpdir(), 'opensoc-pglite-')))],
];

describe.each(backends)('database on %s', (_name, connect) => {
  let h: DbHandle;

  it('migrates an empty database', async () => {
    h = await connect();
    handles.push(h);
    const tables = await h.db.execute(sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
    const names = (tables as unknown as { rows: { table_name: string }[] }).rows.map((r) => r.table_name);
    for (const t of ['api_tokens', 'comparisons', 'dataset_versions', 'fold_results', 'leaderboard_entries', 'prediction_sets', 'reproductions', 'runs', 'split_manifests', 'sweeps']) {
      expect(names).toContain(t);
    }
  });

  it('keeps upserts idempotent under concurrent retries', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => registerDatasetVersion(h.db, version('a'.repeat(64)))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const count = await h.db.select({ n: sql<number>`count(*)::int` }).from(datasetVersions);
    expect(count[0]!.n).toBe(1);

    await upsertRun(h.db, run('s1/r8-a16/s1'));
    await Promise.all(Array.from({ length: 10 }, (_, i) => upsertFoldResult(h.db, { runId: 's1/r8-a16/s1', fold: 0, mode: 'label-scoring', metrics: { try: i }, trainLoss: [] })));
    const rows = await listFoldResults(h.db, 's1/r8-a16/s1');
    expect(rows).toHaveLength(1);
    const folds = await h.db.select({ n: sql<number>`count(*)::int` }).from(foldResults);
    expect(folds[0]!.n).toBe(1);
  });
});

describe('PostgreSQL restart', () => {
  it('loses nothing committed and the pool reconnects', async () => {
    const cfg = testServicesConfig();
    const h = await connectPostgres(await freshDatabase('restart'));
    handles.push(h);
    await upsertRun(h.db, run('before-restart'));
    await stopService(cfg, 'postgres');
    await startService(cfg, 'postgres');
    // The pool's old connections are dead; the first query may fail once, then it reconnects.
    let fetched;
    for (let attempt = 0; attempt < 5 && !fetched; attempt++) {
      fetched = await getRun(h.db, 'before-restart').catch(() => undefined);
    }
    expect(fetched?.id).toBe('before-restart');
    await upsertRun(h.db, run('after-restart'));
    expect((await getRun(h.db, 'after-restart'))?.id).toBe('after-restart');
  });
});
