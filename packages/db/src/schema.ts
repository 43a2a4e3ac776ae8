
import type { SignificanceDirection } from '@opensoc/contracts';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/*
 * Foreign keys: none yet, on purpose for now. Every row is written by an idempotent upsert in
 * a fixed order (sweep, then run, then its fold results, prediction sets and leaderboard rows;
 * see packages/platform/src/results.ts), nothing is ever deleted, and ids are content hashes or
 * deterministic unit ids, so a reference cannot dangle. Adding them (runs.sweep_id -> sweeps,
 * fold_results / prediction_sets / leaderboard_entries.run_id -> runs, reproductions.entry_id ->
 * leaderboard_entries) is the next migration once deletes exist; test fixtures that insert rows
 * out of order would have to follow the same order first.
 */

/** An immutable dataset version: the sha256 of its canonical JSONL is its id. */
export const datasetVersions = pgTable('dataset_versions', {
  name: text('name').notNull(),
  hash: text('hash').notNull(),
  parentHash: text('parent_hash'),
  message: text('message'),
  objectKey: text('object_key').notNull(),
  recordCount: integer('record_count').notNull(),
  templateCount: integer('template_count').notNull(),
  stats: jsonb('stats').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.name, t.hash] }), index('dataset_versions_created_idx').on(t.name, t.createdAt)]);

/** A materialized split (record ids per fold); its sha256 is its id. */
export const splitManifests = pgTable('split_manifests', {
  hash: text('hash').primaryKey(),
  datasetHash: text('dataset_hash').notNull(),
  kind: text('kind').notNull(),
  spec: jsonb('spec').notNull(),
  objectKey: text('object_key').notNull(),
  /** Leakage summary per fold (template overlap etc.), shown beside every result on this split. */
  leakage: jsonb('leakage'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('split_manifests_dataset_idx').on(t.datasetHash)]);

export const sweeps = pgTable('sweeps', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  spec: jsonb('spec').notNull(),
  specHash: text('spec_hash').notNull(),
  datasetName: text('dataset_name').notNull(),
  datasetHash: text('dataset_hash').notNull(),
  status: text('status').notNull(), // running | completed | failed | cancelled
  totalUnits: integer('total_units').notNull().default(0),
  doneUnits: integer('done_units').notNull().default(0),
  workflowId: text('workflow_id').notNull(),
  /** The resolved SweepContext (dataset hash, split hash, base models, code commit): the lineage reproductions re-run. */
  context: jsonb('context'),
  error: text('error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('sweeps_created_idx').on(t.createdAt)]);

/** One configuration × seed of a sweep (LoRA or baseline); its folds live in fold_results. */
export const runs = pgTable('runs', {
  id: text('id').primaryKey(),
  sweepId: text('sweep_id').notNull(),
  family: text('family').notNull(), // lora | majority | keyword-rules | tfidf-logreg | base-model
  label: text('label').notNull(), // e.g. r8-a16
  config: jsonb('config').notNull(),
  configHash: text('config_hash').notNull(),
  seed: integer('seed').notNull(),
  datasetName: text('dataset_name').notNull(),
  datasetHash: text('dataset_hash').notNull(),
  splitHash: text('split_hash').notNull(),
  splitKind: text('split_kind').notNull(),
  codeCommit: text('code_commit').notNull(),
  status: text('status').notNull(), // pending | running | completed | failed
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('runs_sweep_idx').on(t.sweepId)]);

export const foldResults = pgTable('fold_results', {
  runId: text('run_id').notNull(),
  fold: integer('fold').notNull(),
  mode: text('mode').notNull(),
  evalSet: text('eval_set').notNull().default('cv'),
  metrics: jsonb('metrics').notNull(),
  trainLoss: jsonb('train_loss').notNull(),
  adapterKey: text('adapter_key'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.runId, t.fold, t.mode, t.evalSet] })]);

/** Where the per-record predictions of a run live in S3. */
export const predictionSets = pgTable('prediction_sets', {
  runId: text('run_id').notNull(),
  fold: integer('fold').notNull(),
  mode: text('mode').notNull(),
  evalSet: text('eval_set').notNull().default('cv'),
  objectKey: text('object_key').notNull(),
  sha256: text('sha256').notNull(),
  count: integer('count').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.fold, t.mode, t.evalSet] })]);

