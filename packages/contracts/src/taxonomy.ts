/**
 * The fixed threat-category taxonomy. Each category is documented in
 * datasets/README.md (the dataset card). Order matters only for display.
 */
export const THREAT_CATEGORIES = [
  'benign',
  'reconnaissance',
  'brute-force',
  'credential-dumping',
  'sql-injection',
  'cross-site-scripting',
  'command-injection',
  'path-traversal',
  'web-exploit',
  'malicious-execution',
  'persistence',
  'privilege-escalation',
  'lateral-movement',
  'defense-evasion',
  'command-and-control',
  'exfiltration',
  'denial-of-service',
] as const;
export type ThreatCategory = (typeof THREAT_CATEGORIES)[number];

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** ATT&CK Enterprise tactic shortnames, in matrix order. */
export const MITRE_TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
export type MitreTactic = (typeof MITRE_TACTICS)[number];

/** Log sources the bundled corpus covers; imported data may use other kebab-case names. */
export const KNOWN_SOURCES = [
  'apache-access',
  'nginx-access',
  'sshd',
  'windows-security',
  'sysmon',
  'powershell',
  'linux-auditd',
  'firewall',
  'dns',
  'cloudtrail',
] as const;

/** ATT&CK tactic ids (TA00xx) of the shortnames above. */
export const MITRE_TACTIC_IDS: Readonly<Record<MitreTactic, string>> = {
  reconnaissance: 'TA0043',
  'resource-development': 'TA0042',
  'initial-access': 'TA0001',
  execution: 'TA0002',
  persistence: 'TA0003',
  'privilege-escalation': 'TA0004',
  'defense-evasion': 'TA0005',
  'credential-access': 'TA0006',
  discovery: 'TA0007',
  'lateral-movement': 'TA0008',
  collection: 'TA0009',
  'command-and-control': 'TA0011',
  exfiltration: 'TA0010',
  impact: 'TA0040',
};

/**
 * A tactic given as an id (TA0005), a display name (Defense Evasion) or a shortname
 * (defense-evasion), as its shortname; undefined when it is none of these.
 */
export function normalizeTactic(input: string): MitreTactic | undefined {
  const s = input.trim();
  const byId = (Object.keys(MITRE_TACTIC_IDS) as MitreTactic[]).find((t) => MITRE_TACTIC_IDS[t] === s.toUpperCase());
  if (byId) return byId;
  const short = s.toLowerCase().replace(/[\s_]+/g, '-');
  return (MITRE_TACTICS as readonly string[]).includes(short) ? (short as MitreTactic) : undefined;
}

/** ATT&CK technique id syntax: T1234 or T1234.001. */
export const TECHNIQUE_ID_PATTERN = /^T\d{4}(\.\d{3})?$/;
