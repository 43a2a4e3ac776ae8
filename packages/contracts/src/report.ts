import { z } from 'zod';
import { TASKS } from './record.ts';
import { SIGNIFICANCE_DIRECTIONS, lineageSchema, taskMetricsSchema } from './results.ts';

/** Mean and sample standard deviation of a metric over folds, with the per-fold values. */
export const meanSdSchema = z.object({ mean: z.number(), sd: z.number(), values: z.array(z.number()) }).strict();

export const foldSummarySchema = z.object({ task: z.enum(TASKS), accuracy: meanSdSchema, macroF1: meanSdSchema }).strict();
export type FoldSummaryReport = z.infer<typeof foldSummarySchema>;

export const mcnemarReportSchema = z
  .object({
    b: z.number().int().min(0),
    c: z.number().int().min(0),
    discordant: z.number().int().min(0),
    exactP: z.number().min(0).max(1),
    log10ExactP: z.number(),
    midP: z.number().min(0).max(1),
    chiSquare: z.number().min(0),
    chiSquareP: z.number().min(0).max(1),
    recommended: z.enum(['exact', 'chi-square']),
    p: z.number().min(0).max(1),
  })
  .strict();

export const pairedBootstrapReportSchema = z
  .object({ difference: z.number(), low: z.number(), high: z.number(), level: z.number(), p: z.number().min(0).max(1), iterations: z.number().int().positive() })
  .strict();

/** A paired comparison of two entries (A vs B) on one task, with multiplicity-adjusted p-values. */
export const comparisonReportSchema = z
  .object({
    task: z.enum(TASKS),
    a: z.string(),
    b: z.string(),
    n: z.number().int().min(0),
    mcnemar: mcnemarReportSchema,
    pairedBootstrap: pairedBootstrapReportSchema.optional(),
    /** Holm-adjusted McNemar p over the report's comparisons. */
    holmP: z.number().min(0).max(1).optional(),
    /** Benjamini–Hochberg-adjusted McNemar p over the report's comparisons. */
    bhP: z.number().min(0).max(1).optional(),
    /** A against B after Holm: better, worse or no detectable difference. */
    direction: z.enum(SIGNIFICANCE_DIRECTIONS).optional(),
  })
  .strict();
export type ComparisonReport = z.infer<typeof comparisonReportSchema>;

export const cochranQReportSchema = z.object({ task: z.enum(TASKS), entries: z.array(z.string()), q: z.number(), df: z.number().int(), p: z.number().min(0).max(1) }).strict();

/** One evaluated configuration (a run, a baseline, a classification mode). */
export const reportEntrySchema = z
  .object({
    id: z.string(),
    label: z.string(),
    mode: z.string(),
    /** Hyper-parameters shown in tables (rank, alpha, learning rate, ...). */
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    folds: z.number().int().min(1),
    metrics: z.array(taskMetricsSchema),
    foldSummary: z.array(foldSummarySchema).default([]),
    trainLoss: z.array(z.object({ step: z.number().int(), loss: z.number() }).strict()).optional(),
    lineage: lineageSchema.optional(),
  })
  .strict();
export type ReportEntry = z.infer<typeof reportEntrySchema>;

export const runReportSchema = z
  .object({
    kind: z.literal('run'),
    title: z.string(),
    createdAt: z.string(),
    entry: reportEntrySchema,
    /** The run against baselines (and other modes), on the same records. */
    baselines: z.array(reportEntrySchema).default([]),
    comparisons: z.array(comparisonReportSchema).default([]),
  })
  .strict();
export type RunReport = z.infer<typeof runReportSchema>;

/** A metric over the LoRA rank × alpha grid (null where no run exists). */
export const gridReportSchema = z
  .object({ task: z.enum(TASKS), metric: z.enum(['accuracy', 'macroF1']), ranks: z.array(z.number()), alphas: z.array(z.number()), values: z.array(z.array(z.number().nullable())) })
  .strict();

export const sweepReportSchema = z
  .object({
    kind: z.literal('sweep'),
    title: z.string(),
    createdAt: z.string(),
    entries: z.array(reportEntrySchema),
    comparisons: z.array(comparisonReportSchema).default([]),
    cochranQ: z.array(cochranQReportSchema).default([]),
    grids: z.array(gridReportSchema).default([]),
  })
  .strict();
export type SweepReport = z.infer<typeof sweepReportSchema>;

export const reportSchema = z.discriminatedUnion('kind', [runReportSchema, sweepReportSchema]);
export type Report = z.infer<typeof reportSchema>;
