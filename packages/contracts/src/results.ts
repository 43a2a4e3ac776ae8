import { z } from 'zod';
import { CLASSIFICATION_MODES } from './sweep.ts';
import { TASKS } from './record.ts';

export const intervalSchema = z.object({ low: z.number(), high: z.number(), method: z.enum(['wilson', 'bootstrap']), level: z.number() }).strict();
export type Interval = z.infer<typeof intervalSchema>;

export const classMetricsSchema = z.object({ label: z.string(), precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() }).strict();

export const taskMetricsSchema = z
  .object({
    task: z.enum(TASKS),
    n: z.number().int(),
    accuracy: z.number(),
    accuracyInterval: intervalSchema,
    macroF1: z.number(),
    macroF1Interval: intervalSchema.optional(),
    microF1: z.number(),
    weightedF1: z.number(),
    /** Predictions that could not be parsed, counted apart from wrong answers. */
    parseFailures: z.number().int(),
    perClass: z.array(classMetricsSchema),
    confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().int())) }).strict(),
    /** Severity only: mean absolute error in levels. */
    meanAbsoluteError: z.number().optional(),
  })
  .strict();
export type TaskMetrics = z.infer<typeof taskMetricsSchema>;

/** One prediction for one record, as stored in predictions.jsonl. */
export const predictionSchema = z
  .object({
    recordId: z.string(),
    fold: z.number().int(),
    mode: z.enum(CLASSIFICATION_MODES).or(z.literal('baseline')),
    predicted: z.record(z.string(), z.string().nullable()),
    /** Per-field parse failure reason, when the mode parses generated text. */
    failures: z.record(z.string(), z.string()).optional(),
    raw: z.string().optional(),
  })
  .strict();
export type Prediction = z.infer<typeof predictionSchema>;

export const foldResultSchema = z
  .object({
    runId: z.string(),
    fold: z.number().int(),
    mode: z.string(),
    metrics: z.array(taskMetricsSchema),
    trainLoss: z.array(z.object({ step: z.number().int(), loss: z.number() }).strict()),
  })
  .strict();
export type FoldResult = z.infer<typeof foldResultSchema>;

export const lineageSchema = z
  .object({
    codeCommit: z.string(),
    datasetHash: z.string(),
    splitManifestHash: z.string(),
    configHash: z.string(),
    seed: z.number().int(),
  })
  .strict();
export type Lineage = z.infer<typeof lineageSchema>;

/**
 * The verdict of a paired test of A against B on the same records: 'better' when A got
 * significantly more records right (adjusted p below the level and more records right only
 * for A), 'worse' when significantly fewer, 'none' otherwise. A two-sided p alone never says
 * which way: the discordant counts do.
 */
export const SIGNIFICANCE_DIRECTIONS = ['better', 'worse', 'none'] as const;
export type SignificanceDirection = (typeof SIGNIFICANCE_DIRECTIONS)[number];
export const SIGNIFICANCE_LEVEL = 0.05;

export function significanceDirection(onlyA: number, onlyB: number, pAdjusted: number | null | undefined, level = SIGNIFICANCE_LEVEL): SignificanceDirection {
  if (pAdjusted === null || pAdjusted === undefined || !(pAdjusted < level) || onlyA === onlyB) return 'none';
  return onlyA > onlyB ? 'better' : 'worse';
}
