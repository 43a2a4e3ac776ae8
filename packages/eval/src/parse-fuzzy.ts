import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';
import { extractTechniqueId, isNotApplicable, mapThreatCategory, normalizeKey, normalizeSeverity, normalizeTactic } from './normalize.ts';
import { fieldFail, fieldOk } from './parse-types.ts';
import type { FieldResult, ParsedOutput } from './parse-types.ts';

type Field = 'threatType' | 'threatCategory' | 'mitreTechnique' | 'mitreTactic' | 'severity' | 'riskScore' | 'evidence' | 'impact' | 'recommendation';

/** Key aliases after normalizeKey (case, spaces, underscores, hyphens removed). */
// No prototype: a line such as `constructor: x` must not find Object.prototype.constructor.
const KEY_ALIASES: Record<string, Field | undefined> = Object.create(null) as Record<string, Field | undefined>;
const alias = (field: Field, ...keys: string[]) => keys.forEach((k) => (KEY_ALIASES[k] = field));
alias('threatType', 'threattype', 'threat', 'type', 'attacktype', 'threatname', 'classification', 'threatclassification', 'attack', 'detectedthreat');
alias('threatCategory', 'threatcategory', 'category', 'attackcategory');
alias('mitreTechnique', 'mitretechnique', 'mitretechniqueid', 'mitreid', 'mitre', 'technique', 'techniqueid', 'attacktechnique', 'mitreattacktechnique', 'mitreattack', 'mitreattackid', 'attackid', 'ttp');
alias('mitreTactic', 'mitretactic', 'tactic', 'tactics', 'attacktactic', 'mitreattacktactic', 'mitretactics', 'killchainphase');
alias('severity', 'severity', 'severitylevel', 'sev', 'threatlevel', 'risklevel', 'criticality');
alias('riskScore', 'riskscore', 'risk', 'score');
alias('evidence', 'evidence', 'indicators', 'iocs', 'ioc');
alias('impact', 'impact', 'potentialimpact');
alias('recommendation', 'recommendation', 'recommendations', 'remediation', 'recommendedaction', 'recommendedactions', 'mitigation', 'action');

/** Characters of generated text the fuzzy parser reads. */
export const MAX_FUZZY_INPUT = 20_000;

/** Headers a model emits when it starts repeating the prompt; everything from the first one is dropped. */
const PROMPT_MARKERS = /^[ \t]*#{2,}\s*(input|instruction|response|human|assistant)\s*:?/im;
const LEADING_HEADER = /^\s*#{2,}\s*(response|assistant)\s*:?\s*/i;

/** Drop a leading "### Response:" header, then cut at the first prompt-repetition marker. */
export function cutAtPromptRepetition(text: string): string {
  const body = text.replace(LEADING_HEADER, '');
  const m = PROMPT_MARKERS.exec(body);
  return m ? body.slice(0, m.index) : body;
}

// KEY, then ':' or '=' or a spaced dash, then the value. Bullets, numbering and markdown bold allowed.
const LINE = /^\s*(?:[-*•>#]+\s*)?(?:\d+[.)]\s+)?[*_`"']*([A-Za-z][A-Za-z0-9 _&/-]{0,40}?)[*_`"']*\s*(?::|=|\s[-–—]\s)\s*(.*)$/;

function cleanValue(v: string): string {
  return v
    .trim()
    .replace(/^[*_`"'\s]+/, '')
    .replace(/[\s.,;:!*_`"'}\]]+$/, '')
    .trim();
}

/** Flatten JSON objects found in the text into normalized key -> string value. */
function jsonPairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  // At most 50 candidate objects, so hostile input with thousands of braces stays linear.
  let attempts = 0;
  for (let start = text.indexOf('{'); start !== -1 && attempts++ < 50; start = text.indexOf('{', start + 1)) {
    // Find the matching brace, ignoring braces inside strings.
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end === -1) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(start, end + 1));
    } catch {
      continue;
    }
    const walk = (obj: unknown, prefix: string) => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        const key = normalizeKey(k);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          walk(v, prefix + key);
        } else {
          const value = Array.isArray(v) ? v.map(String).join('; ') : v === null ? '' : String(v);
          // Nested keys are tried both with and without the parent prefix ("mitre": {"technique"}).
          out.push([prefix + key, value]);
          if (prefix) out.push([key, value]);
        }
      }
    };
    walk(parsed, '');
    start = end;
  }
  return out;
}

// Canonical upper-case keys after whitespace: outputs whose newlines were collapsed to spaces.
const COLLAPSED_KEY = /\s+(?=(?:THREAT_TYPE|THREAT_CATEGORY|MITRE_TECHNIQUE|MITRE_TACTIC|SEVERITY|RISK_SCORE|EVIDENCE|IMPACT|RECOMMENDATION)\s*:)/g;
const INLINE_KEY = /[,;|]\s*(?=(?:threat[ _-]?type|threat[ _-]?category|mitre[ _-]?\w*|technique|tactic|severity|risk[ _-]?score|evidence|impact|recommendations?)\s*[:=])/gi;

