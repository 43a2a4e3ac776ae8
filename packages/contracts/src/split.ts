import { z } from 'zod';

export const SPLIT_KINDS = ['stratified-kfold', 'template-grouped-kfold', 'leave-sources-out', 'fixed'] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

export const splitSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stratified-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
  z.object({ kind: z.literal('template-grouped-kfold'), k: z.number().int().min(2).max(50), seed: z.number().int().default(1) }).strict(),
  z.object({ kind: z.literal('leave-sources-out'), testSources: z.array(z.string().min(1)).min(1), seed: z.number().int().default(1) }).strict(),
  /** A fixed split: the listed ids are the test set, everything else trains (e.g. OpenSOC-AI's 450/50). */
  z.object({ kind: z.literal('fixed'), testIds: z.array(z.string().min(1)).min(1), seed: z.number().int().default(1) }).strict(),
]);
export type SplitSpec = z.infer<typeof splitSpecSchema>;

/** One fold of a materialized split: record ids, sorted. */
export const foldSchema = z.object({ index: z.number().int().min(0), trainIds: z.array(z.string()), testIds: z.array(z.string()) }).strict();
export type Fold = z.infer<typeof foldSchema>;

/** A materialized split; its sha256 over the canonical JSON is its id. */
export const splitManifestSchema = z
  .object({
    datasetHash: z.string().regex(/^[0-9a-f]{64}$/),
    spec: splitSpecSchema,
    folds: z.array(foldSchema).min(1),
  })
  .strict();
export type SplitManifest = z.infer<typeof splitManifestSchema>;
