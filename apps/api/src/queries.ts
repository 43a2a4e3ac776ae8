import { and, asc, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import {
  comparisons, datasetVersions, evalSetCondition, getSweep, leaderboardEntries, listDatasetVersions, reproductions, runs,
  splitManifests, sweeps,
  type Db, type DatasetVersionRow, type FoldResultRow, type LeaderboardEntryRow, type PredictionSetRow, type ReproductionRow, type RunRow, type SweepRow,
} from '@opensoc/db';
import { BASELINES, compareEntries, significanceDirection, type SignificanceDirection } from '@opensoc/contracts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError } from './errors.ts';
import type { Presign } from './presign.ts';
import type { SweepEta, SweepEtaInfo } from './app.ts';
import type { LeaderboardQuery, LeaderboardRow, RunDetail } from './schemas.ts';

/** Reads for the API and the pages: each returns the JSON the route sends (dates as ISO strings). */

export type { Presign } from './presign.ts';

const enc = encodeURIComponent;
const iso = (d: Date | string | null | undefined): string => (d instanceof Date ? d.toISOString() : d ? new Date(d).toISOString() : '');
const BASELINE_FAMILIES = new Set<string>(BASELINES);
const FLIP: Record<SignificanceDirection, SignificanceDirection> = { better: 'worse', worse: 'better', none: 'none' };
const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

export function toLeaderboardRow(e: LeaderboardEntryRow): LeaderboardRow {
  return {
    id: e.id,
    runId: e.runId,
    sweepId: e.sweepId,
    dataset: { name: e.datasetName, hash: e.datasetHash },
    evalSet: e.evalSet,
    task: e.task,
    mode: e.mode,
    family: e.family,
    label: e.label,
    splitKind: e.splitKind,
    n: e.n,
    baseline: BASELINE_FAMILIES.has(e.family) || e.mode === 'baseline',
    accuracy: { value: e.accuracy, low: e.accuracyLow, high: e.accuracyHigh },
    macroF1: { value: e.macroF1, low: e.macroF1Low, high: e.macroF1High },
    foldMean: e.foldMean,
    foldStd: e.foldStd,
    parseFailures: e.parseFailures,
    pVsTop: { raw: e.pVsTop, adjusted: e.pVsTopAdjusted, direction: e.vsTopDirection, onlyThis: e.vsTopOnlyThis, onlyOther: e.vsTopOnlyOther },
    pVsBestBaseline: {
      raw: e.pVsBestBaseline, adjusted: e.pVsBestBaselineAdjusted, direction: e.vsBestBaselineDirection, onlyThis: e.vsBestBaselineOnlyThis, onlyOther: e.vsBestBaselineOnlyOther,
    },
    exactSetAccuracy: e.exactSetAccuracy,
    majorityAccuracy: e.majorityAccuracy,
    belowMajority: e.belowMajority,
    partial: e.partial,
    coverage: e.coverage,
    reproductionStatus: e.reproductionStatus,
    links: { run: `/v1/runs/${enc(e.runId)}`, reproductions: `/v1/reproductions/${enc(e.id)}`, html: `/runs/${enc(e.runId)}` },
  };
}

// ---- leaderboard -------------------------------------------------------------

const L = leaderboardEntries;

/** Every column, aliased to the drizzle row's camelCase, so raw rows feed toLeaderboardRow directly. */
const ENTRY_COLUMNS = sql.raw(Object.entries(L)
  .filter(([, col]) => typeof col === 'object' && col !== null && 'name' in col && 'columnType' in col)
  .map(([key, col]) => `"${(col as { name: string }).name}" AS "${key}"`)
  .join(', '));

function sortExpr(sort: LeaderboardQuery['sort']): SQL {
  if (sort === 'accuracy') return sql.raw('accuracy');
  if (sort === 'macroF1') return sql.raw('macro_f1');
  // Entries without a fold mean (a fixed split has one fold) sort as -1: last when descending.
  return sql.raw('coalesce(fold_mean, -1)');
}

function sortValue(e: LeaderboardEntryRow, sort: LeaderboardQuery['sort']): number {
  return sort === 'accuracy' ? e.accuracy : sort === 'macroF1' ? e.macroF1 : (e.foldMean ?? -1);
}

/**
 * One page of the leaderboard, keyset-paginated on (sort value, id). Plain SQL rather than
 * the query builder: this is the hottest query of the API and the builder and row mapping
 * cost more CPU than PostgreSQL spends answering it.
 */
export async function queryLeaderboard(db: Db, q: LeaderboardQuery): Promise<{ items: LeaderboardRow[]; nextCursor: string | null; sort: LeaderboardQuery['sort']; order: 'asc' | 'desc' }> {
  const conds: SQL[] = [];
  if (q.dataset) {
    const [name, prefix] = q.dataset.split('@') as [string, string | undefined];
    conds.push(sql`dataset_name = ${name}`);
    // prefix is validated as lowercase hex, so it carries no LIKE wildcard.
    if (prefix) conds.push(sql`dataset_hash LIKE ${`${prefix}%`}`);
  }
  if (q.sweep) conds.push(sql`sweep_id = ${q.sweep}`);
  if (q.task) conds.push(sql`task = ${q.task}`);
  if (q.splitKind) conds.push(sql`split_kind = ${q.splitKind}`);
  if (q.mode) conds.push(sql`mode = ${q.mode}`);
  if (q.family) conds.push(sql`family = ${q.family}`);
  // An extra evaluation set may be named without its hash (every version of it matches).
  if (q.evalSet) conds.push(evalSetCondition(L.evalSet, q.evalSet));
  const key = sortExpr(q.sort);
  if (q.cursor) {
    const c = decodeCursor(q.cursor, q.sort, q.order);
    conds.push(q.order === 'desc'
      ? sql`(${key}, id) < (${c.v}::double precision, ${c.id}::text)`
      : sql`(${key}, id) > (${c.v}::double precision, ${c.id}::text)`);
  }
  const dir = sql.raw(q.order === 'desc' ? 'DESC' : 'ASC');
  const where = conds.length ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``;
  const res = await db.execute(sql`SELECT ${ENTRY_COLUMNS} FROM leaderboard_entries ${where} ORDER BY ${key} ${dir}, id ${dir} LIMIT ${q.limit + 1}`);
  const rows = rowsOf(res) as unknown as LeaderboardEntryRow[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > q.limit && last ? encodeCursor({ s: q.sort, o: q.order, v: sortValue(last, q.sort), id: last.id }) : null;
  return { items: page.map(toLeaderboardRow), nextCursor, sort: q.sort, order: q.order };
}

// ---- sweeps ----------------------------------------------------------------------

function sweepSummary(s: SweepRow) {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    dataset: { name: s.datasetName, hash: s.datasetHash },
    progress: { done: s.doneUnits, total: s.totalUnits, fraction: s.totalUnits > 0 ? Math.min(1, s.doneUnits / s.totalUnits) : 0 },
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    links: { self: `/v1/sweeps/${enc(s.id)}`, html: `/sweeps/${enc(s.id)}` },
  };
}
export type SweepSummary = ReturnType<typeof sweepSummary>;

export async function querySweeps(db: Db, q: { status?: string; limit: number }): Promise<SweepSummary[]> {
  const rows = await db.select().from(sweeps).where(q.status ? eq(sweeps.status, q.status) : undefined).orderBy(desc(sweeps.createdAt), asc(sweeps.id)).limit(q.limit);
  return rows.map(sweepSummary);
}

/** A running sweep's ETA; none when it is not running or the orchestration layer cannot say. */
async function runningEta(sweepEta: SweepEta | undefined, status: string, workflowId: string): Promise<SweepEtaInfo | null> {
  if (!sweepEta || status !== 'running') return null;
  return sweepEta(workflowId).catch(() => null);
}

export async function querySweep(db: Db, id: string, sweepEta?: SweepEta) {
  const s = await getSweep(db, id);
  if (!s) return undefined;
  const runRows = await db.select().from(runs).where(eq(runs.sweepId, id)).orderBy(asc(runs.id));
  return {
    ...sweepSummary(s),
    spec: s.spec,
    specHash: s.specHash,
    workflowId: s.workflowId,
    error: s.error,
    eta: await runningEta(sweepEta, s.status, s.workflowId),
    runs: runRows.map((r) => ({ id: r.id, family: r.family, label: r.label, seed: r.seed, status: r.status, config: r.config, links: { self: `/v1/runs/${enc(r.id)}` } })),
  };
}
export type SweepDetail = NonNullable<Awaited<ReturnType<typeof querySweep>>>;

export async function sweepEntries(db: Db, sweepId: string): Promise<LeaderboardRow[]> {
  // The ranking rule (contracts/ranking.ts): accuracy, best first; ties by id, descending.
  const rows = await db.select().from(L).where(eq(L.sweepId, sweepId)).orderBy(desc(L.accuracy), desc(L.id));
  return rows.map(toLeaderboardRow);
}

/** The task a leaderboard opens on. */
export const DEFAULT_TASK = 'threatCategory';

/** The classification mode of the best LoRA entry for a task (cross-validation), by the ranking rule; null without LoRA entries. */
export function bestMode(entries: readonly LeaderboardRow[], task: string): string | null {
  const lora = entries.filter((e) => !e.baseline && e.task === task && e.evalSet === 'cv');
  return [...lora].sort(compareEntries((e) => e.accuracy.value))[0]?.mode ?? null;
}

// ---- runs ------------------------------------------------------------------------

interface NormalizedTaskMetrics {
  task: string; n: number | null; accuracy: number | null; accuracyInterval: { low: number; high: number; method?: string; level?: number } | null;
  macroF1: number | null; parseFailures: number | null; confusion: { labels: string[]; matrix: number[][] } | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function normalizeOne(task: string, m: Record<string, unknown>): NormalizedTaskMetrics {
  const iv = isObj(m.accuracyInterval) && num(m.accuracyInterval.low) !== null && num(m.accuracyInterval.high) !== null
    ? {
      low: m.accuracyInterval.low as number, high: m.accuracyInterval.high as number,
      ...(typeof m.accuracyInterval.method === 'string' ? { method: m.accuracyInterval.method } : {}),
      ...(num(m.accuracyInterval.level) !== null ? { level: m.accuracyInterval.level as number } : {}),
    }
    : null;
  let confusion: NormalizedTaskMetrics['confusion'] = null;
  const cm = m.confusion;
  if (isObj(cm) && Array.isArray(cm.labels) && Array.isArray(cm.matrix)) {
    const labels = cm.labels.map(String);
    const matrix = (cm.matrix as unknown[]).map((row) => (Array.isArray(row) ? row.map((x) => num(x) ?? 0) : []));
    if (matrix.length === labels.length && matrix.every((r) => r.length === labels.length)) confusion = { labels, matrix };
  }
  return { task, n: num(m.n), accuracy: num(m.accuracy), accuracyInterval: iv, macroF1: num(m.macroF1), parseFailures: num(m.parseFailures), confusion };
}

/** fold_results.metrics is TaskMetrics[] (contracts); an object keyed by task, or one task's metrics, are read too. */
export function normalizeMetrics(metrics: unknown): NormalizedTaskMetrics[] {
  if (Array.isArray(metrics)) return metrics.filter(isObj).map((m) => normalizeOne(typeof m.task === 'string' ? m.task : 'all', m));
  if (!isObj(metrics)) return [];
  if (Array.isArray(metrics.tasks)) return normalizeMetrics(metrics.tasks);
  if ('accuracy' in metrics) return [normalizeOne(typeof metrics.task === 'string' ? metrics.task : 'all', metrics)];
  return Object.entries(metrics).filter(([, v]) => isObj(v)).map(([task, v]) => normalizeOne(task, v as Record<string, unknown>));
}

/** Sums the per-fold confusion matrices of one (task, mode, eval set) over the union of their labels. */
function poolConfusion(parts: { labels: string[]; matrix: number[][] }[]): { labels: string[]; matrix: number[][] } {
  const labels = [...new Set(parts.flatMap((p) => p.labels))];
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (const p of parts) {
    p.labels.forEach((truth, i) => p.labels.forEach((pred, j) => { matrix[index.get(truth)!]![index.get(pred)!]! += p.matrix[i]![j]!; }));
  }
  return { labels, matrix };
}

function lossPoints(v: unknown): { step: number; loss: number }[] {
  if (!Array.isArray(v)) return [];
  const out: { step: number; loss: number }[] = [];
  v.forEach((p, i) => {
    if (isObj(p) && num(p.loss) !== null) out.push({ step: num(p.step) ?? i, loss: p.loss as number });
    else if (num(p) !== null) out.push({ step: i, loss: p as number });
  });
  return out;
}

function reproductionOut(r: ReproductionRow) {
  return {
    id: r.id, entryId: r.entryId, originalRunId: r.originalRunId, status: r.status, tolerance: r.tolerance,
    verdict: r.verdict ?? null, createdAt: iso(r.createdAt), finishedAt: r.finishedAt ? iso(r.finishedAt) : null,
  };
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Top-level snake_case keys of a row_to_json object to the drizzle row's camelCase. */
function camelize<T>(o: unknown): T {
  return Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, v]) => [camel(k), v])) as T;
}