/** Collect the raw value of each field: JSON objects first, then `KEY: value` lines. */
function collectFields(text: string): Map<Field, string> {
  const found = new Map<Field, string>();
  for (const [key, value] of jsonPairs(text)) {
    const field = KEY_ALIASES[key];
    if (field && !found.has(field)) found.set(field, value);
  }
  // "key": "value" pairs outside valid JSON (truncated or malformed objects).
  for (const m of text.matchAll(/"([^"\n]{1,40})"\s*:\s*(?:"([^"\n]*)"|(-?\d+(?:\.\d+)?))/g)) {
    const field = KEY_ALIASES[normalizeKey(m[1]!)];
    if (field && !found.has(field)) found.set(field, m[2] ?? m[3]!);
  }
  const lines = text
    .replace(INLINE_KEY, '\n')
    .replace(COLLAPSED_KEY, '\n')
    .split('\n')
    // Markdown table rows "| Severity | High |" read as "Severity: High".
    .map((l) => l.replace(/^\s*\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|\s*$/, '$1: $2'));
  for (let i = 0; i < lines.length; i++) {
    const m = LINE.exec(lines[i]!);
    if (!m) continue;
    const field = KEY_ALIASES[normalizeKey(m[1]!)];
    if (!field || found.has(field)) continue;
    let value = m[2]!;
    // "SEVERITY:\nHIGH": the value may sit on the next non-empty line, if that is not a key line.
    if (cleanValue(value) === '') {
      const next = lines.slice(i + 1).find((l) => l.trim() !== '');
      const nm = next === undefined ? null : LINE.exec(next);
      if (next !== undefined && !(nm && KEY_ALIASES[normalizeKey(nm[1]!)])) value = next;
    }
    found.set(field, value);
  }
  // "SEVERITY HIGH" (the study's regex allows whitespace as the separator), canonical keys only.
  const spaced: [Field, RegExp][] = [
    ['threatType', /^\s*threat[_ ]type\s+(.+)$/im],
    ['mitreTechnique', /^\s*mitre[_ ]technique\s+(.+)$/im],
    ['mitreTactic', /^\s*mitre[_ ]tactic\s+(.+)$/im],
    ['severity', /^\s*severity\s+(.+)$/im],
  ];
  for (const [field, re] of spaced) {
    if (found.has(field)) continue;
    const m = re.exec(text);
    if (m) found.set(field, m[1]!);
  }
  return found;
}

function fromRaw<T>(raw: string | undefined, map: (v: string) => T | undefined): FieldResult<T> {
  if (raw === undefined) return fieldFail('missing');
  const v = cleanValue(raw);
  if (v === '') return fieldFail('empty', raw);
  const mapped = map(v);
  return mapped === undefined ? fieldFail('unrecognized', v) : fieldOk(mapped, v);
}

/**
 * Tolerant parse of generated text. Cuts at prompt repetitions, accepts key drift, aliases,
 * `:`/`=`/` - ` separators, JSON objects, technique-id variants, severity and tactic synonyms.
 * When no technique field exists, the first `T####` id anywhere in the answer is used.
 */
export function parseFuzzy(text: string): ParsedOutput {
  // Generated answers are a few hundred tokens; the cap bounds the JSON scan on hostile input.
  const body = cutAtPromptRepetition(text.slice(0, MAX_FUZZY_INPUT));
  const f = collectFields(body);
  const threatType = fromRaw(f.get('threatType'), (v) => v);
  const explicitCategory = fromRaw<ThreatCategory>(f.get('threatCategory'), mapThreatCategory);
  // An explicit category line wins when it maps; otherwise the threat type goes through the rule table.
  const useExplicit = explicitCategory.ok || (f.get('threatCategory') !== undefined && !threatType.ok);
  const threatCategory = useExplicit ? explicitCategory : fromRaw<ThreatCategory>(f.get('threatType'), mapThreatCategory);
  let techniqueRaw = f.get('mitreTechnique');
  if (techniqueRaw === undefined) techniqueRaw = /\bT\d{4}(?:\.\d{3})?\b/i.exec(body)?.[0];
  const mitreTechnique = fromRaw<string | null>(techniqueRaw, (v) => (isNotApplicable(v) ? null : extractTechniqueId(v)));
  const mitreTactic = fromRaw<MitreTactic | null>(f.get('mitreTactic'), (v) => (isNotApplicable(v) ? null : normalizeTactic(v)));
  // "Risk: High" lands on riskScore (the alias "risk"); with no severity field and no number, it is the severity.
  const riskRaw = f.get('riskScore');
  const severityRaw = f.get('severity') ?? (riskRaw !== undefined && !/\d/.test(riskRaw) && normalizeSeverity(riskRaw) ? riskRaw : undefined);
  const severity = fromRaw<Severity>(severityRaw, normalizeSeverity);
  const riskScore = fromRaw(f.get('riskScore'), (v) => {
    const m = /(\d+(?:\.\d+)?)\s*(\/\s*(100|10)\b)?/.exec(v);
    if (!m) return undefined;
    const n = Number(m[1]) * (m[3] === '10' ? 10 : 1);
    return n >= 0 && n <= 100 ? n : undefined;
  });
  const text_ = (field: Field) => fromRaw(f.get(field), (v) => v);
  return {
    threatType,
    threatCategory,
    mitreTechnique,
    mitreTactic,
    severity,
    riskScore,
    evidence: text_('evidence'),
    impact: text_('impact'),
    recommendation: text_('recommendation'),
  };
}
