import type { DatasetRecord, SplitManifest, SplitSpec } from '@opensoc/contracts';
import { canonicalJson, leakageReport, materializeSplit } from '@opensoc/datasets';
import { getSplit, registerSplit, type Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { NotFoundError } from './errors.ts';

export interface FoldLeakage { fold: number; testRecords: number; exactDuplicates: number; sharedTemplate: number; nearDuplicates: number; leaked: number; byCategory: Record<string, { testRecords: number; sharedTemplate: number; leaked: number }> }

/**
 * Materializes a split (deterministic by seed), stores its manifest content-addressed at
 * folds/<sha256>.json and registers it with a leakage report per fold (how many test records
 * share a template or nearly equal a training record).
 */
export async function storeSplit(deps: { db: Db; store: ArtifactStore }, datasetHash: string, records: DatasetRecord[], spec: SplitSpec): Promise<{ hash: string; manifest: SplitManifest; leakage: FoldLeakage[] }> {
  const { manifest, hash } = materializeSplit(records, spec, { datasetHash });
  const existing = await getSplit(deps.db, hash);
  if (existing) return { hash, manifest, leakage: existing.leakage as FoldLeakage[] };
  const byId = new Map(records.map((r) => [r.id, r]));
  const leakage = manifest.folds.map((f) => {
    const report = leakageReport(f.trainIds.map((id) => byId.get(id)!), f.testIds.map((id) => byId.get(id)!));
    const byCategory = Object.fromEntries(Object.entries(report.byCategory).map(([c, v]) => [c, { testRecords: v.testRecords, sharedTemplate: v.sharedTemplate, leaked: v.leaked }]));
    const t = report.totals;
    return { fold: f.index, testRecords: t.testRecords, exactDuplicates: t.exactDuplicates, sharedTemplate: t.sharedTemplate, nearDuplicates: t.nearDuplicates, leaked: t.leaked, byCategory };
  });
  const bytes = new TextEncoder().encode(canonicalJson(manifest));
  const { key } = await deps.store.putContentAddressed('folds', bytes, '.json', 'application/json');
  await registerSplit(deps.db, { hash, datasetHash, kind: spec.kind, spec, objectKey: key, leakage });
  return { hash, manifest, leakage };
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
