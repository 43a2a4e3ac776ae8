import { datasetRefSchema, type DatasetRecord } from '@opensoc/contracts';
import { findDatasetVersion, latestDatasetVersion, listDatasetVersions, registerDatasetVersion, type DatasetVersionRow, type Db } from '@opensoc/db';
import { diffDatasets, prepareVersion, readJsonlDataset, type AttackTable, type DatasetDiff } from '@opensoc/datasets';
import type { ArtifactStore } from '@opensoc/storage';
import { InvalidInputError, NotFoundError } from './errors.ts';

export interface PushResult { name: string; hash: string; created: boolean; parentHash: string | null; records: number }

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Validates everything first (a file with any error stores nothing), then puts the canonical
 * bytes content-addressed in S3 and registers the version. Same content twice: same id, no-op.
 */
export async function pushDataset(deps: { db: Db; store: ArtifactStore }, file: string, opts: { name: string; message?: string; attack?: AttackTable }): Promise<PushResult> {
  if (!NAME.test(opts.name)) throw new InvalidInputError(`dataset name "${opts.name}" must be lowercase letters, digits, '.', '_' or '-' (at most 100)`);
  const records = await readJsonlDataset(file, { attack: opts.attack });
  return pushRecords(deps, records, opts);
}

export async function pushRecords(deps: { db: Db; store: ArtifactStore }, records: DatasetRecord[], opts: { name: string; message?: string; attack?: AttackTable }): Promise<PushResult> {
  const prepared = prepareVersion(records, { attack: opts.attack });
  const parent = await latestDatasetVersion(deps.db, opts.name);
  const { key } = await deps.store.putContentAddressed(`datasets/${opts.name}`, prepared.canonicalBytes, '.jsonl', 'application/x-ndjson');
  // The parent is the latest version at push time; re-pushing an existing version changes nothing.
  const parentHash = parent && parent.hash !== prepared.hash ? parent.hash : null;
  const { row, created } = await registerDatasetVersion(deps.db, {
    name: opts.name, hash: prepared.hash, parentHash,
    message: opts.message ?? null, objectKey: key, recordCount: prepared.stats.records, templateCount: prepared.stats.templates, stats: prepared.stats,
  });
  return { name: row.name, hash: row.hash, created, parentHash: row.parentHash, records: row.recordCount };
}

/** Parses `name@version` (version: hash prefix or `latest`; a bare name means latest). */
export function parseDatasetRef(ref: string): { name: string; version: string } {
  const at = ref.lastIndexOf('@');
  return at < 0 ? { name: ref, version: 'latest' } : { name: ref.slice(0, at), version: ref.slice(at + 1) || 'latest' };
}

const describeVersions = (rows: DatasetVersionRow[]) =>
  rows.map((r) => `${r.hash.slice(0, 12)} (${r.recordCount} records, ${r.createdAt.toISOString().slice(0, 10)})`).join(', ');

/**
 * Resolves a dataset reference (`name`, `name@latest`, `name@<hash prefix>`) without throwing, so a
 * caller can collect every bad reference of a spec at once. Errors list what does exist.
 */
export async function tryResolveDataset(db: Db, ref: string): Promise<{ row: DatasetVersionRow } | { error: InvalidInputError | NotFoundError }> {
  if (!datasetRefSchema.safeParse(ref).success) {
    return { error: new InvalidInputError(`dataset reference "${ref}" must be NAME, NAME@latest or NAME@HASH (a hash prefix of at least 8 hex digits)`) };
  }
  const { name, version } = parseDatasetRef(ref);
  let row: DatasetVersionRow | undefined;
  try {
    row = await findDatasetVersion(db, name, version);
  } catch (e) {
    if (/ambiguous/.test((e as Error).message)) return { error: new InvalidInputError((e as Error).message) };
    throw e;
  }
  if (row) return { row };
  const versions = await listDatasetVersions(db, name);
  if (versions.length > 0) {
    return { error: new NotFoundError(`dataset ${name} has no version ${version}; its versions (oldest first): ${describeVersions(versions)}`) };
  }
  const names = [...new Set((await listDatasetVersions(db)).map((r) => r.name))];
  const known = names.length ? `datasets that exist: ${names.join(', ')}` : 'no dataset is stored yet';
  return { error: new NotFoundError(`dataset ${name} not found (${known}; push one with: opensoc dataset push FILE --name ${name})`) };
}

export async function resolveDataset(db: Db, ref: string): Promise<DatasetVersionRow> {
  const r = await tryResolveDataset(db, ref);
  if ('error' in r) throw r.error;
  return r.row;
}

/** S3 key of a dataset version: content-addressed, so workers need no database to find it. */
export const datasetKey = (name: string, hash: string) => `datasets/${name}/${hash}.jsonl`;

/** Loads a stored version's records (sha256-verified by the store). */
export async function loadDatasetRecords(store: ArtifactStore, row: Pick<DatasetVersionRow, 'objectKey'>): Promise<DatasetRecord[]> {
  const text = await store.getText(row.objectKey);
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as DatasetRecord);
}

export async function diffVersions(deps: { db: Db; store: ArtifactStore }, a: string, b: string): Promise<DatasetDiff> {
  const [ra, rb] = await Promise.all([resolveDataset(deps.db, a), resolveDataset(deps.db, b)]);
  const [da, dbRecords] = await Promise.all([loadDatasetRecords(deps.store, ra), loadDatasetRecords(deps.store, rb)]);
  return diffDatasets(da, dbRecords);
}

export { listDatasetVersions };