export async function queryRun(db: Db, id: string, presign: Presign): Promise<RunDetail | undefined> {
  // One round trip: a run page needs six tables, and on a busy host each round trip costs more than the query.
  const res = await db.execute(sql`
    WITH r AS (SELECT * FROM runs WHERE id = ${id})
    SELECT
      (SELECT row_to_json(r) FROM r) AS run,
      (SELECT coalesce(json_agg(e ORDER BY e.task, e.mode, e.eval_set), '[]'::json) FROM leaderboard_entries e WHERE e.run_id = ${id}) AS entries,
      (SELECT coalesce(json_agg(f ORDER BY f.mode, f.eval_set, f.fold), '[]'::json) FROM fold_results f WHERE f.run_id = ${id}) AS folds,
      (SELECT coalesce(json_agg(p ORDER BY p.mode, p.eval_set, p.fold), '[]'::json) FROM prediction_sets p WHERE p.run_id = ${id}) AS preds,
      (SELECT s.leakage FROM split_manifests s, r WHERE s.hash = r.split_hash) AS leakage,
      (SELECT coalesce(json_agg(x ORDER BY x.created_at DESC, x.id), '[]'::json) FROM reproductions x
        WHERE x.entry_id IN (SELECT le.id FROM leaderboard_entries le WHERE le.run_id = ${id})) AS repros`);
  const row = rowsOf(res)[0];
  if (!row || !row.run) return undefined;
  const run = camelize<RunRow>(row.run);
  const entries = (row.entries as unknown[]).map((e) => camelize<LeaderboardEntryRow>(e));
  const folds = (row.folds as unknown[]).map((f) => camelize<FoldResultRow>(f));
  const preds = (row.preds as unknown[]).map((p) => camelize<PredictionSetRow>(p));
  const repros = (row.repros as unknown[]).map((x) => camelize<ReproductionRow>(x));
  const split = { leakage: row.leakage ?? null };

  const perFold = folds.map((f) => ({ fold: f.fold, mode: f.mode, evalSet: f.evalSet, all: normalizeMetrics(f.metrics) }));
  const groups = new Map<string, { task: string; mode: string; evalSet: string; parts: { labels: string[]; matrix: number[][] }[] }>();
  for (const f of perFold) {
    for (const m of f.all) {
      if (!m.confusion) continue;
      const k = JSON.stringify([m.task, f.mode, f.evalSet]);
      const g = groups.get(k) ?? { task: m.task, mode: f.mode, evalSet: f.evalSet, parts: [] };
      g.parts.push(m.confusion);
      groups.set(k, g);
    }
  }
  const curves = new Map<number, { step: number; loss: number }[]>();
  for (const f of folds) {
    const pts = lossPoints(f.trainLoss);
    if (pts.length > 0 && !curves.has(f.fold)) curves.set(f.fold, pts);
  }
  const artifacts: RunDetail['artifacts'] = [];
  for (const p of preds) {
    artifacts.push({ kind: 'predictions', fold: p.fold, mode: p.mode, evalSet: p.evalSet, key: p.objectKey, sha256: p.sha256, count: p.count, url: await presign(p.objectKey) });
  }
  const adapters = new Map<string, number>();
  for (const f of folds) if (f.adapterKey && !adapters.has(f.adapterKey)) adapters.set(f.adapterKey, f.fold);
  for (const [key, fold] of adapters) artifacts.push({ kind: 'adapter', fold, mode: null, evalSet: null, key, sha256: null, count: null, url: await presign(key) });

  return {
    id: run.id,
    sweepId: run.sweepId,
    family: run.family,
    label: run.label,
    status: run.status,
    config: run.config,
    createdAt: iso(run.createdAt),
    lineage: {
      codeCommit: run.codeCommit, datasetName: run.datasetName, datasetHash: run.datasetHash, splitHash: run.splitHash,
      splitKind: run.splitKind, configHash: run.configHash, seed: run.seed,
    },
    pooled: entries.map(toLeaderboardRow),
    folds: perFold.map((f) => ({ fold: f.fold, mode: f.mode, evalSet: f.evalSet, metrics: f.all.map(({ confusion: _c, ...rest }) => rest) })),
    confusion: [...groups.values()].map((g) => ({ task: g.task, mode: g.mode, evalSet: g.evalSet, ...poolConfusion(g.parts) })),
    trainingCurve: [...curves.entries()].sort((a, b) => a[0] - b[0]).map(([fold, points]) => ({ fold, points })),
    leakage: split.leakage,
    artifacts,
    reproductions: repros.map(reproductionOut),
  };
}

