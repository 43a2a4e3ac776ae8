import { z } from 'zod';
import { BASELINES, CLASSIFICATION_MODES, SIGNIFICANCE_DIRECTIONS, SPLIT_KINDS, TASKS } from '@opensoc/contracts';

/**
 * Every request parameter and response body of the REST API, defined once:
 * the routes validate with these and /openapi.json is generated from them.
 */

// ---- parameters ------------------------------------------------------------

/**
 * Ids of sweeps, runs and leaderboard entries. Runs are namespaced by their sweep
 * (`sweep/label/seed`), so `/` is allowed, but no `..` segment, no empty segment,
 * no control character and nothing that is not plain ASCII.
 */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@+-]*(/[A-Za-z0-9._:@+-]+)*$';
const idRegex = new RegExp(ID_PATTERN);
export const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(idRegex, 'must be an id of letters, digits and . _ : @ + - (segments joined by /)')
  .refine((s) => !s.split('/').some((seg) => seg === '..' || seg === '.'), 'must not contain . or .. segments');

export const DATASET_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,99}$';
export const datasetNameSchema = z.string().regex(new RegExp(DATASET_NAME_PATTERN), 'must be a dataset name (lowercase letters, digits, . _ -)');
/** `name` or `name@hashprefix` (4 to 64 hex digits). */
export const datasetFilterSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}(@[0-9a-f]{4,64})?$/, 'must be NAME or NAME@HASHPREFIX (4-64 lowercase hex digits)');
export const datasetVersionParamSchema = z.string().regex(/^([0-9a-f]{8,64}|latest)$/, 'must be a hash prefix of 8-64 lowercase hex digits, or latest');

export const MODES = [...CLASSIFICATION_MODES, 'baseline'] as const;
export const FAMILIES = ['lora', ...BASELINES] as const;
export const SORT_KEYS = ['accuracy', 'macroF1', 'foldMean'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const EVAL_SET_PATTERN = '^[a-z0-9][a-z0-9._@-]{0,163}$';
const evalSetSchema = z.string().regex(new RegExp(EVAL_SET_PATTERN), 'must be cv or a dataset reference');

const limitSchema = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const leaderboardQuerySchema = z
  .object({
    dataset: datasetFilterSchema.optional().meta({ description: 'Dataset name, or name@hashprefix', example: 'corpus@3f2a9c01' }),
    sweep: idSchema.optional().meta({ description: 'Only entries of this sweep' }),
    task: z.enum(TASKS).optional(),
    splitKind: z.enum(SPLIT_KINDS).optional(),
    mode: z.enum(MODES).optional().meta({ description: "Classification mode; 'baseline' for the baselines' rows" }),
    family: z.enum(FAMILIES).optional(),
    evalSet: evalSetSchema.optional().meta({ description: "'cv' (out-of-fold predictions) or an extra evaluation set" }),
    sort: z.enum(SORT_KEYS).default('accuracy'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: limitSchema(200, 50),
    cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page').optional()
      .meta({ description: 'Opaque cursor from nextCursor of the previous page (same sort and order)' }),
  })
  .strict();
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;

export const SWEEP_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export const sweepsQuerySchema = z.object({ status: z.enum(SWEEP_STATUSES).optional(), limit: limitSchema(200, 50) }).strict();
export const idParamSchema = z.object({ id: idSchema.meta({ param: { name: 'id', in: 'path' }, example: 'sweep-1/r8-a16/s1' }) });
export const entryIdParamSchema = z.object({ entryId: idSchema.meta({ param: { name: 'entryId', in: 'path' } }) });
export const datasetVersionParamsSchema = z.object({
  name: datasetNameSchema.meta({ param: { name: 'name', in: 'path' }, example: 'corpus' }),
  version: datasetVersionParamSchema.meta({ param: { name: 'version', in: 'path' }, example: 'latest' }),
});
export const compareQuerySchema = z
  .object({
    a: idSchema.meta({ description: 'Run id A' }),
    b: idSchema.meta({ description: 'Run id B' }),
    task: z.enum(TASKS).optional(),
    mode: z.enum(MODES).optional(),
  })
  .strict();

export const reproductionRequestSchema = z
  .object({
    entryId: idSchema,
    tolerance: z.number().min(0).max(1).default(0.01).meta({ description: 'Largest accepted absolute accuracy difference' }),
  })
  .strict()
  .meta({ id: 'ReproductionRequest' });

// ---- responses -------------------------------------------------------------

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ name: z.string(), in: z.enum(['query', 'path', 'header', 'body']), reason: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const nullableNumber = z.number().nullable();
const nullableInt = z.number().int().nullable();
/**
 * A paired McNemar test of this entry against another: the Holm-adjusted p, its direction
 * (better: significantly more records right; worse: significantly fewer; none: no detectable
 * difference; null: not tested) and the discordant counts it rests on.
 */
const pValueSchema = z
  .object({ raw: nullableNumber, adjusted: nullableNumber, direction: z.enum(SIGNIFICANCE_DIRECTIONS).nullable(), onlyThis: nullableInt, onlyOther: nullableInt })
  .meta({ id: 'PValue' });

export const leaderboardRowSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    sweepId: z.string(),
    dataset: z.object({ name: z.string(), hash: z.string() }),
    evalSet: z.string(),
    task: z.string(),
    mode: z.string(),
    family: z.string(),
    label: z.string(),
    splitKind: z.string(),
    n: z.number().int(),
    baseline: z.boolean(),
    accuracy: z.object({ value: z.number(), low: z.number(), high: z.number() }),
    macroF1: z.object({ value: z.number(), low: nullableNumber, high: nullableNumber }),
    foldMean: nullableNumber,
    foldStd: nullableNumber,
    parseFailures: z.number().int(),
    pVsTop: pValueSchema,
    pVsBestBaseline: pValueSchema,
    /** Technique/tactic: predicted set equals the gold set (accuracy counts any match). */
    exactSetAccuracy: nullableNumber,
    /** Accuracy of always answering these records' most frequent label; belowMajority when this entry scores under it. */
    majorityAccuracy: nullableNumber,
    belowMajority: z.boolean(),
    /** Aggregated before every unit of the sweep finished: the numbers may still change. */
    partial: z.boolean(),
    /** Methods that may decline to answer (Sigma rules): share of the evaluated records answered (unanswered ones are scored wrong); null otherwise. */
    coverage: nullableNumber,
    reproductionStatus: z.string(),
    links: z.object({ run: z.string(), reproductions: z.string(), html: z.string() }),
  })
  .meta({ id: 'LeaderboardRow' });
