import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';
import type { BaselineClassifier } from '../baselines.ts';
import type { TaskLabels } from '../format.ts';
import { SigmaEngine } from './engine.ts';
import { loadBundledRules } from './load.ts';
import type { RuleSet } from './load.ts';
import type { Level, SigmaRule } from './rule.ts';

const SEVERITY: Record<Level, Severity> = { informational: 'LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

/** Techniques whose family has its own category in our taxonomy (checked before the tactic). */
const TECHNIQUE_CATEGORY: [RegExp, ThreatCategory][] = [
  [/^T1003\b/, 'credential-dumping'],
  [/^T1110\b/, 'brute-force'],
  [/^T1595\b|^T1046\b/, 'reconnaissance'],
  [/^T1498\b|^T1499\b/, 'denial-of-service'],
  [/^T1021\b|^T1570\b/, 'lateral-movement'],
  [/^T1059\b|^T1204\b|^T1218\b/, 'malicious-execution'],
];
const TACTIC_CATEGORY: Partial<Record<MitreTactic, ThreatCategory>> = {
  reconnaissance: 'reconnaissance',
  'initial-access': 'web-exploit',
  execution: 'malicious-execution',
  persistence: 'persistence',
  'privilege-escalation': 'privilege-escalation',
  'defense-evasion': 'defense-evasion',
  'credential-access': 'credential-dumping',
  discovery: 'reconnaissance',
  'lateral-movement': 'lateral-movement',
  collection: 'exfiltration',
  'command-and-control': 'command-and-control',
  exfiltration: 'exfiltration',
  impact: 'denial-of-service',
};
/** Web rules say what they detect in their title more precisely than in their tags. */
const TITLE_CATEGORY: [RegExp, ThreatCategory][] = [
  [/sql ?injection|sqli/i, 'sql-injection'],
  [/cross[- ]site scripting|\bxss\b/i, 'cross-site-scripting'],
  [/path traversal|directory traversal|\blfi\b/i, 'path-traversal'],
  [/command injection/i, 'command-injection'],
];

/** Our threat category for a rule: title (web attacks), then technique family, then tactic. */
export function ruleCategory(rule: SigmaRule): ThreatCategory {
  for (const [re, c] of TITLE_CATEGORY) if (re.test(rule.title)) return c;
  for (const t of rule.techniques) for (const [re, c] of TECHNIQUE_CATEGORY) if (re.test(t)) return c;
  for (const t of rule.tactics) if (TACTIC_CATEGORY[t]) return TACTIC_CATEGORY[t]!;
  return 'malicious-execution';
}

/** A matched rule's labels: its first technique and tactic tags, its level as severity. */
export function ruleLabels(rule: SigmaRule): TaskLabels {
  const technique = rule.techniques[0] ?? null;
  return { threatCategory: ruleCategory(rule), mitreTechnique: technique, mitreTechniqueParent: technique?.split('.')[0] ?? null, mitreTactic: rule.tactics[0] ?? null, severity: SEVERITY[rule.level] };
}

/**
 * No rule matched: no alert, read as benign with no technique or tactic (correct on benign
 * records, wrong on every attack), and no severity guess (null, scored wrong).
 */
export const NO_MATCH_LABELS: TaskLabels = { threatCategory: 'benign', mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: null };

/**
 * Sigma rules on parsed events: the prediction is the labels of the highest-level matching rule.
 * The rules are fixed (SigmaHQ's), so fitting learns nothing from the training fold.
 */
export function sigmaRulesBaseline(ruleSet: RuleSet = loadBundledRules()): BaselineClassifier & { engine: SigmaEngine; coverage(logs: readonly string[]): { matched: number; total: number } } {
  const engine = new SigmaEngine(ruleSet.rules);
  return {
    name: 'sigma-rules',
    engine,
    fit: () => ({
      predict: (logs) =>
        logs.map((log) => {
          const best = SigmaEngine.best(engine.matchLog(log));
          return best ? ruleLabels(best) : { ...NO_MATCH_LABELS };
        }),
    }),
    coverage: (logs) => ({ matched: logs.filter((l) => engine.matchLog(l).length > 0).length, total: logs.length }),
  };
}

/** A match explained for people, naming the rule's authors as the Detection Rule License asks. */
export const explainMatch = (rule: SigmaRule) => `Sigma rule "${rule.title}" (${rule.id}, level ${rule.level}) by ${rule.author || 'unknown author'}, SigmaHQ, DRL 1.1`;