// ---- compare ---------------------------------------------------------------------

export async function queryCompare(db: Db, q: { a: string; b: string; task?: string; mode?: string }) {
  const C = comparisons;
  const pair = or(and(eq(C.runA, q.a), eq(C.runB, q.b)), and(eq(C.runA, q.b), eq(C.runB, q.a)));
  const conds = [pair!];
  if (q.task) conds.push(eq(C.task, q.task));
  if (q.mode) conds.push(eq(C.mode, q.mode));
  const rows = await db.select().from(C).where(and(...conds)).orderBy(asc(C.task), asc(C.mode), asc(C.test), asc(C.id));
  if (rows.length === 0) return undefined;
  const entryConds = (run: string) => and(eq(L.runId, run), q.task ? eq(L.task, q.task) : undefined, q.mode ? eq(L.mode, q.mode) : undefined);
  const [ea, eb] = await Promise.all([
    db.select().from(L).where(entryConds(q.a)).orderBy(asc(L.task), asc(L.mode), asc(L.evalSet)),
    db.select().from(L).where(entryConds(q.b)).orderBy(asc(L.task), asc(L.mode), asc(L.evalSet)),
  ]);
  return {
    a: q.a,
    b: q.b,
    comparisons: rows.map((r) => {
      const flipped = r.runA !== q.a;
      const direction = r.direction ?? significanceDirection(r.onlyA, r.onlyB, r.pAdjusted);
      return {
        id: r.id, sweepId: r.sweepId, a: q.a, b: q.b, task: r.task, mode: r.mode, test: r.test,
        contingency: { onlyA: flipped ? r.onlyB : r.onlyA, onlyB: flipped ? r.onlyA : r.onlyB, n: r.n },
        p: { raw: r.pValue, adjusted: r.pAdjusted, adjustment: r.adjustment },
        direction: flipped ? FLIP[direction] : direction,
      };
    }),
    entries: { a: ea.map(toLeaderboardRow), b: eb.map(toLeaderboardRow) },
  };
}
export type CompareResult = NonNullable<Awaited<ReturnType<typeof queryCompare>>>;