export type LeaderboardRow = z.infer<typeof leaderboardRowSchema>;

export const leaderboardPageSchema = z
  .object({ items: z.array(leaderboardRowSchema), sort: z.enum(SORT_KEYS), order: z.enum(['asc', 'desc']), nextCursor: z.string().nullable() })
  .meta({ id: 'LeaderboardPage' });

export const progressSchema = z.object({ done: z.number().int(), total: z.number().int(), fraction: z.number() });
export const sweepSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    dataset: z.object({ name: z.string(), hash: z.string() }),
    progress: progressSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z.object({ self: z.string(), html: z.string() }),
  })
  .meta({ id: 'SweepSummary' });

export const runSummarySchema = z
  .object({ id: z.string(), family: z.string(), label: z.string(), seed: z.number().int(), status: z.string(), config: z.unknown(), links: z.object({ self: z.string() }) })
  .meta({ id: 'RunSummary' });

export const sweepDetailSchema = sweepSummarySchema
  .extend({
    spec: z.unknown(), specHash: z.string(), workflowId: z.string(), error: z.string().nullable(),
    eta: z.object({
      seconds: z.number().nullable().meta({ description: 'Seconds until every unit has finished; null until a unit of each kind still to run has finished' }),
      finishedUnits: z.number().int(),
      waitingFor: z.string().nullable().meta({ description: 'The kind of unit the estimate waits for (none of it has finished yet)' }),
    }).nullable().meta({ description: "A running sweep's time left, from its finished units' durations; null when not running or unknown" }),
    runs: z.array(runSummarySchema),
  })
  .meta({ id: 'SweepDetail' });

