import { and, asc, desc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import {
  apiTokens, comparisons, datasetVersions, foldResults, leaderboardEntries, predictionSets, reproductions, runs, splitManifests, sweeps,
  type ApiTokenRow, type DatasetVersionRow, type LeaderboardEntryRow, type RunRow, type SweepRow,
} from './schema.ts';

/**
 * Every write here is an idempotent upsert keyed by a natural id, so an activity
 * retried after a crash or a lost connection never duplicates a row.
 */

// ---- datasets ------------------------------------------------------------
export type NewDatasetVersion = typeof datasetVersions.$inferInsert;

/** Registers a version; the same (name, hash) again is a no-op that returns the stored row. */
export async function registerDatasetVersion(db: Db, v: NewDatasetVersion): Promise<{ row: DatasetVersionRow; created: boolean }> {
  const inserted = await db.insert(datasetVersions).values(v).onConflictDoNothing().returning();
  if (inserted[0]) return { row: inserted[0], created: true };
  const [row] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.name, v.name), eq(datasetVersions.hash, v.hash)));
  return { row: row!, created: false };
}

export async function getDatasetVersion(db: Db, name: string, hash: string): Promise<DatasetVersionRow | undefined> {
  const [row] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.name, name), eq(datasetVersions.hash, hash)));
  return row;
}

export async function latestDatasetVersion(db: Db, name: string): Promise<DatasetVersionRow | undefined> {
  const [row] = await db.select().from(datasetVersions).where(eq(datasetVersions.name, name)).orderBy(desc(datasetVersions.createdAt)).limit(1);
  return row;
}

/** Resolves `latest` or a hash prefix (>= 8 hex digits); ambiguous prefixes are an error. */
export async function findDatasetVersion(db: Db, name: string, version: string): Promise<DatasetVersionRow | undefined> {
  if (version === 'latest') return latestDatasetVersion(db, name);
  const rows = await db.select().from(datasetVersions)
    .where(and(eq(datasetVersions.name, name), sql`${datasetVersions.hash} LIKE ${`${version}%`}`)).limit(2);
  if (rows.length > 1) throw new Error(`dataset version ${name}@${version} is ambiguous: use more hex digits`);
  return rows[0];
}

export async function listDatasetVersions(db: Db, name?: string): Promise<DatasetVersionRow[]> {
  const q = db.select().from(datasetVersions);
  return (name ? q.where(eq(datasetVersions.name, name)) : q).orderBy(asc(datasetVersions.name), asc(datasetVersions.createdAt));
}

// ---- splits --------------------------------------------------------------
export async function registerSplit(db: Db, s: typeof splitManifests.$inferInsert): Promise<void> {
  await db.insert(splitManifests).values(s).onConflictDoNothing();
}

export async function getSplit(db: Db, hash: string) {
  const [row] = await db.select().from(splitManifests).where(eq(splitManifests.hash, hash));
  return row;
}

// ---- sweeps and runs -------------------------------------------------------
export async function upsertSweep(db: Db, s: typeof sweeps.$inferInsert): Promise<void> {
  await db.insert(sweeps).values(s).onConflictDoNothing();
}

export async function updateSweep(db: Db, id: string, patch: Partial<Pick<SweepRow, 'status' | 'totalUnits' | 'doneUnits' | 'error' | 'context'>>): Promise<void> {
  await db.update(sweeps).set({ ...patch, updatedAt: new Date() }).where(eq(sweeps.id, id));
}

export async function getSweep(db: Db, id: string): Promise<SweepRow | undefined> {
  const [row] = await db.select().from(sweeps).where(eq(sweeps.id, id));
  return row;
}

export async function listSweeps(db: Db, limit = 100): Promise<SweepRow[]> {
  return db.select().from(sweeps).orderBy(desc(sweeps.createdAt)).limit(limit);
}

export async function upsertRun(db: Db, r: typeof runs.$inferInsert): Promise<void> {
  await db.insert(runs).values(r).onConflictDoUpdate({ target: runs.id, set: { status: r.status } });
}

export async function setRunStatus(db: Db, id: string, status: string): Promise<void> {
  await db.update(runs).set({ status }).where(eq(runs.id, id));
}

export async function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row;
}