// ---- datasets --------------------------------------------------------------------

function versionSummary(v: DatasetVersionRow) {
  return {
    name: v.name, hash: v.hash, parentHash: v.parentHash, message: v.message, recordCount: v.recordCount, templateCount: v.templateCount,
    createdAt: iso(v.createdAt), links: { self: `/v1/datasets/${enc(v.name)}/versions/${v.hash}` },
  };
}
export type DatasetVersionSummary = ReturnType<typeof versionSummary>;

export async function queryDatasets(db: Db): Promise<DatasetVersionSummary[]> {
  return (await listDatasetVersions(db)).map(versionSummary);
}

export async function queryDatasetVersion(db: Db, name: string, version: string) {
  let v: DatasetVersionRow | undefined;
  if (version === 'latest') {
    [v] = await db.select().from(datasetVersions).where(eq(datasetVersions.name, name)).orderBy(desc(datasetVersions.createdAt)).limit(1);
  } else {
    // version is validated as lowercase hex: no LIKE wildcard can reach the pattern.
    const rows = await db.select().from(datasetVersions).where(and(eq(datasetVersions.name, name), sql`${datasetVersions.hash} LIKE ${`${version}%`}`)).limit(2);
    if (rows.length > 1) throw new ApiError(409, `dataset version ${name}@${version} is ambiguous: use more hex digits`);
    v = rows[0];
  }
  if (!v) return undefined;
  const [parentRows, splits] = await Promise.all([
    v.parentHash ? db.select().from(datasetVersions).where(and(eq(datasetVersions.name, v.name), eq(datasetVersions.hash, v.parentHash))).limit(1) : Promise.resolve([]),
    db.select().from(splitManifests).where(eq(splitManifests.datasetHash, v.hash)).orderBy(asc(splitManifests.createdAt), asc(splitManifests.hash)),
  ]);
  return {
    ...versionSummary(v),
    stats: v.stats,
    objectKey: v.objectKey,
    parent: parentRows[0] ? versionSummary(parentRows[0]) : null,
    splits: splits.map((s) => ({ hash: s.hash, kind: s.kind, spec: s.spec, leakage: s.leakage ?? null, createdAt: iso(s.createdAt) })),
  };
}
export type DatasetVersionDetail = NonNullable<Awaited<ReturnType<typeof queryDatasetVersion>>>;

// ---- reproductions -----------------------------------------------------------------

export async function queryReproductions(db: Db, entryId: string) {
  const [entry] = await db.select().from(L).where(eq(L.id, entryId));
  if (!entry) return undefined;
  const rows = await db.select().from(reproductions).where(eq(reproductions.entryId, entryId)).orderBy(desc(reproductions.createdAt), asc(reproductions.id));
  return { entry: toLeaderboardRow(entry), reproductions: rows.map(reproductionOut) };
}

export async function entryExists(db: Db, entryId: string): Promise<boolean> {
  const rows = await db.select({ id: L.id }).from(L).where(eq(L.id, entryId)).limit(1);
  return rows.length > 0;
}
