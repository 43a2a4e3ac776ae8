import type { Severity, ThreatCategory } from '@opensoc/contracts';
import { categoryForAttack } from '@opensoc/datasets';
import type { BaselineAnswer, BaselineClassifier } from '../baselines.ts';
import type { TaskLabels } from '../format.ts';
import { SigmaEngine } from './engine.ts';
import { loadBundledRules } from './load.ts';
import type { RuleSet } from './load.ts';
import type { Level, SigmaRule } from './rule.ts';

const SEVERITY: Record<Level, Severity> = { informational: 'LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

/** Web rules say what they detect in their title more precisely than in their tags. */
const TITLE_CATEGORY: [RegExp, ThreatCategory][] = [
  [/sql ?injection|sqli/i, 'sql-injection'],
  [/cross[- ]site scripting|\bxss\b/i, 'cross-site-scripting'],
  [/path traversal|directory traversal|\blfi\b/i, 'path-traversal'],
  [/command injection/i, 'command-injection'],
];

/** Our threat category for a rule: its title (web attacks), else the fixed ATT&CK mapping. */
export function ruleCategory(rule: SigmaRule): ThreatCategory {
  for (const [re, c] of TITLE_CATEGORY) if (re.test(rule.title)) return c;
  return categoryForAttack(rule.techniques, rule.tactics);
}

/** A matched rule's labels: its first technique and tactic tags, its level as severity. */
export function ruleLabels(rule: SigmaRule): TaskLabels {
  const technique = rule.techniques[0] ?? null;
  return { threatCategory: ruleCategory(rule), mitreTechnique: technique, mitreTechniqueParent: technique?.split('.')[0] ?? null, mitreTactic: rule.tactics[0] ?? null, severity: SEVERITY[rule.level] };
}

/** What `predict` returns for a log no rule matches (all null); `answer` says "no prediction" instead. */
export const NO_MATCH_LABELS: TaskLabels = { threatCategory: null, mitreTechnique: null, mitreTechniqueParent: null, mitreTactic: null, severity: null };

/** The reason stored when no rule matches a log. */
export const NO_MATCH_REASON = 'no Sigma rule matched';

/**
 * Sigma rules on parsed events: the prediction is the labels of the highest-level matching rule;
 * no match is no prediction (scored wrong on every task, benign records included: a rule set that
 * stays silent has not classified anything). The rules are fixed (SigmaHQ's), so fitting learns
 * nothing from the training fold.
 */
export function sigmaRulesBaseline(ruleSet: RuleSet = loadBundledRules()): BaselineClassifier & { engine: SigmaEngine; coverage(logs: readonly string[]): { matched: number; total: number } } {
  const engine = new SigmaEngine(ruleSet.rules);
  return {
    name: 'sigma-rules',
    engine,
    fit: () => {
      const answer = (logs: readonly string[]): BaselineAnswer[] =>
        logs.map((log) => {
          const best = SigmaEngine.best(engine.matchLog(log));
          return best ? { labels: ruleLabels(best) } : { noPrediction: NO_MATCH_REASON };
        });
      return { answer, predict: (logs) => answer(logs).map((a) => ('labels' in a ? a.labels : { ...NO_MATCH_LABELS })) };
    },
    coverage: (logs) => ({ matched: logs.filter((l) => engine.matchLog(l).length > 0).length, total: logs.length }),
  };
}

/** A match explained for people, naming the rule's authors as the Detection Rule License asks. */
export const explainMatch = (rule: SigmaRule) => `Sigma rule "${rule.title}" (${rule.id}, level ${rule.level}) by ${rule.author || 'unknown author'}, SigmaHQ, DRL 1.1`;
