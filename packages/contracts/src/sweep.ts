import { z } from 'zod';
import { datasetRefSchema, evaluationFromSplit, evaluationSchema, specSplitSchema, type Evaluation } from './split.ts';
import { TASK_QUEUES } from './temporal.ts';

export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export const CLASSIFICATION_MODES = ['generate-strict', 'generate-fuzzy', 'label-scoring'] as const;
export type ClassificationMode = (typeof CLASSIFICATION_MODES)[number];
/** How label scoring ranks candidate answers: summed, per-token mean, or calibrated log-likelihood. */
export const LABEL_SCORINGS = ['sum', 'mean', 'calibrated'] as const;
export type LabelScoring = (typeof LABEL_SCORINGS)[number];
export const BASELINES = ['majority', 'keyword-rules', 'tfidf-logreg', 'nearest-neighbour', 'sigma-rules', 'base-model'] as const;
export type Baseline = (typeof BASELINES)[number];

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

/** Pretrained base models the platform installs by name (infra/install-model.sh); the first is the default. */
export const PRETRAINED_MODEL_NAMES = ['smollm2-135m-instruct'] as const;
export type PretrainedModelName = (typeof PRETRAINED_MODEL_NAMES)[number];
export const DEFAULT_BASE_MODEL = { kind: 'pretrained', name: 'smollm2-135m-instruct' } as const;

/** How a log becomes a prompt: the study's `### Instruction / ### Input / ### Response`, or the model's own chat template. */
export const PROMPT_FORMATS = ['opensoc-ai', 'chat'] as const;
/** The text a method sees for a record: the raw log, or the compact rendering of its parsed event. */
export const LOG_RENDERINGS = ['raw', 'compact'] as const;
export type LogRendering = (typeof LOG_RENDERINGS)[number];
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

export const baseModelSchema = z.discriminatedUnion('kind', [
  /** A catalog model: uploaded to S3 once, content-addressed; lineage records its sha256. */
  z.object({ kind: z.literal('pretrained'), name: z.enum(PRETRAINED_MODEL_NAMES) }).strict(),
  /** A llama GGUF file on the orchestrating host (uploaded to S3 like a catalog model). */
  z.object({ kind: z.literal('gguf'), path: z.string().min(1) }).strict(),
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
    /** Which decoder layers get adapters: 'all', or {top: n} for the last n (PEFT layers_to_transform). */
    layers: z.array(z.union([z.literal('all'), z.object({ top: z.number().int().min(1).max(1024) }).strict()])).min(1).default(['all']),
  })
  .strict();
export type LoraGrid = z.infer<typeof loraGridSchema>;

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/),
    /** The dataset every design trains on (a holdout design may name its own in evaluation.trainOn). */
    dataset: datasetRefSchema.optional(),
    /** How the sweep is evaluated: k-fold cv, holdout (train on A, test on B) or a fixed split. */
    evaluation: evaluationSchema.optional(),
    /** Legacy form of a cv or fixed design (e.g. {kind: template-grouped-kfold, k: 5}); read as `evaluation`. */
    split: specSplitSchema.optional(),
    /** Removed: it evaluated each fold's model on another set. Use evaluation: {kind: holdout, testOn: REF}. */
    extraEvalSets: z.array(datasetRefSchema).max(0, 'extraEvalSets was removed: to test on another dataset, use evaluation: {kind: holdout, testOn: NAME@VERSION} (trains on all of the training data)').optional(),
    baseModel: baseModelSchema.default(DEFAULT_BASE_MODEL),
    /** 'chat' needs a model with a chat template (pretrained / gguf); the base-model baseline is evaluated in both formats. */
    promptFormat: z.enum(PROMPT_FORMATS).default('opensoc-ai'),
    logRendering: z.enum(LOG_RENDERINGS).default('raw').meta({
      description: 'The text every method sees for a record, prompts and baselines alike: `raw` (the log as imported) or `compact` (one short line per event with the fields an analyst reads first, per channel and event id: EventID, Image, ParentImage, CommandLine, TargetUserName, LogonType, ...; GUIDs, SIDs and other noise dropped), from the record\'s parsed `fields` or, without them, from its log parsed again; logs no importer parses stay raw. `sigma-rules` reads the parsed event, so it always gets the raw log. Windows events run to ~1,500 characters, past a 256-token prompt; compact ones fit.',
    }),
    search: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('grid'), grid: loraGridSchema }).strict(),
      z.object({ kind: z.literal('random'), space: loraGridSchema, samples: z.number().int().min(1).max(10_000), seed: z.number().int().default(1) }).strict(),
    ]),
    seeds: z.array(z.number().int()).min(1).default([1]),
    batchSize: z.number().int().positive().default(8),
    maxSequenceLength: z.number().int().positive().default(256),
    modes: z.array(z.enum(CLASSIFICATION_MODES)).min(1).default(['label-scoring', 'generate-fuzzy']),
    labelScoring: z.enum(LABEL_SCORINGS).default('sum'),
    baselines: z.array(z.enum(BASELINES)).default([...BASELINES]),
    concurrency: z.number().int().min(1).max(256).default(2),
    taskQueue: z.enum([TASK_QUEUES.trainCpu, TASK_QUEUES.trainGpu]).default(TASK_QUEUES.trainCpu),
    /** A training worker silent for this long is presumed dead; its unit resumes elsewhere from the last checkpoint. */
    heartbeatTimeoutSeconds: z.number().int().min(2).max(3600).default(60),
  })
  .strict()
  .superRefine((s, ctx) => {
    const e = s.evaluation;
    const trainRef = e?.kind === 'holdout' ? (typeof e.trainOn === 'string' ? e.trainOn : e.trainOn?.dataset) : undefined;
    if (typeof trainRef === 'string' && s.dataset !== undefined && trainRef !== s.dataset) {
      ctx.addIssue({ code: 'custom', path: ['evaluation', 'trainOn'], message: `names ${trainRef} but dataset is ${s.dataset}; give the training dataset once` });
    }
    if (trainRef === undefined && s.dataset === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dataset'], message: e?.kind === 'holdout' ? 'is required (or name the training data in evaluation.trainOn)' : 'is required' });
    }
    if (s.evaluation !== undefined && s.split !== undefined) ctx.addIssue({ code: 'custom', path: ['split'], message: 'give evaluation or the legacy split, not both' });
    if (s.evaluation === undefined && s.split === undefined) ctx.addIssue({ code: 'custom', path: ['evaluation'], message: 'is required, e.g. {kind: cv, k: 5, strategy: template-grouped}' });
  }, {
    // Also when other fields failed, so a spec lacking both dataset and evaluation hears about both at once.
    when: (payload) => payload.value !== null && typeof payload.value === 'object' && !Array.isArray(payload.value),
  });
export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/** A spec's evaluation design: `evaluation`, or the legacy `split` read as one. */
export function evaluationOf(spec: Pick<SweepSpec, 'evaluation' | 'split'>): Evaluation {
  if (spec.evaluation) return spec.evaluation;
  if (spec.split) return evaluationFromSplit(spec.split);
  throw new Error('sweep spec has no evaluation design');
}

/** The dataset a spec trains on: `dataset`, or a holdout design's `trainOn`. */
export function trainingDatasetOf(spec: Pick<SweepSpec, 'dataset' | 'evaluation'>): string {
  const e = spec.evaluation;
  const ref = spec.dataset ?? (e?.kind === 'holdout' ? (typeof e.trainOn === 'string' ? e.trainOn : e.trainOn?.dataset) : undefined);
  if (!ref) throw new Error('sweep spec names no training dataset');
  return ref;
}
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
