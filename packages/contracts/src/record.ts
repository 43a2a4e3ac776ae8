import { z } from 'zod';
import { MITRE_TACTICS, SEVERITIES, TECHNIQUE_ID_PATTERN, THREAT_CATEGORIES } from './taxonomy.ts';

/** Largest accepted raw log, in UTF-16 code units (a multi-line Windows event fits easily). */
export const MAX_LOG_LENGTH = 32_768;

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const provenanceSchema = z
  .object({
    /** Where the record came from: 'generated', 'imported', 'manual'. */
    origin: z.enum(['generated', 'imported', 'manual']),
    /** Generator name + version or importer name. */
    tool: z.string().min(1).max(200),
    /** Source file and 1-based line / array index for imports. */
    file: z.string().max(1000).optional(),
    line: z.number().int().positive().optional(),
    /** Generator seed and template name for generated records. */
    seed: z.number().int().optional(),
    template: z.string().max(200).optional(),
    license: z.string().max(200).optional(),
  })
  .strict();
export type Provenance = z.infer<typeof provenanceSchema>;

export const datasetRecordSchema = z
  .object({
    id: z.string().min(1).max(200).regex(NO_CONTROL_CHARS, 'must not contain control characters'),
    log: z
      .string()
      .max(MAX_LOG_LENGTH, `must be at most ${MAX_LOG_LENGTH} characters`)
      .refine((s) => s.trim().length > 0, 'must not be empty'),
    source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a kebab-case source name'),
    threatCategory: z.enum(THREAT_CATEGORIES),
    threatType: z.string().min(1).max(200),
    mitreTechnique: z.string().regex(TECHNIQUE_ID_PATTERN, 'must be an ATT&CK id like T1110 or T1110.001').nullable(),
    mitreTactic: z.enum(MITRE_TACTICS).nullable(),
    severity: z.enum(SEVERITIES),
    riskScore: z.number().min(0).max(100).optional(),
    evidence: z.string().max(4000).optional(),
    /** Free-text impact statement (OpenSOC-AI's IMPACT line), kept so imports round-trip. */
    impact: z.string().max(4000).optional(),
    recommendation: z.string().max(4000).optional(),
    provenance: provenanceSchema,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.threatCategory === 'benign') {
      if (r.mitreTechnique !== null) ctx.addIssue({ code: 'custom', path: ['mitreTechnique'], message: 'must be null for benign records' });
      if (r.mitreTactic !== null) ctx.addIssue({ code: 'custom', path: ['mitreTactic'], message: 'must be null for benign records' });
    } else if (r.mitreTechnique === null) {
      ctx.addIssue({ code: 'custom', path: ['mitreTechnique'], message: `is required for category ${r.threatCategory}` });
    }
  });
export type DatasetRecord = z.infer<typeof datasetRecordSchema>;

/** The label fields a classifier predicts, one "task" each. */
export const TASKS = ['threatCategory', 'mitreTechnique', 'mitreTechniqueParent', 'mitreTactic', 'severity'] as const;
export type Task = (typeof TASKS)[number];