export async function listRuns(db: Db, sweepId: string): Promise<RunRow[]> {
  return db.select().from(runs).where(eq(runs.sweepId, sweepId)).orderBy(asc(runs.id));
}

/** Fold results are replaced on retry (same key), never duplicated. */
export async function upsertFoldResult(db: Db, f: typeof foldResults.$inferInsert): Promise<void> {
  await db.insert(foldResults).values(f).onConflictDoUpdate({
    target: [foldResults.runId, foldResults.fold, foldResults.mode, foldResults.evalSet],
    set: { metrics: f.metrics, trainLoss: f.trainLoss, adapterKey: f.adapterKey },
  });
}

export async function listFoldResults(db: Db, runId: string) {
  return db.select().from(foldResults).where(eq(foldResults.runId, runId)).orderBy(asc(foldResults.mode), asc(foldResults.fold));
}

export async function upsertPredictionSet(db: Db, p: typeof predictionSets.$inferInsert): Promise<void> {
  await db.insert(predictionSets).values(p).onConflictDoUpdate({
    target: [predictionSets.runId, predictionSets.fold, predictionSets.mode, predictionSets.evalSet],
    set: { objectKey: p.objectKey, sha256: p.sha256, count: p.count },
  });
}

export async function listPredictionSets(db: Db, runId: string) {
  return db.select().from(predictionSets).where(eq(predictionSets.runId, runId)).orderBy(asc(predictionSets.mode), asc(predictionSets.fold));
}

// ---- leaderboard -----------------------------------------------------------
export type NewLeaderboardEntry = typeof leaderboardEntries.$inferInsert;

/**
 * Writes leaderboard rows. onlyOverPartial (live aggregation while a sweep runs): an existing row
 * is replaced only while it is still partial, so a late live pass never overwrites final figures.
 */
export async function upsertLeaderboardEntries(db: Db, entries: NewLeaderboardEntry[], opts: { onlyOverPartial?: boolean } = {}): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(leaderboardEntries).values(entries).onConflictDoUpdate({
    target: leaderboardEntries.id,
    ...(opts.onlyOverPartial ? { setWhere: sql`${leaderboardEntries.partial} = true` } : {}),
    set: {
      n: sql`excluded.n`, accuracy: sql`excluded.accuracy`, accuracyLow: sql`excluded.accuracy_low`, accuracyHigh: sql`excluded.accuracy_high`,
      macroF1: sql`excluded.macro_f1`, macroF1Low: sql`excluded.macro_f1_low`, macroF1High: sql`excluded.macro_f1_high`,
      foldMean: sql`excluded.fold_mean`, foldStd: sql`excluded.fold_std`, parseFailures: sql`excluded.parse_failures`,
      pVsTop: sql`excluded.p_vs_top`, pVsTopAdjusted: sql`excluded.p_vs_top_adjusted`,
      pVsBestBaseline: sql`excluded.p_vs_best_baseline`, pVsBestBaselineAdjusted: sql`excluded.p_vs_best_baseline_adjusted`,
      vsTopDirection: sql`excluded.vs_top_direction`, vsTopOnlyThis: sql`excluded.vs_top_only_this`, vsTopOnlyOther: sql`excluded.vs_top_only_other`,
      vsBestBaselineDirection: sql`excluded.vs_best_baseline_direction`, vsBestBaselineOnlyThis: sql`excluded.vs_best_baseline_only_this`,
      vsBestBaselineOnlyOther: sql`excluded.vs_best_baseline_only_other`, exactSetAccuracy: sql`excluded.exact_set_accuracy`,
      majorityAccuracy: sql`excluded.majority_accuracy`, belowMajority: sql`excluded.below_majority`, partial: sql`excluded.partial`, coverage: sql`excluded.coverage`,
    },
  });
}

/**
 * After a sweep's final aggregation: removes its partial rows that the final set no longer has
 * (e.g. an entry a live pass scored that ended with no labelled records) and comparisons that
 * are not in the final set (a live pass compares against the top entry of that moment).
 */
export async function deleteStaleSweepResults(db: Db, sweepId: string, keep: { entryIds: string[]; comparisonIds: string[] }): Promise<void> {
  await db.delete(leaderboardEntries).where(and(eq(leaderboardEntries.sweepId, sweepId), eq(leaderboardEntries.partial, true), notInArray(leaderboardEntries.id, keep.entryIds)));
  await db.delete(comparisons).where(and(eq(comparisons.sweepId, sweepId), notInArray(comparisons.id, keep.comparisonIds)));
}

