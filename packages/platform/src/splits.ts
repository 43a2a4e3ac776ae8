import { cvSplitSpec, evaluationOf, splitSpecSchema, trainingDatasetOf, type DatasetRecord, type SplitManifest, type SplitSpec, type SweepSpec } from '@opensoc/contracts';
import { canonicalJson, leakageReport, materializeHoldout, materializeSplit, type MaterializedSplit } from '@opensoc/datasets';
import { getSplit, registerSplit, type DatasetVersionRow, type Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { loadDatasetRecords, resolveDataset } from './datasets.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';

export interface FoldLeakage { fold: number; testRecords: number; exactDuplicates: number; sharedTemplate: number; nearDuplicates: number; leaked: number; byCategory: Record<string, { testRecords: number; sharedTemplate: number; leaked: number }> }

export interface StoredSplit { hash: string; manifest: SplitManifest; leakage: FoldLeakage[] }

type Deps = { db: Db; store: ArtifactStore };

/** A splitter's "split: ..." complaint is bad input (non-retryable), not a platform failure. */
function splitting<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('split:')) throw new InvalidInputError(e.message);
    throw e;
  }
}

/**
 * Stores a materialized split content-addressed at folds/<sha256>.json and registers it with a
 * leakage report per fold (how many test records share a template or nearly equal a training
 * record). `testRecords` is the version the test ids belong to (the train version unless holdout).
 */
async function storeMaterialized(deps: Deps, { manifest, hash }: MaterializedSplit, trainRecords: readonly DatasetRecord[], testRecords: readonly DatasetRecord[]): Promise<StoredSplit> {
  const existing = await getSplit(deps.db, hash);
  if (existing) return { hash, manifest, leakage: existing.leakage as FoldLeakage[] };
  const trainById = new Map(trainRecords.map((r) => [r.id, r]));
  const testById = new Map(testRecords.map((r) => [r.id, r]));
  const leakage = manifest.folds.map((f) => {
    const report = leakageReport(f.trainIds.map((id) => trainById.get(id)!), f.testIds.map((id) => testById.get(id)!));
    const byCategory = Object.fromEntries(Object.entries(report.byCategory).map(([c, v]) => [c, { testRecords: v.testRecords, sharedTemplate: v.sharedTemplate, leaked: v.leaked }]));
    const t = report.totals;
    return { fold: f.index, testRecords: t.testRecords, exactDuplicates: t.exactDuplicates, sharedTemplate: t.sharedTemplate, nearDuplicates: t.nearDuplicates, leaked: t.leaked, byCategory };
  });
  const bytes = new TextEncoder().encode(canonicalJson(manifest));
  const { key } = await deps.store.putContentAddressed('folds', bytes, '.json', 'application/json');
  await registerSplit(deps.db, { hash, datasetHash: manifest.datasetHash, kind: manifest.spec.kind, spec: manifest.spec, objectKey: key, leakage });
  return { hash, manifest, leakage };
}

/** Materializes a split of one version (deterministic by seed), stores and registers it. */
export async function storeSplit(deps: Deps, datasetHash: string, records: DatasetRecord[], spec: SplitSpec): Promise<StoredSplit> {
  return storeMaterialized(deps, splitting(() => materializeSplit(records, spec, { datasetHash })), records, records);
}

/** Train on `train` (optionally only some sources), test on every record of `test`: one fold over two versions. */
export async function storeHoldoutSplit(
  deps: Deps, train: { hash: string; records: DatasetRecord[] }, test: { hash: string; records: DatasetRecord[] },
  filter: { sources?: string[]; excludeSources?: string[] } = {},
): Promise<StoredSplit> {
  const materialized = splitting(() => materializeHoldout(train.records, test.records, {
    trainDatasetHash: train.hash, testDatasetHash: test.hash, trainSources: filter.sources, excludeTrainSources: filter.excludeSources,
  }));
  return storeMaterialized(deps, materialized, train.records, test.records);
}

/** A sweep's evaluation design resolved against stored data: the versions it reads and its stored split. */
export interface PreparedDesign { dataset: DatasetVersionRow; testDataset?: DatasetVersionRow; split: StoredSplit }

/**
 * Resolves a spec's evaluation design and stores its split. cv: k folds of the training version;
 * fixed: one fold of it (test ids listed, taken from another version, or by source); holdout:
 * one fold, training on the training version (filtered) and testing on all of another.
 */
export async function prepareDesign(deps: Deps, spec: SweepSpec): Promise<PreparedDesign> {
  const dataset = await resolveDataset(deps.db, trainingDatasetOf(spec));
  const records = await loadDatasetRecords(deps.store, dataset);
  // A legacy `split` is stored as written, so its manifest hash is the one it always had.
  if (spec.split) return { dataset, split: await storeSplit(deps, dataset.hash, records, spec.split) };
  const e = evaluationOf(spec);
  const idsOf = async (ref: string) => (await loadDatasetRecords(deps.store, await resolveDataset(deps.db, ref))).map((r) => r.id);
  switch (e.kind) {
    case 'cv':
      return { dataset, split: await storeSplit(deps, dataset.hash, records, cvSplitSpec(e)) };
    case 'fixed': {
      if (e.testSources) return { dataset, split: await storeSplit(deps, dataset.hash, records, splitSpecSchema.parse({ kind: 'leave-sources-out', testSources: e.testSources })) };
      const testIds = e.testIds ?? (await idsOf(e.testIdsFrom!));
      const trainIds = e.trainIds ?? (e.trainIdsFrom ? await idsOf(e.trainIdsFrom) : undefined);
      return { dataset, split: await storeSplit(deps, dataset.hash, records, splitSpecSchema.parse({ kind: 'fixed', testIds, ...(trainIds ? { trainIds } : {}) })) };
    }
    case 'holdout': {
      const testDataset = await resolveDataset(deps.db, e.testOn);
      if (testDataset.hash === dataset.hash) throw new InvalidInputError(`evaluation.testOn: ${e.testOn} is the training dataset itself; a holdout design tests on another version (use kind: cv or fixed within one)`);
      const testRecords = await loadDatasetRecords(deps.store, testDataset);
      const filter = typeof e.trainOn === 'object' ? { sources: e.trainOn.sources, excludeSources: e.trainOn.excludeSources } : {};
      const split = await storeHoldoutSplit(deps, { hash: dataset.hash, records }, { hash: testDataset.hash, records: testRecords }, filter);
      return { dataset, testDataset, split };
    }
  }
}

/** S3 key of a split manifest: content-addressed, so workers need no database to find it. */
export const splitKey = (hash: string) => `folds/${hash}.json`;

export async function loadSplit(store: ArtifactStore, hash: string): Promise<SplitManifest> {
  try {
    return JSON.parse(await store.getText(splitKey(hash))) as SplitManifest;
  } catch (e) {
    if ((e as Error).name === 'ObjectNotFoundError' || /not found/.test((e as Error).message)) throw new NotFoundError(`split ${hash} is not stored`);
    throw e;
  }
}