/** One row per (run, mode, task, eval set): the numbers the leaderboard shows. */
export const leaderboardEntries = pgTable('leaderboard_entries', {
  id: text('id').primaryKey(),
  runId: text('run_id').notNull(),
  sweepId: text('sweep_id').notNull(),
  datasetName: text('dataset_name').notNull(),
  datasetHash: text('dataset_hash').notNull(),
  evalSet: text('eval_set').notNull().default('cv'),
  task: text('task').notNull(),
  mode: text('mode').notNull(),
  family: text('family').notNull(),
  label: text('label').notNull(),
  splitKind: text('split_kind').notNull(),
  n: integer('n').notNull(),
  accuracy: doublePrecision('accuracy').notNull(),
  accuracyLow: doublePrecision('accuracy_low').notNull(),
  accuracyHigh: doublePrecision('accuracy_high').notNull(),
  macroF1: doublePrecision('macro_f1').notNull(),
  macroF1Low: doublePrecision('macro_f1_low'),
  macroF1High: doublePrecision('macro_f1_high'),
  foldMean: doublePrecision('fold_mean'),
  foldStd: doublePrecision('fold_std'),
  parseFailures: integer('parse_failures').notNull().default(0),
  pVsTop: doublePrecision('p_vs_top'),
  pVsTopAdjusted: doublePrecision('p_vs_top_adjusted'),
  pVsBestBaseline: doublePrecision('p_vs_best_baseline'),
  pVsBestBaselineAdjusted: doublePrecision('p_vs_best_baseline_adjusted'),
  /** Direction of each test after Holm, and its discordant counts (records only this entry / only the other got right). */
  vsTopDirection: text('vs_top_direction').$type<SignificanceDirection>(),
  vsTopOnlyThis: integer('vs_top_only_this'),
  vsTopOnlyOther: integer('vs_top_only_other'),
  vsBestBaselineDirection: text('vs_best_baseline_direction').$type<SignificanceDirection>(),
  vsBestBaselineOnlyThis: integer('vs_best_baseline_only_this'),
  vsBestBaselineOnlyOther: integer('vs_best_baseline_only_other'),
  /** Technique/tactic: share of records whose predicted set equals the gold set (accuracy is any-match). */
  exactSetAccuracy: doublePrecision('exact_set_accuracy'),
  /** Accuracy of always answering the most frequent gold label of these records, and whether this entry is below it. */
  majorityAccuracy: doublePrecision('majority_accuracy'),
  belowMajority: boolean('below_majority').notNull().default(false),
  /** Baselines that may decline to answer (Sigma rules): share of the evaluated records they answered; null for the others. */
  coverage: doublePrecision('coverage'),
  /** Aggregated while the sweep still runs (or from some folds only): numbers may change. */
  partial: boolean('partial').notNull().default(false),
  reproductionStatus: text('reproduction_status').notNull().default('none'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('leaderboard_lookup_idx').on(t.datasetName, t.task, t.mode, t.accuracy),
  index('leaderboard_sweep_idx').on(t.sweepId),
  index('leaderboard_task_accuracy_idx').on(t.task, t.accuracy, t.id),
  index('leaderboard_run_idx').on(t.runId),
]);

export const comparisons = pgTable('comparisons', {
  id: text('id').primaryKey(),
  sweepId: text('sweep_id').notNull(),
  runA: text('run_a').notNull(),
  runB: text('run_b').notNull(),
  task: text('task').notNull(),
  mode: text('mode').notNull(),
  test: text('test').notNull(),
  onlyA: integer('only_a').notNull(),
  onlyB: integer('only_b').notNull(),
  n: integer('n').notNull(),
  pValue: doublePrecision('p_value').notNull(),
  pAdjusted: doublePrecision('p_adjusted'),
  adjustment: text('adjustment'),
  /** A against B after the adjustment: better, worse or none (no detectable difference). */
  direction: text('direction').$type<SignificanceDirection>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('comparisons_sweep_idx').on(t.sweepId), index('comparisons_runs_idx').on(t.runA, t.runB)]);

export const reproductions = pgTable('reproductions', {
  id: text('id').primaryKey(),
  entryId: text('entry_id').notNull(),
  originalRunId: text('original_run_id').notNull(),
  status: text('status').notNull(), // running | reproduced | not-reproduced | failed
  tolerance: doublePrecision('tolerance').notNull(),
  verdict: jsonb('verdict'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
}, (t) => [index('reproductions_entry_idx').on(t.entryId)]);

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** sha256 of the secret; the secret itself is shown once at creation and never stored. */
  tokenHash: text('token_hash').notNull(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)]);

export type DatasetVersionRow = typeof datasetVersions.$inferSelect;
export type SplitManifestRow = typeof splitManifests.$inferSelect;
export type SweepRow = typeof sweeps.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type FoldResultRow = typeof foldResults.$inferSelect;
export type PredictionSetRow = typeof predictionSets.$inferSelect;
export type LeaderboardEntryRow = typeof leaderboardEntries.$inferSelect;
export type ComparisonRow = typeof comparisons.$inferSelect;
export type ReproductionRow = typeof reproductions.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
