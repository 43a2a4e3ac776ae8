import type { DatasetRecord } from '@opensoc/contracts';
import type { AttackTable } from './attack.ts';
import { datasetObjectKey, prepareVersion } from './version.ts';
import type { DatasetStats } from './version.ts';

/** What the service needs from an object store (the lead wires S3 here). */
export interface DatasetObjectStore {
  /** True when an object exists at key. */
  exists(key: string): Promise<boolean>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
}

export interface DatasetVersionRow {
  name: string;
  hash: string;
  objectKey: string;
  records: number;
  stats: DatasetStats;
}

/** What the service needs from the version index (the lead wires PostgreSQL here). */
export interface DatasetVersionIndex {
  find(name: string, hash: string): Promise<DatasetVersionRow | undefined>;
  /** Must be idempotent on (name, hash). */
  insert(row: DatasetVersionRow): Promise<void>;
}

export interface PublishedVersion extends DatasetVersionRow {
  /** False when this exact version was already stored (a retried activity, or the same data again). */
  created: boolean;
}

/**
 * Stores a dataset version: canonical bytes at datasets/<name>/<sha256>.jsonl, then the index row.
 * Idempotent: the key is content-addressed, the object is written only if absent, and the row only
 * if missing, so a retry after a crash between the two steps completes the job without duplicates.
 */
export async function publishDatasetVersion(
  deps: { store: DatasetObjectStore; index: DatasetVersionIndex },
  name: string,
  records: readonly DatasetRecord[],
  options: { attack?: AttackTable } = {},
): Promise<PublishedVersion> {
  const prepared = prepareVersion(records, options);
  const objectKey = datasetObjectKey(name, prepared.hash);
  const row: DatasetVersionRow = { name, hash: prepared.hash, objectKey, records: prepared.stats.records, stats: prepared.stats };
  const existing = await deps.index.find(name, prepared.hash);
  if (!(await deps.store.exists(objectKey))) await deps.store.put(objectKey, prepared.canonicalBytes, 'application/x-ndjson');
  if (existing) return { ...existing, created: false };
  await deps.index.insert(row);
  return { ...row, created: true };
}