export const reproductionSchema = z
  .object({
    id: z.string(),
    entryId: z.string(),
    originalRunId: z.string(),
    status: z.string(),
    tolerance: z.number(),
    verdict: z.unknown().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Reproduction' });
export const intervalOutSchema = z.object({ low: z.number(), high: z.number(), method: z.string().optional(), level: z.number().optional() });
export const confusionSchema = z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number())) }).meta({ id: 'Confusion' });
export const foldTaskMetricsSchema = z.object({
  task: z.string(),
  n: z.number().nullable(),
  accuracy: z.number().nullable(),
  accuracyInterval: intervalOutSchema.nullable(),
  macroF1: z.number().nullable(),
  parseFailures: z.number().nullable(),
});
export const runDetailSchema = z
  .object({
    id: z.string(),
    sweepId: z.string(),
    family: z.string(),
    label: z.string(),
    status: z.string(),
    config: z.unknown(),
    createdAt: z.string(),
    lineage: z.object({
      codeCommit: z.string(),
      datasetName: z.string(),
      datasetHash: z.string(),
      splitHash: z.string(),
      splitKind: z.string(),
      configHash: z.string(),
      seed: z.number().int(),
    }),
    pooled: z.array(leaderboardRowSchema),
    folds: z.array(z.object({ fold: z.number().int(), mode: z.string(), evalSet: z.string(), metrics: z.array(foldTaskMetricsSchema) })),
    confusion: z.array(z.object({ task: z.string(), mode: z.string(), evalSet: z.string(), labels: z.array(z.string()), matrix: z.array(z.array(z.number())) })),
    trainingCurve: z.array(z.object({ fold: z.number().int(), points: z.array(z.object({ step: z.number(), loss: z.number() })) })),
    leakage: z.unknown().nullable(),
    artifacts: z.array(z.object({
      kind: z.enum(['predictions', 'adapter']),
      fold: z.number().int(),
      mode: z.string().nullable(),
      evalSet: z.string().nullable(),
      key: z.string(),
      sha256: z.string().nullable(),
      count: z.number().int().nullable(),
      url: z.string().nullable(),
    })),
    reproductions: z.array(reproductionSchema),
  })
  .meta({ id: 'RunDetail' });
export type RunDetail = z.infer<typeof runDetailSchema>;

export const comparisonSchema = z
  .object({
    id: z.string(),
    sweepId: z.string(),
    a: z.string(),
    b: z.string(),
    task: z.string(),
    mode: z.string(),
    test: z.string(),
    contingency: z.object({ onlyA: z.number().int(), onlyB: z.number().int(), n: z.number().int() }),
    p: z.object({ raw: z.number(), adjusted: nullableNumber, adjustment: z.string().nullable() }),
    /** A against B after the adjustment. */
    direction: z.enum(SIGNIFICANCE_DIRECTIONS),
  })
  .meta({ id: 'Comparison' });
export const compareResultSchema = z
  .object({ a: z.string(), b: z.string(), comparisons: z.array(comparisonSchema), entries: z.object({ a: z.array(leaderboardRowSchema), b: z.array(leaderboardRowSchema) }) })
  .meta({ id: 'CompareResult' });

export const datasetVersionSummarySchema = z
  .object({
    name: z.string(),
    hash: z.string(),
    parentHash: z.string().nullable(),
    message: z.string().nullable(),
    recordCount: z.number().int(),
    templateCount: z.number().int(),
    createdAt: z.string(),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: 'DatasetVersionSummary' });
export const datasetVersionDetailSchema = datasetVersionSummarySchema
  .extend({
    stats: z.unknown(),
    objectKey: z.string(),
    parent: datasetVersionSummarySchema.nullable(),
    splits: z.array(z.object({ hash: z.string(), kind: z.string(), spec: z.unknown(), leakage: z.unknown().nullable(), createdAt: z.string() })),
  })
  .meta({ id: 'DatasetVersionDetail' });

export const reproductionsResultSchema = z
  .object({ entry: leaderboardRowSchema, reproductions: z.array(reproductionSchema) })
  .meta({ id: 'Reproductions' });

export const acceptedSweepSchema = z.object({ sweepId: z.string(), links: z.object({ self: z.string(), html: z.string() }) }).meta({ id: 'SweepAccepted' });
export const acceptedCancelSchema = z.object({ sweepId: z.string(), status: z.literal('cancelling') }).meta({ id: 'SweepCancelAccepted' });
export const acceptedReproductionSchema = z
  .object({ reproductionId: z.string(), entryId: z.string(), links: z.object({ self: z.string() }) })
  .meta({ id: 'ReproductionAccepted' });
