import { z } from 'zod';
import { MITRE_TACTICS, SEVERITIES, TECHNIQUE_ID_PATTERN, THREAT_CATEGORIES } from './taxonomy.ts';

/** Largest accepted raw log, in UTF-16 code units (a multi-line Windows event fits easily). */
export const MAX_LOG_LENGTH = 32_768;

/** Bounds on the parsed fields an importer keeps beside the raw log. */
export const MAX_FIELDS = 64;
export const MAX_FIELD_VALUE_LENGTH = 4000;

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
    /** The publisher's id of the event (EventRecordID, CloudTrail eventID, Zeek uid), for imports. */
    eventId: z.string().min(1).max(200).optional(),
    /** Generator seed and template name for generated records. */
    seed: z.number().int().optional(),
    template: z.string().max(200).optional(),
    /** Records sharing a group stay in one fold in template-grouped splits (e.g. every rendering of one Atomic test). */
    group: z.string().min(1).max(200).optional(),
    license: z.string().max(200).optional(),
  })
  .strict();
export type Provenance = z.infer<typeof provenanceSchema>;

const techniqueIdSchema = z.string().regex(TECHNIQUE_ID_PATTERN, 'must be an ATT&CK id like T1110 or T1110.001');

/** Label fields that may be unknown (null, with the reason in `unknownLabels`). */
export const LABEL_FIELDS = ['threatCategory', 'threatType', 'mitreTechnique', 'mitreTactic', 'severity'] as const;
export type LabelField = (typeof LABEL_FIELDS)[number];

/**
 * One labelled log line. Labels may be partial: a null label is "unknown" and carries its reason
 * in `unknownLabels` (e.g. a public attack set labelled with a tactic only), except the technique
 * and tactic of a benign record, where null means "none". Several techniques or tactics go in
 * `mitreTechniques` / `mitreTactics`, primary first; the singular fields hold the primary one.
 * The new fields are optional, so records written before them keep their bytes and hashes.
 */
export const datasetRecordSchema = z
  .object({
    id: z.string().min(1).max(200).regex(NO_CONTROL_CHARS, 'must not contain control characters'),
    log: z
      .string()
      .max(MAX_LOG_LENGTH, `must be at most ${MAX_LOG_LENGTH} characters`)
      .refine((s) => s.trim().length > 0, 'must not be empty'),
    source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a kebab-case source name'),
    threatCategory: z.enum(THREAT_CATEGORIES).nullable(),
    threatType: z.string().min(1).max(200).nullable(),
    mitreTechnique: techniqueIdSchema.nullable(),
    mitreTactic: z.enum(MITRE_TACTICS).nullable(),
    /** Every technique of a multi-technique record, the primary (`mitreTechnique`) first. */
    mitreTechniques: z.array(techniqueIdSchema).min(2).max(50).optional(),
    /** Every tactic of a multi-tactic record, the primary (`mitreTactic`) first. */
    mitreTactics: z.array(z.enum(MITRE_TACTICS)).min(2).max(14).optional(),
    severity: z.enum(SEVERITIES).nullable(),
    /** Why a label is null: field -> reason, e.g. "not labelled by the publisher". */
    unknownLabels: z.partialRecord(z.enum(LABEL_FIELDS), z.string().min(1).max(200)).optional(),
    riskScore: z.number().min(0).max(100).optional(),
    evidence: z.string().max(4000).optional(),
    /** Free-text impact statement (OpenSOC-AI's IMPACT line), kept so imports round-trip. */
    impact: z.string().max(4000).optional(),
    recommendation: z.string().max(4000).optional(),
    /** Parsed fields of the raw log (EventID, Image, CommandLine, ...), kept by the event importers. */
    fields: z
      .record(z.string().min(1).max(100), z.string().max(MAX_FIELD_VALUE_LENGTH))
      .refine((f) => Object.keys(f).length <= MAX_FIELDS, `must have at most ${MAX_FIELDS} entries`)
      .optional(),
    provenance: provenanceSchema,
  })
  .strict()
  .superRefine((r, ctx) => {
    const unknown = r.unknownLabels ?? {};
    const benign = r.threatCategory === 'benign';
    for (const field of LABEL_FIELDS) {
      const noneByDesign = benign && (field === 'mitreTechnique' || field === 'mitreTactic');
      if (r[field] === null && !noneByDesign && unknown[field] === undefined) {
        const why = field === 'mitreTechnique' && r.threatCategory !== null ? ` for category ${r.threatCategory}` : '';
        ctx.addIssue({ code: 'custom', path: [field], message: `is required${why}; if it is unknown, give the reason in unknownLabels.${field}` });
      }
      if (r[field] !== null && unknown[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['unknownLabels', field], message: `must be absent when ${field} is set` });
      if (noneByDesign && unknown[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['unknownLabels', field], message: 'must be absent for benign records (their technique and tactic are none, not unknown)' });
    }
    if (benign) {
      if (r.mitreTechnique !== null) ctx.addIssue({ code: 'custom', path: ['mitreTechnique'], message: 'must be null for benign records' });
      if (r.mitreTactic !== null) ctx.addIssue({ code: 'custom', path: ['mitreTactic'], message: 'must be null for benign records' });
    }
    const checkList = (list: readonly string[] | undefined, primary: string | null, key: 'mitreTechniques' | 'mitreTactics', one: string) => {
      if (list === undefined) return;
      if (list[0] !== primary) ctx.addIssue({ code: 'custom', path: [key, 0], message: `must start with the primary ${one} (${primary ?? 'null'})` });
      if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', path: [key], message: 'must not repeat an entry' });
    };
    checkList(r.mitreTechniques, r.mitreTechnique, 'mitreTechniques', 'mitreTechnique');
    checkList(r.mitreTactics, r.mitreTactic, 'mitreTactics', 'mitreTactic');
  });
export type DatasetRecord = z.infer<typeof datasetRecordSchema>;

/** The label fields a classifier predicts, one "task" each. */
export const TASKS = ['threatCategory', 'mitreTechnique', 'mitreTechniqueParent', 'mitreTactic', 'severity'] as const;
export type Task = (typeof TASKS)[number];

/** How an unknown label is counted in breakdowns (stratification, dataset stats, leakage by category). */
export const UNKNOWN_LABEL = '(unknown)';

/** The parent technique of a sub-technique (T1110.001 -> T1110); null stays null. */
export const parentTechnique = (id: string | null): string | null => (id === null ? null : id.split('.')[0]!);

/**
 * The gold answers of a record for one task: every acceptable label (several for multi-label
 * records; null = "none", for a benign record's technique and tactic), or undefined when the
 * record is not labelled for that task and must not be scored on it.
 */
export function goldLabels(record: DatasetRecord, task: Task): readonly (string | null)[] | undefined {
  switch (task) {
    case 'threatCategory':
      return record.threatCategory === null ? undefined : [record.threatCategory];
    case 'severity':
      return record.severity === null ? undefined : [record.severity];
    case 'mitreTechnique':
    case 'mitreTechniqueParent': {
      if (record.mitreTechnique === null && record.threatCategory !== 'benign') return undefined;
      const all = record.mitreTechniques ?? [record.mitreTechnique];
      return task === 'mitreTechnique' ? all : [...new Set(all.map(parentTechnique))];
    }
    case 'mitreTactic':
      if (record.mitreTactic === null && record.threatCategory !== 'benign') return undefined;
      return record.mitreTactics ?? [record.mitreTactic];
  }
}
