import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';

/**
 * Why a field has no value. Counted apart from wrong answers in reports:
 * - missing: no such field in the output
 * - empty: the field is there but its value is blank
 * - unrecognized: a value is there but does not map onto the label space
 */
export const PARSE_FAILURE_REASONS = ['missing', 'empty', 'unrecognized'] as const;
export type ParseFailureReason = (typeof PARSE_FAILURE_REASONS)[number];

export type FieldResult<T> = { ok: true; value: T; raw: string } | { ok: false; reason: ParseFailureReason; raw?: string };

/** A parsed OpenSOC-AI response. Technique and tactic are null for "N/A" (no threat). */
export interface ParsedOutput {
  threatType: FieldResult<string>;
  threatCategory: FieldResult<ThreatCategory>;
  mitreTechnique: FieldResult<string | null>;
  mitreTactic: FieldResult<MitreTactic | null>;
  severity: FieldResult<Severity>;
  riskScore: FieldResult<number>;
  evidence: FieldResult<string>;
  impact: FieldResult<string>;
  recommendation: FieldResult<string>;
}

export function fieldOk<T>(value: T, raw: string): FieldResult<T> {
  return { ok: true, value, raw };
}
export function fieldFail<T>(reason: ParseFailureReason, raw?: string): FieldResult<T> {
  return raw === undefined ? { ok: false, reason } : { ok: false, reason, raw };
}
