import { MITRE_TACTICS, SEVERITIES, TECHNIQUE_ID_PATTERN, THREAT_CATEGORIES } from '@opensoc/contracts';
import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';
import { TACTIC_INFO, mapThreatCategory } from './normalize.ts';
import { fieldFail, fieldOk } from './parse-types.ts';
import type { FieldResult, ParsedOutput } from './parse-types.ts';

/** The field keys of the OpenSOC-AI output format, in order. */
export const OUTPUT_KEYS = ['THREAT_TYPE', 'MITRE_TECHNIQUE', 'MITRE_TACTIC', 'SEVERITY', 'RISK_SCORE', 'EVIDENCE', 'IMPACT', 'RECOMMENDATION'] as const;
export type OutputKey = (typeof OUTPUT_KEYS)[number];

/**
 * The study's extraction rule, verbatim: case-insensitive `KEY[:\s]+([^\n,]+)`, first match
 * (Python's re.search), value upper-cased. No cut at prompt repetitions, no aliases.
 * Returns undefined when the regex does not match; the value is trimmed and may be ''.
 */
export function strictExtract(text: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}[:\\s]+([^\\n,]+)`, 'i').exec(text);
  return m ? m[1]!.trim().toUpperCase() : undefined;
}

/** The study's comparison: both extracted, and equal as upper-cased strings. */
export function strictFieldMatch(predictedText: string, referenceText: string, key: string): boolean {
  const p = strictExtract(predictedText, key);
  const r = strictExtract(referenceText, key);
  return p !== undefined && r !== undefined && p === r;
}

function field(text: string, key: string): FieldResult<string> {
  const v = strictExtract(text, key);
  if (v === undefined) return fieldFail('missing');
  if (v === '') return fieldFail('empty', v);
  return fieldOk(v, v);
}

function mapField<T>(f: FieldResult<string>, map: (v: string) => T | undefined): FieldResult<T> {
  if (!f.ok) return f;
  const mapped = map(f.value);
  return mapped === undefined ? fieldFail('unrecognized', f.raw) : fieldOk(mapped, f.raw);
}

// Exact (upper-cased) strings only: the strict parser does no fuzzy matching.
const TACTIC_BY_NAME = new Map<string, MitreTactic>(MITRE_TACTICS.map((t) => [TACTIC_INFO[t].name.toUpperCase(), t]));
const CATEGORY_BY_NAME = new Map<string, ThreatCategory>(THREAT_CATEGORIES.map((c) => [c.toUpperCase(), c]));

/**
 * Strict parse into labels. Per field the captured value must be, exactly:
 * technique: an id (T1190 / T1190.001) as its first token, or N/A;
 * tactic: an ATT&CK display name ("INITIAL ACCESS") or N/A; severity: one of the four levels.
 * Threat category: a THREAT_CATEGORY line naming a category exactly; otherwise the threat
 * type through the category rule table (the study had no categories, so this is the only
 * mapping it can get; it is the same table the fuzzy parser uses).
 */
export function parseStrict(text: string): ParsedOutput {
  const threatType = field(text, 'THREAT_TYPE');
  const categoryLine = field(text, 'THREAT_CATEGORY');
  const threatCategory: FieldResult<ThreatCategory> = categoryLine.ok
    ? mapField(categoryLine, (v) => CATEGORY_BY_NAME.get(v))
    : mapField(threatType, (v) => mapThreatCategory(v));
  const mitreTechnique = mapField<string | null>(field(text, 'MITRE_TECHNIQUE'), (v) => {
    const first = v.split(/\s+/)[0]!;
    if (first === 'N/A') return null;
    return TECHNIQUE_ID_PATTERN.test(first) ? first : undefined;
  });
  const mitreTactic = mapField<MitreTactic | null>(field(text, 'MITRE_TACTIC'), (v) => (v === 'N/A' ? null : TACTIC_BY_NAME.get(v)));
  const severity = mapField<Severity>(field(text, 'SEVERITY'), (v) => (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : undefined);
  const riskScore = mapField(field(text, 'RISK_SCORE'), (v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined));
  return {
    threatType,
    threatCategory,
    mitreTechnique,
    mitreTactic,
    severity,
    riskScore,
    evidence: field(text, 'EVIDENCE'),
    impact: field(text, 'IMPACT'),
    recommendation: field(text, 'RECOMMENDATION'),
  };
}

/**
 * The study's scoring: per key, the share of outputs whose strictly extracted value equals the
 * reference's (both upper-cased; a missing extraction never matches).
 */
export function strictFieldAccuracy(
  predictedTexts: readonly string[],
  referenceTexts: readonly string[],
  keys: readonly string[] = ['THREAT_TYPE', 'MITRE_TECHNIQUE', 'MITRE_TACTIC', 'SEVERITY'],
): Record<string, { matches: number; n: number; accuracy: number }> {
  if (predictedTexts.length !== referenceTexts.length) throw new Error('predicted and reference texts must align');
  const n = predictedTexts.length;
  return Object.fromEntries(
    keys.map((key) => {
      let matches = 0;
      for (let i = 0; i < n; i++) if (strictFieldMatch(predictedTexts[i]!, referenceTexts[i]!, key)) matches++;
      return [key, { matches, n, accuracy: n === 0 ? 0 : matches / n }];
    }),
  );
}
