import { z } from 'zod';
import { splitSpecSchema } from './split.ts';
import { TASK_QUEUES } from './temporal.ts';

export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export const CLASSIFICATION_MODES = ['generate-strict', 'generate-fuzzy', 'label-scoring'] as const;
export type ClassificationMode = (typeof CLASSIFICATION_MODES)[number];
export const BASELINES = ['majority', 'keyword-rules', 'tfidf-logreg', 'nearest-neighbour', 'base-model'] as const;
export type Baseline = (typeof BASELINES)[number];

/** `name@version` where version is a sha256 (or a unique prefix of at least 8 hex chars) or `latest`. */
export const datasetRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}@([0-9a-f]{8,64}|latest)$/, 'must be NAME@VERSION (a hash prefix of >= 8 hex digits, or latest)');

/** A small Llama config trained from scratch by the pipeline (no pretrained weights reachable offline). */
export const smallBaseModelSchema = z
  .object({
    kind: z.literal('pretrain'),
    hiddenSize: z.number().int().positive().default(128),
    layers: z.number().int().positive().default(2),
    heads: z.number().int().positive().default(4),
    kvHeads: z.number().int().positive().default(2),
    intermediateSize: z.number().int().positive().default(344),
    maxSequenceLength: z.number().int().positive().default(256),
    steps: z.number().int().positive().default(200),
    learningRate: z.number().positive().default(3e-3),
    seed: z.number().int().default(1),
  })
  .strict();

export const baseModelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('checkpoint'), path: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('s3'), prefix: z.string().min(1) }).strict(),
  smallBaseModelSchema,
]);
export type BaseModelSpec = z.infer<typeof baseModelSchema>;

const positiveList = z.array(z.number().positive()).min(1);

export const loraGridSchema = z
  .object({
    /** Empty: no LoRA units (a baselines-only sweep). */
    ranks: z.array(z.number().int().min(1).max(1024)),
    /** Alphas, or 'r' / '2r' style multipliers expressed as {multiplier}. */
    alphas: z.array(z.union([z.number().positive(), z.object({ timesRank: z.number().positive() }).strict()])).min(1),
    dropout: z.array(z.number().min(0).max(0.9)).min(1).default([0]),
    targetModules: z.array(z.enum(LORA_TARGET_MODULES)).min(1).default([...LORA_TARGET_MODULES]),
    learningRates: positiveList.default([1e-3]),
    epochs: z.array(z.number().int().positive()).min(1).default([1]),
    rsLora: z.boolean().default(false),
  })
  .strict();
export type LoraGrid = z.infer<typeof loraGridSchema>;

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/),
    dataset: datasetRefSchema,
    split: splitSpecSchema,
    /** Extra evaluation sets: every trained unit is also evaluated on them (cross-source generalization). */
    extraEvalSets: z.array(datasetRefSchema).default([]),
    baseModel: baseModelSchema,
    search: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('grid'), grid: loraGridSchema }).strict(),
      z.object({ kind: z.literal('random'), space: loraGridSchema, samples: z.number().int().min(1).max(10_000), seed: z.number().int().default(1) }).strict(),
    ]),
    seeds: z.array(z.number().int()).min(1).default([1]),
    batchSize: z.number().int().positive().default(8),
    maxSequenceLength: z.number().int().positive().default(256),
    modes: z.array(z.enum(CLASSIFICATION_MODES)).min(1).default(['label-scoring', 'generate-fuzzy']),
    baselines: z.array(z.enum(BASELINES)).default([...BASELINES]),
    concurrency: z.number().int().min(1).max(256).default(2),
    taskQueue: z.enum([TASK_QUEUES.trainCpu, TASK_QUEUES.trainGpu]).default(TASK_QUEUES.trainCpu),
    /** A training worker silent for this long is presumed dead; its unit resumes elsewhere from the last checkpoint. */
    heartbeatTimeoutSeconds: z.number().int().min(2).max(3600).default(60),
  })
  .strict();
export type SweepSpec = z.infer<typeof sweepSpecSchema>;
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
