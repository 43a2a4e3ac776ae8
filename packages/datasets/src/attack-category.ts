import type { MitreTactic, ThreatCategory } from '@opensoc/contracts';

/** Technique families with a category of their own in our taxonomy (checked before the tactic). */
const TECHNIQUE_CATEGORY: [RegExp, ThreatCategory][] = [
  [/^T1003\b/, 'credential-dumping'],
  [/^T1110\b/, 'brute-force'],
  [/^T1595\b|^T1046\b/, 'reconnaissance'],
  [/^T1498\b|^T1499\b/, 'denial-of-service'],
  [/^T1021\b|^T1570\b/, 'lateral-movement'],
  [/^T1190\b/, 'web-exploit'],
];
const TACTIC_CATEGORY: Partial<Record<MitreTactic, ThreatCategory>> = {
  reconnaissance: 'reconnaissance',
  'resource-development': 'reconnaissance',
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

/**
 * Our threat category for ATT&CK labels: a fixed mapping (technique family first, then the first
 * tactic), used where a source labels techniques but not our categories. Derived, not observed.
 */
export function categoryForAttack(techniques: readonly string[], tactics: readonly MitreTactic[]): ThreatCategory {
  for (const t of techniques) for (const [re, c] of TECHNIQUE_CATEGORY) if (re.test(t)) return c;
  for (const t of tactics) if (TACTIC_CATEGORY[t]) return TACTIC_CATEGORY[t]!;
  return 'malicious-execution';
}
