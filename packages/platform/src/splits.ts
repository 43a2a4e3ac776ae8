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

/** A dataset reference a design reads besides its training dataset, with where it sits in the spec. */
export interface DesignRef { role: 'test' | 'testIds' | 'trainIds'; ref: string; path: PropertyKey[] }

/** Where the spec names its training dataset (for error messages). */
export function trainingRefPath(spec: SweepSpec): PropertyKey[] {
  return spec.dataset !== undefined ? ['dataset'] : typeof spec.evaluation?.kind === 'string' && spec.evaluation.kind === 'holdout' && typeof spec.evaluation.trainOn === 'string' ? ['evaluation', 'trainOn'] : ['evaluation', 'trainOn', 'dataset'];
}

/** The other versions a spec's design reads: a holdout's test set, a fixed design's id sources. */
export function designRefs(spec: SweepSpec): DesignRef[] {
  if (spec.split) return [];
  const e = evaluationOf(spec);
  if (e.kind === 'holdout') return [{ role: 'test', ref: e.testOn, path: ['evaluation', 'testOn'] }];
  if (e.kind === 'fixed') {
    return [
      ...(e.testIdsFrom ? [{ role: 'testIds' as const, ref: e.testIdsFrom, path: ['evaluation', 'testIdsFrom'] }] : []),
      ...(e.trainIdsFrom ? [{ role: 'trainIds' as const, ref: e.trainIdsFrom, path: ['evaluation', 'trainIdsFrom'] }] : []),
    ];
  }
  return [];
}

type Version = { hash: string; records: DatasetRecord[] };

/**
 * The split a design makes of loaded data, deterministic and stored nowhere. cv: k folds of the
 * training version; fixed: one fold of it (test ids listed, taken from another version, or by
 * source); holdout: one fold training on the (filtered) training version, testing on all of
 * another. `others` holds the versions of designRefs, by role. Throws "split: ..." on bad input.
 */
export function materializeDesign(spec: SweepSpec, train: Version, others: Partial<Record<DesignRef['role'], Version>>): MaterializedSplit {
  const split = (s: unknown) => materializeSplit(train.records, s, { datasetHash: train.hash });
  // A legacy `split` is materialized as written, so its manifest hash is the one it always had.
  if (spec.split) return split(spec.split);
  const e = evaluationOf(spec);
  switch (e.kind) {
    case 'cv':
      return split(cvSplitSpec(e));
    case 'fixed': {
      if (e.testSources) return split({ kind: 'leave-sources-out', testSources: e.testSources });
      const testIds = e.testIds ?? others.testIds!.records.map((r) => r.id);
      const trainIds = e.trainIds ?? others.trainIds?.records.map((r) => r.id);
      return split(splitSpecSchema.parse({ kind: 'fixed', testIds, ...(trainIds ? { trainIds } : {}) }));
    }
    case 'holdout': {
      const test = others.test!;
      if (test.hash === train.hash) throw new Error('split: the test dataset is the training dataset itself; a holdout design tests on another version');
      const filter = typeof e.trainOn === 'object' ? e.trainOn : {};
      return materializeHoldout(train.records, test.records, { trainDatasetHash: train.hash, testDatasetHash: test.hash, trainSources: filter.sources, excludeTrainSources: filter.excludeSources });
    }
  }
}

/** A sweep's evaluation design resolved against stored data: the versions it reads and its stored split. */
export interface PreparedDesign { dataset: DatasetVersionRow; testDataset?: DatasetVersionRow; split: StoredSplit }

/** Resolves a spec's evaluation design, materializes and stores its split with the leakage report. */
export async function prepareDesign(deps: Deps, spec: SweepSpec): Promise<PreparedDesign> {
  const dataset = await resolveDataset(deps.db, trainingDatasetOf(spec));
  const train = { hash: dataset.hash, records: await loadDatasetRecords(deps.store, dataset) };
  const others: Partial<Record<DesignRef['role'], Version>> = {};
  let testDataset: DatasetVersionRow | undefined;
  for (const d of designRefs(spec)) {
    const row = await resolveDataset(deps.db, d.ref);
    others[d.role] = { hash: row.hash, records: await loadDatasetRecords(deps.store, row) };
    if (d.role === 'test') testDataset = row;
  }
  const materialized = splitting(() => materializeDesign(spec, train, others));
  const split = await storeMaterialized(deps, materialized, train.records, others.test?.records ?? train.records);
  return { dataset, ...(testDataset ? { testDataset } : {}), split };
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
