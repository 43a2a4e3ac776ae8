import { TASKS, goldLabels } from '@opensoc/contracts';
import type { DatasetRecord, Prediction, Task } from '@opensoc/contracts';
import { TACTIC_INFO, TECHNIQUE_NAMES, techniqueParent } from './normalize.ts';
import { parseFuzzy } from './parse-fuzzy.ts';
import { parseStrict } from './parse-strict.ts';
import type { ParsedOutput } from './parse-types.ts';

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/**
 * The OpenSOC-AI response text for a record (the training target). Same keys and order as
 * the study, plus a THREAT_CATEGORY line after THREAT_TYPE so the category round-trips
 * without depending on the rule table. Optional fields are written only when the record
 * has them (nothing is invented); IMPACT is not in the record so it is not written.
 */
export function formatResponse(record: DatasetRecord): string {
  const technique = record.mitreTechnique === null ? 'N/A (N/A)' : `${record.mitreTechnique} (${TECHNIQUE_NAMES[record.mitreTechnique] ?? record.mitreTechnique})`;
  const lines = [
    `THREAT_TYPE: ${oneLine(record.threatType ?? 'UNKNOWN')}`,
    `THREAT_CATEGORY: ${record.threatCategory ?? 'UNKNOWN'}`,
    `MITRE_TECHNIQUE: ${technique}`,
    `MITRE_TACTIC: ${record.mitreTactic === null ? 'N/A' : TACTIC_INFO[record.mitreTactic].name}`,
    `SEVERITY: ${record.severity ?? 'UNKNOWN'}`,
  ];
  if (record.riskScore !== undefined) lines.push(`RISK_SCORE: ${record.riskScore}`);
  if (record.evidence !== undefined) lines.push(`EVIDENCE: ${oneLine(record.evidence)}`);
  if (record.recommendation !== undefined) lines.push(`RECOMMENDATION: ${oneLine(record.recommendation)}`);
  return lines.join('\n');
}

/** Labels per task; null means "no technique/tactic" (N/A). */
export type TaskLabels = Record<Task, string | null>;

/** Per task, every acceptable gold label of a record, or undefined where it is not labelled for the task. */
export type RecordGold = Record<Task, readonly (string | null)[] | undefined>;

/** What a record is scored against, per task (contracts' goldLabels for each task). */
export function recordGold(record: DatasetRecord): RecordGold {
  return Object.fromEntries(TASKS.map((t) => [t, goldLabels(record, t)])) as RecordGold;
}

/**
 * The primary gold label of a record per task (null also where a label is unknown). For
 * display and fixtures; scoring uses recordGold, which leaves unlabelled records out.
 */
export function recordLabels(record: DatasetRecord): TaskLabels {
  return {
    threatCategory: record.threatCategory,
    mitreTechnique: record.mitreTechnique,
    mitreTechniqueParent: techniqueParent(record.mitreTechnique),
    mitreTactic: record.mitreTactic,
    severity: record.severity,
  };
}

/**
 * A parse as the `predicted` / `failures` pair of a stored Prediction. A failed field is
 * predicted as null and its reason recorded, so metrics count it as a parse failure.
 */
export function parsedToPrediction(parsed: ParsedOutput): { predicted: TaskLabels; failures: Partial<Record<Task, string>> } {
  const failures: Partial<Record<Task, string>> = {};
  const get = <T extends string | null>(task: Task, f: ParsedOutput[keyof ParsedOutput]): T | null => {
    if (f.ok) return f.value as T;
    failures[task] = f.reason;
    return null;
  };
  const technique = get<string | null>('mitreTechnique', parsed.mitreTechnique);
  if (!parsed.mitreTechnique.ok) failures.mitreTechniqueParent = parsed.mitreTechnique.reason;
  return {
    predicted: {
      threatCategory: get('threatCategory', parsed.threatCategory),
      mitreTechnique: technique,
      mitreTechniqueParent: techniqueParent(technique),
      mitreTactic: get('mitreTactic', parsed.mitreTactic),
      severity: get('severity', parsed.severity),
    },
    failures,
  };
}

/**
 * A stored Prediction from generated text: parsed with the strict or the fuzzy parser, failure
 * reasons kept per task, and the raw text kept for audit.
 */
export function predictionFromText(recordId: string, fold: number, mode: 'generate-strict' | 'generate-fuzzy', raw: string): Prediction {
  const { predicted, failures } = parsedToPrediction(mode === 'generate-strict' ? parseStrict(raw) : parseFuzzy(raw));
  const prediction: Prediction = { recordId, fold, mode, predicted, raw };
  if (Object.keys(failures).length > 0) prediction.failures = failures as Record<string, string>;
  return prediction;
}