export interface LeaderboardFilter { datasetName?: string; task?: string; mode?: string; sweepId?: string; evalSet?: string; limit?: number }

/**
 * An evaluation-set filter: `cv`, the stored label (`name@hash12`), the dataset name alone (any
 * of its versions), or `name@prefix`. Compared by string prefix, so no LIKE wildcard applies.
 */
export function evalSetCondition(column: typeof leaderboardEntries.evalSet, value: string) {
  if (value === 'cv' || /@[0-9a-f]{12}$/.test(value)) return eq(column, value);
  const prefix = value.includes('@') ? value : `${value}@`;
  return sql`left(${column}, ${prefix.length}) = ${prefix}`;
}

/** A dataset filter: `name` or `name@hashprefix`. */
function datasetCondition(value: string) {
  const [name, prefix] = value.split('@') as [string, string | undefined];
  return prefix ? and(eq(leaderboardEntries.datasetName, name), sql`left(${leaderboardEntries.datasetHash}, ${prefix.length}) = ${prefix}`) : eq(leaderboardEntries.datasetName, name);
}

/** Leaderboard rows in the ranking rule's order (contracts/ranking.ts): accuracy, best first; ties by id, descending. */
export async function listLeaderboard(db: Db, f: LeaderboardFilter = {}): Promise<LeaderboardEntryRow[]> {
  const conditions = [
    f.datasetName ? datasetCondition(f.datasetName) : undefined,
    f.task ? eq(leaderboardEntries.task, f.task) : undefined,
    f.mode ? eq(leaderboardEntries.mode, f.mode) : undefined,
    f.sweepId ? eq(leaderboardEntries.sweepId, f.sweepId) : undefined,
    evalSetCondition(leaderboardEntries.evalSet, f.evalSet ?? 'cv'),
  ].filter((c) => c !== undefined);
  return db.select().from(leaderboardEntries).where(and(...conditions))
    .orderBy(desc(leaderboardEntries.accuracy), desc(leaderboardEntries.id)).limit(f.limit ?? 200);
}

export async function getLeaderboardEntry(db: Db, id: string): Promise<LeaderboardEntryRow | undefined> {
  const [row] = await db.select().from(leaderboardEntries).where(eq(leaderboardEntries.id, id));
  return row;
}

export async function setReproductionStatus(db: Db, entryId: string, status: string): Promise<void> {
  await db.update(leaderboardEntries).set({ reproductionStatus: status }).where(eq(leaderboardEntries.id, entryId));
}

export async function listComparisons(db: Db, runA: string, runB: string) {
  return db.select().from(comparisons).where(sql`(${comparisons.runA} = ${runA} AND ${comparisons.runB} = ${runB}) OR (${comparisons.runA} = ${runB} AND ${comparisons.runB} = ${runA})`);
}

export async function upsertComparisons(db: Db, rows: (typeof comparisons.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(comparisons).values(rows).onConflictDoUpdate({
    target: comparisons.id,
    set: { onlyA: sql`excluded.only_a`, onlyB: sql`excluded.only_b`, n: sql`excluded.n`, pValue: sql`excluded.p_value`, pAdjusted: sql`excluded.p_adjusted`, direction: sql`excluded.direction` },
  });
}

export async function upsertReproduction(db: Db, r: typeof reproductions.$inferInsert): Promise<void> {
  await db.insert(reproductions).values(r).onConflictDoUpdate({
    target: reproductions.id,
    set: { status: r.status, verdict: r.verdict, finishedAt: r.finishedAt },
  });
}

export async function listReproductions(db: Db, entryId: string) {
  return db.select().from(reproductions).where(eq(reproductions.entryId, entryId)).orderBy(desc(reproductions.createdAt));
}

// ---- API tokens --------------------------------------------------------------
export async function insertApiToken(db: Db, t: typeof apiTokens.$inferInsert): Promise<void> {
  await db.insert(apiTokens).values(t).onConflictDoNothing();
}

export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
  return row;
}

export async function revokeApiToken(db: Db, id: string): Promise<void> {
  await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
}
