import { z } from 'zod';

export const SPLIT_KINDS = ['stratified-kfold', 'template-grouped-kfold', 'leave-sources-out', 'fixed', 'random-kfold', 'source-grouped-kfold', 'holdout'] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

/** The splits a spec may write (its legacy `split` field). */
const specSplitVariants = [
  z.object({ kind: z.literal('stratified-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
  z.object({ kind: z.literal('template-grouped-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
  z.object({ kind: z.literal('leave-sources-out'), testSources: z.array(z.string().min(1)).min(1), seed: z.number().int().default(1) }).strict(),
  /** A fixed split: the listed ids are the test set; trainIds (default: every other record) train (e.g. OpenSOC-AI's 450/50). */
  z.object({ kind: z.literal('fixed'), testIds: z.array(z.string().min(1)).min(1), trainIds: z.array(z.string().min(1)).min(1).optional(), seed: z.number().int().default(1) }).strict(),
  z.object({ kind: z.literal('random-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
  /** k-fold with every source in one fold: a model is always tested on sources it never saw. */
  z.object({ kind: z.literal('source-grouped-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
] as const;

/** The split of a holdout design, materialized from `evaluation` (never written in a spec). */
const holdoutSplitVariant =
  /**
   * Train on the manifest's dataset (optionally only some of its sources), test on every record
   * of another version (`testDatasetHash`): the cross-source design, one fold.
   */
  z.object({
    kind: z.literal('holdout'),
    testDatasetHash: z.string().regex(/^[0-9a-f]{64}$/),
    trainSources: z.array(z.string().min(1)).min(1).optional(),
    excludeTrainSources: z.array(z.string().min(1)).min(1).optional(),
    seed: z.number().int().default(1),
  }).strict();

export const splitSpecSchema = z.discriminatedUnion('kind', [...specSplitVariants, holdoutSplitVariant]);
/** The legacy `split` field of a sweep spec: any split but a holdout one. */
export const specSplitSchema = z.discriminatedUnion('kind', [...specSplitVariants]);
export type SplitSpec = z.infer<typeof splitSpecSchema>;

/** One fold of a materialized split: record ids, sorted. */
export const foldSchema = z.object({ index: z.number().int().min(0), trainIds: z.array(z.string()), testIds: z.array(z.string()) }).strict();
export type Fold = z.infer<typeof foldSchema>;

/** A materialized split; its sha256 over the canonical JSON is its id. */
export const splitManifestSchema = z
  .object({
    /** The version the train ids (and, unless testDatasetHash is set, the test ids) belong to. */
    datasetHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The version the test ids belong to, when it is another one (holdout designs). */
    testDatasetHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    spec: splitSpecSchema,
    folds: z.array(foldSchema).min(1),
  })
  .strict();
export type SplitManifest = z.infer<typeof splitManifestSchema>;

/** `name`, `name@latest` or `name@<hash>`: a sha256 or a unique prefix of at least 8 hex digits; a bare name is the latest version. */
export const datasetRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}(@([0-9a-f]{8,64}|latest))?$/, 'must be NAME, NAME@latest or NAME@HASH (a hash prefix of >= 8 hex digits)');

export const CV_STRATEGIES = ['random', 'stratified', 'template-grouped', 'by-source'] as const;
export type CvStrategy = (typeof CV_STRATEGIES)[number];

const sourceList = z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a kebab-case source name')).min(1);

/** Which records of the training dataset a holdout design trains on (default: all of them). */
export const trainFilterSchema = z
  .object({
    /** The training dataset; default the sweep's `dataset`. */
    dataset: datasetRefSchema.optional(),
    sources: sourceList.optional(),
    excludeSources: sourceList.optional(),
  })
  .strict();

/**
 * How a sweep is evaluated. Every design materializes folds (a holdout or fixed design is one
 * fold), so baselines, intervals, paired tests and the leakage report work the same for all.
 */
export const evaluationSchema = z.discriminatedUnion('kind', [
  /** k-fold cross-validation over the sweep's dataset; out-of-fold predictions are pooled. */
  z.object({
    kind: z.literal('cv'),
    k: z.number().int().min(2).max(50).default(5),
    strategy: z.enum(CV_STRATEGIES).default('template-grouped'),
    seed: z.number().int().default(1),
  }).strict(),
  /** Train on all of one dataset version (or a filter of it), test on all of another: cross-source. */
  z.object({
    kind: z.literal('holdout'),
    trainOn: z.union([datasetRefSchema, trainFilterSchema]).optional(),
    testOn: datasetRefSchema,
  }).strict(),
  /**
   * A fixed split of the sweep's dataset: the test set by ids, by the ids of another version
   * (e.g. an imported soc_eval.json: the study's 450/50), or by source; train ids default to the rest.
   */
  z.object({
    kind: z.literal('fixed'),
    testIds: z.array(z.string().min(1)).min(1).optional(),
    testIdsFrom: datasetRefSchema.optional(),
    testSources: sourceList.optional(),
    trainIds: z.array(z.string().min(1)).min(1).optional(),
    trainIdsFrom: datasetRefSchema.optional(),
  }).strict().superRefine((d, ctx) => {
    const given = [d.testIds, d.testIdsFrom, d.testSources].filter((x) => x !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', path: ['testIds'], message: 'give exactly one of testIds, testIdsFrom or testSources' });
    if (d.trainIds !== undefined && d.trainIdsFrom !== undefined) ctx.addIssue({ code: 'custom', path: ['trainIds'], message: 'give trainIds or trainIdsFrom, not both' });
  }),
]);
export type Evaluation = z.infer<typeof evaluationSchema>;
export type EvaluationInput = z.input<typeof evaluationSchema>;

/** The legacy `split` field of a sweep spec, read as an evaluation design. */
export function evaluationFromSplit(split: SplitSpec): Evaluation {
  switch (split.kind) {
    case 'stratified-kfold': return { kind: 'cv', k: split.k, strategy: 'stratified', seed: split.seed };
    case 'template-grouped-kfold': return { kind: 'cv', k: split.k, strategy: 'template-grouped', seed: split.seed };
    case 'random-kfold': return { kind: 'cv', k: split.k, strategy: 'random', seed: split.seed };
    case 'source-grouped-kfold': return { kind: 'cv', k: split.k, strategy: 'by-source', seed: split.seed };
    case 'leave-sources-out': return { kind: 'fixed', testSources: split.testSources };
    case 'fixed': return { kind: 'fixed', testIds: split.testIds, ...(split.trainIds ? { trainIds: split.trainIds } : {}) };
    case 'holdout': throw new Error('a holdout split is materialized from an evaluation design, not written in a spec');
  }
}

/** Folds a design will have, known before any data is read. */
export const designFoldCount = (e: Evaluation): number => (e.kind === 'cv' ? e.k : 1);

/**
 * The split a cv design materializes. Strategies keep the split kinds (and so the manifest
 * hashes) that k-fold specs had before evaluation designs existed.
 */
export function cvSplitSpec(e: Extract<Evaluation, { kind: 'cv' }>): SplitSpec {
  const kind = ({ random: 'random-kfold', stratified: 'stratified-kfold', 'template-grouped': 'template-grouped-kfold', 'by-source': 'source-grouped-kfold' } as const)[e.strategy];
  return { kind, k: e.k, seed: e.seed };
}
