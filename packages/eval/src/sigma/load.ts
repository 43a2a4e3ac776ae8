import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { UnsupportedRule } from './modifiers.ts';
import { compileRule } from './rule.ts';
import type { SigmaRule } from './rule.ts';

/** The bundled SigmaHQ subset (see datasets/sigma/PROVENANCE.md). */
export const BUNDLED_SIGMA_RULES = fileURLToPath(new URL('../../../../datasets/sigma/rules.jsonl', import.meta.url));

export interface RuleSet {
  rules: SigmaRule[];
  /** Rules this engine cannot evaluate, with the reason (reported, never silently dropped). */
  skipped: { path?: string; reason: string }[];
}

function addRule(set: RuleSet, value: unknown, path: string | undefined): void {
  try {
    set.rules.push(compileRule(value, path));
  } catch (e) {
    if (!(e instanceof UnsupportedRule)) throw e;
    set.skipped.push({ ...(path ? { path } : {}), reason: e.message });
  }
}

/** Parses Sigma rules written as YAML (one or several documents, as in the SigmaHQ repository). */
export function parseYamlRules(text: string, path?: string): RuleSet {
  const set: RuleSet = { rules: [], skipped: [] };
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      set.skipped.push({ ...(path ? { path } : {}), reason: `YAML: ${doc.errors[0]!.message}` });
      continue;
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) addRule(set, value, path);
  }
  return set;
}

/** Parses the bundle format: one `{"path": ..., "rule": {...}}` per line. */
export function parseRuleBundle(text: string): RuleSet {
  const set: RuleSet = { rules: [], skipped: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const { path, rule } = JSON.parse(line) as { path: string; rule: unknown };
    addRule(set, rule, path);
  }
  return set;
}

let bundled: RuleSet | undefined;
/** The bundled rules, parsed once per process. */
export function loadBundledRules(): RuleSet {
  bundled ??= parseRuleBundle(readFileSync(BUNDLED_SIGMA_RULES, 'utf8'));
  return bundled;
}
